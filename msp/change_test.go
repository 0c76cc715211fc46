package msp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// later is the hub's clock when the changes under test arrive.
var later = t0.Add(2 * time.Hour)

type applyCase struct {
	name   string
	start  func(t *testing.T) *Ticket // nil start means Apply(nil, ...)
	change func(tk *Ticket) Change
	actor  Actor
	now    time.Time // zero means later
	err    error     // sentinel the error must wrap; nil means success
	field  string    // for ErrInvalid: the field the error must name
	check  func(t *testing.T, before, after *Ticket)
}

// runApplyCases runs each case and, beyond its own check, the properties
// every Apply must have: the input is untouched, a success is valid, does not
// lower Revision, and applying the same change again changes nothing.
func runApplyCases(t *testing.T, cases []applyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var before *Ticket
			if tc.start != nil {
				before = tc.start(t)
			}
			c := tc.change(before)
			snapshot, cSnapshot := before.Clone(), c
			if c.Ticket != nil {
				cSnapshot.Ticket = c.Ticket.Clone()
			}
			now := tc.now
			if now.IsZero() {
				now = later
			}
			after, err := Apply(before, c, tc.actor, now)

			if !equalTickets(before, snapshot) {
				t.Fatal("Apply changed its input ticket")
			}
			if c.Ticket != nil && !equalTickets(c.Ticket, cSnapshot.Ticket) {
				t.Fatal("Apply changed the ticket inside the change")
			}
			if tc.err != nil {
				if err == nil {
					t.Fatalf("Apply succeeded, want error wrapping %q", tc.err)
				}
				wantErrIs(t, err, tc.err)
				if tc.field != "" {
					wantField(t, err, tc.field)
				}
				if after != nil {
					t.Fatal("Apply returned a ticket with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if err := after.Validate(); err != nil {
				t.Fatalf("result invalid: %v", err)
			}
			if before != nil && after.Revision < before.Revision {
				t.Fatalf("revision went from %d to %d", before.Revision, after.Revision)
			}
			again, err := Apply(after, c, tc.actor, now.Add(time.Minute))
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if !equalTickets(again, after) {
				t.Fatalf("replay changed the ticket:\nonce:  %+v\ntwice: %+v", after, again)
			}
			if tc.check != nil {
				tc.check(t, before, after)
			}
		})
	}
}

// accepted checks that a change was counted: revision up by one, updated now.
func accepted(t *testing.T, before, after *Ticket) {
	t.Helper()
	if after.Revision != before.Revision+1 || !after.UpdatedAt.Equal(later) {
		t.Fatalf("revision %d→%d, updated_at %v; want +1 and %v", before.Revision, after.Revision, after.UpdatedAt, later)
	}
}

// noop checks that nothing changed at all.
func noop(t *testing.T, before, after *Ticket) {
	t.Helper()
	if !equalTickets(before, after) {
		t.Fatalf("a no-op changed the ticket:\nbefore %+v\nafter  %+v", before, after)
	}
}

func start(s Status) func(t *testing.T) *Ticket {
	return func(t *testing.T) *Ticket { return ticketIn(t, s) }
}

func createOf(edit func(d *Ticket)) func(*Ticket) Change {
	return func(*Ticket) Change {
		id := NewTicketID()
		d := draft(id)
		if edit != nil {
			edit(d)
		}
		return Change{ID: NewID(), Kind: ChangeCreate, TicketID: id, Ticket: d, At: t0}
	}
}

func TestApplyCreate(t *testing.T) {
	t.Parallel()
	runApplyCases(t, []applyCase{
		{name: "end user create is normalised", actor: jane,
			change: createOf(func(d *Ticket) {
				d.Impact, d.Urgency, d.Priority = LevelHigh, LevelHigh, P4
			}),
			check: func(t *testing.T, _, tk *Ticket) {
				if tk.Status != StatusNew || tk.Priority != P1 || tk.Requester != jane.ID || tk.Device != jane.Device ||
					tk.Tenant != tenantAcme || tk.Owner != "" || tk.Assignee != "" {
					t.Fatalf("created %+v", tk)
				}
				if tk.Revision != 1 || tk.TitleRevision != 1 || tk.DescriptionRevision != 1 {
					t.Fatalf("revisions %d/%d/%d, want 1/1/1", tk.Revision, tk.TitleRevision, tk.DescriptionRevision)
				}
				if !tk.CreatedAt.Equal(t0.Add(-time.Hour)) || !tk.UpdatedAt.Equal(later) {
					t.Fatalf("created %v updated %v", tk.CreatedAt, tk.UpdatedAt)
				}
			}},
		{name: "end user create with tenant and requester spelt out", actor: jane,
			change: createOf(func(d *Ticket) {
				d.Tenant, d.Requester, d.Device, d.Status = tenantAcme, jane.ID, jane.Device, StatusNew
			})},
		{name: "end user create for another tenant", actor: jane, err: ErrForbidden,
			change: createOf(func(d *Ticket) { d.Tenant = "globex" })},
		{name: "end user create for another person", actor: jane, err: ErrForbidden,
			change: createOf(func(d *Ticket) { d.Requester = bob.ID })},
		{name: "end user create from another device", actor: jane, err: ErrForbidden,
			change: createOf(func(d *Ticket) { d.Device = bob.Device })},
		{name: "end user create with assignee", actor: jane, err: ErrForbidden,
			change: createOf(func(d *Ticket) { d.Assignee = tech.ID })},
		{name: "end user create with owner", actor: jane, err: ErrForbidden,
			change: createOf(func(d *Ticket) { d.Owner = PartyMSP })},
		{name: "create already resolved", actor: tech, err: ErrInvalid, field: "ticket.status",
			change: createOf(func(d *Ticket) { d.Status = StatusResolved })},
		{name: "technician creates on behalf of a user", actor: tech,
			change: createOf(func(d *Ticket) { d.Requester, d.Owner, d.Assignee = bob.ID, PartyMSP, tech.ID }),
			check: func(t *testing.T, _, tk *Ticket) {
				if tk.Requester != bob.ID || tk.Owner != PartyMSP || tk.Assignee != tech.ID || tk.Status != StatusNew {
					t.Fatalf("created %+v", tk)
				}
			}},
		{name: "IT lead create defaults requester to the lead", actor: lead,
			change: createOf(nil),
			check: func(t *testing.T, _, tk *Ticket) {
				if tk.Requester != lead.ID || tk.Device != "" {
					t.Fatalf("requester %q device %q", tk.Requester, tk.Device)
				}
			}},
		{name: "future created_at is clamped to now", actor: jane,
			change: createOf(func(d *Ticket) { d.CreatedAt = later.Add(24 * time.Hour) }),
			check: func(t *testing.T, _, tk *Ticket) {
				if !tk.CreatedAt.Equal(later) {
					t.Fatalf("created_at %v, want %v", tk.CreatedAt, later)
				}
			}},
		{name: "missing created_at comes from the change", actor: jane,
			change: createOf(func(d *Ticket) { d.CreatedAt = time.Time{} }),
			check: func(t *testing.T, _, tk *Ticket) {
				if !tk.CreatedAt.Equal(t0) || tk.CreatedAt.Location() != time.UTC {
					t.Fatalf("created_at %v, want %v in UTC", tk.CreatedAt, t0)
				}
			}},
		{name: "create with an attachment", actor: jane,
			change: createOf(func(d *Ticket) {
				d.Attachments = []Attachment{{ID: NewID(), Name: "jam.jpg", MediaType: "image/jpeg", Size: 1000, SHA256: strings.Repeat("0", 64), CreatedAt: later.Add(time.Hour)}}
			}),
			check: func(t *testing.T, _, tk *Ticket) {
				if len(tk.Attachments) != 1 || !tk.Attachments[0].CreatedAt.Equal(later) {
					t.Fatalf("attachments %+v", tk.Attachments)
				}
			}},
		{name: "create with comments", actor: jane, err: ErrInvalid, field: "ticket.comments",
			change: createOf(func(d *Ticket) { d.Comments = []Comment{{ID: NewID(), Body: "hi"}} })},
		{name: "create without title", actor: jane, err: ErrInvalid, field: "ticket.title",
			change: createOf(func(d *Ticket) { d.Title = "" })},
		{name: "create with a bad category", actor: jane, err: ErrInvalid, field: "ticket.category",
			change: createOf(func(d *Ticket) { d.Category = "teams" })},
		{name: "create whose ticket id differs", actor: jane, err: ErrInvalid, field: "ticket.id",
			change: func(*Ticket) Change {
				c := createOf(nil)(nil)
				c.TicketID = NewTicketID()
				return c
			}},
		{name: "create without ticket", actor: jane, err: ErrInvalid, field: "ticket",
			change: func(*Ticket) Change {
				return Change{ID: NewID(), Kind: ChangeCreate, TicketID: NewTicketID(), At: t0}
			}},
		{name: "replayed create is a no-op", actor: jane, start: start(StatusOpen), check: noop,
			change: func(tk *Ticket) Change {
				d := draft(tk.ID)
				d.Title = "something else entirely"
				return Change{ID: NewID(), Kind: ChangeCreate, TicketID: tk.ID, Ticket: d, At: t0}
			}},
		{name: "create replayed by someone else", actor: bob, start: start(StatusNew), err: ErrForbidden,
			change: func(tk *Ticket) Change {
				return Change{ID: NewID(), Kind: ChangeCreate, TicketID: tk.ID, Ticket: draft(tk.ID), At: t0}
			}},
		{name: "change to a ticket that does not exist", actor: jane, err: ErrNotFound,
			change: func(*Ticket) Change {
				return Change{ID: NewID(), Kind: ChangeComment, TicketID: NewTicketID(), Comment: &Comment{ID: NewID(), Body: "hello?"}, At: t0}
			}},
	})
}

func TestApplyScope(t *testing.T) {
	t.Parallel()
	sharedPC := func(t *testing.T) *Ticket { return ticketIn(t, StatusOpen) }
	runApplyCases(t, []applyCase{
		{name: "technician of another tenant", actor: otherTech, start: start(StatusOpen), err: ErrForbidden,
			change: func(tk *Ticket) Change { return commentChange(tk, "hello") }},
		{name: "end user on someone else's ticket", actor: bob, start: start(StatusOpen), err: ErrForbidden,
			change: func(tk *Ticket) Change { return commentChange(tk, "me too") }},
		{name: "end user on a ticket raised from their device", start: sharedPC,
			actor:  Actor{ID: "temp@acme.example", Role: RoleEndUser, Tenant: tenantAcme, Device: jane.Device},
			change: func(tk *Ticket) Change { return commentChange(tk, "I'm at Jane's desk today") }, check: accepted},
		{name: "no device on either side is not a match", start: func(t *testing.T) *Ticket {
			tk := ticketIn(t, StatusOpen)
			tk.Device = ""
			return tk
		}, actor: Actor{ID: bob.ID, Role: RoleEndUser, Tenant: tenantAcme}, err: ErrForbidden,
			change: func(tk *Ticket) Change { return commentChange(tk, "me too") }},
		{name: "IT lead on any ticket of the tenant", actor: lead, start: start(StatusOpen), check: accepted,
			change: func(tk *Ticket) Change { return commentChange(tk, "Looking") }},
		{name: "change for another ticket", actor: tech, start: start(StatusOpen), err: ErrInvalid, field: "ticket_id",
			change: func(tk *Ticket) Change {
				c := commentChange(tk, "x")
				c.TicketID = NewTicketID()
				return c
			}},
		{name: "actor without tenant", actor: Actor{ID: "x", Role: RoleTechnician}, start: start(StatusOpen), err: ErrForbidden,
			change: func(tk *Ticket) Change { return commentChange(tk, "x") }},
		{name: "actor with unknown role", actor: Actor{ID: "x", Role: "admin", Tenant: tenantAcme}, start: start(StatusOpen), err: ErrForbidden,
			change: func(tk *Ticket) Change { return commentChange(tk, "x") }},
		{name: "stored ticket invalid", actor: tech, err: ErrInvalid,
			start: func(t *testing.T) *Ticket {
				tk := ticketIn(t, StatusOpen)
				tk.Priority = P1 // inconsistent with medium × medium
				return tk
			},
			change: func(tk *Ticket) Change { return commentChange(tk, "x") }},
	})
}

func TestApplyComment(t *testing.T) {
	t.Parallel()
	withComment := func(cm Comment) func(tk *Ticket) Change {
		return func(tk *Ticket) Change {
			return Change{ID: NewID(), Kind: ChangeComment, TicketID: tk.ID, Comment: &cm, At: t0}
		}
	}
	runApplyCases(t, []applyCase{
		{name: "reply fills author, role and time", actor: jane, start: start(StatusOpen),
			change: func(tk *Ticket) Change { return commentChange(tk, "It jammed again") },
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				got := after.Comments[len(after.Comments)-1]
				if len(after.Comments) != len(before.Comments)+1 || got.Author != jane.ID || got.Role != RoleEndUser ||
					got.Body != "It jammed again" || !got.CreatedAt.Equal(t0) || got.Internal {
					t.Fatalf("comment %+v", got)
				}
			}},
		{name: "future comment time clamped", actor: jane, start: start(StatusOpen),
			change: withComment(Comment{ID: NewID(), Body: "from the future", CreatedAt: later.Add(time.Hour)}),
			check: func(t *testing.T, _, after *Ticket) {
				if got := after.Comments[len(after.Comments)-1].CreatedAt; !got.Equal(later) {
					t.Fatalf("created_at %v, want %v", got, later)
				}
			}},
		{name: "author spoofed", actor: jane, start: start(StatusOpen), err: ErrForbidden,
			change: withComment(Comment{ID: NewID(), Body: "x", Author: tech.ID})},
		{name: "role spoofed", actor: jane, start: start(StatusOpen), err: ErrForbidden,
			change: withComment(Comment{ID: NewID(), Body: "x", Role: RoleTechnician})},
		{name: "end user internal note", actor: jane, start: start(StatusOpen), err: ErrForbidden,
			change: withComment(Comment{ID: NewID(), Body: "x", Internal: true})},
		{name: "end user internal note naming the role", actor: jane, start: start(StatusOpen), err: ErrInvalid, field: "comment.internal",
			change: withComment(Comment{ID: NewID(), Body: "x", Internal: true, Role: RoleEndUser})},
		{name: "technician internal note", actor: tech, start: start(StatusOpen), check: accepted,
			change: withComment(Comment{ID: NewID(), Body: "Fuser worn", Internal: true})},
		{name: "IT lead internal note", actor: lead, start: start(StatusOpen), check: accepted,
			change: withComment(Comment{ID: NewID(), Body: "Budget ok", Internal: true})},
		{name: "hub routing note", actor: hub, start: start(StatusNew), check: accepted,
			change: withComment(Comment{ID: NewID(), Body: "Routed to internal IT (business hours)", Kind: CommentKindRouting, Internal: true})},
		{name: "technician writes a routing note", actor: tech, start: start(StatusOpen), err: ErrForbidden,
			change: withComment(Comment{ID: NewID(), Body: "x", Kind: CommentKindRouting})},
		{name: "anyone writes a conflict note", actor: hub, start: start(StatusOpen), err: ErrForbidden,
			change: withComment(Comment{ID: NewID(), Body: "x", Kind: CommentKindConflict})},
		{name: "unknown comment kind", actor: hub, start: start(StatusOpen), err: ErrInvalid, field: "comment.kind",
			change: withComment(Comment{ID: NewID(), Body: "x", Kind: "gossip"})},
		{name: "empty body", actor: jane, start: start(StatusOpen), err: ErrInvalid, field: "comment.body",
			change: withComment(Comment{ID: NewID(), Body: "  "})},
		{name: "comment id not v7", actor: jane, start: start(StatusOpen), err: ErrInvalid, field: "comment.id",
			change: withComment(Comment{ID: uuid.NewString(), Body: "x"})},
		{name: "comment missing", actor: jane, start: start(StatusOpen), err: ErrInvalid, field: "comment",
			change: func(tk *Ticket) Change { return Change{ID: NewID(), Kind: ChangeComment, TicketID: tk.ID, At: t0} }},
		{name: "repeated comment id is a no-op", actor: jane, check: noop,
			start: func(t *testing.T) *Ticket {
				tk := ticketIn(t, StatusOpen)
				return mustApply(t, tk, withComment(Comment{ID: tid(100), Body: "first"})(tk), jane, t0)
			},
			change: withComment(Comment{ID: tid(100), Body: "first, edited"})},
		{name: "requester reply while waiting reopens", actor: jane, start: start(StatusWaiting),
			change: func(tk *Ticket) Change { return commentChange(tk, "Here is the model number") },
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Status != StatusOpen {
					t.Fatalf("status %s, want open", after.Status)
				}
			}},
		{name: "technician reply while waiting stays waiting", actor: tech, start: start(StatusWaiting),
			change: func(tk *Ticket) Change { return commentChange(tk, "Any news?") },
			check: func(t *testing.T, _, after *Ticket) {
				if after.Status != StatusWaiting {
					t.Fatalf("status %s, want waiting", after.Status)
				}
			}},
		{name: "requester's internal note while waiting stays waiting", actor: lead,
			start: func(t *testing.T) *Ticket {
				id := NewTicketID()
				tk := mustApply(t, nil, Change{ID: NewID(), Kind: ChangeCreate, TicketID: id, Ticket: draft(id), At: t0}, lead, t0)
				return mustApply(t, tk, statusChange(tk, StatusWaiting), tech, t0)
			},
			change: withComment(Comment{ID: NewID(), Body: "note to self", Internal: true}),
			check: func(t *testing.T, _, after *Ticket) {
				if after.Status != StatusWaiting {
					t.Fatalf("status %s, want waiting", after.Status)
				}
			}},
		{name: "requester reply on a resolved ticket does not reopen it", actor: jane, start: start(StatusResolved),
			change: func(tk *Ticket) Change { return commentChange(tk, "thanks!") },
			check: func(t *testing.T, _, after *Ticket) {
				if after.Status != StatusResolved {
					t.Fatalf("status %s", after.Status)
				}
			}},
		{name: "comment on a closed ticket is kept", actor: jane, start: start(StatusClosed),
			change: func(tk *Ticket) Change { return commentChange(tk, "written offline before it closed") },
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Status != StatusClosed || !after.ClosedAt.Equal(before.ClosedAt) {
					t.Fatalf("status %s closed_at %v", after.Status, after.ClosedAt)
				}
			}},
		{name: "hub clock behind the ticket", actor: jane, start: start(StatusOpen), now: t0.Add(-24 * time.Hour),
			change: func(tk *Ticket) Change { return commentChange(tk, "x") },
			check: func(t *testing.T, before, after *Ticket) {
				if !after.UpdatedAt.Equal(before.UpdatedAt) {
					t.Fatalf("updated_at went from %v to %v", before.UpdatedAt, after.UpdatedAt)
				}
			}},
	})
}

func TestApplyStatus(t *testing.T) {
	t.Parallel()
	to := func(s Status) func(tk *Ticket) Change { return func(tk *Ticket) Change { return statusChange(tk, s) } }
	runApplyCases(t, []applyCase{
		{name: "technician starts work", actor: tech, start: start(StatusOpen), change: to(StatusProgress),
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Status != StatusProgress {
					t.Fatalf("status %s", after.Status)
				}
			}},
		{name: "resolving stamps resolved_at", actor: tech, start: start(StatusProgress), change: to(StatusResolved),
			check: func(t *testing.T, _, after *Ticket) {
				if !after.ResolvedAt.Equal(later) || !after.ClosedAt.IsZero() {
					t.Fatalf("resolved_at %v closed_at %v", after.ResolvedAt, after.ClosedAt)
				}
			}},
		{name: "end user confirms the fix", actor: jane, start: start(StatusResolved), change: to(StatusClosed),
			check: func(t *testing.T, before, after *Ticket) {
				if !after.ClosedAt.Equal(later) || !after.ResolvedAt.Equal(before.ResolvedAt) || after.ResolvedAt.IsZero() {
					t.Fatalf("resolved_at %v closed_at %v", after.ResolvedAt, after.ClosedAt)
				}
			}},
		{name: "end user says still broken", actor: jane, start: start(StatusResolved),
			change: func(tk *Ticket) Change {
				c := statusChange(tk, StatusReopened)
				c.Comment = &Comment{ID: NewID(), Body: "Still jams on page 2"}
				return c
			},
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Status != StatusReopened || !after.ResolvedAt.IsZero() || len(after.Comments) != len(before.Comments)+1 {
					t.Fatalf("status %s resolved_at %v comments %d", after.Status, after.ResolvedAt, len(after.Comments))
				}
			}},
		{name: "end user reopens while waiting", actor: jane, start: start(StatusWaiting), change: to(StatusOpen), check: accepted},
		{name: "end user resolves", actor: jane, start: start(StatusOpen), change: to(StatusResolved), err: ErrForbidden},
		{name: "end user closes an open ticket", actor: jane, start: start(StatusOpen), change: to(StatusClosed), err: ErrForbidden},
		{name: "hub closes a resolved ticket", actor: hub, start: start(StatusResolved), change: to(StatusClosed), check: accepted},
		{name: "hub resolves an open ticket (an alert that cleared)", actor: hub, start: start(StatusOpen), change: to(StatusResolved), check: accepted},
		{name: "hub reopens nothing", actor: hub, start: start(StatusResolved), change: to(StatusReopened), err: ErrForbidden},
		{name: "closed is final", actor: tech, start: start(StatusClosed), change: to(StatusOpen), err: ErrTransition},
		{name: "reopen a new ticket", actor: tech, start: start(StatusNew), change: to(StatusReopened), err: ErrTransition},
		{name: "same status is a no-op", actor: tech, start: start(StatusProgress), change: to(StatusProgress), check: noop},
		{name: "unknown status", actor: tech, start: start(StatusOpen), change: to("done"), err: ErrInvalid, field: "status"},
		{name: "status with a forbidden comment", actor: jane, start: start(StatusResolved), err: ErrForbidden,
			change: func(tk *Ticket) Change {
				c := statusChange(tk, StatusReopened)
				c.Comment = &Comment{ID: NewID(), Body: "x", Author: "someone-else"}
				return c
			}},
		{name: "same status with a new comment", actor: tech, start: start(StatusProgress),
			change: func(tk *Ticket) Change {
				c := statusChange(tk, StatusProgress)
				c.Comment = &Comment{ID: NewID(), Body: "still on it"}
				return c
			},
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Status != StatusProgress {
					t.Fatal(after.Status)
				}
			}},
	})
}

func TestApplyEdit(t *testing.T) {
	t.Parallel()
	// twiceEdited is a ticket whose title changed at revision 2 and which
	// then got a comment (revision 3).
	twiceEdited := func(t *testing.T) *Ticket {
		tk := ticketIn(t, StatusNew) // revision 1
		tk = mustApply(t, tk, editChange(tk, 1, ptr("Printer jams"), nil), tech, t0)
		tk = mustApply(t, tk, commentChange(tk, "On it"), tech, t0)
		if tk.Revision != 3 || tk.TitleRevision != 2 || tk.DescriptionRevision != 1 {
			t.Fatalf("fixture revisions %d/%d/%d", tk.Revision, tk.TitleRevision, tk.DescriptionRevision)
		}
		return tk
	}
	lastComment := func(tk *Ticket) Comment { return tk.Comments[len(tk.Comments)-1] }
	runApplyCases(t, []applyCase{
		{name: "edit on the current revision", actor: jane, start: twiceEdited,
			change: func(tk *Ticket) Change { return editChange(tk, 3, ptr("Printer 2 jams"), ptr("Page 2 jams")) },
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Title != "Printer 2 jams" || after.Description != "Page 2 jams" || after.TitleRevision != 4 || after.DescriptionRevision != 4 {
					t.Fatalf("%q %q %d %d", after.Title, after.Description, after.TitleRevision, after.DescriptionRevision)
				}
			}},
		{name: "stale edit of a field nobody touched since is applied", actor: jane, start: twiceEdited,
			change: func(tk *Ticket) Change { return editChange(tk, 1, nil, ptr("Model HP M404")) },
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Description != "Model HP M404" || len(after.Comments) != len(before.Comments) {
					t.Fatalf("description %q, comments %d", after.Description, len(after.Comments))
				}
			}},
		{name: "stale edit of a changed field becomes a conflict note", actor: jane, start: twiceEdited,
			change: func(tk *Ticket) Change { return editChange(tk, 1, ptr("Printer is broken"), nil) },
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Title != before.Title || after.TitleRevision != before.TitleRevision {
					t.Fatalf("stale title applied: %q", after.Title)
				}
				note := lastComment(after)
				want := "Edit not applied because the ticket changed meanwhile; proposed title: Printer is broken"
				if note.Kind != CommentKindConflict || note.Body != want || note.Internal || note.Author != jane.ID || note.Role != RoleEndUser {
					t.Fatalf("note %+v", note)
				}
			}},
		{name: "half stale edit applies the fresh half", actor: jane, start: twiceEdited,
			change: func(tk *Ticket) Change { return editChange(tk, 1, ptr("Printer is broken"), ptr("Model HP M404")) },
			check: func(t *testing.T, before, after *Ticket) {
				if after.Title != before.Title || after.Description != "Model HP M404" {
					t.Fatalf("title %q description %q", after.Title, after.Description)
				}
				if note := lastComment(after); !strings.Contains(note.Body, "proposed title: Printer is broken") || strings.Contains(note.Body, "description") {
					t.Fatalf("note %q", note.Body)
				}
			}},
		{name: "stale description and title quoted in full", actor: tech,
			start: func(t *testing.T) *Ticket {
				tk := twiceEdited(t)
				return mustApply(t, tk, editChange(tk, 3, nil, ptr("changed by lead")), lead, t0)
			},
			change: func(tk *Ticket) Change {
				return editChange(tk, 1, ptr("Floor 2 printer"), ptr(strings.Repeat("long text ", 1999)))
			},
			check: func(t *testing.T, _, after *Ticket) {
				note := lastComment(after)
				if !strings.HasPrefix(note.Body, "Edit not applied because the ticket changed meanwhile; proposed title: Floor 2 printer; proposed description:\nlong text") ||
					!strings.HasSuffix(note.Body, strings.Repeat("long text ", 1999)) {
					t.Fatalf("note %.200q", note.Body)
				}
			}},
		{name: "stale edit clearing the description says so", actor: tech,
			start: func(t *testing.T) *Ticket {
				tk := twiceEdited(t)
				return mustApply(t, tk, editChange(tk, 3, nil, ptr("changed by lead")), lead, t0)
			},
			change: func(tk *Ticket) Change { return editChange(tk, 1, nil, ptr("")) },
			check: func(t *testing.T, _, after *Ticket) {
				if note := lastComment(after); !strings.Contains(note.Body, "would have removed the description") {
					t.Fatalf("note %q", note.Body)
				}
			}},
		{name: "edit to the current text is a no-op", actor: jane, start: twiceEdited, check: noop,
			change: func(tk *Ticket) Change { return editChange(tk, 1, ptr(tk.Title), ptr(tk.Description)) }},
		{name: "edit from the future", actor: jane, start: twiceEdited, err: ErrInvalid, field: "base_revision",
			change: func(tk *Ticket) Change { return editChange(tk, 9, ptr("x"), nil) }},
		{name: "edit without base revision", actor: jane, start: twiceEdited, err: ErrInvalid, field: "base_revision",
			change: func(tk *Ticket) Change { return editChange(tk, 0, ptr("x"), nil) }},
		{name: "edit of nothing", actor: jane, start: twiceEdited, err: ErrInvalid, field: "title",
			change: func(tk *Ticket) Change { return editChange(tk, 3, nil, nil) }},
		{name: "edit to an empty title", actor: jane, start: twiceEdited, err: ErrInvalid, field: "title",
			change: func(tk *Ticket) Change { return editChange(tk, 3, ptr(""), nil) }},
		{name: "edit to a too long description", actor: jane, start: twiceEdited, err: ErrInvalid, field: "description",
			change: func(tk *Ticket) Change {
				return editChange(tk, 3, nil, ptr(strings.Repeat("x", MaxDescriptionRunes+1)))
			}},
		{name: "edit of a closed ticket", actor: tech, start: start(StatusClosed), err: ErrTransition,
			change: func(tk *Ticket) Change { return editChange(tk, tk.Revision, ptr("x"), nil) }},
		{name: "end user edits someone else's ticket", actor: bob, start: twiceEdited, err: ErrForbidden,
			change: func(tk *Ticket) Change { return editChange(tk, 3, ptr("mine now"), nil) }},
	})
}

func TestApplyAssignAndReprioritise(t *testing.T) {
	t.Parallel()
	assign := func(owner Party, assignee *string) func(tk *Ticket) Change {
		return func(tk *Ticket) Change {
			return Change{ID: NewID(), Kind: ChangeAssign, TicketID: tk.ID, Owner: owner, Assignee: assignee, At: t0}
		}
	}
	reprioritise := func(impact, urgency Level) func(tk *Ticket) Change {
		return func(tk *Ticket) Change {
			return Change{ID: NewID(), Kind: ChangeReprioritise, TicketID: tk.ID, Impact: impact, Urgency: urgency, Reason: "Affects payroll today", At: t0}
		}
	}
	assigned := func(t *testing.T) *Ticket {
		tk := ticketIn(t, StatusOpen)
		return mustApply(t, tk, assign(PartyMSP, ptr(tech.ID))(tk), tech, t0)
	}
	runApplyCases(t, []applyCase{
		{name: "technician assigns", actor: tech, start: start(StatusOpen), change: assign(PartyMSP, ptr(tech.ID)),
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Owner != PartyMSP || after.Assignee != tech.ID {
					t.Fatalf("owner %q assignee %q", after.Owner, after.Assignee)
				}
			}},
		{name: "IT lead escalates to the MSP without naming anyone", actor: lead, start: assigned, change: assign(PartyInternal, nil),
			check: func(t *testing.T, _, after *Ticket) {
				if after.Owner != PartyInternal || after.Assignee != tech.ID {
					t.Fatalf("owner %q assignee %q", after.Owner, after.Assignee)
				}
			}},
		{name: "unassign", actor: tech, start: assigned, change: assign("", ptr("")),
			check: func(t *testing.T, _, after *Ticket) {
				if after.Assignee != "" || after.Owner != PartyMSP {
					t.Fatalf("owner %q assignee %q", after.Owner, after.Assignee)
				}
			}},
		{name: "hub routes", actor: hub, start: start(StatusNew), change: assign(PartyInternal, nil), check: accepted},
		{name: "same assignment is a no-op", actor: tech, start: assigned, change: assign(PartyMSP, ptr(tech.ID)), check: noop},
		{name: "end user assigns", actor: jane, start: start(StatusOpen), change: assign("", ptr(jane.ID)), err: ErrForbidden},
		{name: "end user sets owner", actor: jane, start: start(StatusOpen), change: assign(PartyMSP, nil), err: ErrForbidden},
		{name: "assign a closed ticket", actor: tech, start: start(StatusClosed), change: assign(PartyMSP, nil), err: ErrTransition},
		{name: "unknown owner", actor: tech, start: start(StatusOpen), change: assign("vendor", nil), err: ErrInvalid, field: "owner"},
		{name: "assign nothing", actor: tech, start: start(StatusOpen), change: assign("", nil), err: ErrInvalid, field: "owner"},
		{name: "assignee with a space", actor: tech, start: start(StatusOpen), change: assign("", ptr("Sipho M")), err: ErrInvalid, field: "assignee"},

		{name: "IT lead raises priority", actor: lead, start: start(StatusOpen), change: reprioritise(LevelHigh, LevelHigh),
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if after.Priority != P1 || after.Impact != LevelHigh || after.Urgency != LevelHigh {
					t.Fatalf("%v %v %v", after.Priority, after.Impact, after.Urgency)
				}
			}},
		{name: "hub escalates urgency", actor: hub, start: start(StatusOpen), change: reprioritise(LevelMedium, LevelHigh),
			check: func(t *testing.T, _, after *Ticket) {
				if after.Priority != P2 {
					t.Fatal(after.Priority)
				}
			}},
		{name: "same priority is a no-op", actor: tech, start: start(StatusOpen), change: reprioritise(LevelMedium, LevelMedium), check: noop},
		{name: "end user reprioritises", actor: jane, start: start(StatusOpen), change: reprioritise(LevelHigh, LevelHigh), err: ErrForbidden},
		{name: "reprioritise a closed ticket", actor: tech, start: start(StatusClosed), change: reprioritise(LevelHigh, LevelHigh), err: ErrTransition},
		{name: "bad impact", actor: tech, start: start(StatusOpen), change: reprioritise(0, LevelHigh), err: ErrInvalid, field: "impact"},
		{name: "bad urgency", actor: tech, start: start(StatusOpen), change: reprioritise(LevelHigh, 7), err: ErrInvalid, field: "urgency"},
	})
}

func TestApplyAttach(t *testing.T) {
	t.Parallel()
	file := func(size int64) Attachment {
		return Attachment{ID: tid(200), Name: "screenshot.png", MediaType: "image/png", Size: size, SHA256: strings.Repeat("e3", 32), CreatedAt: t0}
	}
	attach := func(a Attachment) func(tk *Ticket) Change {
		return func(tk *Ticket) Change {
			return Change{ID: NewID(), Kind: ChangeAttach, TicketID: tk.ID, Attachment: &a, At: t0}
		}
	}
	runApplyCases(t, []applyCase{
		{name: "end user attaches", actor: jane, start: start(StatusOpen), change: attach(file(2048)),
			check: func(t *testing.T, before, after *Ticket) {
				accepted(t, before, after)
				if len(after.Attachments) != 1 || after.Attachments[0].Name != "screenshot.png" {
					t.Fatalf("%+v", after.Attachments)
				}
			}},
		{name: "same attachment id is a no-op", actor: jane, check: noop,
			start: func(t *testing.T) *Ticket {
				tk := ticketIn(t, StatusOpen)
				return mustApply(t, tk, attach(file(2048))(tk), jane, t0)
			},
			change: attach(file(4096))},
		{name: "attachment over 25 MB", actor: jane, start: start(StatusOpen), change: attach(file(MaxAttachmentBytes + 1)), err: ErrInvalid, field: "attachment.size"},
		{name: "attachment exactly 25 MB", actor: jane, start: start(StatusOpen), change: attach(file(MaxAttachmentBytes)), check: accepted},
		{name: "other user attaches", actor: bob, start: start(StatusOpen), change: attach(file(1)), err: ErrForbidden},
		{name: "attachment missing", actor: jane, start: start(StatusOpen), err: ErrInvalid, field: "attachment",
			change: func(tk *Ticket) Change { return Change{ID: NewID(), Kind: ChangeAttach, TicketID: tk.ID, At: t0} }},
	})
}

func TestChangeValidate(t *testing.T) {
	t.Parallel()
	tk := storedTicket()
	base := func() Change { return commentChange(tk, "hello") }
	tests := []struct {
		name  string
		edit  func(*Change)
		field string
	}{
		{"good", func(*Change) {}, ""},
		{"no id", func(c *Change) { c.ID = "" }, "id"},
		{"id v4", func(c *Change) { c.ID = uuid.NewString() }, "id"},
		{"no ticket id", func(c *Change) { c.TicketID = "" }, "ticket_id"},
		{"no time", func(c *Change) { c.At = time.Time{} }, "at"},
		{"unknown kind", func(c *Change) { c.Kind = "delete" }, "kind"},
		{"status in a comment change", func(c *Change) { c.Status = StatusOpen }, "status"},
		{"title in a comment change", func(c *Change) { c.Title = ptr("x") }, "title"},
		{"base revision in a comment change", func(c *Change) { c.BaseRevision = 3 }, "base_revision"},
		{"owner in a comment change", func(c *Change) { c.Owner = PartyMSP }, "owner"},
		{"assignee in a comment change", func(c *Change) { c.Assignee = ptr("") }, "assignee"},
		{"impact in a comment change", func(c *Change) { c.Impact = LevelHigh }, "impact"},
		{"urgency in a comment change", func(c *Change) { c.Urgency = LevelHigh }, "urgency"},
		{"ticket in a comment change", func(c *Change) { c.Ticket = storedTicket() }, "ticket"},
		{"attachment in a comment change", func(c *Change) { c.Attachment = &Attachment{} }, "attachment"},
		{"comment in an edit", func(c *Change) { c.Kind, c.Title, c.BaseRevision = ChangeEdit, ptr("x"), 1 }, "comment"},
		{"comment with unknown role", func(c *Change) { c.Comment.Role = "boss" }, "comment.role"},
		{"comment with spaced author", func(c *Change) { c.Comment.Author = "a b" }, "comment.author"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base()
			tt.edit(&c)
			err := c.Validate()
			if tt.field == "" {
				wantErrIs(t, err, nil)
				return
			}
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, tt.field)
		})
	}
}

func TestApplyErrorsAreReadable(t *testing.T) {
	t.Parallel()
	tk := ticketIn(t, StatusOpen)
	_, err := Apply(tk, statusChange(tk, StatusResolved), jane, later)
	if got := err.Error(); got != "not allowed: an end user cannot move a ticket from open to resolved" {
		t.Errorf("forbidden: %q", got)
	}
	_, err = Apply(tk, editChange(tk, 1, ptr(""), nil), jane, later)
	if got := err.Error(); got != "edit change refused: title: is empty; write a few words" {
		t.Errorf("invalid: %q", got)
	}
	_, err = Apply(nil, commentChange(tk, "x"), jane, later)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "may not have arrived yet") {
		t.Errorf("not found: %q", err)
	}
}

func TestChangeJSONRoundTrip(t *testing.T) {
	t.Parallel()
	tk := storedTicket()
	changes := []Change{
		{ID: NewID(), Kind: ChangeAssign, TicketID: tk.ID, Assignee: ptr(""), At: t0}, // unassign must survive
		editChange(tk, 5, ptr("New"), nil),
		commentChange(tk, "hi"),
		createOf(nil)(nil),
	}
	for _, c := range changes {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Change
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if err := back.Validate(); err != nil {
			t.Errorf("%s: decoded change invalid: %v (%s)", c.Kind, err, b)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: round trip changed the change:\n%s", c.Kind, b)
		}
	}
}
