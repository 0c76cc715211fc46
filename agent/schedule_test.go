package agent

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// scripted returns the inventories it is given, in turn: it stands for the
// device changing between collections.
type scripted struct{ invs []msp.Inventory }

func (s *scripted) Inventory(context.Context) (msp.Inventory, error) {
	inv := s.invs[0]
	if len(s.invs) > 1 {
		s.invs = s.invs[1:]
	}
	inv.CollectedAt = time.Now().UTC()
	return inv, nil
}
func (s *scripted) Patches(context.Context) (msp.PatchState, error) {
	return msp.PatchState{Pending: []msp.Patch{{Name: "openssl", InstalledVersion: "3.0.14", CandidateVersion: "3.0.15", Security: true}}, LastChecked: time.Now()}, nil
}
func (s *scripted) Posture(context.Context) (msp.Posture, error) { return msp.Posture{}, nil }

func TestOnlyChangedInventoriesAreQueued(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, t.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	base := msp.Inventory{Hostname: "pc1", OS: msp.OSInfo{Name: "Debian GNU/Linux", Version: "12", ID: "debian", Kernel: "6.1.0"},
		Disks: []msp.Disk{{Mount: "/", FS: "ext4", TotalBytes: 100 << 30, FreeBytes: 50 << 30}}}
	tiny := base
	tiny.Disks = []msp.Disk{{Mount: "/", FS: "ext4", TotalBytes: 100 << 30, FreeBytes: 50<<30 + 1<<20}} // 1 MB more free
	bigger := base
	bigger.Disks = []msp.Disk{{Mount: "/", FS: "ext4", TotalBytes: 100 << 30, FreeBytes: 40 << 30}}
	c := &scripted{invs: []msp.Inventory{base, base, tiny, bigger}}

	want := []bool{true, false, false, true} // first, same, noise, a real change
	for i, w := range want {
		sent, err := a.collectOnce(ctx, c, "inventory")
		if err != nil {
			t.Fatal(err)
		}
		if sent != w {
			t.Fatalf("collection %d: sent %v, want %v", i+1, sent, w)
		}
	}
	if sent, err := a.collectOnce(ctx, c, "patches"); err != nil || !sent {
		t.Fatalf("a new pending security update was not sent: %v %v", sent, err)
	}
	if sent, err := a.collectOnce(ctx, c, "patches"); err != nil || sent {
		t.Fatalf("the same patch state was sent again: %v %v", sent, err)
	}
	n := 0
	err = a.db.View(func(tx *localdb.Tx) error {
		return a.ob.Pending(tx, func(m protocol.Mutation) error {
			if m.Kind == protocol.KindInventory {
				n++
			}
			return nil
		})
	})
	if err != nil || n != 3 {
		t.Fatalf("%d inventories queued, want 3 (%v)", n, err)
	}
}
