package inventory

import (
	"context"
	"strings"
	"testing"
)

// The real collection on this Windows machine (under wine in `make test`)
// runs its queries: none is skipped as if it read a fake root, and the
// parts that need no PowerShell are filled.
func TestWindowsCollectionRunsItsQueries(t *testing.T) {
	r, err := Collect(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range r.Warnings {
		if strings.Contains(w, errFakeRoot.Error()) {
			t.Errorf("a query was skipped as if this machine were a fake root: %s", w)
		}
	}
	if r.Hostname == "" {
		t.Error("no host name")
	}
	if r.Posture.AutomaticUpdates.State == "" || r.Posture.AutomaticUpdates.Evidence == "" {
		t.Errorf("automatic updates = %+v, want a judgement from the registry", r.Posture.AutomaticUpdates)
	}
	t.Logf("warnings: %q", r.Warnings)
}
