package metrics

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Registry is a set of metrics. It is safe for concurrent use.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]collector
}

// New returns an empty registry.
func New() *Registry { return &Registry{metrics: map[string]collector{}} }

type collector interface {
	write(w *bufio.Writer)
}

// Sample is one value of a metric computed at scrape time; Labels are in
// the order the metric was declared with.
type Sample struct {
	Labels []string
	Value  float64
}

func (r *Registry) add(name string, c collector) {
	if !validName(name) {
		panic("metrics: invalid metric name " + strconv.Quote(name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.metrics[name]; dup {
		panic("metrics: " + name + " registered twice")
	}
	r.metrics[name] = c
}

// WriteText writes every metric in the Prometheus text format, sorted by
// name.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	names := make([]string, 0, len(r.metrics))
	for n := range r.metrics {
		names = append(names, n)
	}
	cs := make([]collector, 0, len(names))
	slices.Sort(names)
	for _, n := range names {
		cs = append(cs, r.metrics[n])
	}
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, c := range cs {
		c.write(bw)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing metrics: %w", err)
	}
	return nil
}

// ContentType is the media type of the text format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Handler serves the metrics. With a token it demands
// "Authorization: Bearer <token>" (the operator credential) and answers
// 401 otherwise; with an empty token it serves anyone, for a listener the
// operator bound to a private address.
func (r *Registry) Handler(token string) http.Handler {
	want := sha256.Sum256([]byte(token))
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
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Cache-Control", "no-store")
		if req.Method == http.MethodHead {
			return
		}
		if err := r.WriteText(w); err != nil {
			// The status is sent; nothing more to tell the scraper.
			return
		}
	})
}

// vec holds the label sets of one metric.
type vec struct {
	name, help, kind string
	labels           []string
	mu               sync.Mutex
	series           map[string]*series
}

type series struct {
	values []string
	value  float64
	// histogram
	counts []uint64
	sum    float64
	count  uint64
}

func newVec(name, help, kind string, labels []string) *vec {
	for _, l := range labels {
		if !validName(l) || strings.Contains(l, ":") || l == "le" {
			panic("metrics: invalid label name " + strconv.Quote(l))
		}
	}
	return &vec{name: name, help: help, kind: kind, labels: labels, series: map[string]*series{}}
}

// get returns the series of values, creating it; v.mu must be held.
func (v *vec) get(values []string) *series {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", v.name, len(v.labels), len(values)))
	}
	k := strings.Join(values, "\xff")
	s := v.series[k]
	if s == nil {
		s = &series{values: slices.Clone(values)}
		v.series[k] = s
	}
	return s
}

func (v *vec) header(w *bufio.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", v.name, escapeHelp(v.help), v.name, v.kind)
}

func (v *vec) sorted() []*series {
	out := make([]*series, 0, len(v.series))
	for _, s := range v.series {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *series) int { return slices.Compare(a.values, b.values) })
	return out
}

func (v *vec) write(w *bufio.Writer) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.header(w)
	for _, s := range v.sorted() {
		writeSample(w, v.name, v.labels, s.values, "", "", s.value)
	}
}

func writeSample(w *bufio.Writer, name string, labels, values []string, extraL, extraV string, value float64) {
	w.WriteString(name)
	if len(labels) > 0 || extraL != "" {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l + `="` + escapeValue(values[i]) + `"`)
		}
		if extraL != "" {
			if len(labels) > 0 {
				w.WriteByte(',')
			}
			w.WriteString(extraL + `="` + extraV + `"`)
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(value))
	w.WriteByte('\n')
}

// Counter only goes up.
type Counter struct{ v *vec }

// Counter registers a counter; name should end in _total.
func (r *Registry) Counter(name, help string, labels ...string) *Counter {
	c := &Counter{newVec(name, help, "counter", labels)}
	r.add(name, c.v)
	return c
}

// Add adds d (which must not be negative) to the series of values.
func (c *Counter) Add(d float64, values ...string) {
	if d < 0 {
		panic("metrics: counter " + c.v.name + " cannot go down")
	}
	c.v.mu.Lock()
	c.v.get(values).value += d
	c.v.mu.Unlock()
}

// Inc adds one.
func (c *Counter) Inc(values ...string) { c.Add(1, values...) }

// Value returns the current value of a series (0 if it has none).
func (c *Counter) Value(values ...string) float64 {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	return c.v.get(values).value
}

// Gauge goes up and down.
type Gauge struct{ v *vec }

// Gauge registers a gauge.
func (r *Registry) Gauge(name, help string, labels ...string) *Gauge {
	g := &Gauge{newVec(name, help, "gauge", labels)}
	r.add(name, g.v)
	return g
}

// Set sets the series of values to x.
func (g *Gauge) Set(x float64, values ...string) {
	g.v.mu.Lock()
	g.v.get(values).value = x
	g.v.mu.Unlock()
}

// Add adds d to the series of values.
func (g *Gauge) Add(d float64, values ...string) {
	g.v.mu.Lock()
	g.v.get(values).value += d
	g.v.mu.Unlock()
}

// Replace sets the gauge to exactly the samples given, dropping series
// that are not among them (a tenant that went away).
func (g *Gauge) Replace(samples []Sample) {
	g.v.mu.Lock()
	defer g.v.mu.Unlock()
	g.v.series = map[string]*series{}
	for _, s := range samples {
		g.v.get(s.Labels).value = s.Value
	}
}

// gaugeFunc computes its samples at scrape time.
type gaugeFunc struct {
	*vec
	fn func() []Sample
}

func (g *gaugeFunc) write(w *bufio.Writer) {
	samples := g.fn()
	g.vec.mu.Lock()
	defer g.vec.mu.Unlock()
	g.series = map[string]*series{}
	for _, s := range samples {
		g.get(s.Labels).value = s.Value
	}
	g.header(w)
	for _, s := range g.sorted() {
		writeSample(w, g.name, g.labels, s.values, "", "", s.value)
	}
}

// GaugeFunc registers a gauge whose samples fn computes at each scrape. fn
// must be quick (cache what is costly) and safe for concurrent use.
func (r *Registry) GaugeFunc(name, help string, labels []string, fn func() []Sample) {
	r.add(name, &gaugeFunc{newVec(name, help, "gauge", labels), fn})
}

// Histogram counts observations in buckets.
type Histogram struct {
	v       *vec
	buckets []float64
}

// DefBuckets suit request latencies in seconds, 1 ms to 10 s.
var DefBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Histogram registers a histogram with the given upper bounds (sorted; +Inf
// is implied).
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *Histogram {
	if !slices.IsSorted(buckets) || len(buckets) == 0 {
		panic("metrics: histogram " + name + " needs sorted buckets")
	}
	h := &Histogram{newVec(name, help, "histogram", labels), slices.Clone(buckets)}
	r.add(name, h)
	return h
}

// Observe records x in the series of values.
func (h *Histogram) Observe(x float64, values ...string) {
	h.v.mu.Lock()
	defer h.v.mu.Unlock()
	s := h.v.get(values)
	if s.counts == nil {
		s.counts = make([]uint64, len(h.buckets))
	}
	if i, _ := slices.BinarySearch(h.buckets, x); i < len(h.buckets) {
		s.counts[i]++
	}
	s.sum += x
	s.count++
}

func (h *Histogram) write(w *bufio.Writer) {
	h.v.mu.Lock()
	defer h.v.mu.Unlock()
	h.v.header(w)
	for _, s := range h.v.sorted() {
		var cum uint64
		for i, b := range h.buckets {
			if s.counts != nil {
				cum += s.counts[i]
			}
			writeSample(w, h.v.name+"_bucket", h.v.labels, s.values, "le", formatFloat(b), float64(cum))
		}
		writeSample(w, h.v.name+"_bucket", h.v.labels, s.values, "le", "+Inf", float64(s.count))
		writeSample(w, h.v.name+"_sum", h.v.labels, s.values, "", "", s.sum)
		writeSample(w, h.v.name+"_count", h.v.labels, s.values, "", "", float64(s.count))
	}
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}
