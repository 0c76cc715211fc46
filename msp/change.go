package msp

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Actor is who makes a change, as the hub learnt it from the credential. It
// never comes from a request body, so it has no JSON form.
type Actor struct {
	ID     string // the person, or for RoleSystem the hub component
	Role   Role
	Tenant string // the tenant the credential acts in
	Device string // the device whose credential carried the change, if any
}

// Validate checks that the actor has an id, a known role and a tenant.
func (a Actor) Validate() error {
	var errs []error
	if err := checkRef("id", a.ID, true); err != nil {
		errs = append(errs, err)
	}
	if !a.Role.Valid() {
		errs = append(errs, invalid("role", "must be end-user, it-lead, technician or system, not %q", clip(string(a.Role))))
	}
	if err := checkRef("tenant", a.Tenant, true); err != nil {
		errs = append(errs, err)
	}
	if err := checkRef("device", a.Device, false); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ChangeKind is what a change does to a ticket.
type ChangeKind string

const (
	ChangeCreate       ChangeKind = "create"       // raise the ticket in Change.Ticket
	ChangeComment      ChangeKind = "comment"      // add Change.Comment
	ChangeStatus       ChangeKind = "status"       // move to Change.Status, optionally with Change.Comment
	ChangeEdit         ChangeKind = "edit"         // change Title and/or Description, based on BaseRevision
	ChangeAssign       ChangeKind = "assign"       // set Owner and/or Assignee
	ChangeReprioritise ChangeKind = "reprioritise" // set Impact and Urgency; Priority follows
	ChangeAttach       ChangeKind = "attach"       // add Change.Attachment
	ChangeSLA          ChangeKind = "sla"          // the hub records Change.SLA, the SLA state it computed
	ChangeMerge        ChangeKind = "merge"        // close this ticket as a duplicate of Change.Into (see MergeInto)
)

// Change is one mutation of one ticket, made by an actor on some replica and
// applied by the hub with Apply. Only the fields of its kind may be set.
type Change struct {
	ID       string     `json:"id"` // UUIDv7 of this change: the idempotency key
	Kind     ChangeKind `json:"kind"`
	TicketID string     `json:"ticket_id"`

	Ticket     *Ticket     `json:"ticket,omitempty"`     // create
	Comment    *Comment    `json:"comment,omitempty"`    // comment; optional with status
	Attachment *Attachment `json:"attachment,omitempty"` // attach
	Status     Status      `json:"status,omitempty"`     // status

	Title        *string `json:"title,omitempty"`         // edit
	Description  *string `json:"description,omitempty"`   // edit
	BaseRevision int64   `json:"base_revision,omitempty"` // edit: the ticket revision the editor saw

	Owner    Party   `json:"owner,omitempty"`    // assign
	Assignee *string `json:"assignee,omitempty"` // assign; "" unassigns
	// AssigneeWas is the assignee the person saw when they assigned
	// (assign; optional): when someone else assigned the ticket meanwhile,
	// the assignment is not applied and a conflict note says so.
	AssigneeWas *string `json:"assignee_was,omitempty"`

	Impact  Level `json:"impact,omitempty"`  // reprioritise
	Urgency Level `json:"urgency,omitempty"` // reprioritise
	// PriorityWas is the priority the person saw (reprioritise; optional):
	// when someone else changed it meanwhile, the change is not applied
	// and a conflict note says so.
	PriorityWas Priority `json:"priority_was,omitempty"`
	// Reason says why (reprioritise: required of people; merge: optional).
	// It is kept in the ticket's history as a note.
	Reason string `json:"reason,omitempty"`

	Into string `json:"into,omitempty"` // merge: the ticket this one duplicates

	SLA *SLAState `json:"sla,omitempty"` // sla

	At time.Time `json:"at"` // when the actor made it, on their clock
}

// changeFields lists the optional fields of a Change in a fixed order, and
// the kinds each belongs to.
var changeFields = []struct {
	name  string
	kinds []ChangeKind
	isSet func(c *Change) bool
}{
	{"ticket", []ChangeKind{ChangeCreate}, func(c *Change) bool { return c.Ticket != nil }},
	{"comment", []ChangeKind{ChangeComment, ChangeStatus, ChangeAssign}, func(c *Change) bool { return c.Comment != nil }},
	{"attachment", []ChangeKind{ChangeAttach}, func(c *Change) bool { return c.Attachment != nil }},
	{"status", []ChangeKind{ChangeStatus}, func(c *Change) bool { return c.Status != "" }},
	{"title", []ChangeKind{ChangeEdit}, func(c *Change) bool { return c.Title != nil }},
	{"description", []ChangeKind{ChangeEdit}, func(c *Change) bool { return c.Description != nil }},
	{"base_revision", []ChangeKind{ChangeEdit}, func(c *Change) bool { return c.BaseRevision != 0 }},
	{"owner", []ChangeKind{ChangeAssign}, func(c *Change) bool { return c.Owner != "" }},
	{"assignee", []ChangeKind{ChangeAssign}, func(c *Change) bool { return c.Assignee != nil }},
	{"assignee_was", []ChangeKind{ChangeAssign}, func(c *Change) bool { return c.AssigneeWas != nil }},
	{"impact", []ChangeKind{ChangeReprioritise}, func(c *Change) bool { return c.Impact != 0 }},
	{"urgency", []ChangeKind{ChangeReprioritise}, func(c *Change) bool { return c.Urgency != 0 }},
	{"priority_was", []ChangeKind{ChangeReprioritise}, func(c *Change) bool { return c.PriorityWas != 0 }},
	{"reason", []ChangeKind{ChangeReprioritise, ChangeMerge}, func(c *Change) bool { return c.Reason != "" }},
	{"into", []ChangeKind{ChangeMerge}, func(c *Change) bool { return c.Into != "" }},
	{"sla", []ChangeKind{ChangeSLA}, func(c *Change) bool { return c.SLA != nil }},
}

// Validate checks the change on its own, without the ticket or the actor:
// ids, a known kind, the fields of that kind present and well formed, and no
// field of another kind. Apply calls it first.
func (c Change) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(ValidateID("id", c.ID))
	add(ValidateID("ticket_id", c.TicketID))
	if c.At.IsZero() {
		add(invalid("at", "is missing; set it to when the change was made"))
	}
	known := true
	switch c.Kind {
	case ChangeCreate:
		switch {
		case c.Ticket == nil:
			add(invalid("ticket", "is missing"))
		default:
			add(prefixField("ticket", c.Ticket.ValidateDraft()))
			if c.Ticket.ID != c.TicketID {
				add(invalid("ticket.id", "differs from ticket_id"))
			}
			if len(c.Ticket.Comments) > 0 {
				add(invalid("ticket.comments", "must be empty on a new ticket; send replies as comment changes"))
			}
		}
	case ChangeComment:
		if c.Comment == nil {
			add(invalid("comment", "is missing"))
		}
	case ChangeStatus:
		if !c.Status.Valid() {
			add(invalid("status", "%q is not a ticket status; use one of %v", clip(string(c.Status)), statusOrder))
		}
	case ChangeEdit:
		if c.Title == nil && c.Description == nil {
			add(invalid("title", "an edit must change the title, the description or both"))
		}
		if c.Title != nil {
			add(checkText("title", *c.Title, true, MaxTitleRunes, false))
		}
		if c.Description != nil {
			add(checkText("description", *c.Description, false, MaxDescriptionRunes, true))
		}
		if c.BaseRevision < 1 {
			add(invalid("base_revision", "must be the revision of the ticket the edit was made on (1 or more)"))
		}
	case ChangeAssign:
		if c.Owner == "" && c.Assignee == nil {
			add(invalid("owner", "an assignment must set the owner, the assignee or both"))
		}
		if c.Owner != "" && !c.Owner.Valid() {
			add(invalid("owner", "must be msp, internal or shared, not %q", clip(string(c.Owner))))
		}
		if c.Assignee != nil {
			add(checkRef("assignee", *c.Assignee, false))
		}
		if c.AssigneeWas != nil {
			add(checkRef("assignee_was", *c.AssigneeWas, false))
		}
	case ChangeMerge:
		add(ValidateID("into", c.Into))
		if c.Into == c.TicketID && c.Into != "" {
			add(invalid("into", "names the ticket itself; merge a duplicate into another ticket"))
		}
		add(checkText("reason", c.Reason, false, MaxCommentRunes, true))
	case ChangeReprioritise:
		if !c.Impact.Valid() {
			add(invalid("impact", "must be 1 (high), 2 (medium) or 3 (low), not %d", int(c.Impact)))
		}
		if !c.Urgency.Valid() {
			add(invalid("urgency", "must be 1 (high), 2 (medium) or 3 (low), not %d", int(c.Urgency)))
		}
		if c.PriorityWas != 0 && !c.PriorityWas.Valid() {
			add(invalid("priority_was", "must be 1 to 4, not %d", int(c.PriorityWas)))
		}
		add(checkText("reason", c.Reason, false, MaxCommentRunes, true))
	case ChangeAttach:
		if c.Attachment == nil {
			add(invalid("attachment", "is missing"))
		} else {
			add(prefixField("attachment", c.Attachment.Validate()))
		}
	case ChangeSLA:
		switch {
		case c.SLA == nil:
			add(invalid("sla", "is missing"))
		case c.SLA.IsZero():
			add(invalid("sla", "is empty; an SLA change records a computed state"))
		default:
			add(prefixField("sla", c.SLA.Validate()))
		}
	default:
		known = false
		add(invalid("kind", "%q is not a kind of change; use create, comment, status, edit, assign, reprioritise, attach, merge or sla", clip(string(c.Kind))))
	}
	if c.Comment != nil {
		add(prefixField("comment", c.Comment.draftValidate()))
	}
	if known {
		for _, f := range changeFields {
			if f.isSet(&c) && !containsKind(f.kinds, c.Kind) {
				add(invalid(f.name, "does not belong in a %s change", c.Kind))
			}
		}
	}
	return errors.Join(errs...)
}

func containsKind(kinds []ChangeKind, k ChangeKind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// draftValidate checks a comment as its author sends it: Author, Role and
// CreatedAt may be empty (Apply fills them from the actor and the change).
func (cm Comment) draftValidate() error {
	var errs []error
	if err := ValidateID("id", cm.ID); err != nil {
		errs = append(errs, err)
	}
	if err := checkRef("author", cm.Author, false); err != nil {
		errs = append(errs, err)
	}
	if cm.Role != "" && !cm.Role.Valid() {
		errs = append(errs, invalid("role", "must be end-user, it-lead, technician or system, not %q", clip(string(cm.Role))))
	}
	errs = append(errs, cm.shapeProblems()...)
	return errors.Join(errs...)
}

// Apply applies change c, made by actor a, to ticket t at hub time now, and
// returns the new ticket. For a create, t is nil (or the ticket the create
// already made, which makes the create a no-op).
//
// The contract, which the hub and every replica rely on:
//
//   - Apply never changes t or c; it returns a copy. It is deterministic:
//     the same inputs give the same output. It reads no clock but now.
//   - Idempotent: applying c to the result of applying c changes nothing.
//     Comments and attachments are append-only sets keyed by id, so a
//     repeated id is a no-op, not an error; a status, edit, assignment or
//     priority that already holds is a no-op too. A no-op returns a copy
//     of t with Revision unchanged, which is how a caller can tell.
//   - Every accepted change increments Revision and sets UpdatedAt to now
//     (never earlier than t.UpdatedAt, so a hub clock that steps back does
//     not reorder history). Resolving sets ResolvedAt; closing sets
//     ClosedAt; leaving those statuses clears them.
//   - Scope comes from a, never from c: t must belong to a.Tenant, and an
//     end user may act only on tickets they requested or raised from their
//     device. A create for another tenant is refused.
//   - An end user cannot set priority, owner or assignee: their create gets
//     status new, priority from impact × urgency, requester a.ID and no
//     owner or assignee; their assign and reprioritise changes are refused.
//   - Priority always follows from impact × urgency (PriorityFor).
//   - Only the IT lead, technicians and the hub write internal notes; only
//     the hub writes routing, escalation and status notes.
//   - Status follows CanTransition. A public reply from the requester
//     while the ticket waits on the customer moves it back to open.
//   - An edit of a field changed after the edit's BaseRevision is not
//     applied: it is kept as a visible Comment of kind "conflict" quoting
//     the proposed text, so nothing anyone wrote is lost. Fields not
//     changed since BaseRevision are applied.
//   - A closed ticket still takes comments and attachments, but no edit,
//     assignment, reprioritisation or status change.
//   - Only the hub records SLA state (ChangeSLA) and raises alert tickets
//     (a create whose ticket has Alert set); an SLA change that says what
//     the ticket already holds, computed at another time, is a no-op.
//   - An assignment may carry a comment (the hub's routing and escalation
//     notes, or a person's reason).
//   - An assignment or a new priority made on what the person saw
//     (AssigneeWas, PriorityWas) that someone else changed meanwhile is
//     not applied: it is kept as an internal conflict note. A person's new
//     priority needs a Reason, kept as an internal note of kind priority.
//   - A merge (staff only) closes the ticket as a duplicate of Into with a
//     note its requester sees; MergeInto records it on the target, which
//     the caller applies in the same transaction.
//   - Only staff create a ticket for a caller (Ticket.Caller); LoggedBy is
//     the actor, and the requester the caller (CallerRef) unless named.
//   - The result passes Validate.
//
// Errors wrap ErrInvalid (malformed change or a result that would not be
// valid), ErrForbidden (role or scope), ErrTransition (status machine) or
// ErrNotFound (t is nil and c is not a create). All are permanent. To avoid
// telling one tenant that another's ticket exists, the hub may report an
// ErrForbidden caused by a tenant mismatch as not found.
func Apply(t *Ticket, c Change, a Actor, now time.Time) (*Ticket, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%w: the credential does not say who is acting (%v)", ErrForbidden, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s change refused: %w", clip(string(c.Kind)), err)
	}
	now = now.UTC()
	if t == nil {
		if c.Kind != ChangeCreate {
			return nil, fmt.Errorf("%w: ticket %s does not exist; its creation may not have arrived yet", ErrNotFound, c.TicketID)
		}
		return create(c, a, now)
	}
	if t.ID != c.TicketID {
		return nil, invalid("ticket_id", "names ticket %s but was applied to ticket %s", c.TicketID, clip(t.ID))
	}
	if t.Tenant != a.Tenant {
		return nil, forbidden("ticket %s belongs to another organisation", t.ID)
	}
	if a.Role == RoleEndUser && !requesterSide(t, a) {
		return nil, forbidden("an end user can act only on tickets they raised")
	}
	if now.Before(t.UpdatedAt) {
		now = t.UpdatedAt.UTC()
	}

	out := t.Clone()
	next := t.Revision + 1
	var changed bool
	var err error
	switch c.Kind {
	case ChangeCreate:
		// Already created: a replayed create is a no-op.
	case ChangeComment:
		var added bool
		added, err = addComment(out, *c.Comment, c, a, now)
		changed = added
		if added && out.Status == StatusWaiting && !c.Comment.Internal && requesterSide(out, a) {
			setStatus(out, StatusOpen, now)
		}
	case ChangeStatus:
		changed, err = applyStatus(out, c, a, now)
	case ChangeEdit:
		changed, err = applyEdit(out, c, a, now, next)
	case ChangeAssign:
		changed, err = applyAssign(out, c, a, now)
	case ChangeReprioritise:
		changed, err = applyReprioritise(out, c, a, now)
	case ChangeMerge:
		changed, err = applyMerge(out, c, a, now)
	case ChangeAttach:
		changed, err = addAttachment(out, *c.Attachment, c, now)
	case ChangeSLA:
		if a.Role != RoleSystem {
			return nil, forbidden("only the hub records SLA clocks")
		}
		if !out.SLA.SameAs(*c.SLA) {
			out.SLA, changed = *c.SLA, true
		}
	}
	if err != nil {
		return nil, err
	}
	if changed {
		out.Revision = next
		out.UpdatedAt = now
	}
	if err := out.Validate(); err != nil {
		if t.Validate() != nil {
			return nil, fmt.Errorf("ticket %s as stored is not valid, so no change can be applied to it: %w", t.ID, err)
		}
		return nil, fmt.Errorf("the %s change would leave ticket %s invalid: %w", c.Kind, t.ID, err)
	}
	return out, nil
}

// requesterSide reports whether a stands for the ticket's requester: they
// are the requester, or an end user on the device the ticket came from.
func requesterSide(t *Ticket, a Actor) bool {
	if a.ID == t.Requester {
		return true
	}
	return a.Role == RoleEndUser && a.Device != "" && a.Device == t.Device
}

// create makes the ticket of a create change.
func create(c Change, a Actor, now time.Time) (*Ticket, error) {
	out := c.Ticket.Clone()
	switch {
	case out.Tenant == "":
		out.Tenant = a.Tenant
	case out.Tenant != a.Tenant:
		return nil, forbidden("a ticket can be raised only for your own organisation")
	}
	if out.Status != "" && out.Status != StatusNew {
		return nil, invalid("ticket.status", "a ticket starts as new, not %s; change its status afterwards", out.Status.Label())
	}
	if a.Role == RoleEndUser {
		if out.Requester != "" && out.Requester != a.ID {
			return nil, forbidden("an end user can raise tickets only for themselves")
		}
		out.Requester = a.ID
		if a.Device != "" {
			if out.Device != "" && out.Device != a.Device {
				return nil, forbidden("a ticket can name only the device it was raised from")
			}
			out.Device = a.Device
		}
		if out.Owner != "" || out.Assignee != "" {
			return nil, forbidden("an end user cannot choose who owns or works a ticket")
		}
	} else {
		if out.Requester == "" {
			out.Requester = a.ID
		}
		if out.Device == "" {
			out.Device = a.Device
		}
	}
	if out.Alert != nil && a.Role != RoleSystem {
		return nil, forbidden("only the hub raises alert tickets")
	}
	if err := takeCall(out, a); err != nil {
		return nil, err
	}
	out.SLA = SLAState{} // the hub computes it
	out.Status = StatusNew
	out.Priority, _ = PriorityFor(out.Impact, out.Urgency) // checked by ValidateDraft
	out.CreatedAt = pastOrNow(out.CreatedAt, c.At, now)
	for i := range out.Attachments {
		out.Attachments[i].CreatedAt = pastOrNow(out.Attachments[i].CreatedAt, out.CreatedAt, now)
	}
	out.UpdatedAt = now
	out.ResolvedAt, out.ClosedAt = time.Time{}, time.Time{}
	out.Revision, out.TitleRevision, out.DescriptionRevision = 1, 1, 1
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("the new ticket is not valid: %w", err)
	}
	return out, nil
}

// pastOrNow returns the first non-zero of at and fallback, in UTC, but never
// later than now: a replica's clock may run fast.
func pastOrNow(at, fallback, now time.Time) time.Time {
	if at.IsZero() {
		at = fallback
	}
	if at.IsZero() || at.After(now) {
		at = now
	}
	return at.UTC()
}

// addComment appends cm, written by a, unless a comment with its id exists.
func addComment(out *Ticket, cm Comment, c Change, a Actor, now time.Time) (bool, error) {
	switch {
	case cm.Author == "":
		cm.Author = a.ID
	case cm.Author != a.ID:
		return false, forbidden("a comment can be written only in your own name")
	}
	switch {
	case cm.Role == "":
		cm.Role = a.Role
	case cm.Role != a.Role:
		return false, forbidden("a comment must carry the role of the person writing it")
	}
	if cm.Internal && !a.Role.IsStaff() && a.Role != RoleSystem {
		return false, forbidden("only the IT lead and technicians can write internal notes")
	}
	switch {
	case cm.Kind == CommentKindConflict:
		return false, forbidden("conflict notes are written by the hub itself")
	case cm.Kind != CommentKindReply && a.Role != RoleSystem:
		return false, forbidden("only the hub writes %s notes; send a reply instead", cm.Kind)
	}
	if out.HasComment(cm.ID) {
		return false, nil
	}
	cm.CreatedAt = pastOrNow(cm.CreatedAt, c.At, now)
	out.Comments = append(out.Comments, cm)
	return true, nil
}

// addAttachment appends at unless an attachment with its id exists.
func addAttachment(out *Ticket, at Attachment, c Change, now time.Time) (bool, error) {
	for _, x := range out.Attachments {
		if x.ID == at.ID {
			return false, nil
		}
	}
	at.CreatedAt = pastOrNow(at.CreatedAt, c.At, now)
	out.Attachments = append(out.Attachments, at)
	return true, nil
}

// setStatus moves out to status to and keeps ResolvedAt and ClosedAt true
// to it: resolving stamps ResolvedAt, closing stamps ClosedAt (a ticket
// closed after being resolved keeps its ResolvedAt), anything else clears both.
func setStatus(out *Ticket, to Status, now time.Time) {
	out.Status = to
	switch to {
	case StatusResolved:
		out.ResolvedAt, out.ClosedAt = now, time.Time{}
	case StatusClosed:
		out.ClosedAt = now
	default:
		out.ResolvedAt, out.ClosedAt = time.Time{}, time.Time{}
	}
}

func applyStatus(out *Ticket, c Change, a Actor, now time.Time) (bool, error) {
	changed := false
	if c.Status != out.Status {
		if err := CanTransition(out.Status, c.Status, a.Role); err != nil {
			return false, err
		}
		setStatus(out, c.Status, now)
		changed = true
	}
	if c.Comment != nil {
		added, err := addComment(out, *c.Comment, c, a, now)
		if err != nil {
			return false, err
		}
		changed = changed || added
	}
	return changed, nil
}

// errClosed refuses changes to a closed ticket's fields.
func errClosed(what string) error {
	return fmt.Errorf("%w: the ticket is closed, so its %s cannot change; raise a new ticket instead", ErrTransition, what)
}

func applyEdit(out *Ticket, c Change, a Actor, now time.Time, next int64) (bool, error) {
	if out.Status.Terminal() {
		return false, errClosed("title and description")
	}
	if c.BaseRevision > out.Revision {
		return false, invalid("base_revision", "is %d but the ticket is only at revision %d", c.BaseRevision, out.Revision)
	}
	changed := false
	var staleTitle, staleDescription *string
	if c.Title != nil && *c.Title != out.Title {
		if out.TitleRevision <= c.BaseRevision {
			out.Title, out.TitleRevision, changed = *c.Title, next, true
		} else {
			staleTitle = c.Title
		}
	}
	if c.Description != nil && *c.Description != out.Description {
		if out.DescriptionRevision <= c.BaseRevision {
			out.Description, out.DescriptionRevision, changed = *c.Description, next, true
		} else {
			staleDescription = c.Description
		}
	}
	if staleTitle == nil && staleDescription == nil {
		return changed, nil
	}
	note := Comment{
		ID:        derivedID(c.ID, "conflict"),
		Author:    a.ID,
		Role:      a.Role,
		Kind:      CommentKindConflict,
		Body:      conflictBody(staleTitle, staleDescription),
		CreatedAt: now,
	}
	if out.HasComment(note.ID) {
		return changed, nil
	}
	out.Comments = append(out.Comments, note)
	return true, nil
}

// conflictBody quotes an edit that was not applied.
func conflictBody(title, description *string) string {
	var b strings.Builder
	b.WriteString("Edit not applied because the ticket changed meanwhile")
	if title != nil {
		b.WriteString("; proposed title: ")
		b.WriteString(*title)
	}
	if description != nil {
		b.WriteString("; proposed description:\n")
		if *description == "" {
			b.WriteString("(empty: the edit would have removed the description)")
		} else {
			b.WriteString(*description)
		}
	}
	return b.String()
}
