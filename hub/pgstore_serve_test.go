package hub_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/internal/pgtest"
	"tandem/msp"
	"tandem/sync/protocol"
)

// A hub on PostgreSQL that loses its database: requests answer 503 with a
// Retry-After, the agent's change waits, and once PostgreSQL is back the
// hub serves again by itself, and the change is applied once.
func TestServeOnPostgresSurvivesOutage(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	store, err := pgstore.Open(context.Background(), c.NewDatabase(t), pgstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, _ := startHubWith(t, t.TempDir(), hub.Config{Store: store, SLAInterval: -1})
	tn := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, tn.ID, "pc-1")
	first := draft("Printer jams")
	wantResults(t, d.push(t, createM(d.next(), first)), 1, protocol.Applied)

	c.Down(t)
	raw := h.rawClient(t, d)
	status, hdr, body := do(t, raw, http.MethodGet, h.info.URL+protocol.PathPull+"?after=0", nil, nil)
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Errorf("pull while PostgreSQL is down = %d (Retry-After %q, %+v), want 503 with a Retry-After", status, hdr.Get("Retry-After"), body)
	}
	second := draft("Screen flickers")
	queued := createM(d.next(), second) // the agent's outbox keeps it until the hub takes it
	if _, err := d.conn.Push(context.Background(), []protocol.Mutation{queued}); httpStatus(err) != http.StatusServiceUnavailable {
		t.Errorf("push while PostgreSQL is down: %v, want a 503", err)
	}

	c.Up(t)
	// The agent retries as it does after any 503; the first tries may still
	// meet connections the restart closed.
	var resp protocol.PushResponse
	for try := 0; ; try++ {
		resp, err = d.conn.Push(context.Background(), []protocol.Mutation{queued})
		if err == nil {
			break
		}
		if try == 20 || httpStatus(err) != http.StatusServiceUnavailable {
			t.Fatalf("push after PostgreSQL came back (try %d): %v", try+1, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantResults(t, resp, 2, protocol.Applied)
	wantResults(t, d.push(t, queued), 2, protocol.Duplicate)
	for _, tk := range []*msp.Ticket{first, second} {
		if got := h.adminTicket(t, tn.ID, tk.ID); got == nil || got.Title != tk.Title {
			t.Errorf("ticket %q after the outage = %+v", tk.Title, got)
		}
	}
}
