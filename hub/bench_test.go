package hub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"tandem/hub"
	"tandem/hub/webhook"
	"tandem/msp"
	"tandem/sync/protocol"
)

// BenchmarkPush measures pushes of 100 ticket creates from one device over
// real loopback TLS into the embedded store.
func BenchmarkPush(b *testing.B) {
	h := startHub(b)
	a := h.tenant(b, "Acme", msp.ModeCoManaged)
	d := h.enroll(b, a.ID, "pc-1")
	benchPush(b, d)
}

// BenchmarkPushWithWebhook is BenchmarkPush for a tenant with a webhook
// endpoint that takes ticket.created: each create also queues its event in
// the push's transaction, and the relay publishes it to the endpoint's
// queue (a receiver on loopback answers 204).
func BenchmarkPushWithWebhook(b *testing.B) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer recv.Close()
	h, _ := startHubWith(b, b.TempDir(), hub.Config{Webhooks: webhook.Options{AllowHTTP: true}})
	a := h.tenant(b, "Acme", msp.ModeCoManaged)
	if _, err := h.admin.AddWebhook(context.Background(), a.ID, recv.URL, []string{webhook.EventTicketCreated}, "bench"); err != nil {
		b.Fatal(err)
	}
	d := h.enroll(b, a.ID, "pc-1")
	benchPush(b, d)
}

// benchPush times pushes of 100 ticket creates from d.
func benchPush(b *testing.B, d *testDevice) {
	const batch = 100
	pushes := 0
	for b.Loop() {
		b.StopTimer()
		ms := make([]protocol.Mutation, batch)
		for i := range ms {
			ms[i] = createM(d.next(), draft("Benchmark ticket"))
		}
		b.StartTimer()
		resp := d.push(b, ms...)
		if resp.HighWater != d.seq || len(resp.Results) != batch {
			b.Fatalf("push: high water %d, %d results; want %d, %d", resp.HighWater, len(resp.Results), d.seq, batch)
		}
		pushes++
	}
	b.ReportMetric(float64(pushes*batch)/b.Elapsed().Seconds(), "mutations/s")
}
