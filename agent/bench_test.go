package agent_test

import (
	"context"
	"testing"
	"time"

	"tandem/agent"
	"tandem/msp"
)

// BenchmarkDrain10k measures how long an agent takes to deliver 10,000
// tickets written offline to a real hub on loopback: every push and pull
// page committed (synced) on both sides. Setup — hub, enrollment, writing
// the tickets — is not timed.
func BenchmarkDrain10k(b *testing.B) {
	const n = 10_000
	var timed time.Duration
	for range b.N {
		b.StopTimer()
		e := enrollDir(b, msp.ModeCoManaged)
		a, err := agent.Open(context.Background(), e.dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
		if err != nil {
			b.Fatal(err)
		}
		submitMany(b, a, n, 8)
		conn, err := a.Identity().Conn(fastConn)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		b.StartTimer()
		drain(b, a, conn, 10, time.Now().Add(5*time.Minute))
		b.StopTimer()
		timed += time.Since(start)
		conn.Close()
		if err := a.Close(); err != nil {
			b.Fatal(err)
		}
		e.hub.stop()
	}
	b.ReportMetric(float64(n*b.N)/timed.Seconds(), "tickets/s")
	b.ReportMetric(timed.Seconds()/float64(b.N), "s/10k")
}
