package hub

import (
	"context"
	"time"

	"tandem/msp"
)

// EventKind is what happened to a ticket.
type EventKind string

// Kinds of TicketEvent.
const (
	EventCreated       EventKind = "created"        // a ticket was raised (by a person or an alert)
	EventStatus        EventKind = "status"         // its status changed
	EventReply         EventKind = "reply"          // someone replied (a public or internal reply, not a hub note)
	EventAssigned      EventKind = "assigned"       // its owner or assignee changed (routing hand-over, overflow, escalation or a person)
	EventSLAAtRisk     EventKind = "sla-at-risk"    // an SLA clock became at risk (once per clock)
	EventSLABreached   EventKind = "sla-breached"   // an SLA clock was breached (once per clock)
	EventAlertOpened   EventKind = "alert-opened"   // a proactive alert raised its ticket
	EventAlertResolved EventKind = "alert-resolved" // the alert's condition cleared and the hub resolved its ticket
)

// EventKinds lists every kind, for filters and documentation.
func EventKinds() []EventKind {
	return []EventKind{EventCreated, EventStatus, EventReply, EventAssigned, EventSLAAtRisk, EventSLABreached, EventAlertOpened, EventAlertResolved}
}

// TicketEvent is one thing that happened to a ticket, told after the store
// committed it.
type TicketEvent struct {
	Kind   EventKind `json:"kind"`
	Tenant string    `json:"tenant"`
	// Ticket is the ticket as stored after the change, internal notes
	// included: events go to the MSP's systems, never to end users. The
	// sink must not change it.
	Ticket *msp.Ticket `json:"ticket"`
	At     time.Time   `json:"at"`
	// Clock names the SLA clock of an SLA event: "response" or
	// "resolution".
	Clock string `json:"clock,omitempty"`
	// Alert is the alert's condition for alert events: "device-silent",
	// "disk-full", "security-updates", "restart-pending", "posture".
	Alert string `json:"alert,omitempty"`
}

// EventSink receives ticket events. The hub calls TicketEvent after the
// transaction that made the change committed, on the goroutine of the
// request or of the SLA sweep, one event at a time in the order they
// happened; a sink that does slow work (a webhook delivery) queues it and
// returns. Events are not replayed after a crash between the commit and
// the call: a sink that must not miss one reads the store.
type EventSink interface {
	TicketEvent(ctx context.Context, ev TicketEvent)
}

// EventSinkFunc adapts a function to EventSink.
type EventSinkFunc func(ctx context.Context, ev TicketEvent)

// TicketEvent implements EventSink.
func (f EventSinkFunc) TicketEvent(ctx context.Context, ev TicketEvent) { f(ctx, ev) }

// Sinks fans events out to several sinks in order.
type Sinks []EventSink

// TicketEvent implements EventSink.
func (s Sinks) TicketEvent(ctx context.Context, ev TicketEvent) {
	for _, x := range s {
		if x != nil {
			x.TicketEvent(ctx, ev)
		}
	}
}

// SetEventSink makes the server tell sink about ticket events. Call it
// before the server handles requests; nil turns events off.
func (s *Server) SetEventSink(sink EventSink) { s.events = sink }

// emit tells the sink about events that have committed.
func (s *Server) emit(ctx context.Context, evs []TicketEvent) {
	if s.events == nil {
		return
	}
	for _, ev := range evs {
		s.events.TicketEvent(ctx, ev)
	}
}

// ticketEvents returns the events of a ticket's move from before (nil for
// a new ticket) to after.
func ticketEvents(before, after *msp.Ticket, at time.Time) []TicketEvent {
	if after == nil || (before != nil && before.Revision == after.Revision) {
		return nil
	}
	ev := func(k EventKind) TicketEvent {
		return TicketEvent{Kind: k, Tenant: after.Tenant, Ticket: after, At: at}
	}
	if before == nil {
		return []TicketEvent{ev(EventCreated)}
	}
	var out []TicketEvent
	if before.Status != after.Status {
		out = append(out, ev(EventStatus))
	}
	if before.Owner != after.Owner || before.Assignee != after.Assignee {
		out = append(out, ev(EventAssigned))
	}
	for _, c := range after.Comments[min(len(before.Comments), len(after.Comments)):] {
		if c.Kind == msp.CommentKindReply {
			out = append(out, ev(EventReply))
			break
		}
	}
	return out
}
