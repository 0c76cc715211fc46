package tray

import (
	"fmt"
	"net/url"
	"strings"

	"tandem/localapi"
	"tandem/msp"
)

// Slots: getlantern/systray cannot remove menu items, so the tray creates
// this many of each kind once and shows or hides them.
const (
	TicketSlots = 5 // the most recent tickets under "My tickets"
	HealthSlots = 8 // lines under "This device"
	DetailSlots = 2 // lines under the headline
)

// ActionKind is what clicking an item does.
type ActionKind int

// Actions.
const (
	ActNone      ActionKind = iota // an item that only informs
	ActNewTicket                   // tandem open new-ticket
	ActTicket                      // tandem open ticket Arg
	ActTickets                     // tandem open tickets
	ActDashboard                   // tandem open dashboard
	ActCall                        // open Arg (a tel: URL) and show the number
	ActEmail                       // open Arg (a mailto: URL)
	ActNoAgent                     // say the agent is not running and how to reach support
	ActQuit                        // end the tray
)

// Action is what an item does when clicked.
type Action struct {
	Kind ActionKind
	Arg  string // ticket id, or a tel:/mailto: URL
}

// Item is one menu entry as it should look now.
type Item struct {
	Title   string
	Tooltip string
	Visible bool
	Enabled bool
	Action  Action
}

// Menu is the whole tray menu for one snapshot, slot by slot.
type Menu struct {
	Headline   Item              // the state in words (Linux tray hosts show no tooltip); opens the ticket a reply waits on
	Detail     [DetailSlots]Item // the tooltip's further lines ("Offline — 2 changes will be sent…")
	NewTicket  Item              // "Raise a ticket…"
	Tickets    Item              // "My tickets" submenu
	Ticket     [TicketSlots]Item
	AllTickets Item // "All my tickets…"
	Device     Item // "This device" submenu
	Health     [HealthSlots]Item
	Call       Item // "Call Acme IT 012 345 6789"
	Email      Item // "Email Acme IT"
	Dashboard  Item // IT leads and technicians only
	Quit       Item
}

func show(title string, a Action) Item {
	return Item{Title: title, Visible: true, Enabled: a.Kind != ActNone, Action: a}
}

func info(title string) Item { return Item{Title: title, Visible: true} }

// BuildMenu lays out the menu for a snapshot.
func BuildMenu(s Snapshot) Menu {
	var m Menu
	m.Headline = info(s.Headline())
	if w := s.Waiting(); s.Running && len(w) > 0 {
		// the headline names the ticket waiting for the person: one click opens it
		if len(w) == 1 {
			m.Headline = show(s.Headline(), Action{Kind: ActTicket, Arg: w[0].ID})
		} else {
			m.Headline = show(s.Headline(), Action{Kind: ActTickets})
		}
	}
	n := 0
	for _, l := range strings.Split(s.Tooltip(), "\n")[1:] {
		if l == deviceLine || n == DetailSlots {
			continue // the menu has "This device" itself
		}
		m.Detail[n] = info(l)
		n++
	}
	sup := s.Support()
	name := s.SupportName()

	if s.Running {
		m.NewTicket = show("Raise a ticket…", Action{Kind: ActNewTicket})
	} else {
		m.NewTicket = show("Raise a ticket…", Action{Kind: ActNoAgent})
		m.NewTicket.Tooltip = "The Tandem agent is not running: this shows how to reach " + name
	}

	m.Tickets = show("My tickets", Action{})
	m.Tickets.Enabled = true // a submenu opens even without an action
	n = 0
	for _, t := range s.Tickets {
		if n == TicketSlots {
			break
		}
		m.Ticket[n] = show(ticketLine(t), Action{Kind: ActTicket, Arg: t.ID})
		m.Ticket[n].Tooltip = ticketTooltip(t)
		n++
	}
	if n == 0 {
		if s.Running {
			m.Ticket[0] = info("No tickets yet")
		} else {
			m.Ticket[0] = info("Not available while the agent is not running")
		}
	}
	m.AllTickets = show("All my tickets…", Action{Kind: ActTickets})
	m.AllTickets.Enabled = s.Running

	m.Device = show(deviceTitle(s), Action{})
	m.Device.Enabled = true
	m.Health = healthLines(s)

	if sup.Phone != "" {
		m.Call = show(fmt.Sprintf("Call %s %s", name, sup.Phone), Action{Kind: ActCall, Arg: telURL(sup.Phone)})
		m.Call.Tooltip = "Your IT support's phone number"
	}
	if sup.Email != "" {
		m.Email = show("Email "+name+"…", Action{Kind: ActEmail, Arg: mailtoURL(sup.Email, s)})
		m.Email.Tooltip = sup.Email
	}
	if s.Running && (s.Status.Role == msp.RoleITLead || s.Status.Role == msp.RoleTechnician) {
		m.Dashboard = show("Open dashboard", Action{Kind: ActDashboard})
	}
	if !sup.HideQuit {
		m.Quit = show("Quit", Action{Kind: ActQuit})
		m.Quit.Tooltip = "Close the Tandem icon until you next sign in; tickets keep syncing"
	}
	return m
}

// ticketLine is a ticket's menu line: its title and status in words, with
// a mark when support waits for the person or a change is still to send.
func ticketLine(t localapi.TicketView) string {
	status := StatusWords(t.Status)
	if ReplyWaiting(t) {
		status = "new reply"
	}
	switch {
	case !t.Delivered && t.Status == msp.StatusNew:
		status = "saved here, not sent yet"
	case !t.Delivered:
		status += " (your last change is not sent yet)"
	}
	return shorten(t.Title, 40) + " — " + status
}

func ticketTooltip(t localapi.TicketView) string {
	var parts []string
	if t.SLAText != "" {
		parts = append(parts, t.SLAText)
	}
	if t.OwnerText != "" {
		parts = append(parts, "with "+t.OwnerText)
	}
	if len(t.Refused) > 0 {
		parts = append(parts, "a change was refused: "+t.Refused[0].Reason)
	}
	return strings.Join(parts, "; ")
}

func deviceTitle(s Snapshot) string {
	if !s.Running {
		return "This device"
	}
	if p := s.Problems(); len(p) > 0 {
		return fmt.Sprintf("This device — %d to look at", len(p))
	}
	return "This device — all well"
}

// healthLines are the lines under "This device": its name (support asks
// for it on the phone), then each problem in plain words, or "All well".
func healthLines(s Snapshot) [HealthSlots]Item {
	var out [HealthSlots]Item
	var lines []string
	if h := s.Device.Hostname; h != "" {
		lines = append(lines, "Computer name: "+h)
	}
	switch {
	case !s.Running:
		lines = append(lines, "Not known while the agent is not running")
	case len(s.Problems()) > 0:
		for _, p := range s.Problems() {
			mark := "• "
			if p.Severity == localapi.SeverityCritical && p.UserCanAct() {
				mark = "⚠ "
			}
			text := p.Text
			if !p.UserCanAct() {
				text += " (your IT support is told)"
			}
			lines = append(lines, mark+text)
		}
	case s.Device.CollectedAt.IsZero():
		lines = append(lines, "Not checked yet")
	default:
		lines = append(lines, "All well")
	}
	if len(lines) > HealthSlots {
		more := len(lines) - HealthSlots + 1
		lines = append(lines[:HealthSlots-1], fmt.Sprintf("and %d more: ask %s", more, s.SupportName()))
	}
	for i, l := range lines {
		out[i] = info(l)
	}
	return out
}

// telURL makes a tel: URL of a phone number as people write it.
func telURL(phone string) string {
	if strings.HasPrefix(strings.TrimSpace(phone), "+") {
		phone = strings.ReplaceAll(phone, "(0)", "") // +27 (0)12 …: the trunk 0 is not dialled from abroad
	}
	var b strings.Builder
	for i, r := range phone {
		if r >= '0' && r <= '9' || r == '+' && i == strings.IndexFunc(phone, func(r rune) bool { return r != ' ' }) {
			b.WriteRune(r)
		}
	}
	return "tel:" + b.String()
}

// mailtoURL is a message to support that already names this computer, so
// it helps even when no ticket can be raised.
func mailtoURL(addr string, s Snapshot) string {
	var body strings.Builder
	body.WriteString("Please describe the problem here.\n\n--\n")
	if s.Device.Hostname != "" {
		fmt.Fprintf(&body, "Computer: %s\n", s.Device.Hostname)
	}
	if s.Status.User != "" {
		fmt.Fprintf(&body, "User: %s\n", s.Status.User)
	}
	if !s.Running {
		body.WriteString("(The Tandem agent was not running on this computer.)\n")
	}
	q := url.Values{}
	q.Set("subject", "Help needed")
	q.Set("body", body.String())
	// mailto wants %20, not +, for spaces
	return "mailto:" + addr + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}
