package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tandem/hub/webhook"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// TestWebhookAdminAnswersLikeTheHub: the webhook admin API, mounted by the
// hub, answers with the hub's header, error bodies and statuses, and keeps
// no endpoint for a tenant the hub does not have.
func TestWebhookAdminAnswersLikeTheHub(t *testing.T) {
	ctx := context.Background()
	st, err := OpenBadgerStore(ctx, t.TempDir(), localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(ctx, func(tx Tx) error { return tx.PutTenant(msp.NewTenant("acme", "Acme Attorneys", msp.ModeCoManaged)) }); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	ws, err := webhook.OpenStore(ctx, t.TempDir(), localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wsOpen := true
	defer func() {
		if wsOpen {
			ws.Close()
		}
	}()
	srv := NewServer(st, nil, hashSecret("op-token"), quiet)
	mux := http.NewServeMux()
	srv.reportRoutes(mux, nil, webhook.New(ws, webhook.Options{Log: quiet}))
	api := httptest.NewServer(mux)
	defer api.Close()

	call := func(method, path string, body []byte) (int, http.Header, *protocol.ErrorBody, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, api.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer op-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get(protocol.Header); got != protocol.Version {
			t.Errorf("%s %s: %d without the %s header (%q)", method, path, resp.StatusCode, protocol.Header, got)
		}
		var e struct {
			Error *protocol.ErrorBody `json:"error"`
		}
		if resp.StatusCode >= 400 {
			if err := json.Unmarshal(b, &e); err != nil || e.Error == nil {
				t.Errorf("%s %s: %d with a body that is not an ErrorBody: %s", method, path, resp.StatusCode, b)
				e.Error = &protocol.ErrorBody{}
			}
		}
		return resp.StatusCode, resp.Header, e.Error, b
	}
	add := func(tenant string) []byte {
		return jsonOf(t, webhook.AddRequest{Tenant: tenant, URL: "https://psa.example/hook"})
	}

	if code, _, e, _ := call("POST", webhook.AdminPath, add("made-up")); code != http.StatusNotFound || e.Code != protocol.CodeNotFound || !strings.Contains(e.Message, "no tenant made-up") {
		t.Errorf("an endpoint for a tenant the hub does not have: %d %+v, want 404 not_found", code, e)
	}
	if code, _, e, _ := call("POST", webhook.AdminPath, jsonOf(t, webhook.AddRequest{URL: "https://psa.example/hook"})); code != http.StatusBadRequest || e.Code != protocol.CodeInvalid {
		t.Errorf("an endpoint without a tenant: %d %+v, want 400 invalid", code, e)
	}
	big := jsonOf(t, webhook.AddRequest{Tenant: "acme", URL: "https://psa.example/hook", Description: strings.Repeat("x", protocol.MaxSmallBody)})
	if code, _, e, _ := call("POST", webhook.AdminPath, big); code != http.StatusRequestEntityTooLarge || e.Code != protocol.CodeTooLarge {
		t.Errorf("a body over MaxSmallBody: %d %+v, want 413 too_large", code, e)
	}
	if code, _, e, _ := call("POST", webhook.AdminPath, []byte(`{"tenant":"acme","url":"https://psa.example/hook","colour":"blue"}`)); code != http.StatusBadRequest || e.Code != protocol.CodeInvalid {
		t.Errorf("an unknown field: %d %+v, want 400 invalid", code, e)
	}
	code, _, _, b := call("POST", webhook.AdminPath, add("acme"))
	var ep webhook.Endpoint
	if err := json.Unmarshal(b, &ep); code != http.StatusCreated || err != nil || ep.Secret == "" {
		t.Fatalf("adding an endpoint: %d %s", code, b)
	}
	code, _, _, b = call("GET", webhook.AdminPath, nil)
	var listed []webhook.Listed
	if err := json.Unmarshal(b, &listed); code != http.StatusOK || err != nil || len(listed) != 1 || listed[0].Tenant != "acme" {
		t.Errorf("every tenant's endpoints: %d %s, want only acme's (nothing kept for made-up)", code, b)
	}
	if code, _, _, _ := call("POST", webhook.AdminPath+"/"+ep.ID+"/ping?tenant=acme", nil); code != http.StatusAccepted {
		t.Errorf("ping: %d, want 202", code)
	}
	if code, _, e, _ := call("GET", webhook.AdminPath+"/nothing/here", nil); code != http.StatusNotFound || e.Code != protocol.CodeNotFound {
		t.Errorf("an unknown path: %d %+v, want 404 not_found", code, e)
	}
	if code, _, _, _ := call("DELETE", webhook.AdminPath+"/"+ep.ID+"?tenant=acme", nil); code != http.StatusNoContent {
		t.Errorf("remove: %d, want 204", code)
	}

	// The webhook store fails: 503 unavailable, as the hub's own store.
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	wsOpen = false
	if code, _, e, b := call("GET", webhook.AdminPath+"?tenant=acme", nil); code != http.StatusServiceUnavailable || e.Code != protocol.CodeUnavailable {
		t.Errorf("listing with the webhook store closed: %d %s, want 503 unavailable", code, b)
	}
}

func jsonOf(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
