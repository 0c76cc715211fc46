package msp

import (
	"fmt"
	"slices"
)

// The status machine. Each row is an allowed transition and the roles that
// may make it; anything not listed is refused with ErrTransition, and a
// listed transition made by another role is refused with ErrForbidden.
//
//	from                 to                   who
//	new                  open                 it-lead, technician, system (routing)
//	new                  in-progress          it-lead, technician
//	new                  waiting-on-customer  it-lead, technician
//	new                  resolved             it-lead, technician, system (an alert whose condition cleared)
//	new                  closed               it-lead, technician (duplicate, spam)
//	open                 in-progress          it-lead, technician
//	open                 waiting-on-customer  it-lead, technician
//	open                 resolved             it-lead, technician, system (an alert whose condition cleared)
//	open                 closed               it-lead, technician
//	in-progress          open                 it-lead, technician
//	in-progress          waiting-on-customer  it-lead, technician
//	in-progress          resolved             it-lead, technician, system (an alert whose condition cleared)
//	in-progress          closed               it-lead, technician
//	waiting-on-customer  open                 it-lead, technician, end-user (a reply from the requester does this)
//	waiting-on-customer  in-progress          it-lead, technician
//	waiting-on-customer  resolved             it-lead, technician, system (no answer after N days)
//	waiting-on-customer  closed               it-lead, technician
//	resolved             reopened             it-lead, technician, end-user ("still broken")
//	resolved             closed               it-lead, technician, end-user ("this is fixed"), system (after N days)
//	reopened             open                 it-lead, technician
//	reopened             in-progress          it-lead, technician
//	reopened             waiting-on-customer  it-lead, technician
//	reopened             resolved             it-lead, technician, system (an alert whose condition cleared)
//	reopened             closed               it-lead, technician
//	closed               (none: closed is final; raise a new ticket)
var transitions = map[Status]map[Status][]Role{
	StatusNew: {
		StatusOpen:     {RoleITLead, RoleTechnician, RoleSystem},
		StatusProgress: staffRoles,
		StatusWaiting:  staffRoles,
		StatusResolved: staffAndSystem,
		StatusClosed:   staffRoles,
	},
	StatusOpen: {
		StatusProgress: staffRoles,
		StatusWaiting:  staffRoles,
		StatusResolved: staffAndSystem,
		StatusClosed:   staffRoles,
	},
	StatusProgress: {
		StatusOpen:     staffRoles,
		StatusWaiting:  staffRoles,
		StatusResolved: staffAndSystem,
		StatusClosed:   staffRoles,
	},
	StatusWaiting: {
		StatusOpen:     {RoleITLead, RoleTechnician, RoleEndUser},
		StatusProgress: staffRoles,
		StatusResolved: {RoleITLead, RoleTechnician, RoleSystem},
		StatusClosed:   staffRoles,
	},
	StatusResolved: {
		StatusReopened: {RoleITLead, RoleTechnician, RoleEndUser},
		StatusClosed:   {RoleITLead, RoleTechnician, RoleEndUser, RoleSystem},
	},
	StatusReopened: {
		StatusOpen:     staffRoles,
		StatusProgress: staffRoles,
		StatusWaiting:  staffRoles,
		StatusResolved: staffAndSystem,
		StatusClosed:   staffRoles,
	},
	StatusClosed: {},
}

// staffRoles are the people who work tickets.
var staffRoles = []Role{RoleITLead, RoleTechnician}

// staffAndSystem adds the hub, which resolves alert tickets whose
// condition cleared.
var staffAndSystem = []Role{RoleITLead, RoleTechnician, RoleSystem}

// statusOrder lists the statuses in the order of a ticket's life.
var statusOrder = []Status{StatusNew, StatusOpen, StatusProgress, StatusWaiting, StatusResolved, StatusReopened, StatusClosed}

// Statuses returns every status in the order of a ticket's life.
func Statuses() []Status { return slices.Clone(statusOrder) }

// CanTransition reports whether role may move a ticket from one status to
// another. It returns nil if so; otherwise an error wrapping ErrInvalid (an
// unknown status), ErrTransition (the machine has no such step, or from ==
// to) or ErrForbidden (the step exists but not for this role).
func CanTransition(from, to Status, role Role) error {
	if !from.Valid() {
		return invalid("status", "%q is not a ticket status", clip(string(from)))
	}
	if !to.Valid() {
		return invalid("status", "%q is not a ticket status; use one of %v", clip(string(to)), statusOrder)
	}
	if !role.Valid() {
		return forbidden("%q is not a role", clip(string(role)))
	}
	roles, ok := transitions[from][to]
	if !ok {
		return &TransitionError{From: from, To: to}
	}
	if !slices.Contains(roles, role) {
		return forbidden("%s cannot move a ticket from %s to %s", role.Label(), from.Label(), to.Label())
	}
	return nil
}

// NextStatuses returns the statuses role may move a ticket in status from
// to, in life order. A user interface shows these as buttons.
func NextStatuses(from Status, role Role) []Status {
	var out []Status
	for _, to := range statusOrder {
		if slices.Contains(transitions[from][to], role) {
			out = append(out, to)
		}
	}
	return out
}

// Valid reports whether s is one of the seven statuses.
func (s Status) Valid() bool { return slices.Contains(statusOrder, s) }

// Label returns the status in words: "new", "open", "in progress",
// "waiting on customer", "resolved", "closed", "reopened".
func (s Status) Label() string {
	switch s {
	case StatusProgress:
		return "in progress"
	case StatusWaiting:
		return "waiting on customer"
	}
	if s.Valid() {
		return string(s)
	}
	return fmt.Sprintf("unknown status %q", clip(string(s)))
}

// RequesterLabel says s in the words of the person who raised the ticket,
// the same in the tray, the windows and the command line: "Waiting to be
// picked up", "Being worked on", "Fixed? Please confirm".
func (s Status) RequesterLabel() string {
	switch s {
	case StatusNew:
		return "Waiting to be picked up"
	case StatusOpen:
		return "Picked up"
	case StatusProgress:
		return "Being worked on"
	case StatusWaiting:
		return "Waiting for you"
	case StatusResolved:
		return "Fixed? Please confirm"
	case StatusReopened:
		return "Reopened"
	case StatusClosed:
		return "Closed"
	}
	return s.Label()
}

// Terminal reports whether no transition leaves s (closed).
func (s Status) Terminal() bool { return s == StatusClosed }

// IsOpen reports whether a ticket in s still needs work or an answer: new,
// open, in progress, waiting on customer or reopened. Resolved and closed
// tickets are not open.
func (s Status) IsOpen() bool {
	switch s {
	case StatusNew, StatusOpen, StatusProgress, StatusWaiting, StatusReopened:
		return true
	}
	return false
}

// SLAPaused reports whether SLA clocks stop counting in s: while the ticket
// waits on the customer, the wait is theirs, not the MSP's.
func (s Status) SLAPaused() bool { return s == StatusWaiting }

// SLARunning reports whether SLA clocks count in s: the ticket is open and
// not waiting on the customer.
func (s Status) SLARunning() bool { return s.IsOpen() && !s.SLAPaused() }
