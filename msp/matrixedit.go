package msp

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MatrixEdit is one change to a tenant's responsibility matrix or service
// mode, made by a signed-in IT lead or technician. It travels through the
// editor's outbox like a ticket change, so it may reach the hub long after
// it was made: it carries the row (or mode) the editor saw, and the hub
// refuses it with ErrConflict if somebody changed that row meanwhile,
// rather than silently overwrite a colleague's agreement.
type MatrixEdit struct {
	ID     string `json:"id"` // UUIDv7, made by the editor's computer
	Tenant string `json:"tenant"`
	// A row edit: Row is the new row; Base is the row as the editor saw it.
	Row  *Responsibility `json:"row,omitempty"`
	Base *Responsibility `json:"base,omitempty"`
	// A mode switch: Mode is the new mode; BaseMode the one the editor saw.
	Mode     ServiceMode `json:"mode,omitempty"`
	BaseMode ServiceMode `json:"base_mode,omitempty"`
	// Reason is why, in the editor's words; the history keeps it.
	Reason string `json:"reason,omitempty"`
}

// MatrixEvent is one entry of a tenant's history of responsibilities: who
// changed which row or the service mode, when, from what to what and why.
type MatrixEvent struct {
	ID     string    `json:"id"`
	Tenant string    `json:"tenant"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`      // the person's id, or "operator" for the hub's operator
	ByName string    `json:"by_name"` // their name as the hub knows it
	ByRole Role      `json:"by_role,omitempty"`
	// A row change.
	Function Function        `json:"function,omitempty"`
	Before   *Responsibility `json:"before,omitempty"`
	After    *Responsibility `json:"after,omitempty"`
	// A mode switch.
	ModeBefore ServiceMode `json:"mode_before,omitempty"`
	ModeAfter  ServiceMode `json:"mode_after,omitempty"`
	Reason     string      `json:"reason,omitempty"`
}

// OperatorID is MatrixEvent.By for changes made with the hub operator's
// credential (tandem-hub tenant set, PUT /v1/admin/tenants).
const OperatorID = "operator"

// MaxMatrixHistory is how many history entries the hub keeps per tenant;
// older ones are dropped first.
const MaxMatrixHistory = 1000

// Validate checks the edit's shape: an id, a tenant, and exactly one of a
// row edit (a known function, valid owners, the base row of the same
// function) or a mode switch (a known mode and the base mode).
func (e MatrixEdit) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(ValidateID("id", e.ID))
	add(checkRef("tenant", e.Tenant, true))
	add(checkText("reason", e.Reason, false, MaxCommentRunes, true))
	switch {
	case e.Row != nil && e.Mode != "":
		add(invalid("mode", "a change edits one row or switches the mode, not both"))
	case e.Row != nil:
		if !e.Row.Function.Valid() {
			add(invalid("row.function", "%q is not a function of the matrix", clip(string(e.Row.Function))))
		}
		add(e.Row.validOwners("row"))
		switch {
		case e.Base == nil:
			add(invalid("base", "say which row you changed (the row as you saw it)"))
		case e.Base.Function != e.Row.Function:
			add(invalid("base.function", "is %q but the row is %q", clip(string(e.Base.Function)), clip(string(e.Row.Function))))
		}
		if e.BaseMode != "" {
			add(invalid("base_mode", "belongs to a mode switch"))
		}
	case e.Mode != "":
		if !e.Mode.Valid() {
			add(invalid("mode", "must be fully-managed or co-managed, not %q", clip(string(e.Mode))))
		}
		if !e.BaseMode.Valid() {
			add(invalid("base_mode", "say which mode you switched from"))
		}
		if e.Base != nil {
			add(invalid("base", "belongs to a row edit"))
		}
	default:
		add(invalid("row", "say which row to change, or which mode to switch to"))
	}
	return errors.Join(errs...)
}

// validOwners checks the row's owners (msp, internal or shared) and its
// note; field is the row's JSON path.
func (r Responsibility) validOwners(field string) error {
	var errs []error
	if !r.BusinessHours.Valid() {
		errs = append(errs, invalid(field+".business_hours", "must be msp, internal or shared, not %q", clip(string(r.BusinessHours))))
	}
	if !r.AfterHours.Valid() {
		errs = append(errs, invalid(field+".after_hours", "must be msp, internal or shared, not %q", clip(string(r.AfterHours))))
	}
	if err := checkText(field+".note", r.Note, false, MaxCommentRunes, true); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// CanEditMatrix reports whether role may change a tenant's matrix rows:
// the customer's IT lead and the MSP's technicians (and the hub itself).
func CanEditMatrix(r Role) bool { return r.IsStaff() || r == RoleSystem }

// CanSwitchMode reports whether role may switch a tenant between
// co-managed and fully managed: that changes the contract, so only the
// MSP's side does (a technician, or the hub operator).
func CanSwitchMode(r Role) bool { return r == RoleTechnician || r == RoleSystem }

// ApplyMatrixEdit applies e to t on behalf of actor (whose name the
// history shows) at now, and returns the changed tenant and the history
// entry. An edit that finds the row (or mode) already as it asks changes
// nothing and returns a nil event; one whose base no longer matches is
// refused with ErrConflict and says what the row is now.
//
// A mode switch keeps the matrix and its notes: in fully managed mode the
// MSP takes every ticket whatever the matrix says, and the agreed matrix
// applies again on the way back. The one exception is a matrix nobody ever
// changed from the fully-managed default: switching it to co-managed
// starts from the co-managed default instead of routing everything to the
// MSP.
func ApplyMatrixEdit(t Tenant, e MatrixEdit, actor Actor, actorName string, now time.Time) (Tenant, *MatrixEvent, error) {
	if err := e.Validate(); err != nil {
		return t, nil, err
	}
	if actor.Tenant != "" && actor.Tenant != e.Tenant || e.Tenant != t.ID {
		return t, nil, fmt.Errorf("%w: the change is for organisation %s, not this one", ErrForbidden, clip(e.Tenant))
	}
	ev := &MatrixEvent{ID: e.ID, Tenant: t.ID, At: now.UTC(), By: actor.ID, ByName: actorName, ByRole: actor.Role, Reason: e.Reason}
	if e.Mode != "" {
		if !CanSwitchMode(actor.Role) {
			return t, nil, fmt.Errorf("%w: only %s can switch between co-managed and fully managed, because it changes the contract; ask them", ErrForbidden, mspName(t))
		}
		if t.Mode == e.Mode {
			return t, nil, nil
		}
		if t.Mode != e.BaseMode {
			return t, nil, conflict("the service mode is %s now, not %s; look again before switching", t.Mode.Label(), e.BaseMode.Label())
		}
		matrix := slices.Clone(t.Responsibilities())
		if e.Mode == ModeCoManaged && slices.Equal(matrix, DefaultMatrix(ModeFullyManaged)) {
			matrix = DefaultMatrix(ModeCoManaged)
		}
		ev.ModeBefore, ev.ModeAfter = t.Mode, e.Mode
		t.Mode, t.Matrix = e.Mode, matrix
		return t, ev, nil
	}
	if !CanEditMatrix(actor.Role) {
		return t, nil, fmt.Errorf("%w: only the IT lead and %s change the responsibility matrix", ErrForbidden, mspName(t))
	}
	matrix := slices.Clone(t.Responsibilities())
	i := slices.IndexFunc(matrix, func(r Responsibility) bool { return r.Function == e.Row.Function })
	current := Responsibility{Function: e.Row.Function}
	if i >= 0 {
		current = matrix[i]
	}
	if current == *e.Row {
		return t, nil, nil
	}
	if current != *e.Base {
		return t, nil, conflict("%s was changed meanwhile and is now %s; look again and change it if you still want to", e.Row.Function.Name(), current.Describe())
	}
	if i >= 0 {
		matrix[i] = *e.Row
	} else {
		matrix = append(matrix, *e.Row)
	}
	before, after := current, *e.Row
	ev.Function, ev.Before, ev.After = e.Row.Function, &before, &after
	t.Matrix = matrix
	return t, ev, nil
}

// Describe says who owns the row in words: "internal IT in business hours,
// the MSP after hours", or "the MSP at all hours".
func (r Responsibility) Describe() string {
	if r.BusinessHours == "" && r.AfterHours == "" {
		return "not set"
	}
	if r.BusinessHours == r.AfterHours {
		return r.BusinessHours.Label() + " at all hours"
	}
	return r.BusinessHours.Label() + " in business hours, " + r.AfterHours.Label() + " after hours"
}

// MatrixChanges returns the history entries that turn before into after:
// one per changed row, in matrix order, then one for a mode switch. The
// caller fills in ID, At and By. The hub records an operator's tenant
// update with it.
func MatrixChanges(before, after Tenant) []MatrixEvent {
	var out []MatrixEvent
	old := before.Responsibilities()
	for _, r := range after.Responsibilities() {
		prev, _ := old.Lookup(r.Function)
		if prev == r {
			continue
		}
		b, a := prev, r
		if prev.Function == "" {
			b = Responsibility{Function: r.Function}
		}
		out = append(out, MatrixEvent{Tenant: after.ID, Function: r.Function, Before: &b, After: &a})
	}
	if before.Mode != after.Mode {
		out = append(out, MatrixEvent{Tenant: after.ID, ModeBefore: before.Mode, ModeAfter: after.Mode})
	}
	return out
}

// Describe says what the entry changed, in words, without who or when:
// "Patching: internal IT in business hours, the MSP after hours → the MSP
// at all hours".
func (e MatrixEvent) Describe() string {
	if e.ModeAfter != "" {
		return fmt.Sprintf("Service mode: %s → %s", e.ModeBefore.Label(), e.ModeAfter.Label())
	}
	var b strings.Builder
	b.WriteString(e.Function.Name())
	b.WriteString(": ")
	before, after := Responsibility{}, Responsibility{}
	if e.Before != nil {
		before = *e.Before
	}
	if e.After != nil {
		after = *e.After
	}
	if before.BusinessHours != after.BusinessHours || before.AfterHours != after.AfterHours {
		b.WriteString(before.Describe() + " → " + after.Describe())
		if before.Note != after.Note {
			b.WriteString("; note changed")
		}
	} else {
		b.WriteString("note changed")
	}
	return b.String()
}

// conflictError is an ErrConflict whose message is the problem alone.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }
func (e *conflictError) Unwrap() error { return ErrConflict }

func conflict(format string, args ...any) error {
	return &conflictError{msg: fmt.Sprintf(format, args...)}
}
