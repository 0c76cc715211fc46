package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/hub"
	"tandem/localdb"
	"tandem/msp"
)

// sweepFixture is a store with one co-managed tenant and n open tickets,
// half internal-owned and answered, half MSP-owned, all created on
// Tuesday 3 March 2026 between 08:00 and 09:00 in Johannesburg.
func sweepFixture(b *testing.B, n int) (*hub.Server, *hub.BadgerStore, func(time.Time)) {
	b.Helper()
	ctx := context.Background()
	st, err := hub.OpenBadgerStore(ctx, b.TempDir(), localdb.Options{Profile: localdb.Server, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	tn := msp.NewTenant("acme", "Acme", msp.ModeCoManaged)
	tn.Branding = hub.DefaultBranding
	loc, _ := time.LoadLocation("Africa/Johannesburg")
	base := time.Date(2026, 3, 3, 8, 0, 0, 0, loc).UTC()
	if err := st.Update(ctx, func(tx hub.Tx) error { return tx.PutTenant(tn) }); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < n; start += 1000 {
		err := st.Update(ctx, func(tx hub.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				at := base.Add(time.Duration(i%3600) * time.Second)
				tk := &msp.Ticket{
					ID: msp.NewTicketID(), Tenant: tn.ID, Device: "dev", Requester: "jane@pc",
					Title: "Printer jams", Pillar: msp.PillarHelpdesk, Category: "printing",
					Impact: msp.LevelMedium, Urgency: msp.Level(1 + i%3), Status: msp.StatusNew, Owner: msp.PartyMSP,
					CreatedAt: at, UpdatedAt: at, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
				}
				tk.Priority, _ = msp.PriorityFor(tk.Impact, tk.Urgency)
				h := hub.TicketHistory{Tenant: tn.ID, Ticket: tk.ID, RoutedAt: at}
				if i%2 == 0 {
					tk.Owner, tk.Status = msp.PartyInternal, msp.StatusProgress
					h.Statuses = []msp.StatusChange{{At: at.Add(time.Minute), Status: msp.StatusProgress}}
					h.FirstResponseAt = at.Add(time.Minute)
				}
				if err := tx.PutTicket(tk); err != nil {
					return err
				}
				if err := tx.PutHistory(h); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	srv := hub.NewServer(st, nil, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	var now time.Time
	srv.SetClock(func() time.Time { return now })
	return srv, st, func(t time.Time) { now = t }
}

// BenchmarkSLASweep10k measures the full SLA sweep over 10,000 open
// tickets once their SLA state is current: the sweep that reads every
// open ticket and its history and writes nothing but their due times. The
// hub runs it on its first sweep and after a tenant's settings changed
// (each iteration changes them); the sweep of every minute reads only
// the tickets due (BenchmarkSLASweepIdle).
func BenchmarkSLASweep10k(b *testing.B) {
	const n = 10_000
	srv, st, setNow := sweepFixture(b, n)
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC) // 12:00 in Johannesburg
	setNow(now)
	first, err := srv.SweepSLA(context.Background())
	if err != nil || first.Open != n || first.Changed != n {
		b.Fatalf("first sweep: %+v, %v; want %d open and changed", first, err, n)
	}
	for b.Loop() {
		b.StopTimer()
		if err := st.Update(context.Background(), func(tx hub.Tx) error {
			tn, err := tx.Tenant("acme")
			if err != nil {
				return err
			}
			return tx.PutTenant(tn)
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := srv.SweepSLA(context.Background())
		if err != nil || st.Open != n || st.Changed != 0 {
			b.Fatalf("sweep: %+v, %v", st, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// BenchmarkSLASweepIdle measures the sweep an idle hub runs every minute,
// with no open ticket and with 100,000 (setup about 30 s, not timed), on
// the Saturday after the tickets were raised: their clocks have run out
// and the first sweep recorded it, so nothing falls due. Each iteration
// is the next minute. With many open tickets it should cost what it costs
// with none.
func BenchmarkSLASweepIdle(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) {
			srv, _, setNow := sweepFixture(b, n)
			now := time.Date(2026, 3, 7, 10, 0, 0, 0, time.UTC) // Saturday 12:00 in Johannesburg
			setNow(now)
			if _, err := srv.SweepSLA(context.Background()); err != nil {
				b.Fatal(err)
			}
			looked := 0
			for b.Loop() {
				now = now.Add(time.Minute)
				setNow(now)
				st, err := srv.SweepSLA(context.Background())
				if err != nil || st.Failures > 0 {
					b.Fatalf("sweep: %+v, %v", st, err)
				}
				looked += st.Open
			}
			b.ReportMetric(float64(looked)/float64(b.N), "tickets/sweep")
		})
	}
}

// BenchmarkSLASweep10kAllChanged measures a sweep that writes every one of
// 10,000 tickets (the first sweep after an upgrade, or a breach of all at
// once).
func BenchmarkSLASweep10kAllChanged(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		b.StopTimer()
		srv, _, setNow := sweepFixture(b, n)
		setNow(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
		b.StartTimer()
		st, err := srv.SweepSLA(context.Background())
		if err != nil || st.Changed != n {
			b.Fatalf("sweep: %+v, %v", st, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}
