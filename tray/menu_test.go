package tray

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"tandem/localapi"
	"tandem/msp"
)

func TestMenu(t *testing.T) {
	t.Parallel()
	var many []localapi.TicketView
	for i := range 7 {
		many = append(many, ticket(fmt.Sprint(i), fmt.Sprintf("Ticket number %d with a rather long title that goes on", i), msp.StatusOpen))
	}
	many[1].Status = msp.StatusWaiting
	many[2].Delivered = false
	many[3].SLAText, many[3].OwnerText = "first response due by 11:02", "Acme IT"

	t.Run("running, many tickets", func(t *testing.T) {
		t.Parallel()
		m := BuildMenu(Snapshot{Running: true, Status: online(), Tickets: many, Device: localapi.Device{Hostname: "reception-pc"}})
		if m.NewTicket.Action.Kind != ActNewTicket || !m.NewTicket.Enabled || m.NewTicket.Title != "Raise a ticket…" {
			t.Errorf("raise: %+v", m.NewTicket)
		}
		if m.Headline.Action != (Action{Kind: ActTicket, Arg: many[1].ID}) || !m.Headline.Enabled ||
			m.Headline.Title != "New reply on “Ticket number 1 with a rather long title that g…”" {
			t.Errorf("headline: %+v", m.Headline)
		}
		for i, it := range m.Ticket {
			if !it.Visible || it.Action != (Action{Kind: ActTicket, Arg: many[i].ID}) {
				t.Errorf("ticket slot %d: %+v", i, it)
			}
		}
		if got := m.Ticket[0].Title; got != "Ticket number 0 with a rather long titl… — picked up" {
			t.Errorf("ticket line %q", got)
		}
		if !strings.HasSuffix(m.Ticket[1].Title, " — new reply") {
			t.Errorf("waiting ticket line %q", m.Ticket[1].Title)
		}
		if !strings.HasSuffix(m.Ticket[2].Title, " — picked up (your last change is not sent yet)") {
			t.Errorf("undelivered ticket line %q", m.Ticket[2].Title)
		}
		if m.Ticket[3].Tooltip != "first response due by 11:02; with Acme IT" {
			t.Errorf("ticket tooltip %q", m.Ticket[3].Tooltip)
		}
		if m.AllTickets.Action.Kind != ActTickets || !m.AllTickets.Enabled {
			t.Errorf("all tickets: %+v", m.AllTickets)
		}
		if m.Call.Title != "Call Acme IT 012 345 6789" || m.Call.Action.Arg != "tel:0123456789" {
			t.Errorf("call: %+v", m.Call)
		}
		u, err := url.Parse(m.Email.Action.Arg)
		if err != nil || u.Scheme != "mailto" || u.Opaque != "help@acme.example" ||
			!strings.Contains(u.Query().Get("body"), "Computer: reception-pc") || strings.Contains(m.Email.Action.Arg, "+") {
			t.Errorf("email: %q (%v)", m.Email.Action.Arg, err)
		}
		if m.Dashboard.Visible {
			t.Error("an end user sees Open dashboard")
		}
		if !m.Quit.Visible || m.Quit.Action.Kind != ActQuit {
			t.Errorf("quit: %+v", m.Quit)
		}
		if m.Detail[0].Visible {
			t.Errorf("a detail line when there is nothing more to say: %+v", m.Detail)
		}
		if m.Device.Title != "This device — all well" || m.Health[0].Title != "Computer name: reception-pc" || m.Health[1].Title != "Not checked yet" || m.Health[2].Visible {
			t.Errorf("device: %q %+v", m.Device.Title, m.Health[:3])
		}
	})

	t.Run("a new ticket not sent yet", func(t *testing.T) {
		t.Parallel()
		tk := ticket("w", "Wi-Fi drops in the boardroom", msp.StatusNew)
		tk.Delivered = false
		m := BuildMenu(Snapshot{Running: true, Status: online(), Tickets: []localapi.TicketView{tk}})
		if got := m.Ticket[0].Title; got != "Wi-Fi drops in the boardroom — saved here, not sent yet" {
			t.Errorf("line %q", got)
		}
	})

	t.Run("technician, MSP hides quit, no phone", func(t *testing.T) {
		t.Parallel()
		st := online()
		st.Role = msp.RoleTechnician
		st.Support = localapi.Support{Name: "Acme IT", HideQuit: true}
		m := BuildMenu(Snapshot{Running: true, Status: st})
		if m.Headline.Enabled || m.Headline.Title != "Tandem — all well" {
			t.Errorf("headline: %+v", m.Headline)
		}
		if !m.Dashboard.Visible || m.Dashboard.Action.Kind != ActDashboard {
			t.Errorf("dashboard: %+v", m.Dashboard)
		}
		if m.Quit.Visible || m.Call.Visible || m.Email.Visible {
			t.Errorf("quit %+v call %+v email %+v", m.Quit, m.Call, m.Email)
		}
		if m.Ticket[0].Title != "No tickets yet" || m.Ticket[0].Enabled || m.Ticket[1].Visible {
			t.Errorf("no tickets: %+v", m.Ticket[:2])
		}
	})

	t.Run("two replies waiting: the headline opens the list", func(t *testing.T) {
		t.Parallel()
		st := online()
		st.Online, st.Queued = false, 1
		m := BuildMenu(Snapshot{Running: true, Status: st, Tickets: []localapi.TicketView{
			ticket("a", "A", msp.StatusWaiting), ticket("b", "B", msp.StatusWaiting)},
			Device: localapi.Device{Health: []localapi.Health{{Code: "x", Severity: localapi.SeverityWarning, Text: "Restart needed"}}}})
		if m.Headline.Action.Kind != ActTickets || !m.Headline.Enabled {
			t.Errorf("headline: %+v", m.Headline)
		}
		if m.Detail[0].Title != "Offline — 1 change will be sent when you're back online" || m.Detail[1].Visible {
			t.Errorf("detail lines: %+v", m.Detail)
		}
	})

	t.Run("it lead sees the dashboard", func(t *testing.T) {
		t.Parallel()
		st := online()
		st.Role = msp.RoleITLead
		if m := BuildMenu(Snapshot{Running: true, Status: st}); !m.Dashboard.Visible {
			t.Error("an IT lead does not see Open dashboard")
		}
	})

	t.Run("agent down", func(t *testing.T) {
		t.Parallel()
		m := BuildMenu(Snapshot{Status: localapi.Status{Support: acme}, Device: localapi.Device{Hostname: "reception-pc"}})
		if m.NewTicket.Action.Kind != ActNoAgent || !m.NewTicket.Enabled {
			t.Errorf("raise while down: %+v", m.NewTicket)
		}
		if m.AllTickets.Enabled || m.Ticket[0].Title != "Not available while the agent is not running" {
			t.Errorf("tickets while down: %+v %+v", m.AllTickets, m.Ticket[0])
		}
		if !m.Call.Visible || !m.Email.Visible {
			t.Error("call and email support are not offered while the agent is down")
		}
		if m.Detail[0].Title != "Call Acme IT on 012 345 6789" || m.Detail[0].Enabled || m.Detail[1].Visible {
			t.Errorf("detail while down: %+v", m.Detail)
		}
		if m.Headline.Title != "Tandem agent is not running" {
			t.Errorf("headline %q", m.Headline.Title)
		}
		if m.Health[0].Title != "Computer name: reception-pc" {
			t.Errorf("device while down: %+v", m.Health[:2])
		}
	})

	t.Run("more problems than slots", func(t *testing.T) {
		t.Parallel()
		var hs []localapi.Health
		for i := range 10 {
			hs = append(hs, localapi.Health{Code: localapi.HealthDiskNearlyFull, Severity: localapi.SeverityWarning, Text: fmt.Sprintf("problem %d", i)})
		}
		hs[0].Severity = localapi.SeverityCritical
		hs[2].Code = localapi.HealthEncryptionOff // the IT support's: said so
		m := BuildMenu(Snapshot{Running: true, Status: online(), Device: localapi.Device{Hostname: "pc", Health: hs}})
		if m.Device.Title != "This device — 10 to look at" || m.Health[1].Title != "⚠ problem 0" || m.Health[2].Title != "• problem 1" ||
			m.Health[3].Title != "• problem 2 (your IT support is told)" {
			t.Errorf("device: %q %q %q %q", m.Device.Title, m.Health[1].Title, m.Health[2].Title, m.Health[3].Title)
		}
		if last := m.Health[HealthSlots-1].Title; last != "and 4 more: ask Acme IT" {
			t.Errorf("last line %q", last)
		}
	})
}

func TestTelURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"012 345 6789":     "tel:0123456789",
		"+27 (0)12 345-67": "tel:+271234567",
		" +1 555 0100":     "tel:+15550100",
		"0800 TANDEM":      "tel:0800",
	} {
		if got := telURL(in); got != want {
			t.Errorf("telURL(%q) = %q, want %q", in, got, want)
		}
	}
}
