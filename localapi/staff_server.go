package localapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"tandem/msp"
)

// ErrNotSignedIn means the calling OS user has no staff sign-in on this
// computer.
var ErrNotSignedIn = errors.New("you are not signed in to the dashboard on this computer; sign in with the code from your MSP")

// ErrSignInRefused means the hub refused the sign-in code or no longer
// accepts the stored sign-in.
var ErrSignInRefused = errors.New("the hub refused the sign-in")

// StaffBackend is what the staff routes need from the agent; the server
// serves them when its Backend implements it. user is the calling OS
// user: each sees only their own sign-in and replica.
type StaffBackend interface {
	StaffSignIn(ctx context.Context, user, code string) (StaffSession, error)
	StaffSignOut(ctx context.Context, user string) error
	StaffSession(user string) (StaffSession, error)
	StaffTickets(user string, q TicketQuery) (TicketPage, error)
	StaffTicket(user, id string) (StaffTicket, error)
	StaffChange(ctx context.Context, user, id string, c msp.Change) (StaffTicket, error)
	// StaffAttachment is the file att (msp.Attachment.ID) attached to
	// ticket id with its bytes: kept on this computer once fetched, else
	// fetched from the hub (ErrHubUnreachable offline).
	StaffAttachment(ctx context.Context, user, id, att string) (AttachmentFile, error)
	StaffOverview(user, tenant string) (Overview, error)
	StaffDevices(user, tenant, q string) ([]DeviceRow, error)
	StaffDevice(ctx context.Context, user, id string) (DeviceDetail, error)
	// StaffAssignees is who may be assigned tenant's tickets ("" for the only
	// one), as last fetched from the hub.
	StaffAssignees(user, tenant string) ([]Assignee, error)
	StaffMatrixBackend // the Responsibilities tab (staff_matrix.go)
	// StaffService is the Service tab of tenant ("" for the only one) with
	// the report of month (YYYY-MM, "" for this month); StaffReportPDF is
	// that report as the hub renders it (ErrHubUnreachable offline).
	StaffService(ctx context.Context, user, tenant, month string) (ServiceView, error)
	StaffReportPDF(ctx context.Context, user, tenant, month string) ([]byte, error)
}

func (s *Server) staffRoutes(mux *http.ServeMux, b StaffBackend) {
	s.staffServiceRoutes(mux, b)
	s.staffMatrixRoutes(mux, b)
	mux.HandleFunc("POST /v1/staff/sign-in", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		var req SignInRequest
		if !decode(w, r, &req) {
			return
		}
		ss, err := b.StaffSignIn(r.Context(), u, req.Code)
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, ss)
	}))
	mux.HandleFunc("POST /v1/staff/sign-out", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		if err := b.StaffSignOut(r.Context(), u); err != nil {
			s.staffFail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /v1/staff/session", s.withUser(func(w http.ResponseWriter, _ *http.Request, u string) {
		ss, err := b.StaffSession(u)
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, ss)
	}))
	mux.HandleFunc("GET /v1/staff/tickets", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		q, err := parseTicketQuery(r)
		if err != nil {
			writeErr(w, http.StatusBadRequest, Error{Message: err.Error()})
			return
		}
		p, err := b.StaffTickets(u, q)
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, p)
	}))
	mux.HandleFunc("GET /v1/staff/tickets/{id}", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		t, err := b.StaffTicket(u, r.PathValue("id"))
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, t)
	}))
	mux.HandleFunc("POST /v1/staff/tickets/{id}/changes", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		var c msp.Change
		if !decode(w, r, &c) {
			return
		}
		t, err := b.StaffChange(r.Context(), u, r.PathValue("id"), c)
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, t)
	}))
	mux.HandleFunc("GET /v1/staff/tickets/{id}/attachments/{att}", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		f, err := b.StaffAttachment(r.Context(), u, r.PathValue("id"), r.PathValue("att"))
		if err != nil {
			s.serviceFail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream") // bytes as attached; the caller knows their type
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write(f.Data); err != nil {
			s.log.Debug("sending an attached file", "err", err)
		}
	}))
	mux.HandleFunc("GET /v1/staff/assignees", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		ps, err := b.StaffAssignees(u, r.URL.Query().Get("tenant"))
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, ps)
	}))
	mux.HandleFunc("GET /v1/staff/overview", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		o, err := b.StaffOverview(u, r.URL.Query().Get("tenant"))
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("GET /v1/staff/devices", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		q := r.URL.Query()
		d, err := b.StaffDevices(u, q.Get("tenant"), q.Get("q"))
		if err != nil {
			s.staffFail(w, err)
			return
		}
		if d == nil {
			d = []DeviceRow{}
		}
		writeJSON(w, http.StatusOK, d)
	}))
	mux.HandleFunc("GET /v1/staff/devices/{id}", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		d, err := b.StaffDevice(r.Context(), u, r.PathValue("id"))
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	}))
}

func (s *Server) staffFail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotSignedIn):
		writeErr(w, http.StatusNotFound, Error{Message: err.Error()})
	case errors.Is(err, msp.ErrNotFound):
		writeErr(w, http.StatusNotFound, Error{Message: err.Error()})
	case errors.Is(err, ErrSignInRefused):
		writeErr(w, http.StatusUnauthorized, Error{Message: err.Error()})
	default:
		s.fail(w, err)
	}
}

func parseTicketQuery(r *http.Request) (TicketQuery, error) {
	v := r.URL.Query()
	q := TicketQuery{Q: v.Get("q"), Status: v.Get("status"), Owner: v.Get("owner"), Pillar: v.Get("pillar"),
		Tenant: v.Get("tenant"), Assignee: v.Get("assignee"), Sort: v.Get("sort")}
	for name, dst := range map[string]*int{"limit": &q.Limit, "offset": &q.Offset} {
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return q, errors.New(name + ": must be a whole number from 0")
			}
			*dst = n
		}
	}
	return q, nil
}
