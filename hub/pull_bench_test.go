package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"tandem/hub"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// BenchmarkFirstSync measures a new device's first sync (every pull from
// cursor 0 until More is false) in a tenant whose other devices hold n
// tickets, on the server profile `tandem-hub serve` uses. The device has
// one ticket of its own. Setup writes the n tickets straight into the
// store, 1,000 per transaction (about 10 s for 100k); it is not timed.
// The time of a pull must follow the device's own tickets, not n.
func BenchmarkFirstSync(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) { benchFirstSync(b, n) })
	}
}

func benchFirstSync(b *testing.B, n int) {
	ctx := context.Background()
	dir := b.TempDir()
	cfg := hub.Config{Profile: localdb.Server, SLAInterval: -1} // no sweep beside the pulls
	h, stop := startHubWith(b, dir, cfg)
	tn := h.tenant(b, "Acme", msp.ModeCoManaged)
	stop()

	fillTenant(b, dir, tn.ID, n)
	ref := scanTickets(b, filepath.Join(dir, "store"), n)

	h, _ = startHubWith(b, dir, cfg)
	d := h.enroll(b, tn.ID, "new-pc")
	wantResults(b, d.push(b, createM(d.next(), draft("My own ticket"))), 1, protocol.Applied)
	pulls := 0
	b.ResetTimer()
	for range b.N {
		var cursor uint64
		var mine int
		for {
			resp, err := d.conn.Pull(ctx, cursor, 0)
			if err != nil {
				b.Fatalf("Pull(%d): %v", cursor, err)
			}
			pulls++
			mine += len(tickets(resp.Changes))
			cursor = resp.Cursor
			if !resp.More {
				break
			}
		}
		if mine != 1 {
			b.Fatalf("the first sync brought %d tickets, want the device's 1", mine)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(pulls)/float64(b.N), "pulls/sync")
	b.ReportMetric(float64(ref)/float64(time.Millisecond), "ref_scan_ms")
}

// scanTickets is the reference of BenchmarkFirstSync: the time badger
// takes to read every stored ticket's value once, without decoding.
func scanTickets(b *testing.B, dir string, n int) time.Duration {
	b.Helper()
	db, err := localdb.Open(context.Background(), dir, localdb.Options{Profile: localdb.Server, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	count, size := 0, 0
	if err := db.View(func(tx *localdb.Tx) error {
		return tx.Scan(localdb.Prefix("h-ticket"), nil, func(_, val []byte) error {
			count++
			size += len(val)
			return nil
		})
	}); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	if count != n || size == 0 {
		b.Fatalf("the reference scan read %d tickets, want %d", count, n)
	}
	return took
}

// fillTenant writes n tickets of 500 other devices into the tenant, in
// the store of the stopped hub of dir, 1,000 per transaction.
func fillTenant(b *testing.B, dir, tenant string, n int) {
	b.Helper()
	ctx := context.Background()
	st, err := hub.OpenBadgerStore(ctx, filepath.Join(dir, "store"), localdb.Options{Profile: localdb.Server, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 1000 {
		err := st.Update(ctx, func(tx hub.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				tk := &msp.Ticket{
					ID: msp.NewTicketID(), Tenant: tenant, Device: fmt.Sprintf("other-%d", i%500), Requester: "jane@pc",
					Title: "Printer jams", Description: "Since this morning, on the second floor.", Pillar: msp.PillarHelpdesk, Category: "printing",
					Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3, Status: msp.StatusNew, Owner: msp.PartyMSP,
					CreatedAt: at, UpdatedAt: at, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
				}
				if err := tx.PutTicket(tk); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTicketsList measures `tandem-hub tickets --json`'s listing of
// a tenant with 100,000 tickets (setup about 20 s, not timed), streamed
// from the hub's store through the operator API, against a badger scan of
// the same values (ref_scan_ms). heap_MB is the process's live heap after
// the listings (hub and client both, with the stores' caches);
// heap_growth_MB how much it grew from the first listing to the last: it
// must not grow with them.
func BenchmarkTicketsList(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	dir := b.TempDir()
	cfg := hub.Config{Profile: localdb.Server, SLAInterval: -1}
	h, stop := startHubWith(b, dir, cfg)
	tn := h.tenant(b, "Acme", msp.ModeCoManaged)
	stop()
	fillTenant(b, dir, tn.ID, n)
	ref := scanTickets(b, filepath.Join(dir, "store"), n)
	h, _ = startHubWith(b, dir, cfg)
	heap := func() float64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapAlloc) / (1 << 20)
	}
	var before float64
	b.ResetTimer()
	for i := range b.N {
		if i == 1 {
			b.StopTimer()
			before = heap() // after one listing: caches warm
			b.StartTimer()
		}
		count := 0
		if err := h.admin.EachTicket(ctx, tn.ID, func(json.RawMessage) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != n {
			b.Fatalf("listed %d tickets, want %d", count, n)
		}
	}
	b.StopTimer()
	after := heap()
	if b.N > 1 {
		b.ReportMetric(after-before, "heap_growth_MB")
	}
	b.ReportMetric(after, "heap_MB")
	b.ReportMetric(float64(ref)/float64(time.Millisecond), "ref_scan_ms")
}
