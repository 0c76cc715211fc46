//go:build linux || darwin

package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tandem/localapi"
	"tandem/msp"
)

// benchTickets and benchDevices are how many tickets and devices the
// benchmarks' replica holds: an MSP technician's scope at its largest.
const (
	benchTickets = 100_000
	benchDevices = 5_000
	// benchRaised of the tickets are raised through the window's client
	// and synced through the hub; the rest are written into the replica as
	// a pull writes them.
	benchRaised = 40
)

// benchRig is a rig whose tenant has benchTickets open tickets over four
// pillars and benchDevices devices, with an IT lead signed in on the agent
// and the replica synced.
func benchRig(b *testing.B) *rig {
	b.Helper()
	r := newRig(b)
	ctx := context.Background()
	topics := []Topic{Topics[0], Topics[1], Topics[2], Topics[3]}
	for i := range benchRaised {
		tp := topics[i%len(topics)]
		_, err := r.client.Raise(ctx, localapi.NewTicket{Title: fmt.Sprintf("%s problem %d on floor %d", tp.Label, i, i%5),
			Description: "Seen this morning.", Pillar: tp.Pillar, Category: tp.Category, Impact: msp.Level(1 + i%3), Urgency: msp.LevelMedium})
		if err != nil {
			b.Fatal(err)
		}
	}
	r.mustSync()
	u, err := r.admin.AddUser(ctx, r.tenant.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.client.SignIn(ctx, u.Code); err != nil {
		b.Fatal(err)
	}
	if err := r.agent.StaffSyncOnce(ctx, r.user); err != nil {
		b.Fatal(err)
	}
	words := []string{"printer", "vpn", "outlook", "password", "laptop", "slow", "teams", "backup", "failed", "wi-fi",
		"drops", "shared", "drive", "licence", "new", "starter", "firewall", "alert", "disk", "full", "excel", "email"}
	statuses := []msp.Status{msp.StatusNew, msp.StatusOpen, msp.StatusProgress, msp.StatusWaiting}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	tickets := make([]*msp.Ticket, 0, benchTickets-benchRaised)
	for i := range benchTickets - benchRaised {
		tp := topics[i%len(topics)]
		created := now.Add(-time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
		t := &msp.Ticket{ID: msp.NewID(), Tenant: r.tenant.ID, Requester: fmt.Sprintf("user%d@PC-%04d", i%300, i%benchDevices),
			Title:       fmt.Sprintf("%s %s %s problem %d on floor %d", tp.Label, words[rng.IntN(len(words))], words[rng.IntN(len(words))], i, i%5),
			Description: "It has not worked since this morning; I restarted twice.", Pillar: tp.Pillar, Category: tp.Category,
			Impact: msp.Level(1 + rng.IntN(3)), Urgency: msp.Level(1 + rng.IntN(3)), Status: statuses[rng.IntN(len(statuses))],
			Owner: msp.PartyMSP, CreatedAt: created, UpdatedAt: created.Add(time.Hour), Revision: 2}
		t.Priority, _ = msp.PriorityFor(t.Impact, t.Urgency)
		t.SLA = msp.SLAState{State: msp.SLARunning, Priority: t.Priority, ResponseDue: created.Add(4 * time.Hour),
			ResolutionDue: created.Add(72 * time.Hour), ComputedAt: created}
		t.Comments = []msp.Comment{{ID: msp.NewID(), Author: t.Requester, Role: msp.RoleEndUser, Body: "Still happening after the restart.", CreatedAt: created}}
		tickets = append(tickets, t)
	}
	devices := make([]msp.Device, benchDevices)
	for i := range devices {
		devices[i] = msp.Device{ID: msp.NewID(), Tenant: r.tenant.ID, Hostname: fmt.Sprintf("PC-%04d", i), OS: "Windows 11 Pro 23H2",
			EnrolledAt: now.Add(-200 * 24 * time.Hour), LastSeen: now.Add(-time.Duration(i) * time.Minute)}
	}
	if err := r.agent.SeedStaffReplica(ctx, r.user, tickets, devices); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkDashboardTicketsOpen is opening the dashboard on the Tickets
// tab: the session, the first page of the queue (200 rows sorted by SLA
// due) and the first ticket's detail, through the real client and agent.
func BenchmarkDashboardTicketsOpen(b *testing.B) {
	r := benchRig(b)
	test.NewTempApp(b)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		w := test.NewWindow(nil)
		d := DashboardWindow(w, Env{Agent: r.client, Async: inline}, r.client)
		w.Resize(fyne.NewSize(1280, 800))
		d.tabs.SelectIndex(1)
		if d.tickets.total != benchTickets || !d.tickets.loaded {
			b.Fatalf("the queue shows %d of %d tickets, detail loaded %v", d.tickets.total, benchTickets, d.tickets.loaded)
		}
		w.Close()
	}
}

// BenchmarkDashboardTicketsFilter is one search answered: the query the
// search box runs once typing pauses, through the agent, and the list
// redrawn.
func BenchmarkDashboardTicketsFilter(b *testing.B) {
	r := benchRig(b)
	test.NewTempApp(b)
	w := test.NewWindow(nil)
	defer w.Close()
	d := DashboardWindow(w, Env{Agent: r.client, Async: inline}, r.client)
	var pending func()
	d.debounce = func(run func()) { pending = run }
	w.Resize(fyne.NewSize(1280, 800))
	d.tabs.SelectIndex(1)
	words := []string{"printing floor 3", "wi-fi", "email problem 12"}
	b.ReportAllocs()
	defer cpuPerOp(b)()
	i := 0
	for b.Loop() {
		d.tickets.search.SetText(words[i%len(words)])
		i++
		pending()
		if d.tickets.total == 0 {
			b.Fatalf("no ticket matches %q", d.tickets.search.Text)
		}
	}
}

// cpuPerOp reports the process's CPU time (window, agent and hub, all in
// this process) per op: on a shared machine wall time counts the waits
// for other processes too. Call the function it returns after the loop.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime(b)-start).Milliseconds())/float64(b.N), "cpu-ms/op")
		}
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
