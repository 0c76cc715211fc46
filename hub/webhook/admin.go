package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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

// Host is the seam between AdminHandler and the server that mounts it,
// so that the webhook API answers like the rest of that server's API: the
// same headers and error bodies, the same status for a store failure and
// for a body over the limit, and endpoints only for tenants the server
// has. The hub passes its own; AdminHandler(d, nil) uses a plain one
// (StandaloneHost). Implementations must be safe for concurrent use.
type Host interface {
	// WriteJSON answers status with v as JSON.
	WriteJSON(w http.ResponseWriter, status int, v any)
	// WriteError answers status with an error of code ("invalid",
	// "not_found") and a message for people.
	WriteError(w http.ResponseWriter, status int, code, message string)
	// Internal answers err, a failure of the server's own (the webhook
	// store failed), and logs it; doing says what failed ("listing webhook
	// endpoints").
	Internal(w http.ResponseWriter, r *http.Request, doing string, err error)
	// Decode reads the request's JSON body strictly into v. On failure it
	// has answered (a malformed body, a body over the limit) and returns
	// false.
	Decode(w http.ResponseWriter, r *http.Request, v any) bool
	// TenantExists reports whether the server has tenant.
	TenantExists(ctx context.Context, tenant string) (bool, error)
}

// AdminHandler serves the operator's webhook API over d, answering through
// host (StandaloneHost when nil). Mount it behind the operator credential;
// it checks none itself.
//
//	GET    /v1/admin/webhooks?tenant=ID             endpoints (secrets left out)
//	POST   /v1/admin/webhooks                       AddRequest -> Endpoint with its secret (shown once)
//	DELETE /v1/admin/webhooks/{id}?tenant=ID        remove an endpoint
//	POST   /v1/admin/webhooks/{id}/ping?tenant=ID   queue a test event
//	GET    /v1/admin/webhooks/dead?tenant=ID        dead deliveries
//	POST   /v1/admin/webhooks/dead/{id}/retry       queue a dead delivery again
//
// Only POST /v1/admin/webhooks checks that the tenant exists: an endpoint
// kept for a tenant id that no longer matches one can still be listed and
// removed.
func AdminHandler(d *Dispatcher, host Host) http.Handler {
	if host == nil {
		host = StandaloneHost{Log: d.opts.Log}
	}
	fail := func(w http.ResponseWriter, r *http.Request, doing string, err error) {
		switch {
		case errors.Is(err, ErrInvalid):
			host.WriteError(w, http.StatusBadRequest, "invalid", err.Error())
		case errors.Is(err, ErrNotFound):
			host.WriteError(w, http.StatusNotFound, "not_found", err.Error())
		default:
			host.Internal(w, r, doing, err)
		}
	}
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
				fail(w, r, "listing webhook endpoints", err)
				return
			}
			out := make([]Listed, 0, len(eps))
			for _, e := range eps {
				out = append(out, Listed{Endpoint: e})
			}
			host.WriteJSON(w, http.StatusOK, out)
		case len(parts) == 0 && r.Method == http.MethodPost:
			var req AddRequest
			if !host.Decode(w, r, &req) {
				return
			}
			if req.Tenant == "" {
				host.WriteError(w, http.StatusBadRequest, "invalid", "tenant: say which tenant's events go to the endpoint")
				return
			}
			ok, err := host.TenantExists(ctx, req.Tenant)
			if err != nil {
				fail(w, r, "checking the tenant of a webhook endpoint", err)
				return
			}
			if !ok {
				host.WriteError(w, http.StatusNotFound, "not_found", "no tenant "+req.Tenant+"; list them with tandem-hub tenant list")
				return
			}
			e, err := d.AddEndpoint(ctx, req.Tenant, req.URL, req.Events, req.Description)
			if err != nil {
				fail(w, r, "adding a webhook endpoint", err)
				return
			}
			host.WriteJSON(w, http.StatusCreated, e)
		case len(parts) == 1 && parts[0] == "dead" && r.Method == http.MethodGet:
			ds, err := d.Dead(ctx, tenant)
			if err != nil {
				fail(w, r, "listing dead webhook deliveries", err)
				return
			}
			if ds == nil {
				ds = []Delivery{}
			}
			host.WriteJSON(w, http.StatusOK, ds)
		case len(parts) == 1 && r.Method == http.MethodDelete:
			if err := d.RemoveEndpoint(ctx, tenant, parts[0]); err != nil {
				fail(w, r, "removing a webhook endpoint", err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case len(parts) == 2 && parts[1] == "ping" && r.Method == http.MethodPost:
			if err := d.Ping(ctx, tenant, parts[0]); err != nil {
				fail(w, r, "queueing a webhook ping", err)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		case len(parts) == 3 && parts[0] == "dead" && parts[2] == "retry" && r.Method == http.MethodPost:
			if err := d.Retry(ctx, parts[1]); err != nil {
				fail(w, r, "queueing a dead webhook delivery again", err)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			host.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no %s %s in the webhook API", r.Method, r.URL.Path))
		}
	})
}

// StandaloneHost answers for AdminHandler when no server lends its own
// (tests, a program that embeds only this package): JSON error bodies
// {"error":{"code","message"}}, 413 for a body over 64 KiB, 503 for a
// store failure, and every tenant id taken as existing.
type StandaloneHost struct {
	Log *slog.Logger // nil: slog.Default()
}

// maxAdminBody caps a request body of the webhook API.
const maxAdminBody = 64 << 10

// WriteJSON implements Host.
func (h StandaloneHost) WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		h.log().Debug("webhook admin: writing the answer", "err", err) // the client went away
	}
}

// WriteError implements Host.
func (h StandaloneHost) WriteError(w http.ResponseWriter, status int, code, message string) {
	h.WriteJSON(w, status, errBody{errDetail{code, message}})
}

// Internal implements Host.
func (h StandaloneHost) Internal(w http.ResponseWriter, r *http.Request, doing string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	h.log().Error("webhook admin request failed", "path", r.URL.Path, "doing", doing, "err", err)
	h.WriteError(w, http.StatusServiceUnavailable, "unavailable", "could not finish "+doing+"; try again shortly")
}

// Decode implements Host.
func (h StandaloneHost) Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		h.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request is larger than %d bytes", maxAdminBody))
	default:
		h.WriteError(w, http.StatusBadRequest, "invalid", "the request body must be JSON such as {\"tenant\":\"...\",\"url\":\"https://...\",\"events\":[\"ticket.*\"]}: "+err.Error())
	}
	return false
}

// TenantExists implements Host: every tenant id is taken as existing.
func (StandaloneHost) TenantExists(context.Context, string) (bool, error) { return true, nil }

func (h StandaloneHost) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}

type errBody struct {
	Error errDetail `json:"error"`
}

type errDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
