package hub

import (
	"errors"
	"net/http"

	"tandem/msp"
	"tandem/sync/protocol"
)

// opsRoutes registers the operator routes of SLA and alert settings.
func (s *Server) opsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT "+PathAdminTenants, s.operatorOnly(s.updateTenant))
	mux.HandleFunc("POST "+PathAdminSweep, s.operatorOnly(s.sweepNow))
}

// PathAdminSweep runs the SLA sweep at once and answers its SweepStats.
const PathAdminSweep = "/v1/admin/sla/sweep"

// updateTenant replaces the settings of an existing tenant with the
// msp.Tenant in the body (its id names the tenant), after validating them,
// and puts the change in the tenant's feed so agents pull it.
func (s *Server) updateTenant(w http.ResponseWriter, r *http.Request) {
	var t msp.Tenant
	if !decode(w, r, protocol.MaxSmallBody, &t) {
		return
	}
	if err := t.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, protocol.ErrorFor(err))
		return
	}
	var missing bool
	err := s.store.Update(r.Context(), func(tx Tx) error {
		missing = false
		before, err := tx.Tenant(t.ID)
		if errors.Is(err, ErrNotFound) {
			missing = true
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.PutTenant(t); err != nil {
			return err
		}
		if err := tx.NoteTenantChanged(t.ID); err != nil {
			return err
		}
		return tx.AddMatrixEvents(t.ID, operatorMatrixEvents(before, t, s.now())...)
	})
	switch {
	case err != nil:
		s.internal(w, r, "saving the tenant", err)
	case missing:
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + t.ID + "; list them with tandem-hub tenant list"})
	default:
		s.log.Info("tenant updated", "tenant", t.ID, "name", t.Name)
		writeJSON(w, http.StatusOK, t)
	}
}

func (s *Server) sweepNow(w http.ResponseWriter, r *http.Request) {
	st, err := s.SweepSLA(r.Context())
	if err != nil {
		s.internal(w, r, "the SLA sweep", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
