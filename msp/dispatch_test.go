package msp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A technician logs a phoned-in ticket for a caller: the caller is the
// requester, the technician is recorded as who logged it, and an end user
// cannot pretend to be someone's caller.
func TestPhoneTicketForACaller(t *testing.T) {
	t.Parallel()
	id := NewTicketID()
	d := draft(id)
	d.Device = "dev-jane"
	d.Caller = &Caller{Name: "  Jane Smith ", Phone: "+27 21 555 0199"}
	tk := mustApply(t, nil, Change{ID: NewID(), Kind: ChangeCreate, TicketID: id, Ticket: d, At: t0}, tech, t0)
	if tk.Caller == nil || tk.Caller.Name != "Jane Smith" || tk.Caller.LoggedBy != tech.ID || tk.Caller.Phone != "+27 21 555 0199" {
		t.Fatalf("caller %+v", tk.Caller)
	}
	if tk.Requester != "caller:jane-smith" || tk.Reporter() != "Jane Smith" || tk.Device != "dev-jane" {
		t.Errorf("requester %q (%q), device %q", tk.Requester, tk.Reporter(), tk.Device)
	}
	// The caller's own computer sees it and may reply: it is their ticket.
	mustApply(t, tk, Change{ID: NewID(), Kind: ChangeComment, TicketID: id, Comment: &Comment{ID: NewID(), Body: "It happened again"}, At: t0}, jane, t0)

	id2 := NewTicketID()
	d2 := draft(id2)
	d2.Caller = &Caller{Name: "Someone Else"}
	if _, err := Apply(nil, Change{ID: NewID(), Kind: ChangeCreate, TicketID: id2, Ticket: d2, At: t0}, jane, t0); !errors.Is(err, ErrForbidden) {
		t.Errorf("an end user logged a ticket for a caller: %v", err)
	}
	d2.Caller = &Caller{Name: ""}
	if _, err := Apply(nil, Change{ID: NewID(), Kind: ChangeCreate, TicketID: id2, Ticket: d2, At: t0}, tech, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("a caller without a name was taken: %v", err)
	}
	if got := CallerRef("Ms. Nomsa  O'Neill-Dube"); got != "caller:ms-nomsa-o-neill-dube" {
		t.Errorf("CallerRef = %q", got)
	}
}

func reprioritise(tk *Ticket, p Priority, reason string) Change {
	i, u := LevelsFor(p, tk.Impact, tk.Urgency)
	return Change{ID: NewID(), Kind: ChangeReprioritise, TicketID: tk.ID, Impact: i, Urgency: u, PriorityWas: tk.Priority, Reason: reason, At: t0}
}

// A new priority needs a reason, which stays in the history as a note for
// staff; the requester sees neither the note nor who else reported it.
func TestReprioritiseKeepsTheReason(t *testing.T) {
	t.Parallel()
	tk := ticketIn(t, StatusOpen)
	if tk.Priority != P3 {
		t.Fatalf("start at %s", tk.Priority)
	}
	if _, err := Apply(tk, reprioritise(tk, P2, "  "), tech, t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a priority change without a reason: %v", err)
	}
	c := reprioritise(tk, P2, "The whole payroll team is blocked")
	out := mustApply(t, tk, c, tech, t0)
	if out.Priority != P2 || out.Impact != LevelMedium || out.Urgency != LevelHigh {
		t.Fatalf("priority %s impact %s urgency %s", out.Priority, out.Impact, out.Urgency)
	}
	n := out.Comments[len(out.Comments)-1]
	if n.Kind != CommentKindPriority || !n.Internal || n.Author != tech.ID ||
		!strings.Contains(n.Body, "from P3 medium to P2 high: The whole payroll team is blocked") {
		t.Fatalf("history note %+v", n)
	}
	if again := mustApply(t, out, c, tech, t0); again.Revision != out.Revision || len(again.Comments) != len(out.Comments) {
		t.Error("a replayed priority change was applied twice")
	}
	if v := out.VisibleTo(RoleEndUser); v.HasComment(n.ID) {
		t.Error("the requester sees the internal reason")
	}
	if _, err := Apply(out, reprioritise(out, P1, "mine"), jane, t0); !errors.Is(err, ErrForbidden) {
		t.Errorf("an end user changed the priority: %v", err)
	}
}

// Two staff change the same ticket offline: the second one's assignment
// and priority, made on what they saw before the first, are kept as
// conflict notes, not applied over the first.
func TestDispatchConflictsAreVisible(t *testing.T) {
	t.Parallel()
	tk := ticketIn(t, StatusOpen)
	seen := tk.Clone()
	first := mustApply(t, tk, Change{ID: NewID(), Kind: ChangeAssign, TicketID: tk.ID, Assignee: ptr("tech-ann"), AssigneeWas: ptr(""), At: t0}, tech, t0)
	second := Change{ID: NewID(), Kind: ChangeAssign, TicketID: tk.ID, Assignee: ptr(lead.ID), AssigneeWas: ptr(seen.Assignee), Owner: PartyInternal, At: t0}
	out := mustApply(t, first, second, lead, t0)
	if out.Assignee != "tech-ann" || out.Owner != first.Owner {
		t.Fatalf("the stale assignment won: assignee %q owner %q", out.Assignee, out.Owner)
	}
	n := out.Comments[len(out.Comments)-1]
	if n.Kind != CommentKindConflict || !n.Internal || !strings.Contains(n.Body, "Assignment to lead@acme.example not applied") || !strings.Contains(n.Body, "tech-ann") {
		t.Fatalf("conflict note %+v", n)
	}
	if again := mustApply(t, out, second, lead, t0); again.Revision != out.Revision {
		t.Error("the conflict was noted twice")
	}

	p2 := mustApply(t, out, reprioritise(seen, P2, "VIP"), tech, t0)
	stale := reprioritise(seen, P4, "Only one person")
	p := mustApply(t, p2, stale, lead, t0)
	if p.Priority != P2 || !strings.Contains(p.Comments[len(p.Comments)-1].Body, "Priority P4 low not applied: it was changed to P2 high meanwhile") {
		t.Fatalf("priority %s, last note %q", p.Priority, p.Comments[len(p.Comments)-1].Body)
	}
}

// A duplicate merges into another ticket of its tenant: it is closed with
// a link and a note its requester sees, and the target lists it and
// quotes what its requester wrote. Across tenants, into a closed ticket,
// or by an end user, it is refused.
func TestMergeDuplicate(t *testing.T) {
	t.Parallel()
	target := ticketIn(t, StatusOpen)
	dup := ticketIn(t, StatusNew)
	dup = mustApply(t, dup, Change{ID: NewID(), Kind: ChangeComment, TicketID: dup.ID, Comment: &Comment{ID: NewID(), Body: "Still jamming at 10:00"}, At: t0}, jane, t0)
	c := Change{ID: NewID(), Kind: ChangeMerge, TicketID: dup.ID, Into: target.ID, Reason: "Same printer", At: t0}

	if _, err := Apply(dup, c, jane, t0); !errors.Is(err, ErrForbidden) {
		t.Errorf("an end user merged: %v", err)
	}
	closed := mustApply(t, dup, c, tech, t0.Add(time.Minute))
	if closed.Status != StatusClosed || closed.MergedInto != target.ID {
		t.Fatalf("duplicate status %s merged into %q", closed.Status, closed.MergedInto)
	}
	seen := closed.VisibleTo(RoleEndUser)
	last := seen.Comments[len(seen.Comments)-1]
	if last.Kind != CommentKindMerge || !strings.Contains(last.Body, "Merged into "+TicketNumber(target.ID)) {
		t.Errorf("the requester's device reads %q", last.Body)
	}
	if again := mustApply(t, closed, c, tech, t0); again.Revision != closed.Revision {
		t.Error("a replayed merge changed the duplicate again")
	}

	merged, err := MergeInto(target, dup, c, tech, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Merged) != 1 || merged.Merged[0].ID != dup.ID || merged.Merged[0].Requester != dup.Requester || merged.Revision != target.Revision+1 {
		t.Fatalf("target lists %+v at revision %d", merged.Merged, merged.Revision)
	}
	q := merged.Comments[len(merged.Comments)-1]
	if !q.Internal || !strings.Contains(q.Body, dup.Description) || !strings.Contains(q.Body, "Still jamming at 10:00") || !strings.Contains(q.Body, "Same printer") {
		t.Errorf("the target's note %q", q.Body)
	}
	if merged.VisibleTo(RoleEndUser).Merged != nil {
		t.Error("the target's requester sees who else reported it")
	}
	if again, err := MergeInto(merged, dup, c, tech, t0); err != nil || again.Revision != merged.Revision {
		t.Errorf("a replayed merge: %v, revision %d", err, again.Revision)
	}
	if _, err := Apply(merged, Change{ID: NewID(), Kind: ChangeMerge, TicketID: merged.ID, Into: NewTicketID(), At: t0}, tech, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("a ticket holding duplicates merged away: %v", err)
	}

	other := *target
	other.Tenant = "globex"
	if _, err := MergeInto(&other, dup, c, tech, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("merged across tenants: %v", err)
	}
	done := ticketIn(t, StatusClosed)
	c2 := Change{ID: NewID(), Kind: ChangeMerge, TicketID: dup.ID, Into: done.ID, At: t0}
	if _, err := MergeInto(done, dup, c2, tech, t0); !errors.Is(err, ErrTransition) {
		t.Errorf("merged into a closed ticket: %v", err)
	}
	if _, err := Apply(dup, Change{ID: NewID(), Kind: ChangeMerge, TicketID: dup.ID, Into: dup.ID, At: t0}, tech, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("merged into itself: %v", err)
	}
}

// LevelsFor gives every priority from every cell of the matrix, and keeps
// impact and urgency when they already give it.
func TestLevelsFor(t *testing.T) {
	t.Parallel()
	for i := LevelHigh; i <= LevelLow; i++ {
		for u := LevelHigh; u <= LevelLow; u++ {
			for p := P1; p <= P4; p++ {
				gi, gu := LevelsFor(p, i, u)
				if got, _ := PriorityFor(gi, gu); got != p {
					t.Errorf("LevelsFor(%s, %s, %s) = %s, %s giving %s", p, i, u, gi, gu, got)
				}
				if was, _ := PriorityFor(i, u); was == p && (gi != i || gu != u) {
					t.Errorf("LevelsFor(%s, %s, %s) moved to %s, %s", p, i, u, gi, gu)
				}
			}
		}
	}
}
