package hub

import (
	"strconv"
	"testing"
	"time"
)

// A flood of keys never grows a limiter past maxTracked, and a key that
// is counted max times waits out its window.
func TestFailLimiterBounded(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	l := newFailLimiter(3, time.Minute)
	l.maxTracked = 100
	for i := range 1000 {
		l.fail("k"+strconv.Itoa(i), t0)
		if len(l.byKey) > l.maxTracked {
			t.Fatalf("after %d keys the limiter tracks %d, want at most %d", i+1, len(l.byKey), l.maxTracked)
		}
	}
	for range 3 {
		if wait := l.take("x", t0); wait != 0 {
			t.Fatalf("take under the limit waits %s", wait)
		}
	}
	if wait := l.take("x", t0.Add(10*time.Second)); wait != 50*time.Second {
		t.Errorf("take over the limit waits %s, want 50s", wait)
	}
	if wait := l.take("x", t0.Add(time.Minute)); wait != 0 {
		t.Errorf("take after the window waits %s, want 0", wait)
	}
}

// An IPv6 client is limited by its /64, which one host or LAN holds whole.
func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:aa::1":   "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"::1":                  "::/64",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q, want %q", in, got, want)
		}
	}
}
