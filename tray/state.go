package tray

import (
	"fmt"
	"strings"

	"tandem/localapi"
	"tandem/msp"
)

// State is what the icon shows at a glance.
type State int

// States, from calm to alarming; a snapshot shows the most pressing one.
const (
	StateAllWell    State = iota // nothing to do
	StateOffline                 // no connection to the MSP; changes wait on this computer
	StateAttention               // something the person can act on: a restart, a full disk, a refused change
	StateReply                   // support answered and waits for the person
	StateNotRunning              // the agent does not answer
)

var stateNames = [...]string{"all-well", "offline", "attention", "reply", "not-running"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Snapshot is everything the tray knows at one moment. Running false
// means the agent did not answer; Support then holds the last support
// details the tray saw (possibly none).
type Snapshot struct {
	Running bool
	Err     string // why the agent did not answer, for the log
	Status  localapi.Status
	Tickets []localapi.TicketView // newest first, as the agent sends them
	Device  localapi.Device
}

// Support is who to call: from the status when the agent answers, else
// what the tray remembered.
func (s Snapshot) Support() localapi.Support { return s.Status.Support }

// SupportName is the MSP's name, or "your IT support" when unknown.
func (s Snapshot) SupportName() string {
	if n := strings.TrimSpace(s.Status.Support.Name); n != "" {
		return n
	}
	return "your IT support"
}

// ReplyWaiting reports whether support has the last word on the ticket:
// it waits for the person (status waiting-on-customer), or the newest
// message the person can see came from support while the ticket is open.
func ReplyWaiting(t localapi.TicketView) bool {
	if t.Status == msp.StatusWaiting {
		return true
	}
	if !t.Status.IsOpen() {
		return false
	}
	for i := len(t.Comments) - 1; i >= 0; i-- {
		c := t.Comments[i]
		if c.Internal || c.Kind != msp.CommentKindReply {
			continue
		}
		return fromSupport(c)
	}
	return false
}

// fromSupport reports whether a comment was written by support (a
// technician or the customer's IT lead), not by the person.
func fromSupport(c msp.Comment) bool {
	return c.Role == msp.RoleTechnician || c.Role == msp.RoleITLead
}

// SupportReplies counts the replies from support the person can see.
func SupportReplies(t localapi.TicketView) int {
	n := 0
	for _, c := range t.Comments {
		if !c.Internal && c.Kind == msp.CommentKindReply && fromSupport(c) {
			n++
		}
	}
	return n
}

// lastSupportReply is the text of the newest reply from support.
func lastSupportReply(t localapi.TicketView) string {
	for i := len(t.Comments) - 1; i >= 0; i-- {
		c := t.Comments[i]
		if !c.Internal && c.Kind == msp.CommentKindReply && fromSupport(c) {
			return c.Body
		}
	}
	return ""
}

// Waiting returns the tickets where support waits for the person.
func (s Snapshot) Waiting() []localapi.TicketView {
	var out []localapi.TicketView
	for _, t := range s.Tickets {
		if ReplyWaiting(t) {
			out = append(out, t)
		}
	}
	return out
}

// Problems returns the device's health items that need attention
// ("nothing collected yet" is not one: it is not the person's to fix),
// after the agent's own problems (Status.Problems, a sentence each).
func (s Snapshot) Problems() []localapi.Health {
	var out []localapi.Health
	for _, p := range s.Status.Problems {
		out = append(out, localapi.Health{Code: localapi.HealthAgent, Severity: localapi.SeverityWarning, Text: strings.TrimSuffix(p, ".")})
	}
	for _, h := range s.Device.Health {
		if h.Code == localapi.HealthNotCollected {
			continue
		}
		out = append(out, h)
	}
	return out
}

// Actionable returns the problems the person can act on themselves
// (localapi.Health.UserCanAct); only these turn the icon amber.
func (s Snapshot) Actionable() []localapi.Health {
	var out []localapi.Health
	for _, h := range s.Problems() {
		if h.UserCanAct() {
			out = append(out, h)
		}
	}
	return out
}

// State is the most pressing state of the snapshot. Offline shows as
// offline, whatever the computer's health: what the person sees then is
// that their tickets wait to be sent. Amber is for what the person can
// act on; encryption or a firewall off is the IT support's, who get an
// alert, and shows under "This device" alone.
func (s Snapshot) State() State {
	switch {
	case !s.Running:
		return StateNotRunning
	case len(s.Waiting()) > 0:
		return StateReply
	case !s.Status.Enrolled:
		return StateAttention
	case !s.Status.Online:
		return StateOffline
	case len(s.Actionable()) > 0 || s.Status.Dead > 0:
		return StateAttention
	}
	return StateAllWell
}

// Headline is the one sentence the tray says about the snapshot: the
// tooltip's first line and the menu's first (disabled) item.
func (s Snapshot) Headline() string {
	switch s.State() {
	case StateNotRunning:
		return "Tandem agent is not running"
	case StateReply:
		w := s.Waiting()
		if len(w) == 1 {
			return "New reply on " + quoted(w[0].Title)
		}
		return fmt.Sprintf("New replies on %d of your tickets", len(w))
	case StateAttention:
		if !s.Status.Enrolled {
			return "This computer is not set up for support yet"
		}
		if p := s.Actionable(); len(p) > 0 {
			if len(p) == 1 {
				return "This computer needs attention — " + p[0].Text
			}
			return fmt.Sprintf("This computer needs attention: %d things", len(p))
		}
		return fmt.Sprintf("%s could not be sent: open My tickets to see why", capFirst(changes(s.Status.Dead)))
	case StateOffline:
		return offlineLine(s.Status.Queued)
	}
	return "Tandem — all well"
}

const deviceLine = "This computer needs attention: open “This device”"

func offlineLine(queued int) string {
	if queued == 0 {
		return "Offline — tickets you raise will be sent when you're back online"
	}
	return fmt.Sprintf("Offline — %s will be sent when you're back online", changes(queued))
}

// Tooltip is the headline and, on further lines, the other things worth
// knowing (offline while a reply waits, and what to do when the agent is
// down).
func (s Snapshot) Tooltip() string {
	lines := []string{s.Headline()}
	st := s.State()
	switch {
	case st == StateNotRunning:
		sup := s.Support()
		switch {
		case sup.Phone != "":
			lines = append(lines, fmt.Sprintf("Call %s on %s", s.SupportName(), sup.Phone))
		case sup.Email != "":
			lines = append(lines, fmt.Sprintf("Email %s at %s", s.SupportName(), sup.Email))
		default:
			lines = append(lines, "Restart the computer, or call your IT support")
		}
	case st != StateOffline && !s.Status.Online && s.Status.Enrolled:
		lines = append(lines, offlineLine(s.Status.Queued))
	}
	if (st == StateReply || st == StateOffline) && len(s.Actionable()) > 0 {
		lines = append(lines, deviceLine)
	}
	return strings.Join(lines, "\n")
}

func capFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
