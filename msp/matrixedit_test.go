package msp

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func rowOf(t *testing.T, m Matrix, f Function) Responsibility {
	t.Helper()
	r, ok := m.Lookup(f)
	if !ok {
		t.Fatalf("matrix has no row for %s", f)
	}
	return r
}

func TestApplyMatrixEditRow(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tenant := NewTenant(NewID(), "Karoo Logistics", ModeCoManaged)
	lead := Actor{ID: "thandi", Role: RoleITLead, Tenant: tenant.ID}
	base := rowOf(t, tenant.Matrix, FuncPatching)
	row := Responsibility{Function: FuncPatching, BusinessHours: PartyInternal, AfterHours: PartyMSP, Note: "We patch the design PCs ourselves"}
	edit := MatrixEdit{ID: NewID(), Tenant: tenant.ID, Row: &row, Base: &base, Reason: "design software breaks on updates"}

	got, ev, err := ApplyMatrixEdit(tenant, edit, lead, "Thandi Mokoena", now)
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, got.Matrix, FuncPatching); r != row {
		t.Fatalf("row after the edit = %+v, want %+v", r, row)
	}
	if rowOf(t, tenant.Matrix, FuncPatching) != base {
		t.Fatal("ApplyMatrixEdit changed the caller's matrix in place")
	}
	if ev == nil || ev.By != "thandi" || ev.ByName != "Thandi Mokoena" || ev.Function != FuncPatching ||
		*ev.Before != base || *ev.After != row || ev.Reason != edit.Reason || !ev.At.Equal(now) {
		t.Fatalf("event = %+v", ev)
	}
	if want := "Patching: the MSP at all hours → internal IT in business hours, the MSP after hours; note changed"; ev.Describe() != want {
		t.Fatalf("Describe() = %q, want %q", ev.Describe(), want)
	}
	if err := got.Matrix.Validate(); err != nil {
		t.Fatalf("the edited matrix does not validate: %v", err)
	}

	// The same edit again (a replay, or a colleague who made the same
	// change) changes nothing and records nothing.
	again, ev, err := ApplyMatrixEdit(got, edit, lead, "Thandi Mokoena", now)
	if err != nil || ev != nil || !slices.Equal(again.Matrix, got.Matrix) {
		t.Fatalf("repeat: event %+v, err %v", ev, err)
	}

	// An edit made on the old row after the change is a conflict that
	// names what the row is now.
	other := Responsibility{Function: FuncPatching, BusinessHours: PartyShared, AfterHours: PartyShared}
	stale := MatrixEdit{ID: NewID(), Tenant: tenant.ID, Row: &other, Base: &base}
	_, _, err = ApplyMatrixEdit(got, stale, Actor{ID: "sipho", Role: RoleTechnician, Tenant: tenant.ID}, "Sipho", now)
	if !errors.Is(err, ErrConflict) || !IsPermanent(err) {
		t.Fatalf("stale edit: err = %v, want a permanent ErrConflict", err)
	}
	if !strings.Contains(err.Error(), "internal IT in business hours, the MSP after hours") {
		t.Fatalf("conflict message does not say what the row is now: %v", err)
	}
}

func TestApplyMatrixEditRefusals(t *testing.T) {
	now := time.Now()
	tenant := NewTenant(NewID(), "Karoo Logistics", ModeCoManaged)
	tenant.Branding.Name = "Acme IT"
	base := rowOf(t, tenant.Matrix, FuncNetwork)
	row := base
	row.AfterHours = PartyInternal
	edit := MatrixEdit{ID: NewID(), Tenant: tenant.ID, Row: &row, Base: &base}

	cases := []struct {
		name  string
		edit  MatrixEdit
		actor Actor
		want  error
		words string
	}{
		{"end user", edit, Actor{ID: "u", Role: RoleEndUser, Tenant: tenant.ID}, ErrForbidden, "only the IT lead and Acme IT"},
		{"other organisation", edit, Actor{ID: "l", Role: RoleITLead, Tenant: "other"}, ErrForbidden, "not this one"},
		{"IT lead switches mode", MatrixEdit{ID: NewID(), Tenant: tenant.ID, Mode: ModeFullyManaged, BaseMode: ModeCoManaged},
			Actor{ID: "l", Role: RoleITLead, Tenant: tenant.ID}, ErrForbidden, "only Acme IT can switch"},
		{"stale mode", MatrixEdit{ID: NewID(), Tenant: tenant.ID, Mode: ModeCoManaged, BaseMode: ModeFullyManaged},
			Actor{ID: "t", Role: RoleTechnician, Tenant: tenant.ID}, nil, ""}, // already co-managed: nothing to do
		{"neither row nor mode", MatrixEdit{ID: NewID(), Tenant: tenant.ID}, Actor{ID: "l", Role: RoleITLead, Tenant: tenant.ID}, ErrInvalid, "say which row"},
		{"row without base", MatrixEdit{ID: NewID(), Tenant: tenant.ID, Row: &row}, Actor{ID: "l", Role: RoleITLead, Tenant: tenant.ID}, ErrInvalid, "base"},
		{"unknown party", MatrixEdit{ID: NewID(), Tenant: tenant.ID, Row: &Responsibility{Function: FuncNetwork, BusinessHours: "nobody", AfterHours: PartyMSP}, Base: &base},
			Actor{ID: "l", Role: RoleITLead, Tenant: tenant.ID}, ErrInvalid, "row.business_hours"},
		{"unknown function", MatrixEdit{ID: NewID(), Tenant: tenant.ID, Row: &Responsibility{Function: "coffee", BusinessHours: PartyMSP, AfterHours: PartyMSP}, Base: &Responsibility{Function: "coffee"}},
			Actor{ID: "l", Role: RoleITLead, Tenant: tenant.ID}, ErrInvalid, "not a function"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ev, err := ApplyMatrixEdit(tenant, c.edit, c.actor, "someone", now)
			if c.want == nil {
				if err != nil || ev != nil {
					t.Fatalf("err %v, event %+v; want nothing to do", err, ev)
				}
				return
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.words) {
				t.Fatalf("err = %v, want %v saying %q", err, c.want, c.words)
			}
			if ev != nil || !slices.Equal(got.Matrix, tenant.Matrix) || got.Mode != tenant.Mode {
				t.Fatal("a refused edit changed the tenant")
			}
		})
	}
}

func TestModeSwitchKeepsTheMatrix(t *testing.T) {
	now := time.Now()
	tech := func(id string) Actor { return Actor{ID: "sipho", Role: RoleTechnician, Tenant: id} }

	// A fully managed tenant whose matrix nobody touched starts co-managed
	// service from the co-managed default, not "the MSP does everything".
	fm := NewTenant(NewID(), "Fynbos Dental", ModeFullyManaged)
	co, ev, err := ApplyMatrixEdit(fm, MatrixEdit{ID: NewID(), Tenant: fm.ID, Mode: ModeCoManaged, BaseMode: ModeFullyManaged}, tech(fm.ID), "Sipho", now)
	if err != nil || ev == nil || ev.ModeBefore != ModeFullyManaged || ev.ModeAfter != ModeCoManaged {
		t.Fatalf("switch: event %+v, err %v", ev, err)
	}
	if !slices.Equal(co.Matrix, DefaultMatrix(ModeCoManaged)) {
		t.Fatal("an untouched fully-managed matrix did not become the co-managed default")
	}

	// An agreed co-managed matrix survives a trip to fully managed and back.
	base := rowOf(t, co.Matrix, FuncBackup)
	row := Responsibility{Function: FuncBackup, BusinessHours: PartyInternal, AfterHours: PartyInternal, Note: "Our own NAS"}
	co, _, err = ApplyMatrixEdit(co, MatrixEdit{ID: NewID(), Tenant: co.ID, Row: &row, Base: &base}, tech(co.ID), "Sipho", now)
	if err != nil {
		t.Fatal(err)
	}
	agreed := slices.Clone(co.Matrix)
	full, _, err := ApplyMatrixEdit(co, MatrixEdit{ID: NewID(), Tenant: co.ID, Mode: ModeFullyManaged, BaseMode: ModeCoManaged}, tech(co.ID), "Sipho", now)
	if err != nil {
		t.Fatal(err)
	}
	if full.Mode != ModeFullyManaged || !slices.Equal(full.Matrix, agreed) {
		t.Fatal("switching to fully managed dropped the agreed matrix")
	}
	if d := Route(full, &Ticket{Pillar: PillarHelpdesk, Category: "printing"}, now); d.Owner != PartyMSP {
		t.Fatalf("fully managed routes to %s, want the MSP", d.Owner)
	}
	back, _, err := ApplyMatrixEdit(full, MatrixEdit{ID: NewID(), Tenant: co.ID, Mode: ModeCoManaged, BaseMode: ModeFullyManaged}, tech(co.ID), "Sipho", now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Matrix, agreed) {
		t.Fatal("switching back to co-managed did not restore the agreed matrix")
	}
}

func TestMatrixChanges(t *testing.T) {
	before := NewTenant(NewID(), "Karoo Logistics", ModeCoManaged)
	after := before
	var err error
	after.Matrix, err = before.Matrix.With(FuncProjects, PartyShared, PartyMSP)
	if err != nil {
		t.Fatal(err)
	}
	after.Mode = ModeFullyManaged
	evs := MatrixChanges(before, after)
	if len(evs) != 2 || evs[0].Function != FuncProjects || evs[0].After.BusinessHours != PartyShared ||
		evs[1].ModeBefore != ModeCoManaged || evs[1].ModeAfter != ModeFullyManaged {
		t.Fatalf("changes = %+v", evs)
	}
	if n := len(MatrixChanges(before, before)); n != 0 {
		t.Fatalf("no change gave %d entries", n)
	}
}
