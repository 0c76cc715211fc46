package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape asks h's handler for its metrics with the given Accept header and
// returns the answer's content type and body.
func scrape(t *testing.T, h *Hub, accept string) (contentType, body string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.Handler("").ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Header().Get("Content-Type"), rec.Body.String()
}

// parseText parses body with the Prometheus text format's own parser, so
// a line it would refuse fails the test.
func parseText(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, body)
	}
	return mfs
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestHub(t *testing.T) {
	var mu sync.Mutex
	reads := 0
	fail := false
	h := NewHub(HubOptions{
		Version: "1.2.3",
		Log:     quiet(),
		Snapshot: func(context.Context) (Snapshot, error) {
			mu.Lock()
			defer mu.Unlock()
			reads++
			if fail {
				return Snapshot{}, errors.New("store closed")
			}
			return Snapshot{
				OpenTickets:   map[TenantPriority]int{{"acme", 1}: 2, {"acme", 3}: 5},
				Devices:       map[string]int{"acme": 40},
				SilentDevices: map[string]int{"acme": 3},
				Breached:      map[string]int{"acme": 1},
			}, nil
		},
		QueueDepth: func(context.Context) (int, error) { return 4, nil },
	})
	h.Push(20*time.Millisecond, 3)
	h.Push(2*time.Second, 1)
	h.Pull(time.Millisecond)
	h.Error(ErrRejected)
	h.SLABreach("acme", 2, "response")
	h.Webhook("delivered")
	ct, out := scrape(t, h, "")
	if mt, params, err := mime.ParseMediaType(ct); err != nil || mt != "text/plain" || params["version"] != "0.0.4" {
		t.Errorf("Content-Type %q without an Accept header, want the text format 0.0.4", ct)
	}
	for _, want := range []string{
		"tandem_hub_pushes_total 2\n", "tandem_hub_pulls_total 1\n", "tandem_hub_changes_applied_total 4\n",
		`tandem_hub_errors_total{kind="rejected"} 1` + "\n", `tandem_hub_errors_total{kind="store"} 0` + "\n",
		`tandem_hub_ingest_duration_seconds_bucket{op="push",le="0.025"} 1` + "\n",
		`tandem_hub_ingest_duration_seconds_bucket{op="push",le="+Inf"} 2` + "\n",
		`tandem_hub_ingest_duration_seconds_count{op="push"} 2` + "\n",
		`tandem_hub_open_tickets{priority="P1",tenant="acme"} 2` + "\n",
		`tandem_hub_open_tickets{priority="P3",tenant="acme"} 5` + "\n",
		`tandem_hub_devices{tenant="acme"} 40` + "\n",
		`tandem_hub_devices_silent{tenant="acme"} 3` + "\n",
		`tandem_hub_sla_breached_open_tickets{tenant="acme"} 1` + "\n",
		`tandem_hub_sla_breaches_total{clock="response",priority="P2",tenant="acme"} 1` + "\n",
		`tandem_hub_webhook_deliveries_total{outcome="delivered"} 1` + "\n",
		"tandem_hub_webhook_queue_depth 4\n", `tandem_hub_build_info{version="1.2.3"} 1` + "\n",
		"# TYPE tandem_hub_ingest_duration_seconds histogram\n",
		"# TYPE tandem_hub_sla_breaches_total counter\n",
		"# TYPE tandem_hub_open_tickets gauge\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	mfs := parseText(t, out)
	// The standard metrics of the Go runtime and of the process.
	std := []string{"go_goroutines", "go_memstats_alloc_bytes", "go_gc_duration_seconds", "go_info"}
	if runtime.GOOS == "linux" {
		std = append(std, "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "process_open_fds")
	}
	for _, name := range std {
		if mfs[name] == nil {
			t.Errorf("the standard metric %s is missing", name)
		}
	}
	if reads != 1 {
		t.Errorf("one scrape read the store %d times, want once", reads)
	}
	// A second scrape within the TTL reuses the snapshot.
	mu.Lock()
	fail = true
	mu.Unlock()
	_, out = scrape(t, h, "")
	if reads != 1 || !strings.Contains(out, `tandem_hub_devices{tenant="acme"} 40`) {
		t.Errorf("second scrape: %d reads, devices gauge kept: %v", reads, strings.Contains(out, "tandem_hub_devices{"))
	}
}

// A scraper that asks for OpenMetrics (as Prometheus does) gets it; one
// that asks for the text format, or for nothing, gets that.
func TestOpenMetrics(t *testing.T) {
	h := NewHub(HubOptions{Version: "test", Log: quiet()})
	h.Push(20*time.Millisecond, 2)
	h.SLABreach("acme", 1, "resolution")
	ct, out := scrape(t, h, "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
	if mt, params, err := mime.ParseMediaType(ct); err != nil || mt != "application/openmetrics-text" || params["version"] != "1.0.0" {
		t.Errorf("Content-Type %q, want OpenMetrics 1.0.0", ct)
	}
	for _, want := range []string{
		"# TYPE tandem_hub_pushes counter\n", "tandem_hub_pushes_total 1.0\n",
		"# TYPE tandem_hub_sla_breaches counter\n",
		`tandem_hub_sla_breaches_total{clock="resolution",priority="P1",tenant="acme"} 1.0` + "\n",
		`tandem_hub_ingest_duration_seconds_bucket{op="push",le="0.025"} 1` + "\n",
		`tandem_hub_ingest_duration_seconds_bucket{op="push",le="1.0"} 1` + "\n",
		`tandem_hub_build_info{version="test"} 1.0` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("OpenMetrics lacks %q", want)
		}
	}
	if !strings.HasSuffix(out, "\n# EOF\n") {
		t.Errorf("OpenMetrics does not end with # EOF:\n%s", out[max(0, len(out)-200):])
	}
	ct, out = scrape(t, h, "text/plain;version=0.0.4")
	if !strings.HasPrefix(ct, "text/plain") || strings.Contains(out, "# EOF") {
		t.Errorf("asked for the text format, got %q", ct)
	}
	parseText(t, out)
}

func TestHandlerNeedsToken(t *testing.T) {
	h := NewHub(HubOptions{Version: "test", Log: quiet()})
	h.Push(0, 0)
	srv := httptest.NewServer(h.Handler("op-secret"))
	defer srv.Close()
	get := func(method, auth string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, srv.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	for _, auth := range []string{"", "Bearer wrong", "op-secret", "Basic b3A="} {
		if code, _, _ := get(http.MethodGet, auth); code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
	code, hdr, body := get(http.MethodGet, "Bearer op-secret")
	if code != http.StatusOK || !strings.Contains(body, "tandem_hub_pushes_total 1\n") || hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("with the token: %d %q %q", code, hdr.Get("Cache-Control"), body)
	}
	if code, hdr, body := get(http.MethodHead, "Bearer op-secret"); code != http.StatusOK || body != "" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("HEAD: %d %q, body %d bytes", code, hdr.Get("Content-Type"), len(body))
	}
	if code, hdr, _ := get(http.MethodPost, "Bearer op-secret"); code != http.StatusMethodNotAllowed || hdr.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", code, hdr.Get("Allow"))
	}
	open := httptest.NewServer(h.Handler(""))
	defer open.Close()
	resp, err := open.Client().Get(open.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("open listener: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestInstrument(t *testing.T) {
	h := NewHub(HubOptions{Version: "test", Log: quiet()})
	ok := h.Instrument("push", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Changes(3, 1)
		w.Write([]byte("{}"))
	}))
	denied := h.Instrument("pull", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	broken := h.Instrument("pull", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	for _, hd := range []http.Handler{ok, ok, denied, broken} {
		hd.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", nil))
	}
	_, out := scrape(t, h, "")
	for _, want := range []string{
		"tandem_hub_pushes_total 2\n", "tandem_hub_pulls_total 2\n", "tandem_hub_changes_applied_total 6\n",
		`tandem_hub_errors_total{kind="rejected"} 2`, `tandem_hub_errors_total{kind="unauthorized"} 1`,
		`tandem_hub_errors_total{kind="internal"} 1`, `tandem_hub_errors_total{kind="bad-request"} 0`,
		`tandem_hub_ingest_duration_seconds_count{op="pull"} 2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// A nil *Hub counts nothing and lets handlers through.
func TestNilHub(t *testing.T) {
	var h *Hub
	h.Push(0, 1)
	h.Pull(0)
	h.Error(ErrStore)
	h.SLABreach("acme", 1, "response")
	h.Webhook("dead")
	h.Changes(1, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	rec := httptest.NewRecorder()
	h.Instrument("push", next).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("a nil Hub's Instrument answered %d", rec.Code)
	}
}

// A webhook queue that cannot be read leaves its gauge out and counts an
// error; the rest of the scrape is served, and no gauge of the snapshot
// appears when the hub was given none.
func TestQueueDepthFails(t *testing.T) {
	h := NewHub(HubOptions{Version: "test", Log: quiet(),
		QueueDepth: func(context.Context) (int, error) { return 0, errors.New("webhook store closed") }})
	// The registry collects concurrently, so the first failure may be
	// counted after the error counter was read: the second scrape shows it.
	scrape(t, h, "")
	_, out := scrape(t, h, "")
	mfs := parseText(t, out)
	if mfs["tandem_hub_webhook_queue_depth"] != nil {
		t.Errorf("the queue depth was served although it could not be read:\n%s", out)
	}
	if mfs["tandem_hub_open_tickets"] != nil || mfs["tandem_hub_devices"] != nil {
		t.Errorf("the snapshot's gauges were served without a snapshot:\n%s", out)
	}
	failed := 0.0
	for _, m := range mfs["tandem_hub_errors_total"].GetMetric() {
		if m.GetLabel()[0].GetValue() == ErrSnapshot {
			failed = m.GetCounter().GetValue()
		}
	}
	if failed < 1 || mfs["tandem_hub_pushes_total"] == nil {
		t.Errorf("the failed reads were counted %v times, or the rest not served:\n%s", failed, out)
	}
}

func TestServe(t *testing.T) {
	h := NewHub(HubOptions{Version: "test", Log: quiet()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `tandem_hub_build_info{version="test"} 1`) {
		t.Errorf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	if resp, err := http.Get("http://" + ln.Addr().String() + "/other"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /other: %d, want 404", resp.StatusCode)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// readmeRow is a row of the README's table of metrics:
// | `name` | type | `label`, `label` | meaning |
var readmeRow = regexp.MustCompile("^\\| `((?:tandem_hub|go|process)_[a-z0-9_]*)` \\| (counter|gauge|histogram|summary) \\| ([^|]*) \\|")

// TestREADMEListsEveryMetric keeps the README's table of metrics in step
// with the hub: every metric it serves here, its own and the Go and
// process collectors', has a row with its type and labels, and no row
// names a tandem_hub_* metric it does not serve. (Rows for go_* and
// process_* metrics of other systems may stay.)
func TestREADMEListsEveryMetric(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ kind, labels string }
	rows := map[string]row{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := readmeRow.FindStringSubmatch(line); m != nil {
			labels := strings.Fields(strings.NewReplacer("`", " ", ",", " ", "—", " ", "-", " ").Replace(m[3]))
			slices.Sort(labels)
			rows[m[1]] = row{m[2], strings.Join(labels, ",")}
		}
	}
	h := NewHub(HubOptions{Version: "test", Log: quiet(),
		Snapshot: func(context.Context) (Snapshot, error) {
			return Snapshot{OpenTickets: map[TenantPriority]int{{"acme", 1}: 1}, Devices: map[string]int{"acme": 1},
				SilentDevices: map[string]int{"acme": 1}, Breached: map[string]int{"acme": 1}}, nil
		},
		QueueDepth: func(context.Context) (int, error) { return 0, nil }})
	// Give every vector a series, so that its labels show.
	h.Push(0, 0)
	h.Pull(0)
	h.SLABreach("acme", 1, "response")
	h.Webhook("delivered")
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, mf := range mfs {
		name := mf.GetName()
		served[name] = true
		r, ok := rows[name]
		if !ok {
			t.Errorf("README.md's table of metrics has no row for %s", name)
			continue
		}
		if want := strings.ToLower(mf.GetType().String()); r.kind != want {
			t.Errorf("README.md says %s is a %s; it is a %s", name, r.kind, want)
		}
		var labels []string
		if len(mf.GetMetric()) > 0 {
			for _, l := range mf.GetMetric()[0].GetLabel() {
				labels = append(labels, l.GetName())
			}
		}
		slices.Sort(labels)
		if r.labels != strings.Join(labels, ",") {
			t.Errorf("README.md gives %s the labels %q; it has %q", name, r.labels, strings.Join(labels, ","))
		}
	}
	for name := range rows {
		if strings.HasPrefix(name, "tandem_hub_") && !served[name] {
			t.Errorf("README.md lists %s, which the hub does not serve", name)
		}
	}
}
