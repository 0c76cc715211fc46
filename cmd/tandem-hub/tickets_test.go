package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/hub"
	"tandem/localdb"
	"tandem/msp"
)

// tandem-hub tickets --json streams the list in the form printJSON gives
// the whole list (what it printed before it streamed), and the table
// lists every ticket.
func TestTicketsStreamed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := hub.OpenBadgerStore(ctx, filepath.Join(dir, "store"), localdb.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	tn := msp.NewTenant(msp.NewID(), "Acme", msp.ModeCoManaged)
	empty := msp.NewTenant(msp.NewID(), "Empty", msp.ModeCoManaged)
	at := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	var want []msp.Ticket
	err = st.Update(ctx, func(tx hub.Tx) error {
		if err := tx.PutTenant(tn); err != nil {
			return err
		}
		if err := tx.PutTenant(empty); err != nil {
			return err
		}
		for i := range 25 {
			tk := &msp.Ticket{
				ID: msp.NewTicketID(), Tenant: tn.ID, Device: "dev", Requester: "jane@pc",
				Title: fmt.Sprintf("Printer <%d> & jams", i), Pillar: msp.PillarHelpdesk, Category: "printing",
				Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3, Status: msp.StatusNew, Owner: msp.PartyMSP,
				CreatedAt: at, UpdatedAt: at, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
			}
			want = append(want, *tk)
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx = serveDir(t, dir)

	var got, wantJSON bytes.Buffer
	if err := run(ctx, []string{"tickets", "--data", dir, "--tenant", tn.ID, "--json"}, &got, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := printJSON(&wantJSON, want); err != nil {
		t.Fatal(err)
	}
	if got.String() != wantJSON.String() {
		t.Errorf("tickets --json printed\n%.400s\nwant\n%.400s", got.String(), wantJSON.String())
	}
	got.Reset()
	if err := run(ctx, []string{"tickets", "--data", dir, "--tenant", empty.ID, "--json"}, &got, io.Discard); err != nil || got.String() != "[]\n" {
		t.Errorf("tickets --json of a tenant without tickets = %q, %v; want []", got.String(), err)
	}
	got.Reset()
	if err := run(ctx, []string{"tickets", "--data", dir, "--tenant", tn.ID}, &got, io.Discard); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(got.String(), "\n"); lines != len(want)+1 {
		t.Errorf("tickets printed %d lines, want a header and %d tickets:\n%s", lines, len(want), got.String())
	}
	if err := run(ctx, []string{"tickets", "--data", dir, "--tenant", "no-such-tenant", "--json"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no tenant") {
		t.Errorf("tickets of an unknown tenant: %v, want the hub's refusal", err)
	}
}

// serveDir serves the hub of data directory dir until the test ends.
func serveDir(t *testing.T, dir string) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- hub.Serve(ctx, hub.Config{Dir: dir, Listen: "127.0.0.1:0", SLAInterval: -1,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(i hub.Info) { ready <- i }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		done <- err
		t.Fatalf("Serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the hub did not start")
	}
	return context.Background()
}
