package tray

import (
	"context"
	"strings"
	"sync"
	"testing"

	"tandem/localapi"
	"tandem/msp"
)

// recorder is a Notifier that keeps what it was asked to show: the fake
// stands in for the D-Bus call only.
type recorder struct {
	mu    sync.Mutex
	notes []Notification
}

func (r *recorder) Notify(_ context.Context, n Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, n)
	return nil
}

func (r *recorder) all() []Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Notification(nil), r.notes...)
}

func TestWatcher(t *testing.T) {
	t.Parallel()
	printer := ticket("p", "Printer on the first floor shows offline", msp.StatusNew)
	outlook := ticket("o", "Outlook keeps asking for my password", msp.StatusProgress, reply(msp.RoleTechnician, "Are you on the VPN?"))

	with := func(t localapi.TicketView, st msp.Status, cs ...msp.Comment) localapi.TicketView {
		t.Status = st
		t.Comments = append(append([]msp.Comment(nil), t.Comments...), cs...)
		return t
	}
	undelivered := func(t localapi.TicketView) localapi.TicketView {
		t.Delivered = false
		return t
	}
	steps := []struct {
		name    string
		tickets []localapi.TicketView
		want    []string // summaries, in ticket order
		body    string   // the first notification's body contains this
	}{
		{"first sight announces nothing", []localapi.TicketView{printer, outlook}, nil, ""},
		{"the same again announces nothing", []localapi.TicketView{printer, outlook}, nil, ""},
		{"picked up", []localapi.TicketView{with(printer, msp.StatusOpen), outlook},
			[]string{"“Printer on the first floor shows offline” was picked up"}, "Acme IT has picked it up."},
		{"a new ticket of the person's own is not announced", []localapi.TicketView{
			ticket("n", "New laptop for Sipho", msp.StatusNew), with(printer, msp.StatusOpen), outlook}, nil, ""},
		{"a reply from support", []localapi.TicketView{ticket("n", "New laptop for Sipho", msp.StatusNew), with(printer, msp.StatusOpen),
			with(outlook, msp.StatusWaiting, reply(msp.RoleTechnician, "Please restart   Outlook\nand tell me what it says."))},
			[]string{"Acme IT replied on “Outlook keeps asking for my password”"}, "Please restart Outlook and tell me what it says."},
		{"the person's own reply and an internal note are not announced", []localapi.TicketView{ticket("n", "New laptop for Sipho", msp.StatusNew), with(printer, msp.StatusOpen),
			with(outlook, msp.StatusWaiting, reply(msp.RoleTechnician, "Please restart   Outlook\nand tell me what it says."),
				reply(msp.RoleEndUser, "It says error 0x80"), msp.Comment{Role: msp.RoleTechnician, Body: "escalate", Internal: true})},
			nil, ""},
		{"fixed, and reopened by the person", []localapi.TicketView{ticket("n", "New laptop for Sipho", msp.StatusReopened), with(printer, msp.StatusResolved),
			with(outlook, msp.StatusWaiting, reply(msp.RoleTechnician, "Please restart   Outlook\nand tell me what it says."),
				reply(msp.RoleEndUser, "It says error 0x80"), msp.Comment{Role: msp.RoleTechnician, Body: "escalate", Internal: true})},
			[]string{"“Printer on the first floor shows offline” is fixed"}, "If it is still broken, open it and say so."},
		{"the person's own \"this is fixed\", not sent yet, is not announced", []localapi.TicketView{undelivered(with(ticket("n", "New laptop for Sipho", msp.StatusReopened), msp.StatusResolved)),
			with(printer, msp.StatusResolved), with(outlook, msp.StatusWaiting, reply(msp.RoleTechnician, "Please restart   Outlook\nand tell me what it says."),
				reply(msp.RoleEndUser, "It says error 0x80"), msp.Comment{Role: msp.RoleTechnician, Body: "escalate", Internal: true})},
			nil, ""},
	}
	var w Watcher
	for _, s := range steps {
		got := w.Update(s.tickets, "Acme IT")
		var sums []string
		for _, n := range got {
			sums = append(sums, n.Summary)
			if n.TicketID == "" {
				t.Errorf("%s: a ticket notification without its ticket: %+v", s.name, n)
			}
		}
		if strings.Join(sums, "|") != strings.Join(s.want, "|") {
			t.Errorf("%s: got %q, want %q", s.name, sums, s.want)
			continue
		}
		if s.body != "" && !strings.Contains(got[0].Body, s.body) {
			t.Errorf("%s: body %q lacks %q", s.name, got[0].Body, s.body)
		}
	}
}

func TestNotices(t *testing.T) {
	t.Parallel()
	s := Snapshot{Status: localapi.Status{Support: acme}, Device: localapi.Device{Hostname: "reception-pc"}}
	n := NoAgentNotice(s)
	for _, want := range []string{"Call Acme IT on 012 345 6789.", "Email Acme IT at help@acme.example.", "reception-pc"} {
		if !strings.Contains(n.Body, want) {
			t.Errorf("no-agent notice %q lacks %q", n.Body, want)
		}
	}
	n = NoWindowNotice(s, ErrNoWindows)
	if !strings.Contains(n.Body, "not installed") || !strings.Contains(n.Body, CliRaise) || !strings.Contains(n.Body, "012 345 6789") {
		t.Errorf("no-window notice: %q", n.Body)
	}
	if n := NoWindowNotice(Snapshot{}, context.DeadlineExceeded); !strings.Contains(n.Body, "could not open") || !strings.Contains(n.Body, "Call your IT support.") {
		t.Errorf("no-window notice without support details: %q", n.Body)
	}
	if n := CallNotice(s); n.Summary != "Call Acme IT on 012 345 6789" || !strings.Contains(n.Body, "reception-pc") {
		t.Errorf("call notice: %+v", n)
	}
}
