package hub

import (
	"context"
	"errors"
	"net/http"

	"tandem/hub/webhook"
	"tandem/sync/protocol"
)

// webhookHost lends the webhook admin API (webhook.AdminHandler) the
// server's own way of answering: writeJSON and writeError with the
// Tandem-Protocol header, 503 through internal for a store failure, decode
// with MaxSmallBody (413 above it), and the server's tenants.
type webhookHost struct{ s *Server }

var _ webhook.Host = webhookHost{}

func (h webhookHost) WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

func (h webhookHost) WriteError(w http.ResponseWriter, status int, code, message string) {
	writeError(w, status, &protocol.ErrorBody{Code: code, Message: message})
}

func (h webhookHost) Internal(w http.ResponseWriter, r *http.Request, doing string, err error) {
	h.s.internal(w, r, doing, err)
}

func (h webhookHost) Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return decode(w, r, protocol.MaxSmallBody, v)
}

func (h webhookHost) TenantExists(ctx context.Context, tenant string) (bool, error) {
	err := h.s.store.View(ctx, func(tx Tx) error {
		_, err := tx.Tenant(tenant)
		return err
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// webhookAdmin is the webhook admin API as the hub mounts it: every
// answer, the empty 202 and 204 too, carries the Tandem-Protocol header.
func (s *Server) webhookAdmin(d *webhook.Dispatcher) http.HandlerFunc {
	h := webhook.AdminHandler(d, webhookHost{s})
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(protocol.Header, protocol.Version)
		h.ServeHTTP(w, r)
	}
}
