package localapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tandem/msp"
)

// The Responsibilities tab: the organisation's shared-responsibility
// matrix as the person's replica has it, their own edits applied at once
// (queued like ticket changes), and the history of who changed what.
//
//	GET  /v1/staff/responsibilities?tenant=ID        → Responsibilities
//	POST /v1/staff/responsibilities                  msp.MatrixEdit → Responsibilities
//	     (id is made when empty; base defaults to the row, or base_mode to
//	     the mode, as this computer shows it now; 403 for a change the
//	     person's role may not make, 409 when base is not what this
//	     computer shows)
//	POST /v1/staff/responsibilities/refused/{seq}/dismiss → 204

// Responsibilities is an organisation's matrix for the dashboard.
type Responsibilities struct {
	Tenant  TenantRef       `json:"tenant"`
	Mode    msp.ServiceMode `json:"mode"`     // with the person's queued switch applied
	MSPName string          `json:"msp_name"` // who "the MSP" is, in words
	Rows    []MatrixRow     `json:"rows"`     // every function, in display order
	// ModePending is set while the person's switch of the mode is queued.
	ModePending bool `json:"mode_pending"`
	// History is the hub's record, newest first, as of the last pull.
	History []msp.MatrixEvent `json:"history"`
	// Refused are the person's edits the hub refused (kept, not applied).
	Refused []RefusedEdit `json:"refused"`
	// CanEdit and CanSwitchMode say what the person's role may change.
	CanEdit       bool `json:"can_edit"`
	CanSwitchMode bool `json:"can_switch_mode"`
	// SyncedAt is when the replica last pulled from the hub; zero before.
	SyncedAt time.Time `json:"synced_at,omitzero"`
}

// MatrixRow is one function of the matrix with who owns it.
type MatrixRow struct {
	msp.Responsibility
	Name        string `json:"name"`
	Description string `json:"description"`
	// Pending is set while the person's edit of this row is queued.
	Pending bool `json:"pending"`
	// ChangedAt and ChangedBy are from the row's latest history entry;
	// zero when the row is as the matrix started.
	ChangedAt time.Time `json:"changed_at,omitzero"`
	ChangedBy string    `json:"changed_by,omitempty"`
}

// RefusedEdit is one of the person's matrix edits the hub refused.
type RefusedEdit struct {
	Seq        uint64         `json:"seq"` // for dismissing it
	Edit       msp.MatrixEdit `json:"edit"`
	Reason     string         `json:"reason"`
	RefusedAt  time.Time      `json:"refused_at"`
	Conflicted bool           `json:"conflicted"` // somebody changed the row first
}

// StaffMatrixBackend is what the matrix routes need from the agent.
type StaffMatrixBackend interface {
	StaffResponsibilities(user, tenant string) (Responsibilities, error)
	StaffMatrixEdit(ctx context.Context, user string, e msp.MatrixEdit) (Responsibilities, error)
	StaffDismissRefused(ctx context.Context, user string, seq uint64) error
}

func (s *Server) staffMatrixRoutes(mux *http.ServeMux, b StaffMatrixBackend) {
	mux.HandleFunc("GET /v1/staff/responsibilities", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		m, err := b.StaffResponsibilities(u, r.URL.Query().Get("tenant"))
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, m)
	}))
	mux.HandleFunc("POST /v1/staff/responsibilities", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		var e msp.MatrixEdit
		if !decode(w, r, &e) {
			return
		}
		m, err := b.StaffMatrixEdit(r.Context(), u, e)
		if err != nil {
			s.staffFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, m)
	}))
	mux.HandleFunc("POST /v1/staff/responsibilities/refused/{seq}/dismiss", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
		if err != nil {
			writeErr(w, http.StatusBadRequest, Error{Message: "seq: must be the number of a refused change"})
			return
		}
		if err := b.StaffDismissRefused(r.Context(), u, seq); err != nil {
			s.staffFail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}

// StaffResponsibilities reads the matrix of tenant ("" for the person's
// only organisation).
func (c *Client) StaffResponsibilities(ctx context.Context, tenant string) (Responsibilities, error) {
	var out Responsibilities
	path := "/v1/staff/responsibilities"
	if tenant != "" {
		path += "?" + url.Values{"tenant": {tenant}}.Encode()
	}
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// StaffMatrixEdit queues a change of a row or of the service mode.
func (c *Client) StaffMatrixEdit(ctx context.Context, e msp.MatrixEdit) (Responsibilities, error) {
	var out Responsibilities
	err := c.do(ctx, http.MethodPost, "/v1/staff/responsibilities", e, &out)
	return out, err
}

// StaffDismissRefused forgets one refused matrix edit.
func (c *Client) StaffDismissRefused(ctx context.Context, seq uint64) error {
	return c.do(ctx, http.MethodPost, fmt.Sprintf("/v1/staff/responsibilities/refused/%d/dismiss", seq), nil, nil)
}
