package hub

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"tandem/sync/protocol"
)

// Revocation: the MSP retires a device, removes a person or ends every
// sign-in of a person, effective on the next request of each credential
// (every request reads the device or the person):
//
//	POST /v1/admin/devices/{id}/revoke   {"tenant": ID}   tandem-hub device revoke
//	POST /v1/admin/users/{id}/remove                      tandem-hub user remove
//	POST /v1/admin/users/{id}/signout                     tandem-hub user signout
//
// Each is idempotent and keeps the record: a retired device's tickets and
// a removed person's replies stay as they are, with their names.

// errRemoved refuses a new sign-in code for a removed person.
var errRemoved = errors.New("the person was removed")

// RevokeRequest names the tenant of the device to retire.
type RevokeRequest struct {
	Tenant string `json:"tenant"`
}

func (s *Server) revokeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+PathAdminDevices+"/{id}/revoke", s.operatorOnly(s.revokeDevice))
	mux.HandleFunc("POST "+PathAdminUsers+"/{id}/remove", s.operatorOnly(s.removeUser))
	mux.HandleFunc("POST "+PathAdminUsers+"/{id}/signout", s.operatorOnly(s.signOutUser))
}

// deviceRetired says why a retired device's certificate is refused, or
// returns "" for a device in service.
func deviceRetired(d Device) string {
	if !d.Revoked {
		return ""
	}
	when := ""
	if !d.RevokedAt.IsZero() {
		when = " on " + d.RevokedAt.UTC().Format("2 January 2006 15:04 UTC")
	}
	return "the MSP retired this computer (" + d.Hostname + ")" + when + ", so the hub no longer accepts it; " +
		"if it is still in use, ask the MSP for a new enrollment token and enroll it again (tandem-agent enroll)"
}

// signInEnded says why a person's token or code is refused although it is
// known and unexpired, or returns "".
func signInEnded(u User, sec Secret) string {
	switch {
	case !u.RemovedAt.IsZero():
		return "the MSP removed " + u.Name + "'s access on " + u.RemovedAt.UTC().Format("2 January 2006") +
			"; this sign-in no longer works. If that is a mistake, ask the MSP to add you again"
	case sec.IssuedAt.Before(u.SignedOutAt):
		return "the MSP ended this sign-in on " + u.SignedOutAt.UTC().Format("2 January 2006 15:04 UTC") +
			"; ask the MSP for a new sign-in code and sign in again"
	}
	return ""
}

// refuseRevoked answers a credential the MSP revoked: 401 with code
// revoked and why. It is no guess, so it does not count against the
// address.
func refuseRevoked(w http.ResponseWriter, why string) {
	writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeRevoked, Message: why})
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request) {
	var req RevokeRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	id := r.PathValue("id")
	now := s.now().UTC()
	var d Device
	err := s.store.Update(r.Context(), func(tx Tx) error {
		var err error
		if d, err = tx.Device(req.Tenant, id); err != nil {
			return err
		}
		if d.Revoked {
			return nil
		}
		d.Revoked, d.RevokedAt = true, now
		return tx.PutDevice(d)
	})
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound,
			Message: "no device " + id + " in tenant " + req.Tenant + "; `tandem-hub devices --tenant ID` lists them"})
		return
	}
	if err != nil {
		s.internal(w, r, "retiring the device", err)
		return
	}
	s.log.Info("device retired: its certificate is refused from now on", "tenant", d.Tenant, "device", d.ID, "hostname", d.Hostname)
	writeJSON(w, http.StatusOK, DeviceSummary{Device: d.Device, AgentVersion: d.AgentVersion, Inventoried: d.Inventoried})
}

func (s *Server) removeUser(w http.ResponseWriter, r *http.Request) {
	s.endUser(w, r, "removing the person", func(u *User, now time.Time) {
		if u.RemovedAt.IsZero() {
			u.RemovedAt = now
		}
	})
}

func (s *Server) signOutUser(w http.ResponseWriter, r *http.Request) {
	s.endUser(w, r, "ending the person's sign-ins", func(u *User, now time.Time) { u.SignedOutAt = now })
}

// endUser applies change to person {id} and answers the person.
func (s *Server) endUser(w http.ResponseWriter, r *http.Request, doing string, change func(*User, time.Time)) {
	id := r.PathValue("id")
	now := s.now().UTC()
	var u User
	err := s.store.Update(r.Context(), func(tx Tx) error {
		var err error
		if u, err = tx.User(id); err != nil {
			return err
		}
		change(&u, now)
		return tx.PutUser(u)
	})
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no user " + id + "; `tandem-hub user add` prints each person's id"})
		return
	}
	if err != nil {
		s.internal(w, r, doing, err)
		return
	}
	s.log.Info(doing, "user", u.ID, "name", u.Name)
	writeJSON(w, http.StatusOK, u)
}

// RevokeDevice retires a device: its certificate is refused from its next
// request on.
func (c *AdminClient) RevokeDevice(ctx context.Context, tenant, id string) (DeviceSummary, error) {
	var out DeviceSummary
	err := c.do(ctx, http.MethodPost, PathAdminDevices+"/"+url.PathEscape(id)+"/revoke", RevokeRequest{Tenant: tenant}, &out)
	return out, err
}

// RemoveUser removes a person: none of their sign-ins or codes works from
// then on.
func (c *AdminClient) RemoveUser(ctx context.Context, id string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPost, PathAdminUsers+"/"+url.PathEscape(id)+"/remove", nil, &out)
	return out, err
}

// SignOutUser ends every sign-in and unused code of a person; a new code
// (NewSignInCode) signs them in again.
func (c *AdminClient) SignOutUser(ctx context.Context, id string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPost, PathAdminUsers+"/"+url.PathEscape(id)+"/signout", nil, &out)
	return out, err
}
