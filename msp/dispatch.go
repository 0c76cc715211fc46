package msp

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Dispatch: who works a ticket, how urgent it is, tickets logged for a
// caller, and duplicates merged (issue 15).

// MaxPhoneRunes bounds a caller's call-back number.
const MaxPhoneRunes = 40

// Caller is the person who phoned the MSP ("one number to call"), for a
// ticket the IT lead or a technician logged on their behalf.
type Caller struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"` // a call-back number, as the caller gave it
	// LoggedBy is who took the call and wrote the ticket; Apply sets it
	// from the actor.
	LoggedBy string `json:"logged_by"`
}

// MergedTicket is a duplicate merged into a ticket, as the ticket keeps it:
// who reported it, on which device, in what words.
type MergedTicket struct {
	ID        string    `json:"id"`
	Requester string    `json:"requester"`
	Caller    string    `json:"caller,omitempty"` // the caller's name, for a phoned-in duplicate
	Device    string    `json:"device,omitempty"`
	Title     string    `json:"title"`
	MergedAt  time.Time `json:"merged_at"`
	MergedBy  string    `json:"merged_by"`
}

// Reporter is who reported the ticket, as people name them: the caller's
// name for a phoned-in ticket, else the requester's id.
func (t *Ticket) Reporter() string {
	if t.Caller != nil && t.Caller.Name != "" {
		return t.Caller.Name
	}
	return t.Requester
}

// dispatchProblems checks the caller and the merge links of a stored ticket.
func (t *Ticket) dispatchProblems() []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if t.Caller != nil {
		add(checkText("caller.name", t.Caller.Name, true, MaxNameRunes, false))
		add(checkText("caller.phone", t.Caller.Phone, false, MaxPhoneRunes, false))
		add(checkRef("caller.logged_by", t.Caller.LoggedBy, true))
	}
	if t.MergedInto != "" {
		add(ValidateID("merged_into", t.MergedInto))
		if t.MergedInto == t.ID {
			add(invalid("merged_into", "names the ticket itself"))
		}
		if t.Status != StatusClosed {
			add(invalid("merged_into", "is set on a %s ticket; a merged duplicate is closed", t.Status.Label()))
		}
	}
	if len(t.Merged) > MaxAttachments {
		add(invalid("merged", "lists %d duplicates; the most a ticket may hold is %d", len(t.Merged), MaxAttachments))
	}
	for i, m := range t.Merged {
		f := fmt.Sprintf("merged[%d]", i)
		add(ValidateID(f+".id", m.ID))
		add(checkRef(f+".requester", m.Requester, true))
		add(checkRef(f+".device", m.Device, false))
		add(checkRef(f+".merged_by", m.MergedBy, true))
		add(checkText(f+".title", m.Title, true, MaxTitleRunes, false))
		add(checkText(f+".caller", m.Caller, false, MaxNameRunes, false))
	}
	return errs
}

// takeCall fills in a new ticket's caller: only the IT lead and
// technicians log tickets for callers, and the requester of such a ticket
// is the caller (CallerRef of their name) unless the ticket names one.
func takeCall(out *Ticket, a Actor) error {
	if out.Caller == nil {
		return nil
	}
	if !a.Role.IsStaff() {
		return forbidden("only the IT lead and technicians log tickets for a caller")
	}
	out.Caller.Name = strings.TrimSpace(out.Caller.Name)
	out.Caller.Phone = strings.TrimSpace(out.Caller.Phone)
	out.Caller.LoggedBy = a.ID
	if out.Requester == "" || out.Requester == a.ID {
		out.Requester = CallerRef(out.Caller.Name)
	}
	return nil
}

// CallerRef is the requester id of a caller who has no account Tandem
// knows: "caller:" and their name in lower case with hyphens for spaces
// ("caller:jane-smith").
func CallerRef(name string) string {
	var b strings.Builder
	b.WriteString("caller:")
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && b.Len() > len("caller:") {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= MaxRefBytes-4 {
			break
		}
	}
	if b.Len() == len("caller:") {
		b.WriteString("unknown")
	}
	return b.String()
}

// LevelsFor returns the impact and urgency that give priority p, as close
// to the given ones as the ITIL matrix allows: a technician who sets P2 on
// a ticket of medium impact and medium urgency gets medium impact and high
// urgency, not a different impact. p must be valid.
func LevelsFor(p Priority, impact, urgency Level) (Level, Level) {
	if got, err := PriorityFor(impact, urgency); err == nil && got == p {
		return impact, urgency
	}
	best, bi, bu := 100, LevelMedium, LevelMedium
	for i := LevelHigh; i <= LevelLow; i++ {
		for u := LevelHigh; u <= LevelLow; u++ {
			if got, _ := PriorityFor(i, u); got != p {
				continue
			}
			// Keep the impact when it can be kept: it is the fact; the
			// urgency is the judgement being revised.
			d := 2*absLevel(i-impact) + absLevel(u-urgency)
			if d < best {
				best, bi, bu = d, i, u
			}
		}
	}
	return bi, bu
}

func absLevel(l Level) int {
	if l < 0 {
		return int(-l)
	}
	return int(l)
}

func applyAssign(out *Ticket, c Change, a Actor, now time.Time) (bool, error) {
	if !a.Role.IsStaff() && a.Role != RoleSystem {
		return false, forbidden("only the IT lead, technicians and the hub can choose who owns or works a ticket")
	}
	if out.Status.Terminal() {
		return false, errClosed("owner and assignee")
	}
	changed := false
	if c.Assignee != nil && *c.Assignee != out.Assignee && c.AssigneeWas != nil && *c.AssigneeWas != out.Assignee {
		// Someone else assigned it after this person looked: theirs stands,
		// and this one is kept as a note so both see what happened.
		note := Comment{
			ID: derivedID(c.ID, "conflict"), Author: a.ID, Role: a.Role, Kind: CommentKindConflict, Internal: true,
			Body: fmt.Sprintf("Assignment to %s not applied: the ticket was assigned to %s meanwhile (the assigner saw %s). Assign it again if it should move.",
				orWord(*c.Assignee, "nobody"), orWord(out.Assignee, "nobody"), orWord(*c.AssigneeWas, "nobody")),
			CreatedAt: now,
		}
		if out.HasComment(note.ID) {
			return false, nil
		}
		out.Comments = append(out.Comments, note)
		return true, nil
	}
	if c.Owner != "" && c.Owner != out.Owner {
		out.Owner, changed = c.Owner, true
	}
	if c.Assignee != nil && *c.Assignee != out.Assignee {
		out.Assignee, changed = *c.Assignee, true
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

func orWord(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func applyReprioritise(out *Ticket, c Change, a Actor, now time.Time) (bool, error) {
	if !a.Role.IsStaff() && a.Role != RoleSystem {
		return false, forbidden("only the IT lead, technicians and the hub can change a ticket's priority")
	}
	if out.Status.Terminal() {
		return false, errClosed("priority")
	}
	if c.Impact == out.Impact && c.Urgency == out.Urgency {
		return false, nil
	}
	to, _ := PriorityFor(c.Impact, c.Urgency) // checked by Change.Validate
	reason := strings.TrimSpace(c.Reason)
	if a.Role != RoleSystem && reason == "" && to != out.Priority {
		return false, invalid("reason", "say why the priority changes; the reason is kept in the ticket's history")
	}
	note := Comment{ID: derivedID(c.ID, "priority"), Author: a.ID, Role: a.Role, Internal: true, CreatedAt: now}
	if c.PriorityWas.Valid() && c.PriorityWas != out.Priority && to != out.Priority {
		note.ID, note.Kind = derivedID(c.ID, "conflict"), CommentKindConflict
		note.Body = fmt.Sprintf("Priority %s not applied: it was changed to %s meanwhile (the change was made on %s). Reason given: %s",
			to, out.Priority, c.PriorityWas, orWord(reason, "none"))
		if out.HasComment(note.ID) {
			return false, nil
		}
		out.Comments = append(out.Comments, note)
		return true, nil
	}
	from := out.Priority
	out.Impact, out.Urgency, out.Priority = c.Impact, c.Urgency, to
	if from != to && !out.HasComment(note.ID) {
		note.Kind = CommentKindPriority
		note.Body = fmt.Sprintf("Priority changed from %s to %s", from, to)
		if reason != "" {
			note.Body += ": " + reason
		}
		out.Comments = append(out.Comments, note)
	}
	return true, nil
}

// applyMerge closes a duplicate: it links it to c.Into and tells its
// requester where the work goes on. The ticket it goes into takes it with
// MergeInto, which the hub applies in the same transaction.
func applyMerge(out *Ticket, c Change, a Actor, now time.Time) (bool, error) {
	if !a.Role.IsStaff() {
		return false, forbidden("only the IT lead and technicians merge tickets")
	}
	if out.MergedInto == c.Into {
		return false, nil // a replay
	}
	if out.Status.Terminal() {
		return false, fmt.Errorf("%w: ticket %s is closed, so it cannot be merged; merge an open duplicate", ErrTransition, TicketNumber(out.ID))
	}
	if len(out.Merged) > 0 {
		// Its own duplicates would lose their link; merge the other way round.
		return false, invalid("into", "ticket %s holds %d merged duplicates; merge the other ticket into it instead", TicketNumber(out.ID), len(out.Merged))
	}
	if err := CanTransition(out.Status, StatusClosed, a.Role); err != nil {
		return false, err
	}
	setStatus(out, StatusClosed, now)
	out.MergedInto = c.Into
	body := fmt.Sprintf("Merged into %s, which reports the same problem: the work goes on there.", TicketNumber(c.Into))
	if r := strings.TrimSpace(c.Reason); r != "" {
		body += " " + r
	}
	out.Comments = append(out.Comments, Comment{ID: derivedID(c.ID, "merge"), Author: a.ID, Role: a.Role, Kind: CommentKindMerge, Body: body, CreatedAt: now})
	return true, nil
}

// MergeInto records duplicate dup, which change c (a merge made by a)
// closed, on target: dup's requester and words are listed on it, and an
// internal note quotes dup's description and public thread so that
// nothing the duplicate's requester wrote is lost from view. It returns
// the new target; a replay (dup already listed) returns a copy with the
// revision unchanged. Both tickets must be in a's tenant, and target open.
func MergeInto(target, dup *Ticket, c Change, a Actor, now time.Time) (*Ticket, error) {
	if c.Kind != ChangeMerge || c.Into != target.ID || c.TicketID != dup.ID {
		return nil, invalid("into", "the merge names ticket %s, not %s", clip(c.Into), clip(target.ID))
	}
	if !a.Role.IsStaff() {
		return nil, forbidden("only the IT lead and technicians merge tickets")
	}
	if target.Tenant != a.Tenant || dup.Tenant != a.Tenant {
		return nil, fmt.Errorf("%w: ticket %s does not exist in this organisation; tickets merge only within one organisation", ErrNotFound, TicketNumber(target.ID))
	}
	now = now.UTC()
	if now.Before(target.UpdatedAt) {
		now = target.UpdatedAt.UTC()
	}
	out := target.Clone()
	if slices.ContainsFunc(out.Merged, func(m MergedTicket) bool { return m.ID == dup.ID }) {
		return out, nil
	}
	if out.Status.Terminal() || out.MergedInto != "" {
		return nil, fmt.Errorf("%w: ticket %s is closed; merge into a ticket that is still open", ErrTransition, TicketNumber(target.ID))
	}
	m := MergedTicket{ID: dup.ID, Requester: dup.Requester, Device: dup.Device, Title: dup.Title, MergedAt: now, MergedBy: a.ID}
	if dup.Caller != nil {
		m.Caller = dup.Caller.Name
	}
	out.Merged = append(out.Merged, m)
	out.Comments = append(out.Comments, Comment{ID: derivedID(c.ID, "merged"), Author: a.ID, Role: a.Role, Kind: CommentKindMerge,
		Internal: true, Body: mergeQuote(dup, c.Reason), CreatedAt: now})
	out.Revision++
	out.UpdatedAt = now
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("merging %s would leave ticket %s invalid: %w", TicketNumber(dup.ID), TicketNumber(target.ID), err)
	}
	return out, nil
}

// mergeQuote is the note a merged duplicate leaves on its target: who
// reported it, and what they wrote, within the note's limit.
func mergeQuote(dup *Ticket, reason string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s merged in from %s: %s", TicketNumber(dup.ID), dup.Reporter(), dup.Title)
	if r := strings.TrimSpace(reason); r != "" {
		b.WriteString(" (" + r + ")")
	}
	if dup.Description != "" {
		b.WriteString("\n\n" + dup.Description)
	}
	for _, cm := range dup.Comments {
		if cm.Internal || cm.Kind != CommentKindReply {
			continue
		}
		b.WriteString("\n\n— " + cm.Author + ": " + cm.Body)
	}
	s := b.String()
	if r := []rune(s); len(r) > maxConflictRunes {
		s = string(r[:maxConflictRunes-1]) + "…"
	}
	return s
}
