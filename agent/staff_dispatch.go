package agent

// Dispatch in the staff replica (issue 15): who tickets may be assigned
// to, kept per organisation, and the local side of the changes that touch
// more than one ticket or make one (a merge, a ticket logged for a
// caller).
//
//	staff/<hex os user>/assignees/<tenant>   []localapi.Assignee, from GET /v1/staff/assignees
//	staff/<hex os user>/assignees-at         when the lists were last fetched

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

const pathStaffAssignees = "/v1/staff/assignees"

// staffPullAssignees fetches who may be assigned each organisation's tickets,
// at most every staffDevicesEvery (people change seldom), and at once for
// an organisation with no list yet.
func (a *Agent) staffPullAssignees(ctx context.Context, s *staffSession) error {
	var last time.Time
	err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(s.OSUser, "assignees-at"), &last) })
	if err != nil && !errors.Is(err, localdb.ErrNotFound) {
		return err
	}
	now := a.now().UTC()
	recent := !last.IsZero() && now.Sub(last) < staffDevicesEvery && now.After(last)
	for _, tenant := range s.Tenants {
		if recent {
			var have bool
			if err := a.db.View(func(tx *localdb.Tx) error {
				var err error
				have, err = tx.Has(staffKey(s.OSUser, "assignees/"+tenant))
				return err
			}); err != nil {
				return err
			}
			if have {
				continue
			}
		}
		var ps []localapi.Assignee
		if err := a.staffGet(ctx, s, pathStaffAssignees+"?tenant="+url.QueryEscape(tenant), &ps); err != nil {
			return fmt.Errorf("listing who may be assigned organisation %s's tickets: %w", tenant, err)
		}
		err := a.db.Update(ctx, func(tx *localdb.Tx) error {
			if ok, err := tx.Has(staffKey(s.OSUser, "session")); err != nil || !ok {
				return err // signed out meanwhile: keep nothing
			}
			return tx.PutJSON(staffKey(s.OSUser, "assignees/"+tenant), ps)
		})
		if err != nil {
			return fmt.Errorf("keeping who may be assigned organisation %s's tickets: %w", tenant, err)
		}
	}
	if recent {
		return nil
	}
	return a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.PutJSON(staffKey(s.OSUser, "assignees-at"), now) })
}

// StaffAssignees returns who may be assigned tenant's tickets ("" for the
// person's only organisation) as last fetched; before the first fetch,
// only the person themself.
func (a *Agent) StaffAssignees(user, tenant string) ([]localapi.Assignee, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return nil, err
	}
	if tenant == "" && len(s.Tenants) == 1 {
		tenant = s.Tenants[0]
	}
	if tenant == "" {
		return nil, fmt.Errorf("%w: tenant: you serve several organisations; say which one", msp.ErrInvalid)
	}
	if !slices.Contains(s.Tenants, tenant) {
		return nil, fmt.Errorf("%w: organisation %s is not in your scope", msp.ErrNotFound, tenant)
	}
	var ps []localapi.Assignee
	err = a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "assignees/"+tenant), &ps) })
	if errors.Is(err, localdb.ErrNotFound) {
		return []localapi.Assignee{{ID: s.UserID, Name: s.Name, Role: s.Role}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading who may be assigned tickets: %w", err)
	}
	return ps, nil
}

// staffMergeTarget applies merge c of dup to its target in the replica:
// the dashboard shows the duplicate on the target at once, and the
// replica refuses what the hub would (a target in another organisation,
// or closed). It returns the new target.
func staffMergeTarget(tx *localdb.Tx, user string, dup *msp.Ticket, c msp.Change, actor msp.Actor, now time.Time) (*msp.Ticket, error) {
	var target msp.Ticket
	err := tx.GetJSON(staffKey(user, "ticket/"+c.Into), &target)
	if errors.Is(err, localdb.ErrNotFound) {
		return nil, fmt.Errorf("%w: ticket %s is not in your organisations (or not synced yet)", msp.ErrNotFound, msp.TicketNumber(c.Into))
	}
	if err != nil {
		return nil, err
	}
	return msp.MergeInto(&target, dup, c, actor, now)
}

// reapplyMergesInto puts the person's queued merges into t back on the
// copy of t a pull brought, until the hub has them.
func reapplyMergesInto(tx *localdb.Tx, user string, t *msp.Ticket, merges []protocol.Mutation, actor msp.Actor, now time.Time) *msp.Ticket {
	for _, m := range merges {
		var dup msp.Ticket
		if err := tx.GetJSON(staffKey(user, "ticket/"+m.Change.TicketID), &dup); err != nil {
			continue
		}
		if next, err := msp.MergeInto(t, &dup, *m.Change, actor, now); err == nil {
			t = next
		}
	}
	return t
}
