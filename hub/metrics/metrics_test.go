package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	r := New()
	c := r.Counter("app_requests_total", "Requests.\nBy code.", "code")
	c.Inc("200")
	c.Add(2, "500")
	c.Inc("200")
	g := r.Gauge("app_queue", "Queue depth.")
	g.Set(7)
	g.Add(-2)
	h := r.Histogram("app_latency_seconds", "Latency.", []float64{0.1, 1}, "op")
	h.Observe(0.05, "push")
	h.Observe(0.1, "push")
	h.Observe(3, "push")
	r.GaugeFunc("app_label_escape", "Escapes.", []string{"name"}, func() []Sample {
		return []Sample{{Labels: []string{`a"b\c` + "\n"}, Value: 1.5}}
	})
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP app_label_escape Escapes.
# TYPE app_label_escape gauge
app_label_escape{name="a\"b\\c\n"} 1.5
# HELP app_latency_seconds Latency.
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{op="push",le="0.1"} 2
app_latency_seconds_bucket{op="push",le="1"} 2
app_latency_seconds_bucket{op="push",le="+Inf"} 3
app_latency_seconds_sum{op="push"} 3.15
app_latency_seconds_count{op="push"} 3
# HELP app_queue Queue depth.
# TYPE app_queue gauge
app_queue 5
# HELP app_requests_total Requests.\nBy code.
# TYPE app_requests_total counter
app_requests_total{code="200"} 2
app_requests_total{code="500"} 2
`
	if b.String() != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", b.String(), want)
	}
	checkFormat(t, b.String())
}

var sampleLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$`)

// checkFormat checks each line against the text format's grammar.
func checkFormat(t *testing.T, text string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !sampleLine.MatchString(line) {
			t.Errorf("not a valid sample line: %q", line)
		}
	}
}

func TestHandlerNeedsToken(t *testing.T) {
	r := New()
	r.Counter("x_total", "X.").Inc()
	srv := httptest.NewServer(r.Handler("op-secret"))
	defer srv.Close()
	get := func(auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, auth := range []string{"", "Bearer wrong", "op-secret", "Basic b3A="} {
		if code, _ := get(auth); code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
	code, body := get("Bearer op-secret")
	if code != http.StatusOK || !strings.Contains(body, "x_total 1\n") {
		t.Errorf("with the token: %d %q", code, body)
	}
	open := httptest.NewServer(r.Handler(""))
	defer open.Close()
	resp, err := http.Get(open.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ContentType {
		t.Errorf("open listener: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestHub(t *testing.T) {
	var mu sync.Mutex
	reads := 0
	fail := false
	h := NewHub(HubOptions{
		Version: "1.2.3",
		Log:     slog.New(slog.DiscardHandler),
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
			}, nil
		},
		QueueDepth: func(context.Context) (int, error) { return 4, nil },
	})
	h.Push(20*time.Millisecond, 3)
	h.Push(2*time.Second, 1)
	h.Pull(time.Millisecond)
	h.Error(ErrRejected)
	h.SLABreach("acme", 2, "response")
	var b strings.Builder
	if err := h.Registry().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"tandem_hub_pushes_total 2\n", "tandem_hub_pulls_total 1\n", "tandem_hub_changes_applied_total 4\n",
		`tandem_hub_errors_total{kind="rejected"} 1` + "\n", `tandem_hub_errors_total{kind="store"} 0` + "\n",
		`tandem_hub_ingest_duration_seconds_bucket{op="push",le="0.025"} 1` + "\n",
		`tandem_hub_ingest_duration_seconds_count{op="push"} 2` + "\n",
		`tandem_hub_open_tickets{tenant="acme",priority="P1"} 2` + "\n",
		`tandem_hub_open_tickets{tenant="acme",priority="P3"} 5` + "\n",
		`tandem_hub_devices_silent{tenant="acme"} 3` + "\n",
		`tandem_hub_sla_breaches_total{tenant="acme",priority="P2",clock="response"} 1` + "\n",
		"tandem_hub_webhook_queue_depth 4\n", `tandem_hub_build_info{version="1.2.3"} 1` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	checkFormat(t, out)
	if reads != 1 {
		t.Errorf("one scrape read the store %d times, want once", reads)
	}
	// A second scrape within the TTL reuses the snapshot.
	b.Reset()
	mu.Lock()
	fail = true
	mu.Unlock()
	if err := h.Registry().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if reads != 1 || !strings.Contains(b.String(), `tandem_hub_devices{tenant="acme"} 40`) {
		t.Errorf("second scrape: %d reads, devices gauge kept: %v", reads, strings.Contains(b.String(), "tandem_hub_devices{"))
	}
}

func TestInstrument(t *testing.T) {
	h := NewHub(HubOptions{Version: "test"})
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
	var b strings.Builder
	if err := h.Registry().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"tandem_hub_pushes_total 2\n", "tandem_hub_pulls_total 2\n", "tandem_hub_changes_applied_total 6\n",
		`tandem_hub_errors_total{kind="rejected"} 2`, `tandem_hub_errors_total{kind="unauthorized"} 1`,
		`tandem_hub_errors_total{kind="internal"} 1`, `tandem_hub_errors_total{kind="bad-request"} 0`,
		`tandem_hub_ingest_duration_seconds_count{op="pull"} 2`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestServe(t *testing.T) {
	h := NewHub(HubOptions{Version: "test"})
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
