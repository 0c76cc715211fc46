package hub

import (
	"errors"
	"net/http"
	"time"

	"tandem/msp"
	"tandem/sync/protocol"
)

// Staff routes: what a signed-in IT lead or technician (user token) reads
// besides the ticket feed, for the agent's dashboard replica (issue 6).
//
//	GET /v1/staff/devices?tenant=ID       → []StaffDevice, the fleet summary
//	GET /v1/staff/devices/{id}?tenant=ID  → msp.Inventory, one device's last inventory
//
// ?tenant may be left out by a person with one organisation.
const PathStaffDevices = "/v1/staff/devices"

// StaffDevice is one device of the fleet as the dashboard lists it: the
// device record and a summary of its last inventory. The agent decodes the
// same JSON.
type StaffDevice struct {
	msp.Device
	Inventoried    time.Time `json:"inventoried,omitzero"`     // when the last inventory arrived
	PatchesChecked time.Time `json:"patches_checked,omitzero"` // when the device last looked for updates
	Pending        int       `json:"pending"`                  // updates waiting
	SecurityNames  []string  `json:"security_pending"`         // names of the security updates waiting
	RebootRequired bool      `json:"reboot_required"`
	PostureFailing []string  `json:"posture_failing"` // names of failing checks
}

func (s *Server) staffRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathStaffDevices, s.syncClient(s.staffOnly(s.staffDevices)))
	mux.HandleFunc("GET "+PathStaffDevices+"/{id}", s.syncClient(s.staffOnly(s.staffInventory)))
	s.staffReportRoutes(mux)
	s.dispatchRoutes(mux)
}

// staffOnly admits a signed-in person and settles the tenant of the
// request from ?tenant (or their only one).
func (s *Server) staffOnly(h func(http.ResponseWriter, *http.Request, principal)) func(http.ResponseWriter, *http.Request, principal) {
	return func(w http.ResponseWriter, r *http.Request, p principal) {
		if p.user == nil || !p.user.Role.IsStaff() {
			writeError(w, http.StatusForbidden, &protocol.ErrorBody{Code: protocol.CodeForbidden,
				Message: "the fleet is for a signed-in IT lead or technician"})
			return
		}
		if t := r.URL.Query().Get("tenant"); t != "" {
			if !p.inScope(t) {
				writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no organisation " + t + " in your scope"})
				return
			}
			p.tenant = t
		}
		if p.tenant == "" {
			writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "tenant: you serve several organisations; say which one"})
			return
		}
		h(w, r, p)
	}
}

func (s *Server) staffDevices(w http.ResponseWriter, r *http.Request, p principal) {
	out := []StaffDevice{}
	err := s.store.View(r.Context(), func(tx Tx) error {
		ds, err := tx.Devices(p.tenant)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Revoked && d.RevokedAt.IsZero() {
				d.RevokedAt = d.EnrolledAt // retired before the hub kept when
			}
			sd := StaffDevice{Device: d.Device, Inventoried: d.Inventoried, SecurityNames: []string{}, PostureFailing: []string{}}
			if !d.Inventoried.IsZero() {
				inv, err := tx.Inventory(p.tenant, d.ID)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				if err == nil {
					sd.PatchesChecked = inv.Patches.LastChecked
					sd.Pending = len(inv.Patches.Pending)
					for _, pt := range inv.Patches.Pending {
						if pt.Security {
							sd.SecurityNames = append(sd.SecurityNames, pt.Name)
						}
					}
					sd.RebootRequired = inv.Patches.RebootRequired
					sd.PostureFailing = append(sd.PostureFailing, inv.Posture.Failing()...)
				}
			}
			out = append(out, sd)
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, "listing devices", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) staffInventory(w http.ResponseWriter, r *http.Request, p principal) {
	var inv msp.Inventory
	err := s.store.View(r.Context(), func(tx Tx) error {
		var err error
		inv, err = tx.Inventory(p.tenant, r.PathValue("id"))
		return err
	})
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no inventory of device " + r.PathValue("id") + " in this organisation yet"})
	case err != nil:
		s.internal(w, r, "reading an inventory", err)
	default:
		writeJSON(w, http.StatusOK, inv)
	}
}
