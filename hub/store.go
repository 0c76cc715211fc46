package hub

import (
	"context"
	"errors"
	"slices"
	"time"

	"tandem/msp"
)

// Store is what the hub keeps. The embedded badger store (OpenBadgerStore)
// is the default; a PostgreSQL store for MSPs that outgrow one machine
// implements the same interface and must pass the conformance suite in
// package hub/storetest.
//
// Every read and write happens inside Update or View, so that a push's
// effects and its high-water mark commit together.
type Store interface {
	// Update runs fn in a read-write transaction and commits it durably.
	// When fn returns an error nothing it wrote is kept. fn may run more
	// than once when transactions conflict, so it must not have effects
	// outside the transaction.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// SingleTry marks ctx for an Update whose conflict the caller handles
// itself: a store that retries transactions that fail to serialize (the
// PostgreSQL store) runs fn once and returns the failure. The group commit
// uses it for a merged batch of pushes, which it commits again push by
// push: a serialization failure is retried for one push, never for a
// whole merged batch.
func SingleTry(ctx context.Context) context.Context {
	return context.WithValue(ctx, singleTryKey{}, true)
}

// IsSingleTry reports whether ctx was marked by SingleTry.
func IsSingleTry(ctx context.Context) bool {
	v, _ := ctx.Value(singleTryKey{}).(bool)
	return v
}

type singleTryKey struct{}

// ErrNotFound is returned by Tx getters for a missing object.
var ErrNotFound = errors.New("not found")

// Tx is one transaction of a Store. Objects of a tenant are addressed with
// their tenant, so a handler that holds a credential's tenant cannot reach
// another tenant's objects by id.
type Tx interface {
	Tenant(id string) (msp.Tenant, error)
	// PutTenant stores t, which moves its stamp (TenantStamp).
	PutTenant(t msp.Tenant) error
	// TenantStamp is an opaque value that differs whenever the tenant's
	// stored record differs (a new one with every PutTenant, or a hash of
	// the record), never that of another record, not even one a
	// transaction that did not commit wrote: a hub process may keep a
	// decoded tenant and decode it again only once the stamp moved, in
	// its own process or in another sharing the store. It is a point read,
	// far cheaper than Tenant. A tenant not written since the store kept
	// stamps has the empty stamp, as does a tenant that does not exist.
	TenantStamp(id string) (string, error)
	Tenants() ([]msp.Tenant, error)

	// Enrollment tokens are stored by the SHA-256 of their secret.
	Token(hash string) (Token, error)
	PutToken(t Token) error
	DeleteToken(hash string) error

	Device(tenant, id string) (Device, error)
	PutDevice(d Device) error
	Devices(tenant string) ([]Device, error)

	Inventory(tenant, device string) (msp.Inventory, error)
	PutInventory(tenant, device string, inv msp.Inventory) error

	Ticket(tenant, id string) (*msp.Ticket, error)
	// TicketJSON is Ticket without decoding: the ticket as JSON
	// (msp.Ticket's encoding), a copy the caller keeps; ErrNotFound if
	// there is none.
	TicketJSON(tenant, id string) ([]byte, error)
	// PutTicket stores t and records it in the tenant's change feed.
	PutTicket(t *msp.Ticket) error
	// TicketTenants returns the tenants that hold a ticket with this id, in
	// tenant id order: none when no tenant does. Ticket ids are unique
	// across the hub (a create naming an id held anywhere is refused), so
	// it returns more than one only for an id two tenants' devices both
	// used on a hub older than that rule.
	TicketTenants(id string) ([]string, error)
	// Tickets calls fn for each of the tenant's tickets, in id order (which
	// is creation order for UUIDv7 ids), until fn returns false.
	Tickets(tenant string, fn func(*msp.Ticket) bool) error
	// TicketsJSON is Tickets without decoding: fn gets each ticket as JSON
	// (msp.Ticket's encoding), valid only during the call, so a listing
	// can stream the tickets without holding them.
	TicketsJSON(tenant string, fn func(raw []byte) bool) error

	// OpenTickets calls fn for each of the tenant's tickets whose status
	// is open (msp.Status.IsOpen: new, open, in progress, waiting on the
	// customer, reopened), in id order, until fn returns false. The SLA
	// sweep reads it, so it must not scan resolved and closed tickets.
	OpenTickets(tenant string, fn func(*msp.Ticket) bool) error

	// DueTickets calls fn with the ids of the tenant's tickets whose SLA
	// sweep falls due from from to until (both included), earliest first,
	// until fn returns false. A ticket PutTicket stored open (or
	// PutHistory changed while open) with no SetTicketDue after is due at
	// once, at the zero time: among them only when from is zero. A ticket
	// PutTicket stored not open is in none. The sweep reads it instead of
	// every open ticket, so it must cost what it returns (and not what it
	// held before from).
	DueTickets(tenant string, from, until time.Time, fn func(id string) bool) error
	// SetTicketDue records when the SLA sweep next has work on a ticket;
	// the zero time takes the ticket out of DueTickets until its next
	// PutTicket or PutHistory.
	SetTicketDue(tenant, id string, at time.Time) error
	// NextDue is the earliest due time at or after from that DueTickets
	// holds for the tenant (the zero time for a ticket due at once), and
	// false when it holds none.
	NextDue(tenant string, from time.Time) (time.Time, bool, error)

	// History is the hub's record beside a ticket that feeds its SLA
	// clocks; ErrNotFound if there is none (a ticket stored before the
	// hub kept one).
	History(tenant, ticket string) (TicketHistory, error)
	PutHistory(h TicketHistory) error

	// DeviceAlerts is the proactive-alert state of a device; ErrNotFound
	// if it has none yet.
	DeviceAlerts(tenant, device string) (DeviceAlerts, error)
	PutDeviceAlerts(a DeviceAlerts) error
	// AlertGroup is the tenant's record of one problem across its devices
	// (AlertGroup.Problem, such as "posture/disk_encryption"); ErrNotFound
	// if no device ever had it. PutAlertGroup stores one; AlertGroups
	// returns the tenant's, in problem order.
	AlertGroup(tenant, problem string) (AlertGroup, error)
	PutAlertGroup(g AlertGroup) error
	AlertGroups(tenant string) ([]AlertGroup, error)

	// Mark is where a push stream stands: the last sequence number applied
	// for it and the id of that mutation. A stream the hub never saw has
	// the zero mark (Known false).
	Mark(stream string) (StreamMark, error)
	SetMark(stream string, m StreamMark) error

	// ChangeSeen reports whether the ticket change with this id was
	// applied in the tenant; NoteChange records that it was. A change that
	// arrives again (on a new stream after a restore, a copy or a
	// re-enrollment) is then acknowledged, not applied twice.
	ChangeSeen(tenant, change string) (bool, error)
	NoteChange(tenant, change string) error

	// NoteTenantChanged records the tenant's settings in its change feed.
	NoteTenantChanged(tenant string) error
	// MatrixHistory is the tenant's history of responsibility-matrix and
	// service-mode changes, oldest first; empty, not ErrNotFound, when
	// nothing was ever changed.
	MatrixHistory(tenant string) ([]msp.MatrixEvent, error)
	// AddMatrixEvents appends evs to the history, keeping the newest
	// msp.MaxMatrixHistory, and records the history in the tenant's change
	// feed (kind FeedResponsibilities).
	AddMatrixEvents(tenant string, evs ...msp.MatrixEvent) error
	// Feed returns up to limit feed entries of the tenant after seq, in
	// order, and the tenant's last feed sequence. Each object appears at
	// most once in the feed, at its latest change.
	Feed(tenant string, after uint64, limit int) (entries []FeedEntry, last uint64, err error)
	// DeviceFeed is Feed narrowed to what the users of one device see:
	// the entries of the tenant's tickets whose Device is device and that
	// are not the hub's alerts (Alert nil), and the tenant's own entry
	// (kind "tenant"), in order, up to limit, with the tenant's last feed
	// sequence. It costs what it returns, not the size of the tenant's
	// feed: a device's pull must not read the other devices' tickets. A
	// ticket that moves to another device (or becomes an alert) leaves
	// its former device's feed at its next PutTicket.
	DeviceFeed(tenant, device string, after uint64, limit int) (entries []FeedEntry, last uint64, err error)

	// QueueEvent keeps a ticket event in the store's event outbox, in the
	// transaction of the change that made it, for the webhook relay to
	// publish after the commit. QueuedEvents returns up to limit of them,
	// oldest (lowest id) first; DeleteQueuedEvent removes one the relay
	// published.
	QueueEvent(ev QueuedEvent) error
	QueuedEvents(limit int) ([]QueuedEvent, error)
	DeleteQueuedEvent(id string) error

	// Person is one of the tenant's people (tandem-hub person add or
	// import); ErrNotFound if there is none with this id in the tenant.
	Person(tenant, id string) (msp.Person, error)
	// PutPerson stores p and records it in its tenant's change feed (kind
	// FeedPerson), so staff replicas get it.
	PutPerson(p msp.Person) error
	// DeletePerson removes the person, with their personal data, and
	// records the removal in the tenant's change feed (kind FeedPerson,
	// whose object then no longer exists). Removing a person who is not
	// there does nothing and is no error.
	DeletePerson(tenant, id string) error
	// People returns the tenant's people in id order; none (not
	// ErrNotFound) for a tenant without any.
	People(tenant string) ([]msp.Person, error)

	User(id string) (User, error)
	PutUser(u User) error
	// Users returns every person who signs in, removed ones included, in
	// id order (who may be assigned a ticket is read from it).
	Users() ([]User, error)
	// Secrets are sign-in codes and user tokens, stored by their SHA-256.
	Secret(hash string) (Secret, error)
	PutSecret(s Secret) error
	DeleteSecret(hash string) error
}

// QueuedEvent is a ticket event in the store's event outbox.
type QueuedEvent struct {
	// ID is a UUIDv7, so ids sort in the order events were queued; the
	// webhook deliveries made from the event are named after it.
	ID    string      `json:"id"`
	Event TicketEvent `json:"event"`
}

// TicketHistory is what the hub keeps beside a ticket, in its own record,
// to run the ticket's SLA clocks and escalations: its status changes at the
// hub's time, its first staff response and what the hub already did.
type TicketHistory struct {
	Tenant string `json:"tenant"`
	Ticket string `json:"ticket"`
	// Statuses are the ticket's status changes after it was created.
	Statuses []msp.StatusChange `json:"statuses,omitempty"`
	// FirstResponseAt is when the IT lead or a technician first replied to
	// the requester (a public reply; not a hub note); zero until then.
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	// RoutedAt is when the ticket got its current owner from routing.
	RoutedAt time.Time `json:"routed_at,omitzero"`
	// RouteUntil is when the matrix hands an unanswered ticket of this
	// kind to another party; zero if it never does or once the ticket
	// was answered, overflowed or escalated.
	RouteUntil time.Time `json:"route_until,omitzero"`
	// Done lists what the hub did once and must not do again:
	// "response-at-risk", "resolution-at-risk", "response-breached",
	// "resolution-breached", "overflow", "escalated".
	Done []string `json:"done,omitempty"`
	// Adopted is when the hub first computed the clocks of a ticket stored
	// before it kept histories (a hub upgraded from a version without SLA
	// clocks); zero for a ticket it has followed since its creation. A
	// breach or overflow that fell due before Adopted happened before the
	// hub watched the ticket: the sweep records it as seen, tells no event
	// and does not hand the ticket to the MSP for it.
	Adopted time.Time `json:"adopted,omitzero"`
}

// Has reports whether the hub already did step.
func (h *TicketHistory) Has(step string) bool { return slices.Contains(h.Done, step) }

// Mark records that the hub did step; it reports false if it already had.
func (h *TicketHistory) Mark(step string) bool {
	if h.Has(step) {
		return false
	}
	h.Done = append(h.Done, step)
	return true
}

// Timeline returns what msp.ComputeSLA needs for tk.
func (h TicketHistory) Timeline(tk *msp.Ticket) msp.SLATimeline {
	return msp.SLATimeline{Priority: tk.Priority, CreatedAt: tk.CreatedAt, FirstResponseAt: h.FirstResponseAt, Statuses: h.Statuses}
}

// DeviceAlerts is the proactive-alert state of one device.
type DeviceAlerts struct {
	Tenant string `json:"tenant"`
	Device string `json:"device"`
	// SecurityPendingSince is when security updates were first seen
	// pending without a break; zero when none are.
	SecurityPendingSince time.Time `json:"security_pending_since,omitzero"`
	// RestartPendingSince is when a pending restart was first seen; zero
	// when none is.
	RestartPendingSince time.Time `json:"restart_pending_since,omitzero"`
	// Open maps each condition that holds and has raised a ticket to that
	// ticket's id. The ticket may have been resolved by staff meanwhile;
	// the hub raises no new one until the condition clears.
	Open map[string]string `json:"open,omitempty"`
}

// AlertGroup is one problem across a tenant's devices: the devices that
// have it now, the one ticket that lists them, and when each device had it.
type AlertGroup struct {
	Tenant string `json:"tenant"`
	// Problem is an alert condition, or for the security baseline the
	// condition and the check: "disk-full", "posture/disk_encryption".
	Problem string `json:"problem"`
	// Ticket is the ticket that lists the devices; it may have been
	// resolved by staff meanwhile (a device that joins then raises a new
	// one). Empty until the first device had the problem.
	Ticket string `json:"ticket,omitempty"`
	// Devices are the devices that have the problem now, by device id.
	Devices map[string]GroupDevice `json:"devices,omitempty"`
	// Spans are the times devices had the problem that ended, oldest first
	// (at most MaxGroupSpans), for the monthly report.
	Spans []GroupSpan `json:"spans,omitempty"`
}

// MaxGroupSpans bounds AlertGroup.Spans.
const MaxGroupSpans = 2000

// GroupDevice is a device that has a group's problem.
type GroupDevice struct {
	Hostname string    `json:"hostname"`
	Detail   string    `json:"detail,omitempty"` // "BitLocker on C: off"
	Since    time.Time `json:"since"`
	Ticket   string    `json:"ticket,omitempty"` // the group ticket when it joined
}

// GroupSpan is a time a device had a group's problem.
type GroupSpan struct {
	Device string    `json:"device"`
	Ticket string    `json:"ticket,omitempty"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// StreamMark is where one push stream stands on the hub.
type StreamMark struct {
	// Seq is the last sequence number applied or refused (or, for a stream
	// that has sent nothing yet, the base it started from).
	Seq uint64
	// LastID is the id of the mutation at Seq, when its sender named it.
	LastID string
	// Known is false for a stream the hub has never seen.
	Known bool
}

// FeedEntry is one entry of a tenant's change feed.
type FeedEntry struct {
	Seq  uint64 `json:"seq"`
	Kind string `json:"kind"` // "ticket", "tenant", FeedResponsibilities or FeedPerson
	ID   string `json:"id"`
}

// FeedPerson is the FeedEntry kind of one of a tenant's people (its ID is
// the person's); the entry stays when the person is removed, so replicas
// learn of the removal.
const FeedPerson = "person"

// FeedResponsibilities is the FeedEntry kind of a tenant's matrix history
// (its ID is the tenant's).
const FeedResponsibilities = "responsibilities"

// Token is a one-time enrollment token.
type Token struct {
	Hash      string    `json:"hash"`
	Tenant    string    `json:"tenant"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// Device is an enrolled device as the hub knows it.
type Device struct {
	msp.Device
	// CertSerials are the serial numbers (hex) of the device's valid
	// certificates: the current one, and the one before it until it expires,
	// so a renewal lost on the way does not lock the device out.
	CertSerials []string  `json:"cert_serials"`
	CertExpires time.Time `json:"cert_expires"`
	Revoked     bool      `json:"revoked,omitempty"`
	// Inventoried is when the last inventory arrived.
	Inventoried  time.Time `json:"inventoried,omitzero"`
	AgentVersion string    `json:"agent_version,omitempty"`
	// AlertsStamp is the alert policy (and grace) the device's inventory
	// was last checked under, and AlertsRecheck when a condition may turn
	// by time alone (a grace ending, updates pending past the limit): a
	// check-in after either changed checks the stored inventory again.
	AlertsStamp   string    `json:"alerts_stamp,omitempty"`
	AlertsRecheck time.Time `json:"alerts_recheck,omitzero"`
	// Streams are the push streams the device's agent has used, oldest
	// first; the last is the current one. A push on an earlier one means
	// two computers hold this device's credential (see protocol.CodeCloned).
	Streams []string `json:"streams,omitempty"`
}

// maxStreams bounds Device.Streams.
const maxStreams = 16

// User is a person who signs in: an IT lead or a technician.
type User struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      msp.Role  `json:"role"`
	Tenants   []string  `json:"tenants"` // an IT lead has one; a technician those they serve
	CreatedAt time.Time `json:"created_at"`
	// RemovedAt is when the MSP removed the person (tandem-hub user
	// remove): none of their sign-ins or codes works from then on. The
	// record stays, so their name still shows on what they wrote.
	RemovedAt time.Time `json:"removed_at,omitzero"`
	// SignedOutAt is when the MSP last ended the person's sign-ins
	// (tandem-hub user signout): a token or code issued before it is
	// refused.
	SignedOutAt time.Time `json:"signed_out_at,omitzero"`
}

// SecretKind says what a Secret is for.
type SecretKind string

// Kinds of secret.
const (
	SecretSignInCode SecretKind = "signin-code" // one-time, short-lived
	SecretUserToken  SecretKind = "user-token"  // a signed-in user's bearer credential
)

// Secret is a hashed credential that belongs to a user.
type Secret struct {
	Hash      string     `json:"hash"`
	Kind      SecretKind `json:"kind"`
	User      string     `json:"user"`
	ExpiresAt time.Time  `json:"expires_at"`
	// IssuedAt is when the hub made it; zero for one made before the hub
	// recorded it (taken as issued before any sign-out).
	IssuedAt time.Time `json:"issued_at,omitzero"`
}
