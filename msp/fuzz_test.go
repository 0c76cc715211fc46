package msp

import (
	"errors"
	"testing"
	"time"
)

// fuzzTicket builds a reproducible ticket (ids derived from tid) in one of
// the seven statuses, with a reply, an internal note, an attachment and an
// edited title. which == 7 means no ticket at all (nil).
func fuzzTicket(tb testing.TB, which uint8) *Ticket {
	which %= 8
	if which == 7 {
		return nil
	}
	id := tid(1000)
	d := draft(id)
	d.Attachments = []Attachment{{ID: tid(1001), Name: "a.png", MediaType: "image/png", Size: 10, SHA256: "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9", CreatedAt: t0}}
	tk := mustApply(tb, nil, Change{ID: tid(1002), Kind: ChangeCreate, TicketID: id, Ticket: d, At: t0}, jane, t0)
	tk = mustApply(tb, tk, Change{ID: tid(1003), Kind: ChangeComment, TicketID: id, Comment: &Comment{ID: tid(1004), Body: "reply"}, At: t0}, jane, t0)
	tk = mustApply(tb, tk, Change{ID: tid(1005), Kind: ChangeComment, TicketID: id, Comment: &Comment{ID: tid(1006), Body: "note", Internal: true}, At: t0}, tech, t0)
	tk = mustApply(tb, tk, Change{ID: tid(1007), Kind: ChangeEdit, TicketID: id, Title: ptr("edited"), BaseRevision: 1, At: t0}, tech, t0)
	step := func(n int, to Status, a Actor) {
		tk = mustApply(tb, tk, Change{ID: tid(1010 + n), Kind: ChangeStatus, TicketID: id, Status: to, At: t0}, a, t0.Add(time.Minute))
	}
	switch s := Statuses()[which]; s {
	case StatusNew:
	case StatusResolved:
		step(0, StatusResolved, tech)
	case StatusClosed:
		step(0, StatusResolved, tech)
		step(1, StatusClosed, jane)
	case StatusReopened:
		step(0, StatusResolved, tech)
		step(1, StatusReopened, jane)
	default:
		step(0, s, tech)
	}
	return tk
}

var fuzzActors = []Actor{jane, bob, lead, tech, hub, otherTech,
	{ID: "temp", Role: RoleEndUser, Tenant: tenantAcme, Device: jane.Device},
	{ID: "", Role: RoleTechnician, Tenant: tenantAcme}}

var fuzzKinds = []ChangeKind{ChangeCreate, ChangeComment, ChangeStatus, ChangeEdit, ChangeAssign, ChangeReprioritise, ChangeAttach, "merge"}

// Flag bits of the fuzz input.
const (
	fReuseComment  = 1 << iota // reuse the id of the existing reply
	fInternal                  // mark the comment internal
	fOtherTicket               // aim the change at another ticket id
	fSpoofAuthor               // put someone else's name on the comment
	fSystemKind                // give the comment a hub-only kind
	fWithComment               // add a comment to a status change
	fNoTitle                   // leave the title out of an edit
	fNoDescription             // leave the description out of an edit
)

// FuzzApply throws arbitrary changes by arbitrary actors at tickets in every
// status. Whatever the input, Apply must not panic; a refusal must wrap one
// of the four sentinels; a success must be valid, keep every comment and
// attachment it had, not lower Revision, not change its input, leave an end
// user's priority, owner and assignee alone, and be idempotent.
func FuzzApply(f *testing.F) {
	f.Add(uint8(1), uint8(0), uint8(1), uint8(0), "It jammed again", "", int64(0), uint8(0), int8(0), int8(0), "", int64(3600))
	f.Add(uint8(1), uint8(0), uint8(3), uint8(0), "here you go", "", int64(0), uint8(0), int8(0), int8(0), "", int64(60))
	f.Add(uint8(1), uint8(3), uint8(1), uint8(fInternal), "internal", "", int64(0), uint8(0), int8(0), int8(0), "", int64(60))
	f.Add(uint8(1), uint8(0), uint8(1), uint8(fReuseComment), "dup", "", int64(0), uint8(0), int8(0), int8(0), "", int64(60))
	f.Add(uint8(2), uint8(0), uint8(4), uint8(fWithComment), "still broken", "", int64(0), uint8(6), int8(0), int8(0), "", int64(60))
	f.Add(uint8(2), uint8(3), uint8(0), uint8(0), "", "", int64(0), uint8(4), int8(0), int8(0), "", int64(60))
	f.Add(uint8(2), uint8(4), uint8(4), uint8(0), "", "", int64(0), uint8(5), int8(0), int8(0), "", int64(86400*7))
	f.Add(uint8(3), uint8(0), uint8(1), uint8(0), "New title", "New description", int64(1), uint8(0), int8(0), int8(0), "", int64(60))
	f.Add(uint8(3), uint8(2), uint8(2), uint8(fNoDescription), "Fresh", "", int64(6), uint8(0), int8(0), int8(0), "", int64(60))
	f.Add(uint8(4), uint8(3), uint8(1), uint8(0), "tech-sipho", "", int64(0), uint8(0), int8(0), int8(0), "msp", int64(60))
	f.Add(uint8(4), uint8(0), uint8(1), uint8(0), "jane", "", int64(0), uint8(0), int8(0), int8(0), "internal", int64(60))
	f.Add(uint8(5), uint8(2), uint8(1), uint8(0), "", "", int64(0), uint8(0), int8(1), int8(1), "", int64(60))
	f.Add(uint8(6), uint8(0), uint8(1), uint8(0), "shot.png", "", int64(0), uint8(0), int8(0), int8(0), "", int64(60))
	f.Add(uint8(0), uint8(0), uint8(7), uint8(0), "Brand new", "made offline", int64(0), uint8(0), int8(2), int8(1), "", int64(60))
	f.Add(uint8(0), uint8(5), uint8(7), uint8(0), "Other tenant", "", int64(0), uint8(0), int8(2), int8(1), "", int64(60))
	f.Add(uint8(1), uint8(6), uint8(6), uint8(fSpoofAuthor|fSystemKind), "x", "", int64(-5), uint8(7), int8(-1), int8(9), "vendor", int64(-86400))

	f.Fuzz(func(t *testing.T, kind, actor, start, flags uint8, text1, text2 string, base int64, status uint8, impact, urgency int8, party string, nowOffset int64) {
		before := fuzzTicket(t, start)
		snapshot := before.Clone()
		a := fuzzActors[int(actor)%len(fuzzActors)]
		now := later.Add(time.Duration(nowOffset%(10*365*86400)) * time.Second)
		ticketID := tid(1000)
		if flags&fOtherTicket != 0 {
			ticketID = tid(1999)
		}
		c := Change{ID: tid(2000 + int(kind)), Kind: fuzzKinds[int(kind)%len(fuzzKinds)], TicketID: ticketID, At: t0}
		comment := func() *Comment {
			cm := &Comment{ID: tid(3000), Body: text1, Internal: flags&fInternal != 0}
			if flags&fReuseComment != 0 {
				cm.ID = tid(1004)
			}
			if flags&fSpoofAuthor != 0 {
				cm.Author = "someone-else"
			}
			if flags&fSystemKind != 0 {
				cm.Kind = CommentKindEscalation
			}
			return cm
		}
		statuses := append(Statuses(), "bogus")
		switch c.Kind {
		case ChangeCreate:
			d := draft(ticketID)
			d.Title, d.Description, d.Impact, d.Urgency, d.Owner = text1, text2, Level(impact), Level(urgency), Party(party)
			c.Ticket = d
		case ChangeComment:
			c.Comment = comment()
		case ChangeStatus:
			c.Status = statuses[int(status)%len(statuses)]
			if flags&fWithComment != 0 {
				c.Comment = comment()
			}
		case ChangeEdit:
			c.BaseRevision = base
			if flags&fNoTitle == 0 {
				c.Title = &text1
			}
			if flags&fNoDescription == 0 {
				c.Description = &text2
			}
		case ChangeAssign:
			c.Owner, c.Assignee = Party(party), &text1
		case ChangeReprioritise:
			c.Impact, c.Urgency = Level(impact), Level(urgency)
		case ChangeAttach:
			c.Attachment = &Attachment{ID: tid(4000), Name: text1, MediaType: "image/png", Size: base, SHA256: "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9", CreatedAt: t0}
		}

		out, err := Apply(before, c, a, now)

		if !equalTickets(before, snapshot) {
			t.Fatal("Apply changed its input")
		}
		if err != nil {
			if out != nil {
				t.Fatal("a ticket returned with an error")
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrTransition) && !errors.Is(err, ErrNotFound) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if verr := out.Validate(); verr != nil {
			t.Fatalf("Apply returned an invalid ticket: %v", verr)
		}
		if before != nil {
			if out.Revision < before.Revision {
				t.Fatalf("revision went from %d to %d", before.Revision, out.Revision)
			}
			for _, old := range before.Comments {
				found := false
				for _, cm := range out.Comments {
					found = found || cm == old
				}
				if !found {
					t.Fatalf("comment %s was lost or altered", old.ID)
				}
			}
			for _, old := range before.Attachments {
				found := false
				for _, at := range out.Attachments {
					found = found || at == old
				}
				if !found {
					t.Fatalf("attachment %s was lost or altered", old.ID)
				}
			}
			if a.Role == RoleEndUser && (out.Owner != before.Owner || out.Assignee != before.Assignee || out.Priority != before.Priority) {
				t.Fatal("an end user changed owner, assignee or priority")
			}
			if out.UpdatedAt.Before(before.UpdatedAt) {
				t.Fatal("updated_at went back")
			}
		} else if a.Role == RoleEndUser && (out.Owner != "" || out.Assignee != "" || out.Requester != a.ID) {
			t.Fatal("an end user's create kept owner or assignee, or named another requester")
		}
		if out.Tenant != a.Tenant {
			t.Fatalf("ticket of tenant %q returned to an actor of %q", out.Tenant, a.Tenant)
		}
		again, err := Apply(out, c, a, now.Add(time.Hour))
		if err != nil {
			t.Fatalf("replay failed: %v", err)
		}
		if !equalTickets(again, out) {
			t.Fatal("replaying the change altered the ticket")
		}
	})
}
