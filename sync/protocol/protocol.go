// Package protocol defines the wire types that tandem-agent and tandem-hub
// exchange, and the limits both sides hold to. It is the single place where
// the sync contract of docs/DESIGN.md is written down as code.
//
// Every request carries the header Tandem-Protocol with Version. All bodies
// are JSON; the hub decodes them strictly (unknown fields are refused), so a
// field added here needs a new Version or must be optional on both sides.
//
// Endpoints (all over TLS; the agent pins the MSP's CA):
//
//	GET  /v1/health   no credential               → Health
//	POST /v1/enroll   an enrollment token in body → EnrollResponse
//	POST /v1/renew    device certificate (mTLS)   → RenewResponse
//	POST /v1/push     device certificate or user token → PushResponse
//	GET  /v1/pull     device certificate or user token → PullResponse
//	                  (?cursor=N&limit=M; a user serving several tenants adds &tenant=ID)
//	POST /v1/signin   a sign-in code in body      → SignInResponse
//	PUT  /v1/blobs/{sha256}  device certificate (or user token, ?tenant=ID):
//	                  the bytes of an attachment  → BlobResponse (201 new, 200 already kept)
//	GET  /v1/blobs/{sha256}?tenant=ID  operator credential or a signed-in
//	                  IT lead or technician of the tenant → the bytes
//	/v1/admin/...     operator credential (Bearer), see package hub
//
// Errors are an ErrorBody with an HTTP status: 400 malformed, 401 no or bad
// credential, 403 not allowed, 404 not found (also for other tenants'
// objects), 413 body too large, 429 too many failed sign-ins (Retry-After
// set), 5xx the hub's own trouble (retry). A sequence gap in a push is not
// an error: the answer's high_water stops before the gap.
package protocol

import (
	"errors"
	"fmt"
	"time"

	"tandem/msp"
)

// Version is the protocol version this build speaks.
const Version = "1"

// Header names the request header that carries Version.
const Header = "Tandem-Protocol"

// Limits both sides keep to. The hub refuses larger requests; the agent
// never builds them.
const (
	MaxBodyBytes     = 4 << 20 // a push body; 413 above it
	MaxBatchBytes    = 1 << 20 // what the agent puts in one push, about
	MaxBatch         = 250     // mutations in one push
	MaxPullLimit     = 500     // changes in one pull page
	DefaultPullLimit = 200
	MaxSmallBody     = 64 << 10 // enroll, sign-in, admin bodies
)

// Paths of the API.
const (
	PathHealth = "/v1/health"
	PathEnroll = "/v1/enroll"
	PathRenew  = "/v1/renew"
	PathPush   = "/v1/push"
	PathPull   = "/v1/pull"
	PathSignIn = "/v1/signin"
	// PathSession answers a user token's Session: who it is and its
	// scope now.
	PathSession = "/v1/session"
	PathBlobs   = "/v1/blobs/" // + the SHA-256 of the bytes, lower-case hex
)

// MaxBlobBytes caps one attachment's bytes on the wire (413 above it).
const MaxBlobBytes = msp.MaxAttachmentBytes

// BlobPath returns the path of the blob whose SHA-256 is sum (hex).
func BlobPath(sum string) string { return PathBlobs + sum }

// ValidBlobID reports whether s is a SHA-256 in lower-case hex, the only
// name a blob has.
func ValidBlobID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// BlobResponse answers a blob upload. Blobs are content-addressed and
// kept per tenant: sending the same bytes again is harmless (Created is
// then false), which makes the upload idempotent.
type BlobResponse struct {
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	Created bool   `json:"created"`
}

// Health is the answer of GET /v1/health.
type Health struct {
	Status   string    `json:"status"` // "ok"
	Version  string    `json:"version"`
	Protocol string    `json:"protocol"`
	Time     time.Time `json:"time"` // the hub's clock, so agents can tell skew
}

// EnrollRequest exchanges a one-time enrollment token for a device
// certificate. The device makes its own key pair and sends only a
// certificate signing request (PEM, "CERTIFICATE REQUEST").
type EnrollRequest struct {
	Token    string `json:"token"`
	CSR      string `json:"csr"`
	Hostname string `json:"hostname"`
	OS       string `json:"os,omitempty"`
	// Replaces is the device id this computer was enrolled as before (the
	// agent kept it in its store when its identity was removed). The hub
	// gives the computer that device back, with its tickets and history,
	// when the device is in the token's tenant, not revoked and has the
	// same hostname; otherwise the computer is enrolled as a new device.
	Replaces string `json:"replaces,omitempty"`
}

// Validate checks the request's shape.
func (r EnrollRequest) Validate() error {
	var errs []error
	if r.Token == "" {
		errs = append(errs, errors.New("token: is missing; ask the MSP for an enrollment token (tandem-hub token create)"))
	}
	if r.CSR == "" {
		errs = append(errs, errors.New("csr: is missing"))
	}
	if r.Hostname == "" {
		errs = append(errs, errors.New("hostname: is missing"))
	}
	if r.Replaces != "" {
		if err := msp.ValidateID("replaces", r.Replaces); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EnrollResponse carries the device's identity and its first certificate.
type EnrollResponse struct {
	DeviceID    string     `json:"device_id"`
	Tenant      msp.Tenant `json:"tenant"`
	Certificate string     `json:"certificate"` // PEM, signed by the hub's CA
	ExpiresAt   time.Time  `json:"expires_at"`
	// Replaced is true when the hub gave back the device the request
	// named in Replaces.
	Replaced bool `json:"replaced,omitempty"`
}

// RenewRequest asks for a fresh certificate for a new key pair, over the
// connection authenticated by the current one. Credentials rotate this way.
type RenewRequest struct {
	CSR string `json:"csr"`
}

// RenewResponse is the renewed certificate.
type RenewResponse struct {
	Certificate string    `json:"certificate"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// SignInRequest exchanges a sign-in code from `tandem-hub user add` for a
// user credential.
type SignInRequest struct {
	Code string `json:"code"`
}

// SignInResponse is a user credential and what it grants.
type SignInResponse struct {
	UserID  string   `json:"user_id"`
	Name    string   `json:"name"`
	Role    msp.Role `json:"role"`
	Tenants []string `json:"tenants"`
	Token   string   `json:"token"` // a bearer credential; keep it like a password
}

// Session is who a signed-in person's credential is now: the scope may
// have changed since the sign-in (see hub's PUT /v1/admin/users/{id}/tenants).
type Session struct {
	UserID  string   `json:"user_id"`
	Name    string   `json:"name"`
	Role    msp.Role `json:"role"`
	Tenants []string `json:"tenants"`
}

// MutationKind says what a Mutation carries.
type MutationKind string

// Kinds of mutation.
const (
	KindTicket    MutationKind = "ticket"    // Change: a ticket change
	KindCheckIn   MutationKind = "checkin"   // CheckIn: a heartbeat
	KindInventory MutationKind = "inventory" // Inventory: a full device report
	KindMatrix    MutationKind = "matrix"    // Matrix: a responsibility-matrix or service-mode change by staff
)

// Mutation is one entry of the agent's outbox. Seq is the per-stream
// sequence number: the hub applies Seq n only after n-1. ID names the
// mutation itself (for a ticket mutation, its change's id), so that the hub
// tells a replay (same number, same id) from a number used again for
// something else (a conflict: the sender's store was restored or copied).
type Mutation struct {
	Seq  uint64       `json:"seq"`
	ID   string       `json:"id,omitempty"`
	Kind MutationKind `json:"kind"`
	// User is the OS account on the device that made a ticket change, as
	// the agent identified it from the local API's peer credentials. The
	// tenant and the device always come from the credential.
	User string `json:"user,omitempty"`
	// Tenant is the organisation a signed-in person's ticket change acts
	// in: the tenant of the ticket as their replica holds it. The hub
	// applies the change to that tenant's ticket only. A device leaves it
	// empty (its certificate names its tenant).
	Tenant    string          `json:"tenant,omitempty"`
	Change    *msp.Change     `json:"change,omitempty"`
	CheckIn   *CheckIn        `json:"checkin,omitempty"`
	Inventory *msp.Inventory  `json:"inventory,omitempty"`
	Matrix    *msp.MatrixEdit `json:"matrix,omitempty"`
}

// Validate checks the mutation's shape (the hub checks the content).
func (m Mutation) Validate() error {
	if m.Seq == 0 {
		return errors.New("seq: must be 1 or more")
	}
	set := 0
	for _, ok := range []bool{m.Change != nil, m.CheckIn != nil, m.Inventory != nil, m.Matrix != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("mutation %d: exactly one of change, checkin, inventory and matrix must be set", m.Seq)
	}
	switch m.Kind {
	case KindTicket:
		if m.Change == nil {
			return fmt.Errorf("mutation %d: a ticket mutation carries a change", m.Seq)
		}
	case KindCheckIn:
		if m.CheckIn == nil {
			return fmt.Errorf("mutation %d: a checkin mutation carries a checkin", m.Seq)
		}
	case KindInventory:
		if m.Inventory == nil {
			return fmt.Errorf("mutation %d: an inventory mutation carries an inventory", m.Seq)
		}
	case KindMatrix:
		if m.Matrix == nil {
			return fmt.Errorf("mutation %d: a matrix mutation carries a matrix edit", m.Seq)
		}
	default:
		return fmt.Errorf("mutation %d: unknown kind %q; this hub knows ticket, checkin, inventory and matrix", m.Seq, m.Kind)
	}
	return nil
}

// CheckIn is a heartbeat: the device is alive, and a few facts that change
// often enough not to wait for the next inventory.
type CheckIn struct {
	At            time.Time `json:"at"`
	AgentVersion  string    `json:"agent_version"`
	Uptime        int64     `json:"uptime_seconds,omitempty"`
	QueuedChanges int       `json:"queued_changes"`
}

// PushRequest is a batch of mutations in sequence order.
//
// Stream names the sender's numbering: a device's agent makes a new one with
// its store, and again after a restore, a re-enrollment, a detected copy or
// a hole in its queue, and numbers the stream's changes from Base+1. The hub
// keeps a high-water mark per (credential, stream): a new stream starts at
// its Base, so changes of an old identity's queue or of a recreated store
// are never taken for replays. A push without Stream uses the credential's
// one legacy stream (staff sign-ins, which are numbered per sign-in).
type PushRequest struct {
	Stream    string     `json:"stream,omitempty"`
	Base      uint64     `json:"base,omitempty"`
	Mutations []Mutation `json:"mutations"`
}

// Outcome is what the hub did with one mutation.
type Outcome string

// Outcomes.
const (
	Applied   Outcome = "applied"   // applied now
	Duplicate Outcome = "duplicate" // applied before; acknowledged again
	Rejected  Outcome = "rejected"  // refused for good; the agent dead-letters it
	// Conflict: the hub already holds a different change under this
	// number of this stream (the sender's store was restored from a
	// backup, or copied to a second computer). Nothing from this mutation
	// on was applied; the sender starts a new stream and sends them again.
	Conflict Outcome = "conflict"
)

// Result is the hub's answer for one mutation.
type Result struct {
	Seq     uint64     `json:"seq"`
	Outcome Outcome    `json:"outcome"`
	Error   *ErrorBody `json:"error,omitempty"` // set when Rejected
}

// PushResponse carries the hub's high-water mark for this client: every
// mutation up to it has been applied or rejected, and the client drops them.
// A mutation after a gap is not applied and not mentioned.
type PushResponse struct {
	HighWater uint64   `json:"high_water"`
	Results   []Result `json:"results"`
}

// ChangeKind says what a pulled change carries.
type ChangeKind string

// Kinds of pulled change.
const (
	ChangeTicket ChangeKind = "ticket" // Ticket is the ticket's current state
	ChangeTenant ChangeKind = "tenant" // Tenant is the tenant's current settings
	// ChangeResponsibilities: History is the tenant's whole history of
	// responsibility-matrix and service-mode changes, oldest first (at most
	// msp.MaxMatrixHistory entries). Only signed-in staff pull it.
	ChangeResponsibilities ChangeKind = "responsibilities"
	// ChangePerson: Person is one of the tenant's people as they are now,
	// or, when Person is nil, PersonID names one who was removed. Only
	// signed-in staff pull people.
	ChangePerson ChangeKind = "person"
)

// Change is one entry of the tenant's change feed, as the credential may
// see it: the current state of a changed object.
type Change struct {
	Seq    uint64      `json:"seq"`
	Kind   ChangeKind  `json:"kind"`
	Ticket *msp.Ticket `json:"ticket,omitempty"`
	Tenant *msp.Tenant `json:"tenant,omitempty"`
	// History is set for ChangeResponsibilities.
	History []msp.MatrixEvent `json:"history,omitempty"`
	// Person and PersonID are set for ChangePerson.
	Person   *msp.Person `json:"person,omitempty"`
	PersonID string      `json:"person_id,omitempty"`
}

// PullResponse is one page of changes after the client's cursor. The client
// stores Cursor with the page in one transaction and asks again while More.
type PullResponse struct {
	Changes []Change `json:"changes"`
	Cursor  uint64   `json:"cursor"`
	More    bool     `json:"more"`
}

// ErrorBody is every error the hub returns.
type ErrorBody struct {
	Code    string         `json:"code"`    // machine-readable: "invalid", "forbidden", ...
	Message string         `json:"message"` // for people: what happened and what to do
	Fields  []FieldProblem `json:"fields,omitempty"`
}

// FieldProblem names one wrong field of a request.
type FieldProblem struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (e *ErrorBody) Error() string {
	if e == nil {
		return "<nil>"
	}
	return e.Message
}

// Error codes.
const (
	CodeInvalid      = "invalid"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeTransition   = "transition"
	CodeUnauthorized = "unauthorized"
	// CodeRevoked (401): the MSP retired the device or removed the person,
	// or ended the sign-in; the message says which and what to do.
	CodeRevoked     = "revoked"
	CodeTooLarge    = "too_large"
	CodeRateLimited = "rate_limited"
	CodeInternal    = "internal"
	CodeUnavailable = "unavailable"
	CodeConflict    = "conflict" // the change was made on a view somebody changed since
	// CodeQuota (413 on PUT /v1/blobs): the file would take its device
	// (or person) or its tenant over the hub's attachment quota. Sending
	// it again does not help until files are removed or the quota raised.
	CodeQuota = "over_quota"
	// CodeCloned (409 on push): the device credential is in use on two
	// computers (a copied disk or VM image); this one must re-enroll. Its
	// queue is kept and delivered under the new enrollment.
	CodeCloned = "cloned"
)

// ErrorFor turns an error of package msp into an ErrorBody, keeping the
// field problems so a form can show them beside the right input.
func ErrorFor(err error) *ErrorBody {
	b := &ErrorBody{Code: CodeInvalid, Message: err.Error()}
	switch {
	case errors.Is(err, msp.ErrForbidden):
		b.Code = CodeForbidden
	case errors.Is(err, msp.ErrTransition):
		b.Code = CodeTransition
	case errors.Is(err, msp.ErrNotFound):
		b.Code = CodeNotFound
	case errors.Is(err, msp.ErrConflict):
		b.Code = CodeConflict
	}
	for _, p := range msp.FieldProblems(err) {
		b.Fields = append(b.Fields, FieldProblem{Field: p.Field, Problem: p.Problem})
	}
	return b
}
