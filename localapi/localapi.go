// Package localapi is the agent's local API: HTTP+JSON over a unix socket
// in the agent's data directory, never a TCP port. The server learns the
// calling OS user from the socket's peer credentials (the kernel's word,
// not the request's) and scopes every answer to that user: a person sees
// and changes only the tickets they raised on this device.
//
// The tray, the windows and the tandem-agent ticket commands are clients
// (Client). Windows needs a named pipe with an explicit ACL; that is not
// built yet, and the server refuses to start there rather than serve
// answers it cannot scope.
//
// Routes:
//
//	GET  /v1/status                  sync status of the agent
//	GET  /v1/tickets                 the caller's tickets, newest first
//	POST /v1/tickets                 raise a ticket (NewTicket) → msp.Ticket
//	GET  /v1/tickets/{id}            one of the caller's tickets
//	POST /v1/tickets/{id}/replies    add a reply (Reply) → msp.Ticket
//	POST /v1/tickets/{id}/status     "this is fixed" / "still broken" (StatusRequest)
//	GET  /v1/dead-letters            the caller's changes the hub refused
//	POST /v1/refresh                 collect a full inventory now
//	GET  /v1/events                  server-sent events for the tray (Event)
package localapi

import (
	"time"

	"tandem/msp"
)

// SocketName is the socket's file name in the agent's data directory.
const SocketName = "agent.sock"

// MaxBody bounds a request body.
const MaxBody = 256 << 10

// NewTicket is what a person fills in to raise a ticket.
type NewTicket struct {
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Pillar      msp.Pillar `json:"pillar"`
	Category    string     `json:"category"`
	Impact      msp.Level  `json:"impact"`
	Urgency     msp.Level  `json:"urgency"`
}

// Reply is a message added to a ticket's conversation.
type Reply struct {
	Message string `json:"message"`
}

// StatusRequest resolves ("this is fixed") or reopens ("still broken") a
// ticket.
type StatusRequest struct {
	Status msp.Status `json:"status"`
}

// Status is the agent's sync status as the tray shows it.
type Status struct {
	Enrolled    bool      `json:"enrolled"`
	Online      bool      `json:"online"`
	HubURL      string    `json:"hub_url,omitempty"`
	Queued      int       `json:"queued_changes"`
	Dead        int       `json:"dead_letters"`
	LastPush    time.Time `json:"last_push,omitzero"`
	LastPull    time.Time `json:"last_pull,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	User        string    `json:"user"` // the caller, as the agent identified them
}

// DeadLetter is a change the hub refused, with its reason.
type DeadLetter struct {
	Seq        uint64    `json:"seq"`
	TicketID   string    `json:"ticket_id,omitempty"`
	Kind       string    `json:"kind"`
	Reason     string    `json:"reason"`
	RejectedAt time.Time `json:"rejected_at"`
	User       string    `json:"-"`
}

// Error is the body of every error answer.
type Error struct {
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"` // field → problem, for a form
}

// EventKind says what happened.
type EventKind string

// Kinds of event.
const (
	EventTicket  EventKind = "ticket"  // a ticket changed (status, reply, owner)
	EventStatus  EventKind = "status"  // online/offline or the queue changed
	EventDrained EventKind = "drained" // every queued change reached the hub
)

// Event is one server-sent event of GET /v1/events.
type Event struct {
	Kind     EventKind  `json:"kind"`
	TicketID string     `json:"ticket_id,omitempty"`
	Status   msp.Status `json:"status,omitempty"`  // the ticket's status now
	Replies  int        `json:"replies,omitempty"` // replies from support on the ticket
	Online   bool       `json:"online"`
	Queued   int        `json:"queued_changes"`
	// Requester is whose ticket it is; the server sends a person only
	// their own tickets' events.
	Requester string `json:"-"`
}
