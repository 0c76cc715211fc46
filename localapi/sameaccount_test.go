package localapi

import "testing"

func TestSameAccount(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"thandi@reception-pc", "thandi@front-desk-pc", true},
		{`ACME\thandi@pc-1`, `ACME\thandi@pc-2`, true},
		{"thandi@pc-1", "sipho@pc-1", false},
		{"uid:1001@pc-1", "uid1001@pc-1", false},
		{"thandi", "thandi@pc-1", true},
	} {
		if got := SameAccount(tc.a, tc.b); got != tc.want {
			t.Errorf("SameAccount(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
