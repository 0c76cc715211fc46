package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// The Responsibilities tab (issue 6): the organisation's matrix from the
// person's replica with their queued edits applied on top, and the
// history the hub keeps. Edits queue in the person's outbox like ticket
// changes (protocol.KindMatrix); the hub refuses a stale one as a
// conflict, and the refusal stays visible until dismissed.

// staffTenantID settles which of the person's organisations a request is
// about: the named one if it is in scope, else their only one.
func staffTenantID(s *staffSession, tenant string) (string, error) {
	switch {
	case tenant != "" && !slices.Contains(s.Tenants, tenant):
		return "", fmt.Errorf("%w: organisation %s is not in your scope", msp.ErrNotFound, tenant)
	case tenant != "":
		return tenant, nil
	case len(s.Tenants) == 1:
		return s.Tenants[0], nil
	}
	return "", fmt.Errorf("%w: tenant: you serve several organisations; say which one", msp.ErrInvalid)
}

// matrixState is what the replica holds for one organisation's matrix.
type matrixState struct {
	hub     msp.Tenant // as last pulled
	view    msp.Tenant // with the person's queued edits applied
	pending []msp.MatrixEdit
	history []msp.MatrixEvent
	refused []outbox.DeadLetter
}

// readMatrix reads the organisation's matrix state inside tx.
func (a *Agent) readMatrix(tx *localdb.Tx, s *staffSession, tenant string) (matrixState, error) {
	var m matrixState
	err := tx.GetJSON(staffKey(s.OSUser, "tenant/"+tenant), &m.hub)
	if errors.Is(err, localdb.ErrNotFound) {
		return m, fmt.Errorf("%w: organisation %s has not been synced to this computer yet; wait for the first sync with the hub", msp.ErrNotFound, tenant)
	} else if err != nil {
		return m, err
	}
	if err := tx.GetJSON(staffKey(s.OSUser, "history/"+tenant), &m.history); err != nil && !errors.Is(err, localdb.ErrNotFound) {
		return m, err
	}
	ob, kv := outbox.New(localdb.ErrStop), newStaffKV(tx, s)
	m.view = m.hub
	actor := s.actor(tenant)
	if err := ob.Pending(kv, func(mu protocol.Mutation) error {
		if mu.Kind != protocol.KindMatrix || mu.Matrix == nil || mu.Matrix.Tenant != tenant {
			return nil
		}
		m.pending = append(m.pending, *mu.Matrix)
		// An edit the hub will refuse shows as the hub has it.
		if next, _, err := msp.ApplyMatrixEdit(m.view, *mu.Matrix, actor, s.Name, a.now()); err == nil {
			m.view = next
		}
		return nil
	}); err != nil {
		return m, err
	}
	dead, err := ob.Dead(kv)
	if err != nil {
		return m, err
	}
	for _, d := range dead {
		if d.Mutation.Kind == protocol.KindMatrix && d.Mutation.Matrix != nil && d.Mutation.Matrix.Tenant == tenant {
			m.refused = append(m.refused, d)
		}
	}
	return m, nil
}

// responsibilities turns the state into the dashboard's answer.
func (m matrixState) responsibilities(s *staffSession, synced time.Time) localapi.Responsibilities {
	out := localapi.Responsibilities{SyncedAt: synced}
	out.Tenant = localapi.TenantRef{ID: m.view.ID, Name: m.view.Name, Mode: m.view.Mode}
	out.Mode, out.MSPName = m.view.Mode, m.view.MSPName()
	out.CanEdit, out.CanSwitchMode = msp.CanEditMatrix(s.Role), msp.CanSwitchMode(s.Role)
	pendingRow := map[msp.Function]bool{}
	for _, e := range m.pending {
		if e.Row != nil {
			pendingRow[e.Row.Function] = true
		}
		if e.Mode != "" {
			out.ModePending = true
		}
	}
	last := map[msp.Function]msp.MatrixEvent{}
	for _, ev := range m.history {
		if ev.Function != "" {
			last[ev.Function] = ev
		}
	}
	matrix := m.view.Responsibilities()
	out.Rows = make([]localapi.MatrixRow, 0, len(matrix))
	for _, info := range msp.Functions() {
		r, ok := matrix.Lookup(info.ID)
		if !ok {
			r = msp.Responsibility{Function: info.ID, BusinessHours: msp.PartyMSP, AfterHours: msp.PartyMSP}
		}
		row := localapi.MatrixRow{Responsibility: r, Name: info.Name, Description: info.Description, Pending: pendingRow[info.ID]}
		if ev, ok := last[info.ID]; ok {
			row.ChangedAt, row.ChangedBy = ev.At, ev.ByName
		}
		out.Rows = append(out.Rows, row)
	}
	out.History = make([]msp.MatrixEvent, 0, len(m.history))
	for i := len(m.history) - 1; i >= 0; i-- {
		out.History = append(out.History, m.history[i])
	}
	out.Refused = make([]localapi.RefusedEdit, 0, len(m.refused))
	for _, d := range m.refused {
		re := localapi.RefusedEdit{Seq: d.Mutation.Seq, Edit: *d.Mutation.Matrix, RefusedAt: d.RejectedAt}
		if d.Error != nil {
			re.Reason, re.Conflicted = d.Error.Message, d.Error.Code == protocol.CodeConflict
		}
		out.Refused = append(out.Refused, re)
	}
	return out
}

// StaffResponsibilities returns the matrix of tenant ("" for the person's
// only organisation) from their replica.
func (a *Agent) StaffResponsibilities(user, tenant string) (localapi.Responsibilities, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.Responsibilities{}, err
	}
	if tenant, err = staffTenantID(s, tenant); err != nil {
		return localapi.Responsibilities{}, err
	}
	var out localapi.Responsibilities
	err = a.db.View(func(tx *localdb.Tx) error {
		m, err := a.readMatrix(tx, s, tenant)
		if err != nil {
			return err
		}
		out = m.responsibilities(s, a.staffSyncedAt(tx, user))
		return nil
	})
	return out, err
}

// staffSyncedAt is the end of the OS user's last complete pull; zero
// before the first one.
func (a *Agent) staffSyncedAt(tx *localdb.Tx, user string) time.Time {
	var at time.Time
	if err := tx.GetJSON(staffKey(user, "synced"), &at); err != nil && !errors.Is(err, localdb.ErrNotFound) {
		a.log.Warn("reading when the dashboard last synced", "err", err)
	}
	return at
}

// StaffMatrixEdit checks the person's edit against their replica (role,
// and a base that matches what this computer shows), applies it there and
// queues it for the hub in one transaction. An empty id is made here; an
// empty base is taken from the replica. An edit that changes nothing is
// not queued.
func (a *Agent) StaffMatrixEdit(ctx context.Context, user string, e msp.MatrixEdit) (localapi.Responsibilities, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.Responsibilities{}, err
	}
	if e.Tenant, err = staffTenantID(s, e.Tenant); err != nil {
		return localapi.Responsibilities{}, err
	}
	e.ID = cmp.Or(e.ID, msp.NewID())
	var out localapi.Responsibilities
	queued := false
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		queued = false
		if ok, err := tx.Has(staffKey(user, "session")); err != nil || !ok {
			return cmp.Or(err, localapi.ErrNotSignedIn) // signed out meanwhile
		}
		m, err := a.readMatrix(tx, s, e.Tenant)
		if err != nil {
			return err
		}
		edit := e
		if edit.Row != nil && edit.Base == nil {
			base, ok := m.view.Responsibilities().Lookup(edit.Row.Function)
			if !ok {
				base = msp.Responsibility{Function: edit.Row.Function}
			}
			edit.Base = &base
		}
		if edit.Mode != "" && edit.BaseMode == "" {
			edit.BaseMode = m.view.Mode
		}
		next, ev, err := msp.ApplyMatrixEdit(m.view, edit, s.actor(e.Tenant), s.Name, a.now())
		if err != nil {
			return err
		}
		if ev != nil {
			if _, err := outbox.New(localdb.ErrStop).Enqueue(newStaffKV(tx, s), protocol.Mutation{Kind: protocol.KindMatrix, User: user, Matrix: &edit}); err != nil {
				return err
			}
			m.view, m.pending, queued = next, append(m.pending, edit), true
		}
		out = m.responsibilities(s, a.staffSyncedAt(tx, user))
		return nil
	})
	if err != nil {
		return localapi.Responsibilities{}, err
	}
	if queued {
		a.kickStaff(user)
	}
	return out, nil
}

// StaffDismissRefused forgets one of the person's refused matrix edits.
func (a *Agent) StaffDismissRefused(ctx context.Context, user string, seq uint64) error {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return err
	}
	return a.db.Update(ctx, func(tx *localdb.Tx) error {
		err := outbox.New(localdb.ErrStop).Dismiss(newStaffKV(tx, s), seq)
		if errors.Is(err, localdb.ErrNotFound) {
			return fmt.Errorf("%w: no refused change %d; it may have been dismissed already", msp.ErrNotFound, seq)
		}
		return err
	})
}
