package hub

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// A store written by a hub that kept no open-ticket index and no ticket id
// index gets both when it is opened.
func TestOpenIndexBuiltForOldStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	opts := localdb.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := OpenBadgerStore(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	var open, resolved *msp.Ticket
	for i, st := range []msp.Status{msp.StatusOpen, msp.StatusResolved} {
		tk := &msp.Ticket{
			ID: msp.NewTicketID(), Tenant: "acme", Requester: "jane", Title: "T", Pillar: msp.PillarHelpdesk, Category: "printing",
			Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3, Status: st, Owner: msp.PartyMSP,
			CreatedAt: t0, UpdatedAt: t0, Revision: int64(i + 1), TitleRevision: 1, DescriptionRevision: 1,
		}
		if st == msp.StatusResolved {
			tk.ResolvedAt, resolved = t0, tk
		} else {
			open = tk
		}
		if err := s.Update(ctx, func(tx Tx) error { return tx.PutTicket(tk) }); err != nil {
			t.Fatal(err)
		}
	}
	// Make it look like an older hub's store: no index, no marker.
	if err := s.db.Update(ctx, func(tx *localdb.Tx) error {
		for _, key := range [][]byte{k(spMeta, "open-index"), k(spMeta, "ticket-id-index"), k(spTicketID, open.ID), k(spTicketID, resolved.ID)} {
			if err := tx.Delete(key); err != nil {
				return err
			}
		}
		return tx.Delete(k(spOpen, "acme", open.ID))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenBadgerStore(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []string
	if err := s.View(ctx, func(tx Tx) error {
		return tx.OpenTickets("acme", func(tk *msp.Ticket) bool { got = append(got, tk.ID); return true })
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != open.ID {
		t.Errorf("OpenTickets after reopening = %v, want only %s (not the resolved %s)", got, open.ID, resolved.ID)
	}
	for _, tk := range []*msp.Ticket{open, resolved} {
		if err := s.View(ctx, func(tx Tx) error {
			holders, err := tx.TicketTenants(tk.ID)
			if err == nil && (len(holders) != 1 || holders[0] != "acme") {
				t.Errorf("TicketTenants(%s) after reopening = %v, want [acme]", tk.Status, holders)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// A store written by a hub that kept no per-device feed gets one when it
// is opened: a device's pull then finds its own tickets without the
// tenant's feed.
func TestDeviceFeedBuiltForOldStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	opts := localdb.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := OpenBadgerStore(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	var mine []string
	for i, dev := range []string{"dev1", "dev2", "dev1"} {
		tk := &msp.Ticket{
			ID: msp.NewTicketID(), Tenant: "acme", Device: dev, Requester: "jane", Title: "T", Pillar: msp.PillarHelpdesk, Category: "printing",
			Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3, Status: msp.StatusNew, Owner: msp.PartyMSP,
			CreatedAt: t0, UpdatedAt: t0, Revision: int64(i + 1), TitleRevision: 1, DescriptionRevision: 1,
		}
		if dev == "dev1" {
			mine = append(mine, tk.ID)
		}
		if err := s.Update(ctx, func(tx Tx) error { return tx.PutTicket(tk) }); err != nil {
			t.Fatal(err)
		}
	}
	// Make it look like an older hub's store: 8-byte feed positions, no
	// device feeds, no marker.
	if err := s.db.Update(ctx, func(tx *localdb.Tx) error {
		var keys [][]byte
		if err := tx.ScanKeys(localdb.Prefix(spDevFeed), nil, func(key []byte) error { keys = append(keys, bytes.Clone(key)); return nil }); err != nil {
			return err
		}
		for _, key := range append(keys, k(spMeta, "device-feed-index")) {
			if err := tx.Delete(key); err != nil {
				return err
			}
		}
		return tx.Scan(localdb.Prefix(spFeedIdx), nil, func(key, val []byte) error {
			return tx.Put(key, bytes.Clone(val[:8]))
		})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx Tx) error {
		entries, _, err := tx.DeviceFeed("acme", "dev1", 0, 10)
		if err == nil && len(entries) != 0 {
			t.Fatalf("the old-store setup left %d device feed entries", len(entries))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenBadgerStore(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.View(ctx, func(tx Tx) error {
		entries, _, err := tx.DeviceFeed("acme", "dev1", 0, 10)
		var got []string
		for _, e := range entries {
			got = append(got, e.ID)
		}
		if err == nil && !slices.Equal(got, mine) {
			t.Errorf("DeviceFeed(dev1) after reopening = %v, want %v", got, mine)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
