package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"tandem/hub"
	"tandem/hub/metrics"
	"tandem/hub/report"
	"tandem/hub/webhook"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

var johannesburg = func() *time.Location {
	loc, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		panic(err)
	}
	return loc
}()

func sa(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, johannesburg)
}

func openReportStore(tb testing.TB) *hub.BadgerStore {
	tb.Helper()
	st, err := hub.OpenBadgerStore(context.Background(), tb.TempDir(), localdb.Options{})
	if err != nil {
		tb.Fatalf("OpenBadgerStore: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func reportTenant() msp.Tenant {
	t := msp.NewTenant("acme", "Acme Attorneys", msp.ModeCoManaged)
	t.PricePerUser = msp.Money{Minor: 15000, Currency: "ZAR"}
	t.Branding = msp.Branding{Name: "Blue Fern IT", SupportPhone: "+27 21 555 0100", SupportEmail: "help@bluefern.example"}
	return t
}

func storeTicket(id string, p msp.Priority, pillar msp.Pillar, owner msp.Party, requester string, created, answered, resolvedAt time.Time) *msp.Ticket {
	t := &msp.Ticket{ID: id, Tenant: "acme", Requester: requester, Title: "Problem " + id, Pillar: pillar, Category: "other",
		Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: p, Status: msp.StatusOpen, Owner: owner,
		CreatedAt: created, UpdatedAt: created, Revision: 1}
	if !answered.IsZero() {
		t.Comments = append(t.Comments, msp.Comment{ID: id + "-c1", Author: "tech", Role: msp.RoleTechnician, Body: "Looking now.", CreatedAt: answered})
	}
	if !resolvedAt.IsZero() {
		t.Status, t.ResolvedAt = msp.StatusResolved, resolvedAt
	}
	return t
}

// TestReportFromStore fills a real store and checks the figures end to end.
func TestReportFromStore(t *testing.T) {
	ctx := context.Background()
	st := openReportStore(t)
	var none time.Time
	err := st.Update(ctx, func(tx hub.Tx) error {
		if err := tx.PutTenant(reportTenant()); err != nil {
			return err
		}
		other := msp.NewTenant("other", "Other Co", msp.ModeFullyManaged)
		other.PricePerUser = msp.Money{Minor: 100, Currency: "ZAR"}
		if err := tx.PutTenant(other); err != nil {
			return err
		}
		for _, tk := range []*msp.Ticket{
			// P1 answered in 20 min: met; resolved after 3 h.
			storeTicket("t1", msp.P1, msp.PillarSecurity, msp.PartyMSP, "alice", sa(11, 3, 10, 0), sa(11, 3, 10, 20), sa(11, 3, 13, 0)),
			// P2 answered after 5 business hours: late; resolved after 1 day.
			storeTicket("t2", msp.P2, msp.PillarMicrosoft365, msp.PartyMSP, "bob", sa(11, 4, 9, 0), sa(11, 4, 14, 0), sa(11, 5, 9, 0)),
			// P3 answered in 2 h: met; by the internal IT.
			storeTicket("t3", msp.P3, msp.PillarHelpdesk, msp.PartyInternal, "carol", sa(11, 10, 9, 0), sa(11, 10, 11, 0), none),
			// P3 from October, resolved in November after 2 days: counts in MTTR only.
			storeTicket("t4", msp.P3, msp.PillarHelpdesk, msp.PartyMSP, "alice", sa(10, 30, 9, 0), sa(10, 30, 9, 30), sa(11, 1, 9, 0)),
			// Raised in December: not in the report.
			storeTicket("t5", msp.P1, msp.PillarNetwork, msp.PartyMSP, "dave", sa(12, 1, 7, 0), none, none),
		} {
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		// P2 answered at 15:00, 6 business hours after it was raised, but it
		// waited on the customer from 10:00 to 14:00: 2 hours counted, met.
		t6 := storeTicket("t6", msp.P2, msp.PillarHelpdesk, msp.PartyMSP, "erin", sa(11, 12, 9, 0), sa(11, 12, 15, 0), none)
		if err := tx.PutTicket(t6); err != nil {
			return err
		}
		if err := tx.PutHistory(hub.TicketHistory{Tenant: "acme", Ticket: "t6", FirstResponseAt: sa(11, 12, 15, 0), Statuses: []msp.StatusChange{
			{At: sa(11, 12, 10, 0), Status: msp.StatusWaiting}, {At: sa(11, 12, 14, 0), Status: msp.StatusOpen},
		}}); err != nil {
			return err
		}
		// An alert the hub raised on d1 on the 20th, still open: not a
		// ticket in the figures, an alert, and d1 is out of patch
		// compliance from then.
		a1 := storeTicket("a1", msp.P3, msp.PillarSecurity, msp.PartyMSP, "hub-alerts", sa(11, 20, 6, 0), none, none)
		a1.Device = "d1"
		a1.Alert = &msp.AlertRef{Condition: "security-updates", Key: msp.AlertKey("d1", "security-updates")}
		if err := tx.PutTicket(a1); err != nil {
			return err
		}
		other1 := storeTicket("o1", msp.P1, msp.PillarSecurity, msp.PartyMSP, "zed", sa(11, 3, 10, 0), none, none)
		other1.Tenant = "other"
		if err := tx.PutTicket(other1); err != nil {
			return err
		}
		for i, seen := range []time.Time{sa(11, 30, 20, 0), sa(11, 25, 8, 0)} {
			d := hub.Device{Device: msp.Device{ID: fmt.Sprintf("d%d", i+1), Tenant: "acme", Hostname: fmt.Sprintf("pc-%d", i+1), OS: "Windows 11 Pro", EnrolledAt: sa(10, 1, 9, 0), LastSeen: seen}}
			if err := tx.PutDevice(d); err != nil {
				return err
			}
		}
		// The seats billed: acme's four people, not those who raised a
		// ticket (alice, bob, carol, erin) nor other's person.
		for i, name := range []string{"Alice", "Bob", "Carol", "Frank"} {
			if err := tx.PutPerson(msp.Person{ID: fmt.Sprintf("p%d", i), Tenant: "acme", Name: name, CreatedAt: sa(10, 1, 9, 0)}); err != nil {
				return err
			}
		}
		if err := tx.PutPerson(msp.Person{ID: "p9", Tenant: "other", Name: "Zed", CreatedAt: sa(10, 1, 9, 0)}); err != nil {
			return err
		}
		return tx.PutInventory("acme", "d1", msp.Inventory{Hostname: "pc-1", CollectedAt: sa(11, 30, 20, 0),
			Patches: msp.PatchState{Pending: []msp.Patch{{Name: "KB5046617", Security: true}}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := hub.BuildReport(ctx, st, "acme", sa(11, 1, 0, 0), sa(12, 2, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	if r.Opened != 4 || r.Resolved != 3 {
		t.Errorf("opened %d, resolved %d; want 4, 3", r.Opened, r.Resolved)
	}
	if got := r.SLAOverall; got.Met != 3 || got.Breached != 1 || got.Pending != 0 || got.PercentText() != "75.0%" {
		t.Errorf("overall SLA = %+v (%s), want 3 met, 1 late: 75.0%%", got, got.PercentText())
	}
	if r.SLA[1].Breached != 1 || r.SLA[1].Met != 1 || r.SLA[0].Met != 1 {
		t.Errorf("SLA rows = %+v", r.SLA)
	}
	if r.AlertsTotal != 1 || r.Alerts[0].Key != "security-updates" {
		t.Errorf("alerts = %d %+v, want one security-updates", r.AlertsTotal, r.Alerts)
	}
	if n := len(r.Patch); n != 5 || r.Patch[1].Compliant != 2 || r.Patch[2].Compliant != 1 || r.Patch[2].Devices != 2 {
		t.Errorf("patch weeks = %+v; want d1 out of compliance from the 20th", r.Patch)
	}
	// (3 h + 24 h + 48 h) / 3 = 25 h.
	if r.MTTR != 25*time.Hour {
		t.Errorf("MTTR = %s, want 25h", r.MTTR)
	}
	if r.Devices != 2 || r.Silent != 1 || r.SecurityPendingNow != 1 {
		t.Errorf("devices %d, silent %d, security pending %d; want 2, 1, 1", r.Devices, r.Silent, r.SecurityPendingNow)
	}
	if r.Users != 4 || r.BillingText() != "R600.00 excl. VAT" || len(r.Billed) != 4 || r.Billed[3].Name != "Frank" {
		t.Errorf("billing: %d users %+v, %s; want acme's 4 people, R600.00 excl. VAT", r.Users, r.Billed, r.BillingText())
	}
	var html, pdf bytes.Buffer
	if err := report.WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"R600.00 excl. VAT", `id="sla-overall">75.0%`, `id="opened">4<`, `id="mttr">1 day 1 h<`, "Acme Attorneys"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	if err := report.WritePDF(&pdf, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) || !bytes.Contains(pdf.Bytes(), []byte("/Count 2")) {
		t.Error("the PDF report is not a PDF of two pages: the month, and the bill with the 4 people")
	}
}

func TestReportUnknownTenant(t *testing.T) {
	st := openReportStore(t)
	_, err := hub.BuildReport(context.Background(), st, "nobody", sa(11, 1, 0, 0), sa(12, 2, 9, 0))
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("err = %v, want a tenant not found", err)
	}
}

// BenchmarkReport5000 builds the report of a tenant with 5,000 tickets in
// the month from a real store (read, compute, HTML and PDF).
func BenchmarkReport5000(b *testing.B) {
	ctx := context.Background()
	st := openReportStore(b)
	pillars := []msp.Pillar{msp.PillarHelpdesk, msp.PillarMicrosoft365, msp.PillarSecurity, msp.PillarNetwork, msp.PillarBackup}
	const n = 5000
	for batch := 0; batch < n; batch += 500 {
		err := st.Update(ctx, func(tx hub.Tx) error {
			if batch == 0 {
				if err := tx.PutTenant(reportTenant()); err != nil {
					return err
				}
			}
			for i := batch; i < batch+500; i++ {
				created := sa(11, 1, 0, 0).Add(time.Duration(i) * 8 * time.Minute)
				answered := created.Add(time.Duration(i%240) * time.Minute)
				var resolvedAt time.Time
				if i%3 != 0 {
					resolvedAt = created.Add(time.Duration(i%72) * time.Hour)
				}
				tk := storeTicket(fmt.Sprintf("t%05d", i), msp.Priority(i%4+1), pillars[i%len(pillars)], msp.PartyMSP, fmt.Sprintf("user%d", i%150), created, answered, resolvedAt)
				if err := tx.PutTicket(tk); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	month, now := sa(11, 1, 0, 0), sa(12, 2, 9, 0)
	r, err := hub.BuildReport(ctx, st, "acme", month, now)
	if err != nil {
		b.Fatal(err)
	}
	if r.Opened != n {
		b.Fatalf("opened %d, want %d", r.Opened, n)
	}
	b.Run("gather+build", func(b *testing.B) {
		for b.Loop() {
			if _, err := hub.BuildReport(ctx, st, "acme", month, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("html", func(b *testing.B) {
		for b.Loop() {
			var html bytes.Buffer
			if err := report.WriteHTML(&html, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			var pdf bytes.Buffer
			if err := report.WritePDF(&pdf, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestMetricsSnapshot(t *testing.T) {
	ctx := context.Background()
	st := openReportStore(t)
	now := sa(11, 30, 12, 0)
	var none time.Time
	err := st.Update(ctx, func(tx hub.Tx) error {
		if err := tx.PutTenant(reportTenant()); err != nil {
			return err
		}
		late := storeTicket("t1", msp.P1, msp.PillarSecurity, msp.PartyMSP, "alice", sa(11, 30, 8, 0), none, none)
		late.SLA = msp.SLAState{State: msp.SLABreached, Priority: msp.P1, ResponseBreached: true}
		for _, tk := range []*msp.Ticket{
			late,
			storeTicket("t2", msp.P1, msp.PillarSecurity, msp.PartyMSP, "bob", sa(11, 30, 11, 0), none, none),
			storeTicket("t3", msp.P3, msp.PillarHelpdesk, msp.PartyMSP, "carol", sa(11, 29, 9, 0), none, none),
			storeTicket("t4", msp.P3, msp.PillarHelpdesk, msp.PartyMSP, "dave", sa(11, 2, 9, 0), sa(11, 2, 9, 5), sa(11, 2, 10, 0)),
		} {
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		for i, seen := range []time.Time{sa(11, 30, 11, 0), sa(11, 28, 11, 0), sa(11, 30, 11, 30)} {
			d := hub.Device{Device: msp.Device{ID: fmt.Sprintf("d%d", i), Tenant: "acme", Hostname: fmt.Sprintf("pc-%d", i), EnrolledAt: sa(10, 1, 9, 0), LastSeen: seen}}
			d.Revoked = i == 2
			if err := tx.PutDevice(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := hub.MetricsSnapshot(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.OpenTickets; got[metrics.TenantPriority{Tenant: "acme", Priority: 1}] != 2 || got[metrics.TenantPriority{Tenant: "acme", Priority: 3}] != 1 || len(got) != 2 {
		t.Errorf("open tickets = %v, want P1: 2, P3: 1", got)
	}
	if s.Breached["acme"] != 1 || s.Devices["acme"] != 2 || s.SilentDevices["acme"] != 1 {
		t.Errorf("breached %v devices %v silent %v; want 1, 2, 1", s.Breached, s.Devices, s.SilentDevices)
	}
}

// A ticket event reaches a real receiver through the store's event
// outbox and the relay, filtered by the endpoint's events; an SLA breach is
// counted in the metrics.
func TestWebhookRelay(t *testing.T) {
	ctx := context.Background()
	type got struct {
		header http.Header
		body   []byte
	}
	arrived := make(chan got, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		arrived <- got{r.Header.Clone(), b}
	}))
	defer recv.Close()
	h, _ := startHubWith(t, t.TempDir(), hub.Config{Webhooks: webhook.Options{AllowHTTP: true}})
	tn := h.tenant(t, "Acme", msp.ModeFullyManaged)
	ep, err := h.admin.AddWebhook(ctx, tn.ID, recv.URL, []string{"ticket.created"}, "PSA")
	if err != nil {
		t.Fatal(err)
	}
	d := h.enroll(t, tn.ID, "acme-pc")
	tk := draft("Printer offline")
	wantResults(t, d.push(t, createM(d.next(), tk), commentM(d.next(), tk.ID, "Still offline")), 2, protocol.Applied, protocol.Applied)
	select {
	case g := <-arrived:
		if g.header.Get(webhook.HeaderEvent) != webhook.EventTicketCreated {
			t.Errorf("event %q, want ticket.created", g.header.Get(webhook.HeaderEvent))
		}
		if err := webhook.Verify(ep.Secret, g.header, g.body, 0); err != nil {
			t.Error(err)
		}
		if wh, err := standardwebhooks.NewWebhook(ep.Secret); err != nil {
			t.Errorf("the Standard Webhooks library does not take the secret: %v", err)
		} else if err := wh.Verify(g.body, g.header); err != nil {
			t.Errorf("the Standard Webhooks library refuses the delivery: %v", err)
		}
		var body struct {
			Data struct{ Ticket msp.Ticket }
		}
		if err := json.Unmarshal(g.body, &body); err != nil || body.Data.Ticket.ID != tk.ID || body.Data.Ticket.Title != tk.Title {
			t.Errorf("body %s: %v", g.body, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("nothing was delivered in 30 s")
	}
	if len(arrived) != 0 {
		t.Error("the filtered-out reply was delivered too")
	}
}

// The metrics sink counts SLA breaches.
func TestMetricsSinkCountsBreaches(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	m := metrics.NewHub(metrics.HubOptions{Version: "test", Log: quiet})
	sink := hub.MetricsSink(m)
	tk := storeTicket("t1", msp.P2, msp.PillarHelpdesk, msp.PartyMSP, "alice", sa(11, 3, 9, 0), time.Time{}, time.Time{})
	sink.TicketEvent(context.Background(), hub.TicketEvent{Kind: hub.EventCreated, Tenant: "acme", Ticket: tk, At: sa(11, 3, 9, 0)})
	sink.TicketEvent(context.Background(), hub.TicketEvent{Kind: hub.EventSLABreached, Tenant: "acme", Ticket: tk, Clock: "response", At: sa(11, 3, 13, 0)})
	rec := httptest.NewRecorder()
	m.Handler("").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `tandem_hub_sla_breaches_total{clock="response",priority="P2",tenant="acme"} 1`) {
		t.Errorf("the breach was not counted:\n%s", rec.Body.String())
	}
}
