package agent

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// The files a person opened are kept up to a limit: past it, the file
// fetched first goes, and the newest stays.
func TestStaffBlobCacheDropsTheOldest(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, t.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	const user = "sipho"
	s := staffSession{OSUser: user, UserID: msp.NewID(), Role: msp.RoleITLead, Tenants: []string{"t1"}, Token: "tdm_ut_test"}
	if err := a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.PutJSON(staffKey(user, "session"), s) }); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return clock }
	kb := bytes.Repeat([]byte("x"), 1024)
	for _, name := range []string{"t1/a", "t1/b", "t1/c"} {
		clock = clock.Add(time.Minute)
		if err := a.keepStaffBlob(ctx, user, name, kb, 2500); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]bool{"t1/a": false, "t1/b": true, "t1/c": true} {
		var err error
		if verr := a.db.View(func(tx *localdb.Tx) error { _, err = tx.Get(staffKey(user, "blob/"+name)); return nil }); verr != nil {
			t.Fatal(verr)
		}
		if got := err == nil; got != want || (err != nil && !errors.Is(err, localdb.ErrNotFound)) {
			t.Errorf("%s kept: %v (%v), want %v", name, got, err, want)
		}
	}
	if err := a.keepStaffBlob(ctx, user, "t1/big", bytes.Repeat(kb, 3), 2500); err == nil {
		t.Error("a file larger than the limit was kept")
	}
}
