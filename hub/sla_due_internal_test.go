package hub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

type dueEventLog struct {
	mu  sync.Mutex
	all []string
}

func (e *dueEventLog) TicketEvent(_ context.Context, ev TicketEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, fmt.Sprintf("%s %s %s %s", ev.At.Format(time.RFC3339), ev.Ticket.ID, ev.Kind, ev.Clock))
}

// The sweep that reads only the tickets due (Tx.DueTickets, nextDue) does
// what the sweep that reads every open ticket each time does: the same
// events at the same sweeps, the same tickets and histories, over three
// days of sweeps every five minutes with tickets of every priority and
// owner, a tenant change and ticket changes between sweeps.
func TestDueSweepMatchesFullSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	open := func() *BadgerStore {
		st, err := OpenBadgerStore(ctx, t.TempDir(), localdb.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stores := []*BadgerStore{open(), open()} // full, due
	put := func(fn func(tx Tx) error) {
		t.Helper()
		for _, st := range stores {
			if err := st.Update(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
	}
	tn := msp.NewTenant("acme", "Acme", msp.ModeCoManaged)
	tn.Branding = DefaultBranding
	loc, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 3, 7, 30, 0, 0, loc).UTC() // a Tuesday, before opening
	var ids []string
	put(func(tx Tx) error { return tx.PutTenant(tn) })
	var tickets []*msp.Ticket
	var hists []TicketHistory
	for i := range 48 {
		at := base.Add(time.Duration(i) * 37 * time.Minute)
		tk := &msp.Ticket{
			ID: msp.NewTicketID(), Tenant: tn.ID, Device: "dev", Requester: "jane@pc",
			Title: "Printer jams", Pillar: msp.PillarHelpdesk, Category: "printing",
			Impact: msp.Level(1 + i%3), Urgency: msp.Level(1 + (i/3)%3), Status: msp.StatusNew,
			Owner:     []msp.Party{msp.PartyMSP, msp.PartyInternal, msp.PartyShared}[i%3],
			CreatedAt: at, UpdatedAt: at, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
		}
		tk.Priority, _ = msp.PriorityFor(tk.Impact, tk.Urgency)
		h := TicketHistory{Tenant: tn.ID, Ticket: tk.ID, RoutedAt: at}
		if i%4 == 1 {
			h.RouteUntil = at.Add(2 * time.Hour)
		}
		if i%5 == 2 {
			tk.Status = msp.StatusProgress
			h.Statuses = []msp.StatusChange{{At: at.Add(time.Minute), Status: msp.StatusProgress}}
			h.FirstResponseAt = at.Add(time.Minute)
		}
		tickets, hists = append(tickets, tk), append(hists, h)
		ids = append(ids, tk.ID)
	}
	put(func(tx Tx) error {
		for i := range tickets {
			if err := tx.PutTicket(tickets[i]); err != nil {
				return err
			}
			if err := tx.PutHistory(hists[i]); err != nil {
				return err
			}
		}
		return nil
	})

	var now time.Time
	logs := []*dueEventLog{{}, {}}
	var srvs []*Server
	for i, st := range stores {
		srv := NewServer(st, nil, "", quiet)
		srv.SetClock(func() time.Time { return now })
		srv.SetEventSink(logs[i])
		srvs = append(srvs, srv)
	}
	looked := [2]int{}
	for step := range 3 * 24 * 12 {
		now = base.Add(time.Duration(step) * 5 * time.Minute)
		switch step {
		case 100: // the tenant changes: a smaller at-risk share
			tn.SLA = msp.DefaultSLAPolicy()
			tn.SLA.AtRiskPercent = 10
			put(func(tx Tx) error { return tx.PutTenant(tn) })
		case 150: // a ticket waits on the customer, another is answered
			for i, st := range stores {
				if err := st.Update(ctx, func(tx Tx) error {
					for j, status := range map[int]msp.Status{3: msp.StatusWaiting, 4: msp.StatusProgress} {
						tk, err := tx.Ticket(tn.ID, ids[j])
						if err != nil {
							return err
						}
						if !tk.Status.IsOpen() {
							continue
						}
						h, err := tx.History(tn.ID, ids[j])
						if err != nil {
							return err
						}
						tk.Status, tk.UpdatedAt = status, now
						h.Statuses = append(h.Statuses, msp.StatusChange{At: now, Status: status})
						if err := tx.PutTicket(tk); err != nil {
							return err
						}
						if err := tx.PutHistory(h); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					t.Fatalf("store %d: %v", i, err)
				}
			}
		}
		srvs[0].swept = sweepState{} // forget: read every open ticket
		var stats [2]SweepStats
		for i, srv := range srvs {
			if stats[i], err = srv.SweepSLA(ctx); err != nil {
				t.Fatalf("sweep at %s: %v", now, err)
			}
			looked[i] += stats[i].Open
		}
		if stats[0].Changed != stats[1].Changed || stats[0].Events != stats[1].Events || stats[0].Failures+stats[1].Failures > 0 {
			_ = stores[1].View(ctx, func(tx Tx) error {
				cal := tn.SLACalendar()
				for _, id := range ids {
					tk, _ := tx.Ticket(tn.ID, id)
					h, _ := tx.History(tn.ID, id)
					next, hc, evs, _, _ := advance(tn, cal, tk, &h, now)
					if next != tk || hc || len(evs) > 0 {
						v, _ := tx.(badgerTx).tx.Get(k(spDueAt, tn.ID, id))
						t.Logf("ticket %s (%s %s %s created %s) is due now; its due entry %x; hc %v; sla %+v -> %+v", id, tk.Priority, tk.Owner, tk.Status, tk.CreatedAt, v, hc, tk.SLA, next.SLA)
					}
				}
				return nil
			})
			t.Fatalf("sweep at %s: full %+v, due %+v", now, stats[0], stats[1])
		}
	}
	// Within one sweep the order of tickets may differ (id order, due
	// order); the events of each sweep must not.
	slices.Sort(logs[0].all)
	slices.Sort(logs[1].all)
	if !slices.Equal(logs[0].all, logs[1].all) {
		for i := range min(len(logs[0].all), len(logs[1].all)) {
			if logs[0].all[i] != logs[1].all[i] {
				t.Errorf("the sweeps told different events (%d and %d); the first difference: full %q, due %q", len(logs[0].all), len(logs[1].all), logs[0].all[i], logs[1].all[i])
				break
			}
		}
	}
	if len(logs[0].all) < 20 {
		t.Errorf("only %d events in three days: the test does not exercise the clocks", len(logs[0].all))
	}
	for _, id := range ids {
		var got [2]string
		for i, st := range stores {
			if err := st.View(ctx, func(tx Tx) error {
				tk, err := tx.Ticket(tn.ID, id)
				if err != nil {
					return err
				}
				h, err := tx.History(tn.ID, id)
				if err != nil {
					return err
				}
				got[i] = fmt.Sprintf("%s %s %s %d %+v %v %v", tk.Status, tk.Owner, tk.SLA.State, len(tk.Comments), tk.SLA.ResponseDue, h.Done, h.RouteUntil)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if got[0] != got[1] {
			t.Errorf("ticket %s: full sweep left %s, due sweep %s", id, got[0], got[1])
		}
	}
	if looked[1]*5 > looked[0] {
		t.Errorf("the due sweep looked at %d tickets, the full one %d: want far fewer", looked[1], looked[0])
	}
	t.Logf("tickets looked at: full %d, due %d; events %d", looked[0], looked[1], len(logs[0].all))
}
