package msp

import (
	"fmt"
	"slices"
	"testing"
)

// allowedSteps restates the status machine of status.go independently, as
// from>to:role triples, so that every cell of the 7×7×4 table is checked.
var allowedSteps = func() map[string]bool {
	m := map[string]bool{}
	add := func(from, to Status, roles ...Role) {
		for _, r := range roles {
			m[fmt.Sprintf("%s>%s:%s", from, to, r)] = true
		}
	}
	staff := []Role{RoleITLead, RoleTechnician}
	for _, to := range []Status{StatusProgress, StatusWaiting, StatusResolved, StatusClosed} {
		add(StatusNew, to, staff...)
		add(StatusOpen, to, staff...)
		add(StatusReopened, to, staff...)
	}
	// The hub resolves alert tickets whose condition cleared.
	add(StatusNew, StatusResolved, RoleSystem)
	add(StatusOpen, StatusResolved, RoleSystem)
	add(StatusProgress, StatusResolved, RoleSystem)
	add(StatusReopened, StatusResolved, RoleSystem)
	add(StatusNew, StatusOpen, RoleITLead, RoleTechnician, RoleSystem)
	add(StatusReopened, StatusOpen, staff...)
	for _, to := range []Status{StatusOpen, StatusWaiting, StatusResolved, StatusClosed} {
		add(StatusProgress, to, staff...)
	}
	add(StatusWaiting, StatusOpen, RoleITLead, RoleTechnician, RoleEndUser)
	add(StatusWaiting, StatusProgress, staff...)
	add(StatusWaiting, StatusResolved, RoleITLead, RoleTechnician, RoleSystem)
	add(StatusWaiting, StatusClosed, staff...)
	add(StatusResolved, StatusReopened, RoleITLead, RoleTechnician, RoleEndUser)
	add(StatusResolved, StatusClosed, RoleITLead, RoleTechnician, RoleEndUser, RoleSystem)
	return m
}()

var allRoles = []Role{RoleEndUser, RoleITLead, RoleTechnician, RoleSystem}

func TestCanTransitionEveryCell(t *testing.T) {
	t.Parallel()
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			stepExists := false
			for _, r := range allRoles {
				stepExists = stepExists || allowedSteps[fmt.Sprintf("%s>%s:%s", from, to, r)]
			}
			for _, role := range allRoles {
				err := CanTransition(from, to, role)
				switch {
				case allowedSteps[fmt.Sprintf("%s>%s:%s", from, to, role)]:
					wantErrIs(t, err, nil)
				case stepExists:
					if err == nil {
						t.Errorf("%s→%s by %s allowed, want ErrForbidden", from, to, role)
					}
					wantErrIs(t, err, ErrForbidden)
				default:
					if err == nil {
						t.Errorf("%s→%s by %s allowed, want ErrTransition", from, to, role)
					}
					wantErrIs(t, err, ErrTransition)
				}
			}
		}
	}
}

func TestCanTransitionBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to Status
		role     Role
		want     error
	}{
		{"unknown from", "stuck", StatusOpen, RoleTechnician, ErrInvalid},
		{"unknown to", StatusOpen, "done", RoleTechnician, ErrInvalid},
		{"unknown role", StatusOpen, StatusResolved, "admin", ErrForbidden},
		{"empty role", StatusResolved, StatusClosed, "", ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CanTransition(tt.from, tt.to, tt.role)
			if err == nil {
				t.Fatal("allowed")
			}
			wantErrIs(t, err, tt.want)
		})
	}
}

func TestForbiddenTransitionSaysWhoAndWhat(t *testing.T) {
	t.Parallel()
	err := CanTransition(StatusOpen, StatusResolved, RoleEndUser)
	if got, want := err.Error(), "not allowed: an end user cannot move a ticket from open to resolved"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestNextStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from Status
		role Role
		want []Status
	}{
		{StatusResolved, RoleEndUser, []Status{StatusReopened, StatusClosed}},
		{StatusWaiting, RoleEndUser, []Status{StatusOpen}},
		{StatusOpen, RoleEndUser, nil},
		{StatusResolved, RoleSystem, []Status{StatusClosed}},
		{StatusNew, RoleTechnician, []Status{StatusOpen, StatusProgress, StatusWaiting, StatusResolved, StatusClosed}},
		{StatusClosed, RoleTechnician, nil},
	}
	for _, tt := range tests {
		if got := NextStatuses(tt.from, tt.role); !slices.Equal(got, tt.want) {
			t.Errorf("NextStatuses(%s, %s) = %v, want %v", tt.from, tt.role, got, tt.want)
		}
		for _, to := range NextStatuses(tt.from, tt.role) {
			if err := CanTransition(tt.from, to, tt.role); err != nil {
				t.Errorf("NextStatuses offers %s→%s but CanTransition says %v", tt.from, to, err)
			}
		}
	}
}

func TestStatusProperties(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s                                  Status
		label                              string
		open, terminal, paused, slaRunning bool
	}{
		{StatusNew, "new", true, false, false, true},
		{StatusOpen, "open", true, false, false, true},
		{StatusProgress, "in progress", true, false, false, true},
		{StatusWaiting, "waiting on customer", true, false, true, false},
		{StatusResolved, "resolved", false, false, false, false},
		{StatusClosed, "closed", false, true, false, false},
		{StatusReopened, "reopened", true, false, false, true},
	}
	if len(tests) != len(Statuses()) {
		t.Fatalf("test covers %d statuses, package has %d", len(tests), len(Statuses()))
	}
	for _, tt := range tests {
		got := []any{tt.s.Valid(), tt.s.Label(), tt.s.IsOpen(), tt.s.Terminal(), tt.s.SLAPaused(), tt.s.SLARunning()}
		want := []any{true, tt.label, tt.open, tt.terminal, tt.paused, tt.slaRunning}
		if !slices.Equal(got, want) {
			t.Errorf("%s: valid,label,open,terminal,paused,running = %v, want %v", tt.s, got, want)
		}
		if tt.terminal != (len(NextStatuses(tt.s, RoleTechnician))+len(NextStatuses(tt.s, RoleSystem))+len(NextStatuses(tt.s, RoleEndUser)) == 0) {
			t.Errorf("%s: Terminal() disagrees with the transition table", tt.s)
		}
	}
	if Status("done").Valid() || Status("").Valid() {
		t.Error("unknown status valid")
	}
}

func TestRoleAndParty(t *testing.T) {
	t.Parallel()
	for _, r := range allRoles {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	if Role("admin").Valid() || Role("").Valid() {
		t.Error("unknown role valid")
	}
	if !RoleITLead.IsStaff() || !RoleTechnician.IsStaff() || RoleEndUser.IsStaff() || RoleSystem.IsStaff() {
		t.Error("IsStaff wrong")
	}
	for _, p := range []Party{PartyMSP, PartyInternal, PartyShared} {
		if !p.Valid() {
			t.Errorf("%s not valid", p)
		}
	}
	if Party("vendor").Valid() || Party("").Valid() {
		t.Error("unknown party valid")
	}
	if PartyInternal.Label() != "internal IT" || RoleSystem.Label() != "the hub" {
		t.Error("labels wrong")
	}
}
