// Package localapi is the agent's local API: HTTP+JSON over a unix socket
// in the agent's data directory (Linux, macOS) or a named pipe with an
// explicit ACL (Windows, see PipeName), never a TCP port. The server learns
// the calling OS user from the kernel (the socket's peer credentials; the
// pipe client's token) and scopes every answer to that user: a person sees
// and changes only the tickets they raised on this device.
//
// The tray, the windows and the tandem-agent ticket commands are clients
// (Client).
//
// Routes:
//
//	GET  /v1/status                  sync status of the agent, the MSP's support details
//	GET  /v1/device                  this computer's health and the details a ticket carries (Device)
//	GET  /v1/tickets                 the caller's tickets, newest first ([]TicketView)
//	POST /v1/tickets                 raise a ticket (NewTicket, with attachments) → TicketView;
//	                                 413 over an attachment limit or quota (QuotaError)
//	GET  /v1/tickets/{id}            one of the caller's tickets → TicketView
//	POST /v1/tickets/{id}/replies    add a reply (Reply) → TicketView
//	POST /v1/tickets/{id}/status     "this is fixed" / "still broken" (StatusRequest) → TicketView
//	GET  /v1/dead-letters            the caller's changes the hub refused
//	POST /v1/refresh                 collect a full inventory now
//	GET  /v1/events                  server-sent events for the tray (Event); at most
//	                                 DefaultMaxStreamsPerUser per account and
//	                                 DefaultMaxStreams in all, 429 beyond
package localapi

import (
	"time"

	"tandem/msp"
)

// SocketName is the socket's file name in the agent's data directory.
const SocketName = "agent.sock"

// MaxBody bounds a request body without attachments.
const MaxBody = 256 << 10

// Limits of the files attached to a new ticket: MaxUpload bytes in all
// (before base64), at most MaxUploadFiles files. The create route accepts a
// body of up to MaxCreateBody.
const (
	MaxUpload      = 10 << 20
	MaxUploadFiles = 5
	MaxCreateBody  = MaxUpload*4/3 + MaxBody
)

// Upload is a file attached to a new ticket: a screenshot or a document.
type Upload struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"` // "image/png" for a screenshot
	Data      []byte `json:"data"`       // base64 in JSON
}

// NewTicket is what a person fills in to raise a ticket.
type NewTicket struct {
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Pillar      msp.Pillar `json:"pillar"`
	Category    string     `json:"category"`
	Impact      msp.Level  `json:"impact"`
	Urgency     msp.Level  `json:"urgency"`
	// Attachments are saved on this computer with the ticket and reach
	// the hub with it; ticket.Attachments holds their metadata.
	Attachments []Upload `json:"attachments,omitempty"`
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
	Enrolled bool   `json:"enrolled"`
	Online   bool   `json:"online"`
	HubURL   string `json:"hub_url,omitempty"`
	// Queued counts the caller's own changes still to send; DeviceQueued
	// everything this device has waiting, check-ins and inventories too.
	Queued       int       `json:"queued_changes"`
	DeviceQueued int       `json:"device_queued_changes"`
	Dead         int       `json:"dead_letters"`
	LastPush     time.Time `json:"last_push,omitzero"`
	LastPull     time.Time `json:"last_pull,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	NextAttempt  time.Time `json:"next_attempt,omitzero"`
	User         string    `json:"user"` // the caller, as the agent identified them
	// Problems are the agent's own troubles the person must know of (a
	// copied enrollment, changes recovered after the store lost them), one
	// sentence each, naming nobody's tickets (every user sees them).
	Problems []string `json:"problems,omitempty"`

	Support    Support         `json:"support"` // from the tenant's branding
	Mode       msp.ServiceMode `json:"mode,omitempty"`
	Role       msp.Role        `json:"role,omitempty"` // the caller's role: end-user unless signed in as it-lead/technician
	TenantName string          `json:"tenant_name,omitempty"`
}

// Support is how the person reaches their IT support, from the MSP's
// branding.
type Support struct {
	Name     string `json:"name"` // the MSP, e.g. "Acme IT"
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	HideQuit bool   `json:"hide_quit,omitempty"` // the MSP hides "Quit" in the tray
}

// Device is this computer as the person sees it: its health in plain
// words and the details attached to a ticket they raise.
type Device struct {
	Hostname    string    `json:"hostname"`
	OS          string    `json:"os"` // "Debian GNU/Linux 12 (bookworm)"
	Model       string    `json:"model,omitempty"`
	Serial      string    `json:"serial,omitempty"`
	CollectedAt time.Time `json:"collected_at,omitzero"` // zero: nothing collected yet
	Health      []Health  `json:"health"`                // empty: all well
	Details     []Detail  `json:"details"`               // what is attached to a new ticket, shown to the person
}

// Health codes.
const (
	HealthUpdatesPending     = "updates-pending"
	HealthRestartNeeded      = "restart-needed"
	HealthDiskNearlyFull     = "disk-nearly-full"
	HealthFirewallOff        = "firewall-off"
	HealthEncryptionOff      = "encryption-off"
	HealthProtectionOff      = "protection-off"
	HealthProtectionOutdated = "protection-outdated"
	HealthUpdatesOff         = "updates-off"
	HealthNotCollected       = "not-collected"
	// HealthAgent is one of the agent's own problems (Status.Problems).
	HealthAgent = "agent"
)

// Health severities.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Health is one thing that needs attention on this computer.
type Health struct {
	Code     string `json:"code"`     // one of the Health* constants
	Severity string `json:"severity"` // "warning" | "critical"
	Text     string `json:"text"`     // plain words: "3 security updates are waiting"
}

// UserCanAct reports whether the person at the computer can do something
// about h themselves: restart it, free disk space, or (for the agent's
// own problems) call support because Tandem cannot deliver their tickets.
// The rest (disk encryption, firewall, antivirus, updates) is the IT
// support's to fix, and the hub raises an alert for it.
func (h Health) UserCanAct() bool {
	switch h.Code {
	case HealthRestartNeeded, HealthDiskNearlyFull, HealthAgent:
		return true
	}
	return false
}

// Detail is one line of what a ticket carries about this computer:
// "Computer" "PC-0042", "System" "Windows 11 Pro 23H2", "User" "thandi".
type Detail struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// TicketView is a ticket as the person sees it on this computer: the
// ticket (flat in JSON, so an msp.Ticket decodes it too) and what the
// agent knows about it besides.
type TicketView struct {
	msp.Ticket
	// Delivered: the hub has every change of this ticket made here.
	Delivered bool `json:"delivered"`
	// OwnerText says who has it: "Your IT lead until 17:00, then Acme IT".
	OwnerText string `json:"owner_text"`
	// SLAText is the clock in words: "first response due by 11:02",
	// "paused: waiting for you", "resolved within target".
	SLAText          string    `json:"sla_text,omitempty"`
	FirstResponseDue time.Time `json:"first_response_due,omitzero"`
	// Refused are this ticket's changes the hub refused, with reasons.
	Refused []DeadLetter `json:"refused,omitempty"`
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

// QuotaError refuses files that would take their user, or the computer,
// over what the agent keeps waiting for the hub; Message says which, in
// words for the person, and what to do. The answer is 413, with Message
// under "attachments" too.
type QuotaError struct{ Message string }

func (e *QuotaError) Error() string { return e.Message }

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
