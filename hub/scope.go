package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"tandem/msp"
	"tandem/sync/protocol"
)

// A person's scope changes while they stay signed in: the operator gives a
// technician another organisation, or takes one away. Their agents ask the
// hub at every sync who the credential is now (GET /v1/session) and follow.
//
//	GET /v1/session                     → protocol.Session (user token)
//	PUT /v1/admin/users/{id}/tenants    ScopeRequest → User (operator)

// ScopeRequest sets the organisations a person works for: exactly one for
// an IT lead, one or more for a technician.
type ScopeRequest struct {
	Tenants []string `json:"tenants"`
}

func (s *Server) scopeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+protocol.PathSession, s.syncClient(s.session))
	mux.HandleFunc("PUT "+PathAdminUsers+"/{id}/tenants", s.operatorOnly(s.setScope))
}

func (s *Server) session(w http.ResponseWriter, _ *http.Request, p principal) {
	if p.user == nil {
		writeError(w, http.StatusForbidden, &protocol.ErrorBody{Code: protocol.CodeForbidden,
			Message: "a session is what a signed-in person's credential is; a device has none"})
		return
	}
	writeJSON(w, http.StatusOK, protocol.Session{UserID: p.user.ID, Name: p.user.Name, Role: p.user.Role, Tenants: p.user.Tenants})
}

func (s *Server) setScope(w http.ResponseWriter, r *http.Request) {
	var req ScopeRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	tenants := []string{}
	for _, t := range req.Tenants {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tenants, t) {
			tenants = append(tenants, t)
		}
	}
	id := r.PathValue("id")
	var u User
	var bad error
	err := s.store.Update(r.Context(), func(tx Tx) error {
		bad = nil
		var err error
		if u, err = tx.User(id); err != nil {
			return err
		}
		switch {
		case len(tenants) == 0:
			bad = errors.New("tenants: name at least one organisation; to stop a person signing in, remove their sign-ins")
		case u.Role == msp.RoleITLead && len(tenants) != 1:
			bad = fmt.Errorf("tenants: an IT lead works for exactly one organisation, not %d", len(tenants))
		}
		if bad != nil {
			return nil
		}
		for _, t := range tenants {
			if _, err := tx.Tenant(t); errors.Is(err, ErrNotFound) {
				bad = fmt.Errorf("tenants: no tenant %s; list them with tandem-hub tenant list", t)
				return nil
			} else if err != nil {
				return err
			}
		}
		u.Tenants = tenants
		return tx.PutUser(u)
	})
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no user " + id + "; `tandem-hub user add` prints each person's id"})
	case err != nil:
		s.internal(w, r, "changing a person's organisations", err)
	case bad != nil:
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: bad.Error()})
	default:
		s.log.Info("scope changed", "user", u.ID, "tenants", u.Tenants)
		writeJSON(w, http.StatusOK, u)
	}
}

// SetScope sets the organisations of person id.
func (c *AdminClient) SetScope(ctx context.Context, id string, tenants []string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPut, PathAdminUsers+"/"+url.PathEscape(id)+"/tenants", ScopeRequest{Tenants: tenants}, &out)
	return out, err
}
