package hub

import (
	"errors"
	"fmt"
	"time"

	"tandem/msp"
)

// applyMatrix applies a signed-in person's responsibility-matrix or
// service-mode change (protocol.KindMatrix): it checks the person's scope
// and role, refuses a stale edit as a conflict (msp.ApplyMatrixEdit), and
// stores the tenant with its history entry, both in the tenant's change
// feed, so every agent routes by the new matrix and every dashboard shows
// who changed what.
func (s *Server) applyMatrix(tx Tx, p principal, e msp.MatrixEdit, now time.Time) error {
	if p.user == nil {
		return fmt.Errorf("%w: only a signed-in IT lead or technician changes the responsibility matrix", msp.ErrForbidden)
	}
	if !p.inScope(e.Tenant) {
		return fmt.Errorf("%w: organisation %s is not in your scope", msp.ErrForbidden, e.Tenant)
	}
	t, err := tx.Tenant(e.Tenant)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: organisation %s no longer exists", msp.ErrNotFound, e.Tenant)
	} else if err != nil {
		return err
	}
	actor := msp.Actor{ID: p.user.ID, Role: p.user.Role, Tenant: e.Tenant}
	next, ev, err := msp.ApplyMatrixEdit(t, e, actor, p.user.Name, now)
	if err != nil || ev == nil {
		return err
	}
	if err := tx.PutTenant(next); err != nil {
		return err
	}
	if err := tx.NoteTenantChanged(next.ID); err != nil {
		return err
	}
	if err := tx.AddMatrixEvents(next.ID, *ev); err != nil {
		return err
	}
	s.log.Info("responsibilities changed", "tenant", next.ID, "by", p.user.ID, "change", ev.Describe())
	return nil
}

// operatorMatrixEvents returns the history entries of an operator's
// tenant update from before to after.
func operatorMatrixEvents(before, after msp.Tenant, now time.Time) []msp.MatrixEvent {
	evs := msp.MatrixChanges(before, after)
	for i := range evs {
		evs[i].ID = msp.NewID()
		evs[i].At = now.UTC()
		evs[i].By = msp.OperatorID
		evs[i].ByName = "the hub's operator"
		evs[i].ByRole = msp.RoleSystem
	}
	return evs
}
