package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// staffBenchAgent opens an agent in a temporary directory whose store holds
// a signed-in technician's replica of n tickets over two organisations,
// written as the pull writes them. The replica's index is not open.
func staffBenchAgent(b *testing.B, n int) (*Agent, string) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	opts := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a, err := Open(ctx, dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	const user = "james"
	tenants := []string{msp.NewID(), msp.NewID()}
	s := staffSession{OSUser: user, UserID: msp.NewID(), Name: "James Mokoena", Role: msp.RoleTechnician, Tenants: tenants,
		Token: "tdm_ut_bench", HubURL: "https://hub.example.com", SignedInAt: time.Now().UTC()}
	words := []string{"printer", "vpn", "outlook", "password", "laptop", "slow", "teams", "backup", "failed", "wifi",
		"drops", "shared", "drive", "license", "new", "starter", "firewall", "alert", "disk", "full", "excel", "crash"}
	pillars := []msp.Pillar{msp.PillarHelpdesk, msp.PillarNetwork, msp.PillarSecurity, msp.PillarBackup, msp.PillarMicrosoft365}
	statuses := []msp.Status{msp.StatusNew, msp.StatusOpen, msp.StatusProgress, msp.StatusWaiting, msp.StatusResolved, msp.StatusClosed, msp.StatusResolved, msp.StatusClosed}
	owners := []msp.Party{msp.PartyMSP, msp.PartyInternal}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Now().UTC().Add(-90 * 24 * time.Hour)
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := tx.PutJSON(staffKey(user, "session"), s); err != nil {
			return err
		}
		for i, id := range tenants {
			t := msp.NewTenant(id, fmt.Sprintf("Organisation %d", i+1), msp.ModeCoManaged)
			if err := tx.PutJSON(staffKey(user, "tenant/"+id), t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	for start := 0; start < n; start += batch {
		err := a.db.Update(ctx, func(tx *localdb.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				created := base.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
				title := fmt.Sprintf("%s %s %s on PC-%04d", words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))], rng.IntN(5000))
				t := &msp.Ticket{
					ID: msp.NewID(), Tenant: tenants[i%2], Requester: "thandi@PC-0042", Title: title,
					Description: "It has not worked since this morning; I restarted twice and it still fails.",
					Pillar:      pillars[rng.IntN(len(pillars))], Category: msp.CategoryOther,
					Impact: msp.Level(1 + rng.IntN(3)), Urgency: msp.Level(1 + rng.IntN(3)),
					Status: statuses[rng.IntN(len(statuses))], Owner: owners[rng.IntN(2)],
					CreatedAt: created, UpdatedAt: created.Add(time.Hour), Revision: 3,
				}
				t.Priority, _ = msp.PriorityFor(t.Impact, t.Urgency)
				if i%3 == 0 {
					t.Assignee = s.UserID // a third are the technician's own
				}
				t.SLA = msp.SLAState{State: msp.SLARunning, Priority: t.Priority, ResponseDue: created.Add(4 * time.Hour),
					ResolutionDue: created.Add(72 * time.Hour), ComputedAt: created}
				for c := range 1 + rng.IntN(3) {
					t.Comments = append(t.Comments, msp.Comment{ID: msp.NewID(), Author: "thandi@PC-0042", Role: msp.RoleEndUser,
						Body: fmt.Sprintf("Update %d: still happening after the restart.", c), CreatedAt: created.Add(time.Duration(c) * time.Minute)})
				}
				if err := putStaffTicket(tx, user, t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Reopen, as an agent that restarted: the writes above are settled, not
	// being compacted while the benchmark runs.
	if err := a.Close(); err != nil {
		b.Fatal(err)
	}
	if a, err = Open(ctx, dir, opts); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a, user
}

// BenchmarkStaffTicketsFilter: 100,000 tickets in the real store, the
// index open; one op is a text + status filter sorted by due time, first
// page (200 full tickets read from the store) included.
func BenchmarkStaffTicketsFilter(b *testing.B) {
	a, user := staffBenchAgent(b, 100_000)
	if _, err := a.staffIndex(user); err != nil {
		b.Fatal(err)
	}
	q := localapi.TicketQuery{Q: "printer", Status: localapi.StatusFilterOpen, Sort: localapi.SortDue}
	b.ResetTimer()
	var total int
	for range b.N {
		p, err := a.StaffTickets(user, q)
		if err != nil {
			b.Fatal(err)
		}
		total = p.Total
	}
	b.ReportMetric(float64(total), "matches")
}

// BenchmarkStaffTicketsAssignedToMe: 100,000 tickets, the index open; one
// op is the queue's "Assigned to me" of open tickets by due time, first
// page included.
func BenchmarkStaffTicketsAssignedToMe(b *testing.B) {
	a, user := staffBenchAgent(b, 100_000)
	if _, err := a.staffIndex(user); err != nil {
		b.Fatal(err)
	}
	q := localapi.TicketQuery{Assignee: localapi.AssigneeMe, Status: localapi.StatusFilterOpen, Sort: localapi.SortDue}
	b.ResetTimer()
	var total int
	for range b.N {
		p, err := a.StaffTickets(user, q)
		if err != nil {
			b.Fatal(err)
		}
		total = p.Total
	}
	if total == 0 {
		b.Fatal("nothing is assigned to the technician")
	}
	b.ReportMetric(float64(total), "matches")
}

// BenchmarkStaffTicketsFilterIndexOnly is the same filter without reading
// the page's tickets from the store: the index's share.
func BenchmarkStaffTicketsFilterIndexOnly(b *testing.B) {
	a, user := staffBenchAgent(b, 100_000)
	ix, err := a.staffIndex(user)
	if err != nil {
		b.Fatal(err)
	}
	s, err := a.loadStaffSession(user)
	if err != nil {
		b.Fatal(err)
	}
	q := localapi.TicketQuery{Q: "printer", Status: localapi.StatusFilterOpen, Sort: localapi.SortDue}
	b.ResetTimer()
	for range b.N {
		if _, _, err := ix.query(q, s.Tenants); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStaffTicketsOpen: 100,000 tickets in the real store; one op
// builds the index from the store and answers the default first page (the
// tickets view opening).
func BenchmarkStaffTicketsOpen(b *testing.B) {
	a, user := staffBenchAgent(b, 100_000)
	b.ResetTimer()
	for range b.N {
		st := a.staff()
		st.mu.Lock()
		delete(st.idx, user)
		st.mu.Unlock()
		p, err := a.StaffTickets(user, localapi.TicketQuery{})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Tickets) != localapi.DefaultTicketLimit {
			b.Fatalf("first page holds %d tickets", len(p.Tickets))
		}
	}
}

// BenchmarkStaffOverview: 100,000 tickets and 5,000 devices in the real
// store, the index open; one op is the whole scope's overview.
func BenchmarkStaffOverview(b *testing.B) {
	a, user := staffBenchAgent(b, 100_000)
	s, err := a.loadStaffSession(user)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	for start := 0; start < 5000; start += 500 {
		err := a.db.Update(context.Background(), func(tx *localdb.Tx) error {
			for i := start; i < start+500; i++ {
				d := staffDevice{Device: msp.Device{ID: msp.NewID(), Tenant: s.Tenants[i%2], Hostname: fmt.Sprintf("PC-%04d", i),
					OS: "Windows 11 Pro 23H2", EnrolledAt: now.Add(-time.Hour * 24 * 200), LastSeen: now.Add(-time.Duration(i) * time.Minute)},
					Inventoried: now, PatchesChecked: now, Pending: i % 7, SecurityNames: []string{"KB5040442", "KB5039212"}[:i%3%2+1],
					RebootRequired: i%5 == 0, PostureFailing: []string{"firewall"}[:i%2],
					FirstSeen: map[string]time.Time{"KB5040442": now.Add(-72 * time.Hour)}}
				if err := tx.PutJSON(staffKey(user, "device/"+d.Tenant+"/"+d.ID), d); err != nil {
					return err
				}
			}
			return tx.PutJSON(staffKey(user, "devices-at"), now)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.staffIndex(user); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		o, err := a.StaffOverview(user, "")
		if err != nil {
			b.Fatal(err)
		}
		if o.Devices != 5000 {
			b.Fatalf("%d devices", o.Devices)
		}
	}
}
