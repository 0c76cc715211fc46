package hub

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tandem/hub/metrics"
	"tandem/hub/report"
	"tandem/hub/webhook"
	"tandem/localdb"
	"tandem/msp"
)

// TestReportRoutes serves the report, webhook and metrics routes over real
// HTTP behind the operator credential.
func TestReportRoutes(t *testing.T) {
	ctx := context.Background()
	st, err := OpenBadgerStore(ctx, t.TempDir(), localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenant := msp.NewTenant("acme", "Acme Attorneys", msp.ModeCoManaged)
	tenant.PricePerUser = msp.Money{Minor: 15000, Currency: "ZAR"}
	tenant.Branding = msp.Branding{Name: "Blue Fern IT", SupportPhone: "+27 21 555 0100", SupportEmail: "help@bluefern.example"}
	created := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	if err := st.Update(ctx, func(tx Tx) error {
		if err := tx.PutTenant(tenant); err != nil {
			return err
		}
		if err := tx.PutPerson(msp.Person{ID: "p1", Tenant: "acme", Name: "Alice", CreatedAt: created}); err != nil {
			return err
		}
		return tx.PutTicket(&msp.Ticket{ID: "t1", Tenant: "acme", Requester: "alice", Title: "Printer", Pillar: msp.PillarHelpdesk,
			Category: "printing", Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3, Status: msp.StatusOpen,
			Owner: msp.PartyMSP, CreatedAt: created, UpdatedAt: created, Revision: 1})
	}); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	ws, err := webhook.OpenStore(ctx, t.TempDir(), localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	d := webhook.New(ws, webhook.Options{Log: quiet})
	m := metrics.NewHub(metrics.HubOptions{Version: "test", Log: quiet, QueueDepth: d.Depth,
		Snapshot: func(ctx context.Context) (metrics.Snapshot, error) { return MetricsSnapshot(ctx, st, time.Now()) }})
	srv := NewServer(st, nil, hashSecret("op-token"), quiet)
	srv.SetClock(func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) })
	mux := http.NewServeMux()
	srv.reportRoutes(mux, m, d)
	api := httptest.NewServer(mux)
	defer api.Close()

	get := func(path, token string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, api.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	for _, path := range []string{PathAdminReport + "?tenant=acme&month=2026-11", "/metrics", webhook.AdminPath + "?tenant=acme"} {
		if code, _ := get(path, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without the operator credential: %d, want 401", path, code)
		}
	}
	code, body := get(PathAdminReport+"?tenant=acme&month=2026-11", "op-token")
	if code != http.StatusOK {
		t.Fatalf("report: %d %s", code, body)
	}
	var r report.Report
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if r.Opened != 1 || r.TenantName != "Acme Attorneys" || r.Zone().String() != msp.DefaultTimeZone || r.BillingText() != "R150.00 excl. VAT" {
		t.Errorf("report over HTTP: opened %d, %q, zone %s, %s", r.Opened, r.TenantName, r.Zone(), r.BillingText())
	}
	c := &AdminClient{URL: api.URL, token: "op-token", http: api.Client()}
	if r, err := c.Report(ctx, "acme", "2026-11"); err != nil || r.Opened != 1 || r.Month != "November 2026" {
		t.Errorf("AdminClient.Report = %+v, %v", r, err)
	}
	if _, err := c.Report(ctx, "nobody", "2026-11"); err == nil || !strings.Contains(err.Error(), "no tenant nobody") {
		t.Errorf("AdminClient.Report of an unknown tenant: %v", err)
	}
	if code, _ := get(PathAdminReport+"?tenant=acme&month=Nov", "op-token"); code != http.StatusBadRequest {
		t.Errorf("a bad month: %d, want 400", code)
	}
	if code, _ := get(PathAdminReport+"?tenant=nobody&month=2026-11", "op-token"); code != http.StatusNotFound {
		t.Errorf("an unknown tenant: %d, want 404", code)
	}
	code, body = get("/metrics", "op-token")
	if code != http.StatusOK || !strings.Contains(string(body), `tandem_hub_open_tickets{priority="P3",tenant="acme"} 1`) || !strings.Contains(string(body), "tandem_hub_webhook_queue_depth 0") {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	if code, body := get(webhook.AdminPath+"?tenant=acme", "op-token"); code != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("webhooks: %d %s", code, body)
	}
	if _, err := c.AddWebhook(ctx, "acme", "http://psa.example/hook", nil, ""); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("AddWebhook over plain http: %v, want a refusal naming https", err)
	}
	ep, err := c.AddWebhook(ctx, "acme", "https://psa.example/hook", []string{"ticket.*"}, "PSA")
	if err != nil || ep.Secret == "" {
		t.Fatalf("AddWebhook = %+v, %v", ep, err)
	}
	if eps, err := c.Webhooks(ctx, "acme"); err != nil || len(eps) != 1 || eps[0].Secret != "" || eps[0].Description != "PSA" {
		t.Errorf("Webhooks = %+v, %v", eps, err)
	}
	if err := c.PingWebhook(ctx, "acme", ep.ID); err != nil {
		t.Error(err)
	}
	if dead, err := c.DeadWebhooks(ctx, "acme"); err != nil || len(dead) != 0 {
		t.Errorf("DeadWebhooks = %v, %v", dead, err)
	}
	if err := c.RetryWebhook(ctx, "no-such-delivery"); err == nil {
		t.Error("retrying a delivery that does not exist worked")
	}
	if err := c.RemoveWebhook(ctx, "acme", ep.ID); err != nil {
		t.Error(err)
	}
}
