package inventory

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The real collection on this Windows machine (under wine in `make test`)
// runs its queries: none is skipped as if it read a fake root, and the
// parts that need no PowerShell (WMI, the registry) are filled.
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
	// The host name is the one the agent names people by (os.Hostname),
	// not WMI's upper-case NetBIOS name: else a person's own tickets are
	// someone else's.
	if h, _ := os.Hostname(); r.Hostname == "" || r.Hostname != h {
		t.Errorf("host name %q, want os.Hostname() %q", r.Hostname, h)
	}
	// From WMI, with no PowerShell: wine has the classes, so none of
	// these may be unknown under it.
	if r.OS.Name == "" || r.OS.Name == "Windows" || r.OS.Kernel == "" {
		t.Errorf("operating system unknown: %+v", r.OS)
	}
	if r.CPU.Model == "" || r.CPU.Cores == 0 {
		t.Errorf("processor unknown: %+v", r.CPU)
	}
	if r.Memory.TotalBytes == 0 {
		t.Error("memory unknown")
	}
	if len(r.Disks) == 0 || r.Disks[0].TotalBytes == 0 {
		t.Errorf("disks unknown: %+v", r.Disks)
	}
	t.Logf("OS %+v, CPU %+v, memory %d, disks %+v, machine %+v", r.OS, r.CPU, r.Memory.TotalBytes, r.Disks, r.Machine)
	if r.Posture.AutomaticUpdates.State == "" || r.Posture.AutomaticUpdates.Evidence == "" {
		t.Errorf("automatic updates = %+v, want a judgement from the registry", r.Posture.AutomaticUpdates)
	}
	t.Logf("warnings: %q", r.Warnings)
}

// BenchmarkWMISystem is the system details from WMI, no PowerShell: the
// part that the PowerShell script did before.
func BenchmarkWMISystem(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := wmiQueryAll(ctx, `root\cimv2`, wmiSystemClasses); err != nil {
			b.Fatal(err)
		}
	}
}
