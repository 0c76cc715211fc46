package msp

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestConvergence plays two replicas that start from the same ticket and
// work offline: each adds comments and edits the title on the same base
// revision. The hub applies both change lists in either order. Either way
// the comments are the union, one title wins, and the other title survives
// as a conflict note; replaying everything again changes nothing.
func TestConvergence(t *testing.T) {
	t.Parallel()
	base := ticketIn(t, StatusOpen)
	base = mustApply(t, base, commentChange(base, "Which printer?"), tech, t0)
	rev := base.Revision

	// Replica A: Jane, on her laptop.
	a := []Change{
		commentChange(base, "The one by the kitchen"),
		editChange(base, rev, ptr("Kitchen printer jams"), nil),
		commentChange(base, "Also it smells of toner"),
	}
	// Replica B: the IT lead, on the dashboard.
	b := []Change{
		commentChange(base, "I'll order a new fuser"),
		editChange(base, rev, ptr("Floor 2 printer: fuser worn"), ptr("Fuser needs replacing")),
	}
	actorOf := func(c Change) Actor {
		for _, x := range a {
			if x.ID == c.ID {
				return jane
			}
		}
		return lead
	}
	// Replicas apply their own changes locally first, as the agent does.
	for _, list := range [][]Change{a, b} {
		local := base
		for _, c := range list {
			local = mustApply(t, local, c, actorOf(c), t0.Add(time.Minute))
		}
	}

	run := func(order ...[]Change) *Ticket {
		tk := base
		now := later
		for _, list := range order {
			for _, c := range list {
				now = now.Add(time.Second)
				tk = mustApply(t, tk, c, actorOf(c), now)
			}
		}
		if err := tk.Validate(); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	ab, ba := run(a, b), run(b, a)

	commentIDs := func(tk *Ticket, kind string) []string {
		var ids []string
		for _, c := range tk.Comments {
			if c.Kind == kind {
				ids = append(ids, c.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	var want []string
	for _, c := range base.Comments {
		want = append(want, c.ID)
	}
	for _, c := range slices.Concat(a, b) {
		if c.Comment != nil {
			want = append(want, c.Comment.ID)
		}
	}
	slices.Sort(want)

	tests := []struct {
		name        string
		tk          *Ticket
		title       string
		description string
		lostTitle   string
	}{
		{"A then B", ab, "Kitchen printer jams", "Fuser needs replacing", "Floor 2 printer: fuser worn"},
		{"B then A", ba, "Floor 2 printer: fuser worn", "Fuser needs replacing", "Kitchen printer jams"},
	}
	for _, tt := range tests {
		if got := commentIDs(tt.tk, CommentKindReply); !slices.Equal(got, want) {
			t.Errorf("%s: replies %v, want the union %v", tt.name, got, want)
		}
		if tt.tk.Title != tt.title || tt.tk.Description != tt.description {
			t.Errorf("%s: title %q description %q, want %q %q", tt.name, tt.tk.Title, tt.tk.Description, tt.title, tt.description)
		}
		notes := commentIDs(tt.tk, CommentKindConflict)
		if len(notes) != 1 {
			t.Fatalf("%s: %d conflict notes, want 1", tt.name, len(notes))
		}
		var note Comment
		for _, c := range tt.tk.Comments {
			if c.Kind == CommentKindConflict {
				note = c
			}
		}
		if !strings.Contains(note.Body, "proposed title: "+tt.lostTitle) {
			t.Errorf("%s: conflict note %q does not carry %q", tt.name, note.Body, tt.lostTitle)
		}
		if tt.tk.Revision != base.Revision+int64(len(a)+len(b)) {
			t.Errorf("%s: revision %d, want %d", tt.name, tt.tk.Revision, base.Revision+int64(len(a)+len(b)))
		}
		// A second delivery of everything (a retried batch) is a no-op.
		again := tt.tk
		for _, c := range slices.Concat(a, b) {
			again = mustApply(t, again, c, actorOf(c), later.Add(time.Hour))
		}
		if !equalTickets(again, tt.tk) {
			t.Errorf("%s: replaying every change altered the ticket", tt.name)
		}
	}
}

// TestApplyIsDeterministic applies the same changes twice from scratch and
// expects identical tickets, conflict note ids included.
func TestApplyIsDeterministic(t *testing.T) {
	t.Parallel()
	id := tid(300)
	create := Change{ID: tid(301), Kind: ChangeCreate, TicketID: id, Ticket: draft(id), At: t0}
	changes := []Change{
		{ID: tid(302), Kind: ChangeEdit, TicketID: id, Title: ptr("first"), BaseRevision: 1, At: t0},
		{ID: tid(303), Kind: ChangeEdit, TicketID: id, Title: ptr("second"), BaseRevision: 1, At: t0},
		{ID: tid(304), Kind: ChangeComment, TicketID: id, Comment: &Comment{ID: tid(305), Body: "hi"}, At: t0},
	}
	build := func() *Ticket {
		tk := mustApply(t, nil, create, jane, t0)
		for i, c := range changes {
			tk = mustApply(t, tk, c, jane, later.Add(time.Duration(i)*time.Second))
		}
		return tk
	}
	x, y := build(), build()
	if !equalTickets(x, y) {
		t.Fatalf("two runs differ:\n%+v\n%+v", x, y)
	}
	if len(x.Comments) != 2 || x.Comments[0].Kind != CommentKindConflict || x.Comments[0].ID != derivedID(tid(303), "conflict") {
		t.Fatalf("comments %+v", x.Comments)
	}
}
