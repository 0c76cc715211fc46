package metrics

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	reg *prometheus.Registry
	log *slog.Logger

	pushes, pulls, changes prometheus.Counter
	errors, webhooks       *prometheus.CounterVec
	slaBreaches            *prometheus.CounterVec
	ingest                 *prometheus.HistogramVec

	snapshot func(context.Context) (Snapshot, error)
	depth    func(context.Context) (int, error)

	mu     sync.Mutex
	snap   Snapshot
	snapAt time.Time
}

// HubOptions configure NewHub.
type HubOptions struct {
	Version string
	// Snapshot reads the gauges' figures from the store (see
	// hub.MetricsSnapshot); nil leaves those gauges out.
	Snapshot func(context.Context) (Snapshot, error)
	// QueueDepth is the webhook queue's depth (webhook.Dispatcher.Depth);
	// nil leaves the gauge out.
	QueueDepth func(context.Context) (int, error)
	Log        *slog.Logger
}

// ingestBuckets suit request latencies in seconds, 1 ms to 10 s. They are
// the buckets the hub has always published, finer at the low end than
// prometheus.DefBuckets, so dashboards keep their bucket bounds.
var ingestBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewHub registers the hub's metrics, and the Go runtime's and the
// process's, in a registry of its own.
func NewHub(o HubOptions) *Hub {
	h := &Hub{reg: prometheus.NewRegistry(), snapshot: o.Snapshot, depth: o.QueueDepth, log: o.Log}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.pushes = prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_hub_pushes_total", Help: "Push requests handled."})
	h.pulls = prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_hub_pulls_total", Help: "Pull requests handled."})
	h.changes = prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_hub_changes_applied_total", Help: "Mutations applied from pushes (replays not counted)."})
	h.errors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tandem_hub_errors_total", Help: "Errors by kind."}, []string{"kind"})
	h.slaBreaches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tandem_hub_sla_breaches_total",
		Help: "SLA clocks that ran past their target, by tenant, priority and clock.",
	}, []string{"tenant", "priority", "clock"})
	h.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tandem_hub_webhook_deliveries_total",
		Help: "Webhook delivery attempts by outcome (delivered, failed, dead).",
	}, []string{"outcome"})
	h.ingest = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tandem_hub_ingest_duration_seconds",
		Help:    "Time to handle a sync request, by operation (push, pull).",
		Buckets: ingestBuckets,
	}, []string{"op"})
	for _, k := range []string{ErrBadRequest, ErrUnauthorized, ErrRejected, ErrStore, ErrInternal} {
		h.errors.WithLabelValues(k) // present from the start, so rate() sees the first one
	}
	h.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		h.pushes, h.pulls, h.changes, h.errors, h.slaBreaches, h.webhooks, h.ingest,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "tandem_hub_build_info",
			Help:        "The hub's version; always 1.",
			ConstLabels: prometheus.Labels{"version": o.Version},
		}, func() float64 { return 1 }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tandem_hub_goroutines",
			Help: "Goroutines in the hub process.",
		}, func() float64 { return float64(runtime.NumGoroutine()) }),
		&storeCollector{h: h},
	)
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
		h.errors.WithLabelValues(ErrSnapshot).Inc()
		h.log.Warn("metrics: reading the store", "err", err)
		return h.snap
	}
	h.snap, h.snapAt = s, time.Now()
	return s
}

// Handler serves GET and HEAD /metrics: the Prometheus text format, or
// OpenMetrics when the scraper's Accept header prefers it, compressed when
// it accepts gzip or zstd. With a token it demands
// "Authorization: Bearer <token>" (the operator credential) and answers
// 401 otherwise; with an empty token it serves anyone, for a listener the
// operator bound to a private address.
func (h *Hub) Handler(token string) http.Handler {
	want := sha256.Sum256([]byte(token))
	serve := promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{
		ErrorLog:          promLogger{h.log},
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "metrics are read with GET", http.StatusMethodNotAllowed)
			return
		}
		if token != "" {
			got, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
			sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
			if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tandem-hub metrics"`)
				http.Error(w, "metrics need the hub's operator credential as a bearer token (the operator.token file in the hub's data directory)", http.StatusUnauthorized)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		serve.ServeHTTP(w, req)
	})
}

// promLogger logs promhttp's errors (a collector that failed, a scraper
// that went away mid-answer) through slog.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Warn("metrics: serving a scrape", "err", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// Push records a push handled in d that applied n mutations, for callers
// that do not wrap the handler with Instrument (use one or the other).
func (h *Hub) Push(d time.Duration, applied int) {
	if h == nil {
		return
	}
	h.pushes.Inc()
	h.changes.Add(float64(applied))
	h.ingest.WithLabelValues("push").Observe(d.Seconds())
}

// Pull records a pull handled in d.
func (h *Hub) Pull(d time.Duration) {
	if h == nil {
		return
	}
	h.pulls.Inc()
	h.ingest.WithLabelValues("pull").Observe(d.Seconds())
}

// Error counts an error of kind (one of the Err constants).
func (h *Hub) Error(kind string) {
	if h == nil {
		return
	}
	h.errors.WithLabelValues(kind).Inc()
}

// SLABreach counts a clock ("response" or "resolution") of a ticket of
// priority (1 to 4) in tenant running past its target.
func (h *Hub) SLABreach(tenant string, priority int, clock string) {
	if h == nil {
		return
	}
	h.slaBreaches.WithLabelValues(tenant, "P"+strconv.Itoa(priority), clock).Inc()
}

// Webhook counts a webhook attempt's outcome: "delivered", "failed" or
// "dead".
func (h *Hub) Webhook(outcome string) {
	if h == nil {
		return
	}
	h.webhooks.WithLabelValues(outcome).Inc()
}

// Changes counts the outcome of one push: mutations applied now, and
// mutations refused for good (counted as ErrRejected).
func (h *Hub) Changes(applied, rejected int) {
	if h == nil {
		return
	}
	h.changes.Add(float64(applied))
	h.errors.WithLabelValues(ErrRejected).Add(float64(rejected))
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
		h.ingest.WithLabelValues(op).Observe(time.Since(start).Seconds())
		switch {
		case sw.status == http.StatusUnauthorized || sw.status == http.StatusForbidden:
			h.errors.WithLabelValues(ErrUnauthorized).Inc()
		case sw.status >= 500:
			h.errors.WithLabelValues(ErrInternal).Inc()
		case sw.status >= 400:
			h.errors.WithLabelValues(ErrBadRequest).Inc()
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
