//go:build linux || darwin

package app

import (
	"context"
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tandem/localapi"
	"tandem/msp"
)

// benchTickets is how many tickets the benchmarks' replica holds.
const benchTickets = 1000

// benchRig is a rig whose tenant has benchTickets tickets over four
// pillars, with an IT lead signed in on the agent and the replica synced.
func benchRig(b *testing.B) *rig {
	b.Helper()
	r := newRig(b)
	ctx := context.Background()
	topics := []Topic{Topics[0], Topics[1], Topics[2], Topics[3]}
	for i := range benchTickets {
		tp := topics[i%len(topics)]
		_, err := r.client.Raise(ctx, localapi.NewTicket{Title: fmt.Sprintf("%s problem %d on floor %d", tp.Label, i, i%5),
			Description: "Seen this morning.", Pillar: tp.Pillar, Category: tp.Category, Impact: msp.Level(1 + i%3), Urgency: msp.LevelMedium})
		if err != nil {
			b.Fatal(err)
		}
		if i%200 == 199 {
			r.mustSync()
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
	return r
}

// BenchmarkDashboardTicketsOpen is opening the dashboard on the Tickets
// tab: the session, the first page of the queue (200 rows sorted by SLA
// due) and the first ticket's detail, through the real client and agent.
func BenchmarkDashboardTicketsOpen(b *testing.B) {
	r := benchRig(b)
	test.NewTempApp(b)
	b.ReportAllocs()
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
