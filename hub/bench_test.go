package hub_test

import (
	"testing"

	"tandem/msp"
	"tandem/sync/protocol"
)

// BenchmarkPush measures pushes of 100 ticket creates from one device over
// real loopback TLS into the embedded store.
func BenchmarkPush(b *testing.B) {
	h := startHub(b)
	a := h.tenant(b, "Acme", msp.ModeCoManaged)
	d := h.enroll(b, a.ID, "pc-1")
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
