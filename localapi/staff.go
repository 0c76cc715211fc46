package localapi

import (
	"time"

	"tandem/msp"
)

// Staff routes (issue 6): the dashboard of an IT lead or an MSP technician
// signed in on this computer. The agent keeps the person's credential for
// their OS user and a replica of the organisations in their scope; every
// answer comes from that replica, so the dashboard opens at once and works
// offline.
//
//	POST /v1/staff/sign-in             {"code": "..."} → StaffSession
//	POST /v1/staff/sign-out            → 204; the credential and the replica are removed
//	GET  /v1/staff/session             → StaffSession (404 when not signed in)
//	GET  /v1/staff/tickets             → TicketPage (TicketQuery as query parameters)
//	GET  /v1/staff/tickets/{id}        → StaffTicket
//	POST /v1/staff/tickets/{id}/changes msp.Change → StaffTicket; a create
//	                                   (a ticket logged for a caller: {id} is the new ticket's)
//	                                   and a merge (the duplicate is {id}) too
//	GET  /v1/staff/assignees?tenant=ID    → []Assignee, who may be assigned the organisation's tickets
//	GET  /v1/staff/tickets/{id}/attachments/{att} → the attached file's bytes
//	                                   (fetched from the hub the first time and kept; 503 offline before that)
//	GET  /v1/staff/overview?tenant=ID  → Overview
//	GET  /v1/staff/devices?tenant=ID&q=TEXT → []DeviceRow
//	GET  /v1/staff/devices/{id}        → DeviceDetail
//	GET  /v1/staff/responsibilities    and its edits: see staff_matrix.go

// SignInRequest is the body of POST /v1/staff/sign-in: the code from
// `tandem-hub user add`.
type SignInRequest struct {
	Code string `json:"code"`
}

// StaffSession is the signed-in person on this computer's OS user.
type StaffSession struct {
	Name    string      `json:"name"`
	Role    msp.Role    `json:"role"`    // it-lead | technician
	Tenants []TenantRef `json:"tenants"` // the organisations in scope
	// SyncedAt is the end of the last complete pull of the scope; zero
	// before the first one.
	SyncedAt time.Time `json:"synced_at,omitzero"`
	Syncing  bool      `json:"syncing"`
	// Extra fields.
	HubURL    string    `json:"hub_url,omitempty"`
	Online    bool      `json:"online"`               // the last exchange with the hub worked
	Queued    int       `json:"queued_changes"`       // this person's changes still to send
	Refused   int       `json:"refused_changes"`      // this person's changes the hub refused (kept, not applied)
	LastError string    `json:"last_error,omitempty"` // why the last exchange failed, in words
	Tickets   int       `json:"tickets"`              // tickets in the replica (0 until the first ticket query opened its index)
	SignedIn  time.Time `json:"signed_in_at,omitzero"`
}

// TenantRef names an organisation in the scope.
type TenantRef struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Mode msp.ServiceMode `json:"mode"`
	// TimeZone is the organisation's IANA zone, in which its due times
	// are said; empty means msp.DefaultTimeZone.
	TimeZone string `json:"time_zone,omitempty"`
}

// Values of TicketQuery.Status besides a msp.Status.
const (
	StatusFilterOpen = "open" // every status but resolved and closed (the default)
	StatusFilterAll  = "all"
)

// Values of TicketQuery.Assignee besides a person's id.
const (
	AssigneeMe   = "me"
	AssigneeNone = "none"
)

// Assignee is someone a ticket of an organisation may be assigned to: a
// technician who serves it or its IT lead (GET /v1/staff/assignees?tenant=ID,
// from the replica; the hub refuses anyone else).
type Assignee struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Role msp.Role `json:"role"`
}

// Values of TicketQuery.Sort.
const (
	SortDue      = "due"      // SLA due time, soonest first (the default); tickets without a clock last
	SortUpdated  = "updated"  // last change, newest first
	SortPriority = "priority" // P1 first, then due
)

// Limits of a ticket page.
const (
	DefaultTicketLimit = 200
	MaxTicketLimit     = 1000
)

// TicketQuery filters the staff ticket list. Empty fields do not filter.
// Q is words that must each match, case-insensitively: a ticket's number
// as people see it ("#69DC5E" or "69dc5e"; after a '#' also its first
// digits), words of the title, the requester, the hostname of the device
// it was raised on, words of the description and comments (internal notes
// included, not the hub's own notes), or the start of the id.
type TicketQuery struct {
	Q      string `json:"q,omitempty"`
	Status string `json:"status,omitempty"` // open (default) | all | a msp.Status
	Owner  string `json:"owner,omitempty"`  // msp | internal | shared
	Pillar string `json:"pillar,omitempty"`
	Tenant string `json:"tenant,omitempty"`
	// Assignee: "" anyone's, AssigneeMe the caller's, AssigneeNone nobody's,
	// or a person's id.
	Assignee string `json:"assignee,omitempty"`
	Sort     string `json:"sort,omitempty"` // due (default) | updated | priority
	Limit    int    `json:"limit,omitempty"`
	Offset   int    `json:"offset,omitempty"`
}

// TicketPage is one page of the filtered list; Total counts every match.
type TicketPage struct {
	Total   int           `json:"total"`
	Tickets []StaffTicket `json:"tickets"`
}

// StaffTicket is a ticket as staff see it: internal notes included.
type StaffTicket struct {
	msp.Ticket
	TenantName string `json:"tenant_name"`
	SLAText    string `json:"sla_text"`
	// Delivered: the hub has every change of this ticket made by this
	// person here.
	Delivered bool `json:"delivered"`
	// Due is the next SLA deadline (first response, then resolution);
	// zero when no clock runs.
	Due time.Time `json:"due,omitzero"`
	// DeviceInfo is the computer the ticket was raised on as the fleet
	// knows it (its Devices entry); nil in lists, for a ticket raised
	// without a device, and before the fleet was fetched.
	DeviceInfo *DeviceRow `json:"device_info,omitempty"`
	// RequesterName, RequesterPhone and RequesterEmail are the person whose
	// OS account raised the ticket (Ticket.Requester), matched by device
	// and account to the organisation's people on the hub; empty when no
	// person matches, and the account is all there is to show.
	RequesterName  string `json:"requester_name,omitempty"`
	RequesterPhone string `json:"requester_phone,omitempty"`
	RequesterEmail string `json:"requester_email,omitempty"`
	RequesterID    string `json:"requester_id,omitempty"`
}

// AttachmentFile is a file attached to a ticket, with its bytes.
type AttachmentFile struct {
	msp.Attachment
	Data []byte
}

// Overview is the dashboard's first view for one organisation or, with no
// tenant, the whole scope.
type Overview struct {
	OpenByPillar map[msp.Pillar]int `json:"open_by_pillar"`
	OpenByOwner  map[msp.Party]int  `json:"open_by_owner"`
	// This month: first responses within target / first responses decided
	// (responded, or breached without a response).
	SLAMet     int `json:"sla_met"`
	SLADecided int `json:"sla_decided"`
	// Open tickets at risk of breach / breached, soonest due first (at
	// most 20 each).
	AtRisk   []StaffTicket `json:"at_risk"`
	Breached []StaffTicket `json:"breached"`

	Devices       int `json:"devices"`
	DevicesSilent int `json:"devices_silent"` // not seen for SilentAfter
	// Patch compliance: devices with security updates pending, and the age
	// in days of the oldest pending report.
	SecurityPending   int `json:"security_pending"`
	OldestPendingDays int `json:"oldest_pending_days"`
	// PatchOverdue counts the devices with a security update waiting more
	// than PatchAfterDays (the tenant's alert rule, 14 by default): the
	// devices that fail patch compliance, as the monthly report counts it.
	PatchOverdue    int `json:"patch_overdue"`
	PatchAfterDays  int `json:"patch_after_days"`
	RestartNeeded   int `json:"restart_needed"`
	PostureFailures int `json:"posture_failures"` // devices with at least one failing check

	// DevicesKnown is false when the hub did not give this person the
	// device list (the device fields are then zero).
	DevicesKnown bool      `json:"devices_known"`
	Open         int       `json:"open"`
	AsOf         time.Time `json:"as_of"`
}

// SilentAfter is how long a device may stay unseen before it counts as
// silent.
const SilentAfter = 24 * time.Hour

// DeviceRow is one device of the fleet.
type DeviceRow struct {
	ID                string    `json:"id"`
	Tenant            string    `json:"tenant"`
	Hostname          string    `json:"hostname"`
	OS                string    `json:"os"`
	LastSeen          time.Time `json:"last_seen,omitzero"`
	Silent            bool      `json:"silent"`
	SecurityPending   int       `json:"security_pending"`
	OldestPendingDays int       `json:"oldest_pending_days"`
	RestartNeeded     bool      `json:"restart_needed"`
	PostureProblems   []string  `json:"posture_problems"`
	// RevokedAt is when the MSP retired the device; zero while in
	// service. A retired device is listed, last, and neither silent nor in
	// need of attention.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// Extra fields.
	TenantName string `json:"tenant_name,omitempty"`
	Pending    int    `json:"pending"` // every pending update, security or not
}

// DeviceDetail is one device with its full inventory; each section has an
// "as of" time.
type DeviceDetail struct {
	DeviceRow
	Inventory     msp.Inventory `json:"inventory"`
	InventoryAsOf time.Time     `json:"inventory_as_of,omitzero"`
	PatchesAsOf   time.Time     `json:"patches_as_of,omitzero"`
	PostureAsOf   time.Time     `json:"posture_as_of,omitzero"`
}
