package hub

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"tandem/msp"
)

// Dispatch (issue 15): who may be given a ticket, and the checks the hub
// makes of assignments, phoned-in tickets and merges that msp.Apply,
// which sees one ticket and no people, cannot.
//
//	GET /v1/staff/assignees?tenant=ID → []StaffAssignee, who may be assigned the tenant's tickets

// PathStaffAssignees lists the people a ticket of a tenant may be assigned to.
const PathStaffAssignees = "/v1/staff/assignees"

// StaffAssignee is someone a ticket may be assigned to: a technician who
// serves the tenant or the tenant's IT lead. The agent decodes the same JSON.
type StaffAssignee struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Role msp.Role `json:"role"`
}

func (s *Server) dispatchRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathStaffAssignees, s.syncClient(s.staffOnly(s.staffAssignees)))
}

func (s *Server) staffAssignees(w http.ResponseWriter, r *http.Request, p principal) {
	var out []StaffAssignee
	err := s.store.View(r.Context(), func(tx Tx) error {
		var err error
		out, err = assignable(tx, p.tenant)
		return err
	})
	if err != nil {
		s.internal(w, r, "listing who may be assigned tickets", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// assignable returns the people who may work the tenant's tickets, by
// name: its IT lead (of a co-managed tenant; a fully managed tenant's
// tickets are the MSP's) and the technicians who serve it, not removed.
func assignable(tx Tx, tenant string) ([]StaffAssignee, error) {
	t, err := tx.Tenant(tenant)
	if err != nil {
		return nil, fmt.Errorf("reading tenant %s: %w", tenant, err)
	}
	users, err := tx.Users()
	if err != nil {
		return nil, fmt.Errorf("reading the people who sign in: %w", err)
	}
	out := []StaffAssignee{}
	for _, u := range users {
		if mayWork(t, u) == nil {
			out = append(out, StaffAssignee{ID: u.ID, Name: u.Name, Role: u.Role})
		}
	}
	slices.SortFunc(out, func(a, b StaffAssignee) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// mayWork says why u may not be given tenant t's tickets, or nil.
func mayWork(t msp.Tenant, u User) error {
	switch {
	case !u.RemovedAt.IsZero():
		return fmt.Errorf("%w: %s no longer works with Tandem (removed by the MSP); assign the ticket to someone else", msp.ErrForbidden, u.Name)
	case !u.Role.IsStaff():
		return fmt.Errorf("%w: %s does not work tickets", msp.ErrForbidden, u.Name)
	case !slices.Contains(u.Tenants, t.ID):
		return fmt.Errorf("%w: %s cannot see %s's tickets, so they cannot be assigned one; the MSP adds the organisation to their scope with tandem-hub user scope", msp.ErrForbidden, u.Name, orName(t))
	case u.Role == msp.RoleITLead && t.Mode != msp.ModeCoManaged:
		return fmt.Errorf("%w: %s is fully managed, so its tickets go to the MSP's technicians, not to %s (internal IT)", msp.ErrForbidden, orName(t), u.Name)
	}
	return nil
}

func orName(t msp.Tenant) string { return cmp.Or(t.Name, t.ID) }

// checkDispatch makes the checks of a person's change that need more than
// the ticket: an assignee who may see the tenant, a phoned-in ticket's
// device in the tenant, and a merge target in the same tenant. For a merge
// it returns the target ticket before and after the merge (nil otherwise),
// for the caller to store with the duplicate.
func checkDispatch(tx Tx, tenant msp.Tenant, current, next *msp.Ticket, c msp.Change, actor msp.Actor, now time.Time) (before, after *msp.Ticket, err error) {
	switch c.Kind {
	case msp.ChangeAssign:
		if c.Assignee == nil || *c.Assignee == "" || (current != nil && current.Assignee == *c.Assignee) || next.Assignee != *c.Assignee {
			return nil, nil, nil // unassigned, unchanged, or a conflict kept as a note
		}
		u, err := tx.User(*c.Assignee)
		if errors.Is(err, ErrNotFound) {
			return nil, nil, fmt.Errorf("%w: nobody with id %s signs in to this hub; choose someone from the list of people", msp.ErrForbidden, *c.Assignee)
		} else if err != nil {
			return nil, nil, err
		}
		return nil, nil, mayWork(tenant, u)
	case msp.ChangeCreate:
		if current != nil || next.Device == "" || actor.Role == msp.RoleEndUser {
			return nil, nil, nil
		}
		if _, err := tx.Device(tenant.ID, next.Device); errors.Is(err, ErrNotFound) {
			return nil, nil, fmt.Errorf("%w: device %s is not one of %s's computers; pick the caller's computer from the organisation's devices", msp.ErrForbidden, next.Device, orName(tenant))
		} else if err != nil {
			return nil, nil, err
		}
	case msp.ChangeMerge:
		if current == nil || next.Revision == current.Revision {
			return nil, nil, nil
		}
		target, err := tx.Ticket(tenant.ID, c.Into)
		if errors.Is(err, ErrNotFound) {
			return nil, nil, fmt.Errorf("%w: ticket %s is not in %s; tickets merge only within one organisation", msp.ErrNotFound, msp.TicketNumber(c.Into), orName(tenant))
		} else if err != nil {
			return nil, nil, err
		}
		merged, err := msp.MergeInto(target, current, c, actor, now)
		return target, merged, err
	}
	return nil, nil, nil
}

// storeMergeTarget keeps the target of a merge with its history and SLA
// clocks, as applyTicket keeps the duplicate.
func (s *Server) storeMergeTarget(tx Tx, tenant msp.Tenant, before, after *msp.Ticket, now time.Time) ([]TicketEvent, error) {
	h, err := historyOf(tx, before, now)
	if err != nil {
		return nil, err
	}
	noteHistory(&h, before, after, now)
	setSLA(after, h, tenant, now, s.log)
	if err := tx.PutTicket(after); err != nil {
		return nil, err
	}
	if err := tx.PutHistory(h); err != nil {
		return nil, err
	}
	return ticketEvents(before, after, now), nil
}
