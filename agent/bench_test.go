package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localdb"
	"tandem/msp"
)

// BenchmarkDrain10k measures how long an agent takes to deliver 10,000
// tickets written offline to a real hub on loopback, the hub on the server
// profile `tandem-hub serve` uses: every push and pull page committed
// (synced) on both sides. Setup — hub, enrollment, writing the tickets —
// is not timed. It also reports the bytes the hub's store grew by per
// ticket.
func BenchmarkDrain10k(b *testing.B) { benchDrain(b, 10_000) }

// BenchmarkDrain50k is BenchmarkDrain10k with 50,000 tickets: the time
// should grow five-fold, no more.
func BenchmarkDrain50k(b *testing.B) { benchDrain(b, 50_000) }

func benchDrain(b *testing.B, n int) {
	var timed, cpu time.Duration
	var grown int64
	for range b.N {
		b.StopTimer()
		e := enrollDirOn(b, msp.ModeCoManaged, localdb.Server)
		a, err := agent.Open(context.Background(), e.dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
		if err != nil {
			b.Fatal(err)
		}
		submitMany(b, a, n, 8)
		conn, err := a.Identity().Conn(fastConn)
		if err != nil {
			b.Fatal(err)
		}
		e.hub.stop()
		before := dirSize(b, e.hub.dir)
		e.hub = startHubProfile(b, e.hub.dir, e.hub.listen, localdb.Server)
		start, cpu0 := time.Now(), cpuTime()
		b.StartTimer()
		drain(b, a, conn, 10, time.Now().Add(10*time.Minute))
		b.StopTimer()
		timed += time.Since(start)
		cpu += cpuTime() - cpu0
		conn.Close()
		if err := a.Close(); err != nil {
			b.Fatal(err)
		}
		e.hub.stop()
		grown += dirSize(b, e.hub.dir) - before
	}
	b.ReportMetric(float64(n*b.N)/timed.Seconds(), "tickets/s")
	b.ReportMetric(timed.Seconds()/float64(b.N), fmt.Sprintf("s/%dk", n/1000))
	b.ReportMetric(float64(grown)/float64(n*b.N), "hub_B/ticket")
	// Agent and hub share this process: its CPU time is both sides' work,
	// which the load of other processes on the machine does not change.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu_s")
}

// dirSize is the bytes of badger's tables (.sst) and value logs (.vlog)
// under dir. Measured on a stopped hub, whose memtables were flushed to
// tables; the write-ahead logs (.mem) are preallocated and left out.
func dirSize(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if ext := filepath.Ext(d.Name()); ext != ".sst" && ext != ".vlog" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	if err != nil {
		tb.Fatalf("measuring %s: %v", dir, err)
	}
	return n
}

// BenchmarkDrainReference is the floor BenchmarkDrain10k is compared with:
// badger alone (localdb, server profile) writing 10,000 values of 600
// bytes, 100 per synced transaction.
func BenchmarkDrainReference(b *testing.B) {
	val := bytes.Repeat([]byte("x"), 600)
	var cpu time.Duration
	defer func() { b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu_s") }()
	for range b.N {
		b.StopTimer()
		db, err := localdb.Open(context.Background(), b.TempDir(), localdb.Options{Profile: localdb.Server, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cpu0 := cpuTime()
		for start := 0; start < 10_000; start += 100 {
			err := db.Update(context.Background(), func(tx *localdb.Tx) error {
				for i := start; i < start+100; i++ {
					if err := tx.Put(localdb.Key("ref", fmt.Sprintf("%08d", i)), val); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
