package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Error kinds for Hub.Error, so dashboards can rely on a small fixed set.
const (
	ErrBadRequest   = "bad-request"  // a request the hub refused as malformed or invalid (4xx)
	ErrUnauthorized = "unauthorized" // a missing or wrong credential
	ErrRejected     = "rejected"     // a mutation refused by the rules (dead-lettered by the agent)
	ErrStore        = "store"        // the store failed
	ErrInternal     = "internal"     // anything else that answered 5xx
	ErrWebhook      = "webhook"      // a webhook attempt failed
	ErrSnapshot     = "metrics"      // the metrics snapshot could not be read
)

// Snapshot is what the store says at a moment, for the gauges.
type Snapshot struct {
	// OpenTickets counts tickets not resolved or closed, by tenant and
	// priority (1 to 4).
	OpenTickets map[TenantPriority]int
	// Devices and SilentDevices count enrolled devices by tenant, and
	// those that have not checked in for the tenant's silence threshold.
	Devices       map[string]int
	SilentDevices map[string]int
	// Breached counts open tickets whose SLA is breached, by tenant.
	Breached map[string]int
}

// TenantPriority keys Snapshot.OpenTickets.
type TenantPriority struct {
	Tenant   string
	Priority int
}

// SnapshotTTL is how long a snapshot serves scrapes before it is read again.
const SnapshotTTL = 30 * time.Second

// Hub is the hub's metrics. Its methods are safe for concurrent use, and
// do nothing on a nil *Hub, so a server without metrics calls them freely.
type Hub struct {
	reg *Registry

	pushes, pulls, changes, errors, slaBreaches, webhooks *Counter
	ingest                                                *Histogram

	snapshot func(context.Context) (Snapshot, error)
	depth    func(context.Context) (int, error)
	log      *slog.Logger

	mu     sync.Mutex
	snap   Snapshot
	snapAt time.Time
}

// HubOptions configure NewHub.
type HubOptions struct {
	Version string
	// Snapshot reads the gauges' figures from the store (see
	// hub.MetricsSnapshot); nil leaves those gauges empty.
	Snapshot func(context.Context) (Snapshot, error)
	// QueueDepth is the webhook queue's depth (webhook.Dispatcher.Depth);
	// nil leaves the gauge out.
	QueueDepth func(context.Context) (int, error)
	Log        *slog.Logger
}

// NewHub registers the hub's metrics in a new registry.
func NewHub(o HubOptions) *Hub {
	r := New()
	h := &Hub{reg: r, snapshot: o.Snapshot, depth: o.QueueDepth, log: o.Log}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.pushes = r.Counter("tandem_hub_pushes_total", "Push requests handled.")
	h.pulls = r.Counter("tandem_hub_pulls_total", "Pull requests handled.")
	h.changes = r.Counter("tandem_hub_changes_applied_total", "Mutations applied from pushes (replays not counted).")
	h.errors = r.Counter("tandem_hub_errors_total", "Errors by kind.", "kind")
	h.slaBreaches = r.Counter("tandem_hub_sla_breaches_total", "SLA clocks that ran past their target, by tenant, priority and clock.", "tenant", "priority", "clock")
	h.webhooks = r.Counter("tandem_hub_webhook_deliveries_total", "Webhook delivery attempts by outcome (delivered, failed, dead).", "outcome")
	h.ingest = r.Histogram("tandem_hub_ingest_duration_seconds", "Time to handle a sync request, by operation (push, pull).", DefBuckets, "op")
	for _, k := range []string{ErrBadRequest, ErrUnauthorized, ErrRejected, ErrStore, ErrInternal} {
		h.errors.Add(0, k) // present from the start, so rate() sees the first one
	}
	r.GaugeFunc("tandem_hub_build_info", "The hub's version; always 1.", []string{"version"}, func() []Sample {
		return []Sample{{Labels: []string{o.Version}, Value: 1}}
	})
	r.GaugeFunc("tandem_hub_goroutines", "Goroutines in the hub process.", nil, func() []Sample {
		return []Sample{{Value: float64(runtime.NumGoroutine())}}
	})
	if h.snapshot != nil {
		r.GaugeFunc("tandem_hub_open_tickets", "Tickets not resolved or closed, by tenant and priority.", []string{"tenant", "priority"}, func() []Sample {
			s := h.current()
			out := make([]Sample, 0, len(s.OpenTickets))
			for k, n := range s.OpenTickets {
				out = append(out, Sample{Labels: []string{k.Tenant, "P" + strconv.Itoa(k.Priority)}, Value: float64(n)})
			}
			return out
		})
		perTenant := func(name, help string, pick func(Snapshot) map[string]int) {
			r.GaugeFunc(name, help, []string{"tenant"}, func() []Sample {
				m := pick(h.current())
				out := make([]Sample, 0, len(m))
				for _, t := range slices.Sorted(maps.Keys(m)) {
					out = append(out, Sample{Labels: []string{t}, Value: float64(m[t])})
				}
				return out
			})
		}
		perTenant("tandem_hub_devices", "Enrolled devices, by tenant.", func(s Snapshot) map[string]int { return s.Devices })
		perTenant("tandem_hub_devices_silent", "Devices that have not checked in within the tenant's silence threshold.", func(s Snapshot) map[string]int { return s.SilentDevices })
		perTenant("tandem_hub_sla_breached_open_tickets", "Open tickets whose SLA is breached, by tenant.", func(s Snapshot) map[string]int { return s.Breached })
	}
	if h.depth != nil {
		r.GaugeFunc("tandem_hub_webhook_queue_depth", "Webhook deliveries waiting to be sent.", nil, func() []Sample {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			n, err := h.depth(ctx)
			if err != nil {
				h.Error(ErrSnapshot)
				h.log.Warn("metrics: reading the webhook queue depth", "err", err)
				return nil
			}
			return []Sample{{Value: float64(n)}}
		})
	}
	return h
}

// current returns the cached snapshot, reading a new one when it is older
// than SnapshotTTL. On a failed read the last one serves.
func (h *Hub) current() Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.snapAt.IsZero() && time.Since(h.snapAt) < SnapshotTTL {
		return h.snap
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := h.snapshot(ctx)
	if err != nil {
		h.errors.Inc(ErrSnapshot)
		h.log.Warn("metrics: reading the store", "err", err)
		return h.snap
	}
	h.snap, h.snapAt = s, time.Now()
	return s
}

// Registry is the registry behind h, to add metrics of other parts.
func (h *Hub) Registry() *Registry { return h.reg }

// Handler serves GET /metrics; see Registry.Handler.
func (h *Hub) Handler(token string) http.Handler { return h.reg.Handler(token) }

// Push records a push handled in d that applied n mutations, for callers
// that do not wrap the handler with Instrument (use one or the other).
func (h *Hub) Push(d time.Duration, applied int) {
	if h == nil {
		return
	}
	h.pushes.Inc()
	h.changes.Add(float64(applied))
	h.ingest.Observe(d.Seconds(), "push")
}

// Pull records a pull handled in d.
func (h *Hub) Pull(d time.Duration) {
	if h == nil {
		return
	}
	h.pulls.Inc()
	h.ingest.Observe(d.Seconds(), "pull")
}

// Error counts an error of kind (one of the Err constants).
func (h *Hub) Error(kind string) {
	if h == nil {
		return
	}
	h.errors.Inc(kind)
}

// SLABreach counts a clock ("response" or "resolution") of a ticket of
// priority (1 to 4) in tenant running past its target.
func (h *Hub) SLABreach(tenant string, priority int, clock string) {
	if h == nil {
		return
	}
	h.slaBreaches.Inc(tenant, "P"+strconv.Itoa(priority), clock)
}

// Webhook counts a webhook attempt's outcome: "delivered", "failed" or
// "dead".
func (h *Hub) Webhook(outcome string) {
	if h == nil {
		return
	}
	h.webhooks.Inc(outcome)
}

// Changes counts the outcome of one push: mutations applied now, and
// mutations refused for good (counted as ErrRejected).
func (h *Hub) Changes(applied, rejected int) {
	if h == nil {
		return
	}
	h.changes.Add(float64(applied))
	h.errors.Add(float64(rejected), ErrRejected)
}

// Instrument wraps a sync handler: it counts the request (op "push" or
// "pull" also count in pushes or pulls), observes its duration in the
// ingest histogram under op, and counts a 4xx or 5xx answer as an error
// (401 and 403 as ErrUnauthorized, other 4xx as ErrBadRequest, 5xx as
// ErrInternal).
func (h *Hub) Instrument(op string, next http.Handler) http.Handler {
	if h == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		switch op {
		case "push":
			h.pushes.Inc()
		case "pull":
			h.pulls.Inc()
		}
		h.ingest.Observe(time.Since(start).Seconds(), op)
		switch {
		case sw.status == http.StatusUnauthorized || sw.status == http.StatusForbidden:
			h.errors.Inc(ErrUnauthorized)
		case sw.status >= 500:
			h.errors.Inc(ErrInternal)
		case sw.status >= 400:
			h.errors.Inc(ErrBadRequest)
		}
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Serve serves GET /metrics on ln, without a credential, until ctx ends;
// then it shuts the server down and returns nil. Give it a listener on
// loopback or a private network (tandem-hub serve --metrics-listen
// 127.0.0.1:9464).
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.Handler(""))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving metrics on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stopping the metrics server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving metrics on %s: %w", ln.Addr(), err)
	}
	return nil
}
