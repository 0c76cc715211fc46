package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// AdminPath is where AdminHandler expects to be mounted (with and without
// a trailing slash).
const AdminPath = "/v1/admin/webhooks"

// AddRequest adds an endpoint.
type AddRequest struct {
	Tenant      string   `json:"tenant"`
	URL         string   `json:"url"`
	Events      []string `json:"events,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Listed is an endpoint as listed: the secret is not repeated.
type Listed struct {
	Endpoint
	Secret string `json:"secret,omitempty"`
}

// AdminHandler serves the operator's webhook API. Mount it behind the
// operator credential; it checks none itself.
//
//	GET    /v1/admin/webhooks?tenant=ID             endpoints (secrets left out)
//	POST   /v1/admin/webhooks                       AddRequest -> Endpoint with its secret (shown once)
//	DELETE /v1/admin/webhooks/{id}?tenant=ID        remove an endpoint
//	POST   /v1/admin/webhooks/{id}/ping?tenant=ID   queue a test event
//	GET    /v1/admin/webhooks/dead?tenant=ID        dead deliveries
//	POST   /v1/admin/webhooks/dead/{id}/retry       queue a dead delivery again
func AdminHandler(d *Dispatcher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.Trim(strings.TrimPrefix(r.URL.Path, AdminPath), "/")
		parts := strings.Split(rest, "/")
		if rest == "" {
			parts = nil
		}
		tenant := r.URL.Query().Get("tenant")
		ctx := r.Context()
		switch {
		case len(parts) == 0 && r.Method == http.MethodGet:
			eps, err := d.Endpoints(ctx, tenant)
			if err != nil {
				d.fail(w, err)
				return
			}
			out := make([]Listed, 0, len(eps))
			for _, e := range eps {
				out = append(out, Listed{Endpoint: e})
			}
			d.reply(w, http.StatusOK, out)
		case len(parts) == 0 && r.Method == http.MethodPost:
			var req AddRequest
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				d.fail(w, fmt.Errorf("%w: the request body must be JSON such as {\"tenant\":\"...\",\"url\":\"https://...\",\"events\":[\"ticket.*\"]}: %v", ErrInvalid, err))
				return
			}
			e, err := d.AddEndpoint(ctx, req.Tenant, req.URL, req.Events, req.Description)
			if err != nil {
				d.fail(w, err)
				return
			}
			d.reply(w, http.StatusCreated, e)
		case len(parts) == 1 && parts[0] == "dead" && r.Method == http.MethodGet:
			ds, err := d.Dead(ctx, tenant)
			if err != nil {
				d.fail(w, err)
				return
			}
			if ds == nil {
				ds = []Delivery{}
			}
			d.reply(w, http.StatusOK, ds)
		case len(parts) == 1 && r.Method == http.MethodDelete:
			if err := d.RemoveEndpoint(ctx, tenant, parts[0]); err != nil {
				d.fail(w, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case len(parts) == 2 && parts[1] == "ping" && r.Method == http.MethodPost:
			if err := d.Ping(ctx, tenant, parts[0]); err != nil {
				d.fail(w, err)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		case len(parts) == 3 && parts[0] == "dead" && parts[2] == "retry" && r.Method == http.MethodPost:
			if err := d.Retry(ctx, parts[1]); err != nil {
				d.fail(w, err)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			d.reply(w, http.StatusNotFound, errBody{Error: errDetail{Code: "not_found", Message: fmt.Sprintf("no %s %s in the webhook API", r.Method, r.URL.Path)}})
		}
	})
}

type errBody struct {
	Error errDetail `json:"error"`
}

type errDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (d *Dispatcher) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrInvalid):
		d.reply(w, http.StatusBadRequest, errBody{errDetail{"invalid", err.Error()}})
	case errors.Is(err, ErrNotFound):
		d.reply(w, http.StatusNotFound, errBody{errDetail{"not_found", err.Error()}})
	default:
		d.reply(w, http.StatusInternalServerError, errBody{errDetail{"internal", "the webhook store failed: " + err.Error()}})
	}
}

func (d *Dispatcher) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		d.opts.Log.Debug("webhook admin: writing the answer", "err", err) // the client went away
	}
}
