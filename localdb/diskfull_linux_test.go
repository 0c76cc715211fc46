package localdb

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFullDiskFailsTheWriteAndLosesNothing runs the store on a small
// tmpfs, fills the disk from outside, and checks that a write fails with
// ErrDiskFull and a message, that everything saved before is still there
// after a reopen, and that writes work again once space is freed. It needs
// root to mount the tmpfs.
func TestFullDiskFailsTheWriteAndLosesNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs to fill needs root (CI runs as root)")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96m", "tandem-test", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
	dir := filepath.Join(mnt, "store")
	db, err := Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	put := func(i int) error {
		return db.Update(t.Context(), func(tx *Tx) error {
			return tx.Put(Key(SpaceTicket, fmt.Sprintf("%06d", i)), []byte(strings.Repeat("ticket text ", 80)))
		})
	}
	saved := 0
	for ; saved < 2000; saved++ {
		if err := put(saved); err != nil {
			t.Fatalf("write %d on an empty disk: %v", saved, err)
		}
	}

	// Another program fills the disk.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	if err := f.Close(); err != nil && !isDiskFull(err) {
		t.Fatal(err)
	}

	err = put(saved)
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("write on a full disk: %v, want ErrDiskFull", err)
	}
	for _, want := range []string{"not saved", "free some space"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	if err := db.Close(); err != nil {
		t.Logf("close on a full disk: %v", err)
	}

	// Space comes back: everything saved is there, and writes work again.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	db, err = Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatalf("reopen after the disk was freed: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		n, err := tx.Count(Prefix(SpaceTicket))
		if n != saved {
			t.Errorf("%d tickets after the disk filled up, want %d", n, saved)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := put(saved); err != nil {
		t.Errorf("write after freeing space: %v", err)
	}
}
