package hub

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"tandem/hub/metrics"
	"tandem/hub/report"
	"tandem/hub/webhook"
	"tandem/msp"
	"tandem/sync/protocol"
)

// ReportInput reads from st what the monthly report of tenant needs: the
// tenant, its tickets raised before the end of the month that holds month
// (in the tenant's time zone) with their status histories, its devices
// with their latest inventories, and its alerts (the tickets the hub
// raised for them), and its people, whom the bill counts as the tenant's
// billing basis says. now is when the report is made.
func ReportInput(ctx context.Context, st Store, tenant string, month, now time.Time) (report.Input, error) {
	in := report.Input{Month: month, Now: now, Statuses: map[string][]msp.StatusChange{}, FirstResponses: map[string]time.Time{}}
	err := st.View(ctx, func(tx Tx) error {
		t, err := tx.Tenant(tenant)
		if err != nil {
			return err
		}
		loc, err := t.Location()
		if err != nil {
			return fmt.Errorf("tenant %s: %w", tenant, err)
		}
		from, to := report.MonthRange(month, loc)
		in.Tenant = t
		if in.People, err = tx.People(tenant); err != nil {
			return fmt.Errorf("reading the people of tenant %s: %w", tenant, err)
		}
		var histErr error
		if err := tx.Tickets(tenant, func(tk *msp.Ticket) bool {
			if !tk.CreatedAt.Before(to) {
				return true
			}
			if a, ok := alertOf(tk); ok {
				in.Alerts = append(in.Alerts, a)
			}
			// Tickets finished before the month only count for alerts
			// (patch compliance at the start of the month).
			if finished(tk) && laterDone(tk).Before(from) {
				return true
			}
			in.Tickets = append(in.Tickets, tk)
			h, err := tx.History(tenant, tk.ID)
			switch {
			case err == nil:
				in.Statuses[tk.ID] = h.Statuses
				if !h.FirstResponseAt.IsZero() {
					in.FirstResponses[tk.ID] = h.FirstResponseAt
				}
			case !errors.Is(err, ErrNotFound):
				histErr = fmt.Errorf("reading the history of ticket %s: %w", tk.ID, err)
				return false
			}
			return true
		}); err != nil {
			return fmt.Errorf("reading the tickets of tenant %s: %w", tenant, err)
		}
		if histErr != nil {
			return histErr
		}
		groups, err := tx.AlertGroups(tenant)
		if err != nil {
			return fmt.Errorf("reading the alerts of tenant %s: %w", tenant, err)
		}
		for _, g := range groups {
			in.Alerts = append(in.Alerts, groupAlerts(g, to)...)
		}
		devices, err := tx.Devices(tenant)
		if err != nil {
			return fmt.Errorf("reading the devices of tenant %s: %w", tenant, err)
		}
		for _, d := range devices {
			rd := report.Device{
				ID: d.ID, Hostname: d.Hostname, EnrolledAt: d.EnrolledAt,
				LastSeen: d.LastSeen, Revoked: d.Revoked,
			}
			inv, err := tx.Inventory(tenant, d.ID)
			switch {
			case err == nil:
				rd.Inventory = &inv
			case !errors.Is(err, ErrNotFound):
				return fmt.Errorf("reading the inventory of device %s: %w", d.ID, err)
			}
			in.Devices = append(in.Devices, rd)
		}
		return nil
	})
	if err != nil {
		return report.Input{}, fmt.Errorf("gathering the report of tenant %s: %w", tenant, err)
	}
	return in, nil
}

func finished(tk *msp.Ticket) bool {
	return tk.Status == msp.StatusResolved || tk.Status == msp.StatusClosed
}

// laterDone is when tk was last resolved or closed; zero if neither.
func laterDone(tk *msp.Ticket) time.Time {
	if tk.ClosedAt.After(tk.ResolvedAt) {
		return tk.ClosedAt
	}
	return tk.ResolvedAt
}

// BuildReport gathers and computes the monthly report of tenant.
func BuildReport(ctx context.Context, st Store, tenant string, month, now time.Time) (*report.Report, error) {
	in, err := ReportInput(ctx, st, tenant, month, now)
	if err != nil {
		return nil, err
	}
	return report.Build(in)
}

// alertOf returns the alert a ticket the hub raised for a proactive alert
// stands for: open from its creation until it was resolved or closed.
func alertOf(tk *msp.Ticket) (report.Alert, bool) {
	if tk.Alert == nil || strings.HasPrefix(tk.Alert.Key, groupKeyPrefix) {
		return report.Alert{}, false // a group's devices count one by one (groupAlerts)
	}
	a := report.Alert{Device: tk.Device, Condition: tk.Alert.Condition, Ticket: tk.ID, OpenedAt: tk.CreatedAt}
	if finished(tk) {
		a.ResolvedAt = laterDone(tk)
	}
	return a, true
}

// groupAlerts returns the alerts of a group's devices, one per device and
// time it had the problem, that began before to.
func groupAlerts(g AlertGroup, to time.Time) []report.Alert {
	condition, _, _ := strings.Cut(g.Problem, "/")
	var out []report.Alert
	for _, sp := range g.Spans {
		if sp.From.Before(to) {
			out = append(out, report.Alert{Device: sp.Device, Condition: condition, Ticket: sp.Ticket, OpenedAt: sp.From, ResolvedAt: sp.To})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(g.Devices)) {
		gd := g.Devices[id]
		if gd.Since.Before(to) {
			out = append(out, report.Alert{Device: id, Condition: condition, Ticket: gd.Ticket, OpenedAt: gd.Since})
		}
	}
	return out
}

// PathAdminReport is the operator API's monthly report:
// GET /v1/admin/report?tenant=ID&month=YYYY-MM answers a report.Report in
// JSON, which tandem-hub report renders as HTML and PDF.
const PathAdminReport = "/v1/admin/report"

// reportRoutes adds the operator routes of the report, webhook and metrics
// parts to mux, each behind the operator credential: GET PathAdminReport,
// the webhook admin API under webhook.AdminPath (when d is set) and
// GET /metrics (when m is set). Server.Handler calls it after adminRoutes.
func (s *Server) reportRoutes(mux *http.ServeMux, m *metrics.Hub, d *webhook.Dispatcher) {
	mux.HandleFunc("GET "+PathAdminReport, s.operatorOnly(s.getReport))
	if d != nil {
		wh := s.webhookAdmin(d)
		mux.HandleFunc(webhook.AdminPath, s.operatorOnly(wh))
		mux.HandleFunc(webhook.AdminPath+"/", s.operatorOnly(wh))
	}
	if m != nil {
		mux.HandleFunc("GET /metrics", s.operatorOnly(m.Handler("").ServeHTTP))
	}
}

// getReport serves PathAdminReport.
func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenant := q.Get("tenant")
	month, err := report.ParseMonth(q.Get("month"))
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: err.Error()})
		return
	}
	rep, err := BuildReport(r.Context(), s.store, tenant, month, s.now())
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + tenant})
	case errors.Is(err, report.ErrInput):
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: err.Error()})
	case err != nil:
		s.internal(w, r, "building a report", err)
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

// Report asks the hub for the monthly report of tenant; month is YYYY-MM.
func (c *AdminClient) Report(ctx context.Context, tenant, month string) (*report.Report, error) {
	var out report.Report
	q := url.Values{"tenant": {tenant}, "month": {month}}
	if err := c.do(ctx, http.MethodGet, PathAdminReport+"?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MetricsSnapshot reads the figures of the hub's gauges from st: open
// tickets by tenant and priority, open tickets whose SLA the hub last found
// breached (Ticket.SLA), devices and silent devices (no check-in within
// the tenant's alert threshold) by tenant. It scans every tenant's open
// tickets, so the metrics package caches it (metrics.SnapshotTTL).
func MetricsSnapshot(ctx context.Context, st Store, now time.Time) (metrics.Snapshot, error) {
	s := metrics.Snapshot{
		OpenTickets:   map[metrics.TenantPriority]int{},
		Devices:       map[string]int{},
		SilentDevices: map[string]int{},
		Breached:      map[string]int{},
	}
	err := st.View(ctx, func(tx Tx) error {
		tenants, err := tx.Tenants()
		if err != nil {
			return fmt.Errorf("listing tenants: %w", err)
		}
		for _, t := range tenants {
			if err := tx.OpenTickets(t.ID, func(tk *msp.Ticket) bool {
				s.OpenTickets[metrics.TenantPriority{Tenant: t.ID, Priority: int(tk.Priority)}]++
				if tk.SLA.State == msp.SLABreached {
					s.Breached[t.ID]++
				}
				return true
			}); err != nil {
				return fmt.Errorf("reading the open tickets of tenant %s: %w", t.ID, err)
			}
			devices, err := tx.Devices(t.ID)
			if err != nil {
				return fmt.Errorf("reading the devices of tenant %s: %w", t.ID, err)
			}
			silentAfter := t.AlertRules().SilentAfter
			for _, d := range devices {
				if d.Revoked {
					continue
				}
				s.Devices[t.ID]++
				seen := d.LastSeen
				if seen.IsZero() {
					seen = d.EnrolledAt
				}
				if now.Sub(seen) > silentAfter {
					s.SilentDevices[t.ID]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return metrics.Snapshot{}, fmt.Errorf("reading the metrics snapshot: %w", err)
	}
	return s, nil
}

// MetricsSink counts SLA breaches on m. The hub tells it every event
// after the commit; webhooks do not go through a sink but through the
// store's event outbox (see Server.RunWebhookRelay), so that no crash
// between a commit and the webhook queue loses one.
func MetricsSink(m *metrics.Hub) EventSink {
	return EventSinkFunc(func(_ context.Context, ev TicketEvent) {
		if m != nil && ev.Kind == EventSLABreached && ev.Ticket != nil {
			m.SLABreach(ev.Tenant, int(ev.Ticket.Priority), ev.Clock)
		}
	})
}

// webhookKinds are the event kinds on the wire: webhook.Event*
// ("ticket.created", "sla.breached", ...).
var webhookKinds = map[EventKind]string{
	EventCreated:       webhook.EventTicketCreated,
	EventStatus:        webhook.EventTicketStatus,
	EventReply:         webhook.EventTicketReply,
	EventAssigned:      webhook.EventTicketAssigned,
	EventSLAAtRisk:     webhook.EventSLAAtRisk,
	EventSLABreached:   webhook.EventSLABreached,
	EventAlertOpened:   webhook.EventAlertOpened,
	EventAlertResolved: webhook.EventAlertResolved,
}

// AddWebhook registers a webhook endpoint for tenant; the answer carries
// its secret, shown this once. events filters (none: every event).
func (c *AdminClient) AddWebhook(ctx context.Context, tenant, rawURL string, events []string, description string) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	err := c.do(ctx, http.MethodPost, webhook.AdminPath, webhook.AddRequest{Tenant: tenant, URL: rawURL, Events: events, Description: description}, &e)
	return e, err
}

// Webhooks lists tenant's webhook endpoints (every tenant's when empty),
// without their secrets.
func (c *AdminClient) Webhooks(ctx context.Context, tenant string) ([]webhook.Listed, error) {
	var out []webhook.Listed
	err := c.do(ctx, http.MethodGet, webhook.AdminPath+"?"+url.Values{"tenant": {tenant}}.Encode(), nil, &out)
	return out, err
}

// RemoveWebhook removes one of tenant's webhook endpoints.
func (c *AdminClient) RemoveWebhook(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodDelete, webhook.AdminPath+"/"+url.PathEscape(id)+"?"+url.Values{"tenant": {tenant}}.Encode(), nil, nil)
}

// PingWebhook queues a test event to one endpoint.
func (c *AdminClient) PingWebhook(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodPost, webhook.AdminPath+"/"+url.PathEscape(id)+"/ping?"+url.Values{"tenant": {tenant}}.Encode(), nil, nil)
}

// DeadWebhooks lists deliveries that were given up on.
func (c *AdminClient) DeadWebhooks(ctx context.Context, tenant string) ([]webhook.Delivery, error) {
	var out []webhook.Delivery
	err := c.do(ctx, http.MethodGet, webhook.AdminPath+"/dead?"+url.Values{"tenant": {tenant}}.Encode(), nil, &out)
	return out, err
}

// RetryWebhook queues a dead delivery again.
func (c *AdminClient) RetryWebhook(ctx context.Context, delivery string) error {
	return c.do(ctx, http.MethodPost, webhook.AdminPath+"/dead/"+url.PathEscape(delivery)+"/retry", nil, nil)
}
