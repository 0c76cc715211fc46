package msp

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// t0 is a Monday morning in Johannesburg (09:00 SAST).
var t0 = time.Date(2025, 3, 3, 7, 0, 0, 0, time.UTC)

const tenantAcme = "acme"

var (
	jane      = Actor{ID: "jane@acme.example", Role: RoleEndUser, Tenant: tenantAcme, Device: "dev-jane"}
	bob       = Actor{ID: "bob@acme.example", Role: RoleEndUser, Tenant: tenantAcme, Device: "dev-bob"}
	lead      = Actor{ID: "lead@acme.example", Role: RoleITLead, Tenant: tenantAcme}
	tech      = Actor{ID: "tech-sipho", Role: RoleTechnician, Tenant: tenantAcme}
	hub       = Actor{ID: "hub-sla", Role: RoleSystem, Tenant: tenantAcme}
	otherTech = Actor{ID: "tech-sipho", Role: RoleTechnician, Tenant: "globex"}
)

// seedID is a fixed UUIDv7 from which tests derive reproducible ids.
const seedID = "01956a7e-8000-7000-8000-000000000000"

// tid returns the n-th reproducible UUIDv7 of the tests.
func tid(n int) string { return derivedID(seedID, "test-"+strconv.Itoa(n)) }

func ptr[T any](v T) *T { return &v }

// draft is what the tray's new-ticket form produces for jane.
func draft(id string) *Ticket {
	return &Ticket{
		ID:          id,
		Title:       "Printer on floor 2 jams",
		Description: "Every second page jams since this morning.",
		Pillar:      PillarHelpdesk,
		Category:    "printing",
		Impact:      LevelMedium,
		Urgency:     LevelMedium,
		CreatedAt:   t0.Add(-time.Hour),
	}
}

// mustApply applies c and fails the test on error.
func mustApply(tb testing.TB, tk *Ticket, c Change, a Actor, now time.Time) *Ticket {
	tb.Helper()
	out, err := Apply(tk, c, a, now)
	if err != nil {
		tb.Fatalf("Apply(%s by %s): %v", c.Kind, a.Role, err)
	}
	return out
}

// createdTicket is jane's printer ticket as the hub stores it after the create.
func createdTicket(tb testing.TB) *Ticket {
	tb.Helper()
	id := NewTicketID()
	return mustApply(tb, nil, Change{ID: NewID(), Kind: ChangeCreate, TicketID: id, Ticket: draft(id), At: t0}, jane, t0)
}

// ticketIn returns jane's ticket moved to status s through real changes.
func ticketIn(tb testing.TB, s Status) *Ticket {
	tb.Helper()
	tk := createdTicket(tb)
	step := func(to Status, a Actor) {
		tk = mustApply(tb, tk, Change{ID: NewID(), Kind: ChangeStatus, TicketID: tk.ID, Status: to, At: t0}, a, t0.Add(time.Minute))
	}
	switch s {
	case StatusNew:
	case StatusResolved:
		step(StatusResolved, tech)
	case StatusClosed:
		step(StatusResolved, tech)
		step(StatusClosed, jane)
	case StatusReopened:
		step(StatusResolved, tech)
		step(StatusReopened, jane)
	default:
		step(s, tech)
	}
	if tk.Status != s {
		tb.Fatalf("fixture: status %s, want %s", tk.Status, s)
	}
	return tk
}

func statusChange(tk *Ticket, to Status) Change {
	return Change{ID: NewID(), Kind: ChangeStatus, TicketID: tk.ID, Status: to, At: t0}
}

func commentChange(tk *Ticket, body string) Change {
	return Change{ID: NewID(), Kind: ChangeComment, TicketID: tk.ID, Comment: &Comment{ID: NewID(), Body: body}, At: t0}
}

func editChange(tk *Ticket, base int64, title, description *string) Change {
	return Change{ID: NewID(), Kind: ChangeEdit, TicketID: tk.ID, Title: title, Description: description, BaseRevision: base, At: t0}
}

// wantErrIs fails unless err wraps want (or is nil when want is nil).
func wantErrIs(tb testing.TB, err, want error) {
	tb.Helper()
	switch {
	case want == nil && err != nil:
		tb.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		tb.Fatalf("error = %v, want one wrapping %q", err, want)
	}
}

// wantField fails unless err holds a ValidationError for field.
func wantField(tb testing.TB, err error, field string) {
	tb.Helper()
	for _, p := range FieldProblems(err) {
		if p.Field == field {
			return
		}
	}
	tb.Fatalf("error %v has no problem with field %q", err, field)
}

func equalTickets(a, b *Ticket) bool { return reflect.DeepEqual(a, b) }
