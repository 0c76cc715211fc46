package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/hub/webhook"
	"tandem/internal/pgtest"
	"tandem/msp"
	"tandem/sync/protocol"
)

// Two hubs on one PostgreSQL share webhook endpoints and the delivery
// queue: an endpoint added on one hub gets the events of tickets raised
// through the other, each under one delivery id, sent once though both
// hubs relay events and run deliveries.
func TestWebhooksSharedByHubs(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	dbURL := c.NewDatabase(t)
	var mu sync.Mutex
	got := map[string][]string{} // ticket id → delivery ids received
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Data struct {
				Ticket struct {
					ID string `json:"id"`
				} `json:"ticket"`
			} `json:"data"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("a delivery that is not JSON: %s", b)
		}
		mu.Lock()
		got[body.Data.Ticket.ID] = append(got[body.Data.Ticket.ID], r.Header.Get(webhook.HeaderDelivery))
		mu.Unlock()
	}))
	defer recv.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var hubs []*testHub
	for range 2 {
		store, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		h, _ := startHubWith(t, t.TempDir(), hub.Config{Store: store, SLAInterval: -1, Webhooks: webhook.Options{AllowHTTP: true}})
		hubs = append(hubs, h)
	}
	tn := hubs[0].tenant(t, "Acme", msp.ModeFullyManaged)
	if _, err := hubs[0].admin.AddWebhook(context.Background(), tn.ID, recv.URL, []string{webhook.EventTicketCreated}, "PSA"); err != nil {
		t.Fatal(err)
	}
	d := hubs[1].enroll(t, tn.ID, "acme-pc")
	var ids []string
	for i := range 5 {
		tk := draft("Printer jams")
		ids = append(ids, tk.ID)
		wantResults(t, d.push(t, createM(d.next(), tk)), uint64(i+1), protocol.Applied)
	}
	// Wait for the deliveries (the relays poll); then both hubs have had
	// the time to relay and send each event again, if they would.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := 0
		for _, id := range ids {
			if len(got[id]) > 0 {
				n++
			}
		}
		mu.Unlock()
		if n == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tickets' webhooks arrived", n, len(ids))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, h := range hubs {
		if _, err := h.admin.SweepSLA(context.Background()); err != nil { // a round trip through each hub
			t.Fatal(err)
		}
	}
	time.Sleep(6 * time.Second) // longer than a relay's poll: room for a second sending, which must not come
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if len(got[id]) != 1 {
			t.Errorf("ticket %s: %d deliveries %v, want exactly one", id, len(got[id]), got[id])
		}
	}
}
