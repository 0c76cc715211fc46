package hub_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
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

// Two hubs on one PostgreSQL share the failed-sign-in limit: ten wrong
// credentials spread over both block the address on both.
func TestSharedSignInLimit(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	dbURL := c.NewDatabase(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var hubs []*testHub
	for range 2 {
		store, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		h, _ := startHubWith(t, t.TempDir(), hub.Config{Store: store, SLAInterval: -1})
		hubs = append(hubs, h)
	}
	wrong := http.Header{"Authorization": {"Bearer tdm_op_wrong"}}
	for i := range 10 {
		h := hubs[i%2]
		if code, _, e := do(t, h.rawClient(t, nil), http.MethodGet, h.info.URL+hub.PathAdminTenants, nil, wrong); code != http.StatusUnauthorized {
			t.Fatalf("failed attempt %d = %d %v, want 401", i+1, code, e)
		}
	}
	for i, h := range hubs {
		code, hdr, e := do(t, h.rawClient(t, nil), http.MethodGet, h.info.URL+hub.PathAdminTenants, nil, wrong)
		if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
			t.Errorf("hub %d after 10 failures spread over two hubs = %d %v, want 429 with Retry-After", i+1, code, e)
		}
	}
	// The right credential still works.
	if _, err := hubs[1].admin.Tenants(context.Background()); err != nil {
		t.Errorf("the operator after the block: %v", err)
	}
}

// Of two hubs on one PostgreSQL, only the one that sweeps exports the
// gauges that count the whole store, so adding up the hubs counts each
// device once.
func TestStoreGaugesExportedOnce(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	dbURL := c.NewDatabase(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var hubs []*testHub
	for range 2 {
		store, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		h, _ := startHubWith(t, t.TempDir(), hub.Config{Store: store, SLAInterval: time.Hour})
		hubs = append(hubs, h)
	}
	tn := hubs[0].tenant(t, "Acme", msp.ModeCoManaged)
	hubs[1].enroll(t, tn.ID, "pc-1")
	exports := func(h *testHub) bool {
		tok, err := hub.OperatorToken(h.dir)
		if err != nil {
			t.Fatal(err)
		}
		status, body, _ := bearerGet(t, h.rawClient(t, nil), h.info.URL+"/metrics", tok)
		if status != http.StatusOK {
			t.Fatalf("GET /metrics = %d %s", status, body)
		}
		return strings.Contains(string(body), "tandem_hub_devices{")
	}
	// Wait until one hub has taken the sweep's lease (its first round).
	for try := 0; ; try++ {
		a, b := exports(hubs[0]), exports(hubs[1])
		if a && b {
			t.Fatal("both hubs export the store-wide gauges")
		}
		if a || b {
			break
		}
		if try == 600 {
			t.Fatal("no hub exports the store-wide gauges")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
