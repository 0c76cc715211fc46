package msp

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
)

// Party is who owns a piece of work: the MSP, the customer's internal IT, or both.
type Party string

const (
	PartyMSP      Party = "msp"
	PartyInternal Party = "internal"
	PartyShared   Party = "shared"
)

// Role is what a person or program acting on a ticket may do.
type Role string

const (
	RoleEndUser    Role = "end-user"   // a staff member raising tickets from the tray
	RoleITLead     Role = "it-lead"    // the customer's internal IT lead
	RoleTechnician Role = "technician" // an MSP technician
	RoleSystem     Role = "system"     // the hub itself: routing, SLA escalation, alerts
)

// Ticket is a request for help, raised on an endpoint or by the hub.
//
// ID is a client-generated UUIDv7, so a ticket written offline keeps its
// identity through every retry. Revision counts accepted changes on the hub; an
// edit of Title or Description names the revision it was based on.
// TitleRevision and DescriptionRevision are the revisions at which those
// fields last changed, so the hub can tell whether a stale edit would
// overwrite someone else's words (see Apply).
type Ticket struct {
	ID          string       `json:"id"`
	Tenant      string       `json:"tenant"`
	Device      string       `json:"device,omitempty"`
	Requester   string       `json:"requester"`
	Title       string       `json:"title"`
	Description string       `json:"description,omitempty"`
	Pillar      Pillar       `json:"pillar"`
	Category    string       `json:"category"`
	Impact      Level        `json:"impact"`
	Urgency     Level        `json:"urgency"`
	Priority    Priority     `json:"priority"`
	Status      Status       `json:"status"`
	Owner       Party        `json:"owner"`
	Assignee    string       `json:"assignee,omitempty"`
	Comments    []Comment    `json:"comments,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	ResolvedAt  time.Time    `json:"resolved_at,omitzero"`
	ClosedAt    time.Time    `json:"closed_at,omitzero"`
	Revision    int64        `json:"revision"`

	TitleRevision       int64 `json:"title_rev"`
	DescriptionRevision int64 `json:"description_rev"`

	// SLA is where the SLA clocks stood when the hub last computed them;
	// zero until the hub has. Only the hub sets it (ChangeSLA, or with the
	// change it applies).
	SLA SLAState `json:"sla,omitzero"`
	// Alert marks a ticket the hub raised for a proactive alert; nil for
	// tickets people raise.
	Alert *AlertRef `json:"alert,omitempty"`
	// Caller is the person who phoned the MSP, for a ticket the IT lead or
	// a technician logged on their behalf; nil for tickets raised on a
	// device or by the hub.
	Caller *Caller `json:"caller,omitempty"`
	// MergedInto is the ticket this one was merged into as a duplicate
	// (it is then closed); empty otherwise.
	MergedInto string `json:"merged_into,omitempty"`
	// Merged lists the duplicates merged into this ticket, oldest first.
	Merged []MergedTicket `json:"merged,omitempty"`
}

// Comment is one entry in a ticket's conversation. Comments are append-only and
// keyed by their client-generated ID, so merging two replicas is a set union.
type Comment struct {
	ID        string    `json:"id"`
	Author    string    `json:"author"`
	Role      Role      `json:"role"`
	Body      string    `json:"body"`
	Internal  bool      `json:"internal,omitempty"` // a note the requester never sees
	Kind      string    `json:"kind,omitempty"`     // "" for a reply; "conflict", "routing", "escalation", "status" for notes the system writes (CommentKind* constants)
	CreatedAt time.Time `json:"created_at"`
}

// Attachment is the metadata of a file attached to a ticket; the bytes travel separately.
type Attachment struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	CreatedAt time.Time `json:"created_at"`
}

// Comment kinds. A reply has the empty kind; the others are notes the hub
// writes. People write only replies; Apply writes conflict notes itself.
const (
	CommentKindReply      = ""
	CommentKindConflict   = "conflict"   // a stale edit that was not applied, quoted in full
	CommentKindRouting    = "routing"    // who the ticket went to and why
	CommentKindEscalation = "escalation" // an SLA escalation
	CommentKindStatus     = "status"     // a status change explained
	CommentKindPriority   = "priority"   // a new priority and the reason given for it
	CommentKindMerge      = "merge"      // a duplicate merged, on both tickets
)

func validCommentKind(k string) bool {
	switch k {
	case CommentKindReply, CommentKindConflict, CommentKindRouting, CommentKindEscalation, CommentKindStatus,
		CommentKindPriority, CommentKindMerge:
		return true
	}
	return false
}

// Validate checks every field of a stored ticket, including that Priority
// follows from Impact and Urgency and that the timestamps fit the status. It
// returns all problems joined; each is a *ValidationError (see FieldProblems).
func (t *Ticket) Validate() error {
	if t == nil {
		return invalid("ticket", "is missing")
	}
	errs := t.draftProblems()
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkRef("tenant", t.Tenant, true))
	add(checkRef("requester", t.Requester, true))
	switch {
	case !t.Priority.Valid():
		errs = append(errs, invalid("priority", "must be 1 to 4, not %d", int(t.Priority)))
	case t.Impact.Valid() && t.Urgency.Valid():
		if want, _ := PriorityFor(t.Impact, t.Urgency); t.Priority != want {
			errs = append(errs, invalid("priority", "is %s but impact %s and urgency %s give %s", t.Priority, t.Impact, t.Urgency, want))
		}
	}
	if !t.Status.Valid() {
		errs = append(errs, invalid("status", "%q is not a ticket status", clip(string(t.Status))))
	}
	if t.Owner != "" && !t.Owner.Valid() {
		errs = append(errs, invalid("owner", "must be msp, internal or shared, not %q", clip(string(t.Owner))))
	}
	add(checkRef("assignee", t.Assignee, false))
	if len(t.Comments) > MaxComments {
		errs = append(errs, invalid("comments", "has %d comments; the most a ticket may hold is %d", len(t.Comments), MaxComments))
	}
	seen := make(map[string]bool, len(t.Comments))
	for i, c := range t.Comments {
		if err := c.Validate(); err != nil {
			errs = append(errs, prefixField(fmt.Sprintf("comments[%d]", i), err))
		}
		if seen[c.ID] {
			errs = append(errs, invalid(fmt.Sprintf("comments[%d].id", i), "repeats the id of an earlier comment"))
		}
		seen[c.ID] = true
	}
	errs = append(errs, t.timeProblems()...)
	add(prefixField("sla", t.SLA.Validate()))
	if t.Alert != nil {
		add(prefixField("alert", t.Alert.Validate()))
	}
	errs = append(errs, t.dispatchProblems()...)
	if t.Revision < 1 {
		errs = append(errs, invalid("revision", "must be at least 1, not %d", t.Revision))
	}
	if t.TitleRevision < 0 || t.TitleRevision > t.Revision {
		errs = append(errs, invalid("title_rev", "must be between 0 and the revision %d, not %d", t.Revision, t.TitleRevision))
	}
	if t.DescriptionRevision < 0 || t.DescriptionRevision > t.Revision {
		errs = append(errs, invalid("description_rev", "must be between 0 and the revision %d, not %d", t.Revision, t.DescriptionRevision))
	}
	return errors.Join(errs...)
}

// ValidateDraft checks what a person fills in on a new ticket: id, title,
// description, pillar and category, impact and urgency, and attachments.
// The new-ticket form calls it before saving; Apply fills in the rest.
func (t *Ticket) ValidateDraft() error {
	if t == nil {
		return invalid("ticket", "is missing")
	}
	return errors.Join(t.draftProblems()...)
}

func (t *Ticket) draftProblems() []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(ValidateID("id", t.ID))
	add(checkRef("device", t.Device, false))
	add(checkText("title", t.Title, true, MaxTitleRunes, false))
	add(checkText("description", t.Description, false, MaxDescriptionRunes, true))
	add(ValidateCategory(t.Pillar, t.Category))
	if !t.Impact.Valid() {
		errs = append(errs, invalid("impact", "must be 1 (high), 2 (medium) or 3 (low), not %d", int(t.Impact)))
	}
	if !t.Urgency.Valid() {
		errs = append(errs, invalid("urgency", "must be 1 (high), 2 (medium) or 3 (low), not %d", int(t.Urgency)))
	}
	if len(t.Attachments) > MaxAttachments {
		errs = append(errs, invalid("attachments", "has %d files; the most a ticket may hold is %d", len(t.Attachments), MaxAttachments))
	}
	seen := make(map[string]bool, len(t.Attachments))
	for i, a := range t.Attachments {
		if err := a.Validate(); err != nil {
			errs = append(errs, prefixField(fmt.Sprintf("attachments[%d]", i), err))
		}
		if seen[a.ID] {
			errs = append(errs, invalid(fmt.Sprintf("attachments[%d].id", i), "repeats the id of an earlier attachment"))
		}
		seen[a.ID] = true
	}
	return errs
}

// timeProblems checks the timestamps against each other and the status:
// created ≤ resolved, closed ≤ updated; resolved_at is set exactly when the
// ticket is resolved (or was resolved before it closed); closed_at exactly
// when it is closed.
func (t *Ticket) timeProblems() []error {
	var errs []error
	if t.CreatedAt.IsZero() {
		errs = append(errs, invalid("created_at", "is missing"))
	}
	if t.UpdatedAt.Before(t.CreatedAt) {
		errs = append(errs, invalid("updated_at", "is before created_at"))
	}
	within := func(field string, at time.Time) {
		if at.Before(t.CreatedAt) || at.After(t.UpdatedAt) {
			errs = append(errs, invalid(field, "must lie between created_at and updated_at"))
		}
	}
	switch {
	case t.Status == StatusResolved && t.ResolvedAt.IsZero():
		errs = append(errs, invalid("resolved_at", "is missing on a resolved ticket"))
	case t.Status != StatusResolved && t.Status != StatusClosed && !t.ResolvedAt.IsZero():
		errs = append(errs, invalid("resolved_at", "is set on a %s ticket", t.Status.Label()))
	case !t.ResolvedAt.IsZero():
		within("resolved_at", t.ResolvedAt)
	}
	switch {
	case t.Status == StatusClosed && t.ClosedAt.IsZero():
		errs = append(errs, invalid("closed_at", "is missing on a closed ticket"))
	case t.Status != StatusClosed && !t.ClosedAt.IsZero():
		errs = append(errs, invalid("closed_at", "is set on a %s ticket", t.Status.Label()))
	case !t.ClosedAt.IsZero():
		within("closed_at", t.ClosedAt)
	}
	return errs
}

// Clone returns a deep copy of t.
func (t *Ticket) Clone() *Ticket {
	if t == nil {
		return nil
	}
	c := *t
	c.Comments = slices.Clone(t.Comments)
	c.Attachments = slices.Clone(t.Attachments)
	if t.Alert != nil {
		a := *t.Alert
		c.Alert = &a
	}
	if t.Caller != nil {
		cl := *t.Caller
		c.Caller = &cl
	}
	c.Merged = slices.Clone(t.Merged)
	return &c
}

// VisibleTo returns a copy of t with what role may not see removed: an end
// user does not see internal notes.
func (t *Ticket) VisibleTo(role Role) *Ticket {
	c := t.Clone()
	if c == nil || role != RoleEndUser {
		return c
	}
	c.Comments = slices.DeleteFunc(c.Comments, func(cm Comment) bool { return cm.Internal })
	c.Merged = nil // who else reported the problem is for staff
	return c
}

// HasComment reports whether t holds a comment with the given id.
func (t *Ticket) HasComment(id string) bool {
	return slices.ContainsFunc(t.Comments, func(c Comment) bool { return c.ID == id })
}

// Validate checks a stored comment. People write replies only; notes of the
// other kinds come from the hub, and internal notes from staff or the hub.
func (c Comment) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(ValidateID("id", c.ID))
	add(checkRef("author", c.Author, true))
	if !c.Role.Valid() {
		errs = append(errs, invalid("role", "must be end-user, it-lead, technician or system, not %q", clip(string(c.Role))))
	}
	errs = append(errs, c.shapeProblems()...)
	if c.CreatedAt.IsZero() {
		errs = append(errs, invalid("created_at", "is missing"))
	}
	return errors.Join(errs...)
}

// shapeProblems checks what the author writes: kind, body and the internal
// flag. Author, Role and CreatedAt may be filled in later by Apply.
func (c Comment) shapeProblems() []error {
	var errs []error
	if !validCommentKind(c.Kind) {
		errs = append(errs, invalid("kind", "%q is not a comment kind", clip(c.Kind)))
	}
	limit := MaxCommentRunes
	if c.Kind == CommentKindConflict || c.Kind == CommentKindMerge {
		limit = maxConflictRunes
	}
	if err := checkText("body", c.Body, true, limit, true); err != nil {
		errs = append(errs, err)
	}
	if c.Internal && c.Role == RoleEndUser {
		errs = append(errs, invalid("internal", "an end user cannot write internal notes"))
	}
	return errs
}

// Validate checks an attachment's metadata: a UUIDv7 id, a plain file name,
// a media type, a size up to MaxAttachmentBytes and a SHA-256 in lower-case hex.
func (a Attachment) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(ValidateID("id", a.ID))
	if err := checkText("name", a.Name, true, MaxNameRunes, false); err != nil {
		add(err)
	} else if strings.ContainsAny(a.Name, `/\`) || a.Name == "." || a.Name == ".." {
		add(invalid("name", "must be a file name without folders"))
	}
	if _, _, err := mime.ParseMediaType(a.MediaType); err != nil || !strings.Contains(a.MediaType, "/") {
		add(invalid("media_type", "must be a media type such as image/png, not %q", clip(a.MediaType)))
	}
	switch {
	case a.Size < 0:
		add(invalid("size", "must not be negative"))
	case a.Size > MaxAttachmentBytes:
		add(invalid("size", "is %d bytes; files may be at most %d MB, so attach a smaller file or share a link", a.Size, MaxAttachmentBytes>>20))
	}
	if !isLowerHex(a.SHA256, sha256.Size*2) {
		add(invalid("sha256", "must be the file's SHA-256 as 64 lower-case hex digits"))
	}
	if a.CreatedAt.IsZero() {
		add(invalid("created_at", "is missing"))
	}
	return errors.Join(errs...)
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
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
