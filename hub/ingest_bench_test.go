package hub_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tandem/hub"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// ingestDevices is how many enrolled devices push at once in the ingest
// benchmarks.
const ingestDevices = 50

// startServerHub runs a hub as `tandem-hub serve` does, with the server
// profile of the store, until the benchmark ends.
func startServerHub(b *testing.B) *testHub {
	b.Helper()
	dir := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- hub.Serve(ctx, hub.Config{
			Dir: dir, Listen: "127.0.0.1:0", Profile: localdb.Server,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Ready:  func(info hub.Info) { ready <- info },
		})
	}()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("hub.Serve: %v", err)
		}
	})
	var info hub.Info
	select {
	case info = <-ready:
	case err := <-done:
		done <- err
		b.Fatalf("hub.Serve ended before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		b.Fatal("the hub did not become ready in 30 s")
	}
	admin, err := hub.DialAdmin(dir, "")
	if err != nil {
		b.Fatalf("DialAdmin: %v", err)
	}
	caPEM, err := os.ReadFile(info.CAFile)
	if err != nil {
		b.Fatalf("reading the hub's CA: %v", err)
	}
	return &testHub{dir: dir, info: info, admin: admin, caPEM: caPEM}
}

// ingestFleet is a hub with ingestDevices enrolled devices, each with its
// own HTTP client (its own TLS connection, as agents have).
type ingestFleet struct {
	h       *testHub
	tenant  string
	clients []*http.Client
}

func newIngestFleet(b *testing.B) *ingestFleet {
	b.Helper()
	h := startServerHub(b)
	a := h.tenant(b, "Acme", msp.ModeCoManaged)
	f := &ingestFleet{h: h, tenant: a.ID}
	for i := range ingestDevices {
		d := h.enroll(b, a.ID, fmt.Sprintf("pc-%03d", i+1))
		f.clients = append(f.clients, h.rawClient(b, d))
	}
	return f
}

// checkInBody is a push of one check-in with sequence number seq, as an
// agent sends it every tick.
func checkInBody(seq uint64) ([]byte, error) {
	return json.Marshal(protocol.PushRequest{Mutations: []protocol.Mutation{{
		Seq: seq, Kind: protocol.KindCheckIn,
		CheckIn: &protocol.CheckIn{At: time.Now().UTC(), AgentVersion: "1.0.0", Uptime: 3600, QueuedChanges: 1},
	}}})
}

// pushCheckIn sends one check-in and checks that it was applied.
func pushCheckIn(ctx context.Context, c *http.Client, url string, seq uint64) error {
	body, err := checkInBody(seq)
	if err != nil {
		return fmt.Errorf("encoding a check-in: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+protocol.PathPush, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building the push: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(protocol.Header, protocol.Version)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("pushing: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("push of seq %d: %s: %s", seq, resp.Status, b)
	}
	var pr protocol.PushResponse
	if err := json.Unmarshal(b, &pr); err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if pr.HighWater != seq || len(pr.Results) != 1 || pr.Results[0].Outcome != protocol.Applied {
		return fmt.Errorf("push of seq %d: high water %d, results %+v; want it applied", seq, pr.HighWater, pr.Results)
	}
	return nil
}

// runCheckIns pushes b.N check-ins to url from every client at once, one
// push at a time per client, and reports check-ins per second and the
// 50th and 99th percentile latency of a push. It returns how many clients
// pushed at least once.
func runCheckIns(b *testing.B, url string, clients []*http.Client) (active int) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		issued atomic.Int64
		mu     sync.Mutex
		all    []time.Duration
		first  error
		wg     sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seq uint64
			lat := make([]time.Duration, 0, b.N/len(clients)+1)
			defer func() {
				mu.Lock()
				all = append(all, lat...)
				if len(lat) > 0 {
					active++
				}
				mu.Unlock()
			}()
			for issued.Add(1) <= int64(b.N) {
				seq++
				t0 := time.Now()
				err := pushCheckIn(ctx, c, url, seq)
				lat = append(lat, time.Since(t0))
				if err != nil {
					mu.Lock()
					if first == nil && !errors.Is(err, context.Canceled) {
						first = err
					}
					mu.Unlock()
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if first != nil {
		b.Fatal(first)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(float64(len(all))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "checkins/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	return active
}

// BenchmarkCheckInIngest measures ingestDevices enrolled devices pushing
// check-ins at once to a real hub on loopback (mutual TLS, the durable
// store with the server profile): every check-in is authenticated,
// applied and committed with the device's high-water mark.
func BenchmarkCheckInIngest(b *testing.B) {
	f := newIngestFleet(b)
	active := runCheckIns(b, f.h.info.URL, f.clients)

	// Every device that pushed was seen: only a check-in sets the agent version.
	devices, err := f.h.admin.Devices(context.Background(), f.tenant)
	if err != nil {
		b.Fatalf("Devices: %v", err)
	}
	seen := 0
	for _, d := range devices {
		if d.AgentVersion == "1.0.0" {
			seen++
		}
	}
	if seen != active {
		b.Errorf("%d devices pushed check-ins, the hub saw %d", active, seen)
	}
}

// BenchmarkCheckInNoOpHandler runs the same clients and load against a
// server with the same mutual TLS setup whose handler only decodes the push
// and answers: the difference to BenchmarkCheckInIngest is what the hub's
// authentication, store and bookkeeping cost.
func BenchmarkCheckInNoOpHandler(b *testing.B) {
	f := newIngestFleet(b)
	cert, err := tls.LoadX509KeyPair(filepath.Join(f.h.dir, "server.pem"), filepath.Join(f.h.dir, "server-key.pem"))
	if err != nil {
		b.Fatalf("loading the hub's server certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(f.h.caPEM) {
		b.Fatal("the hub's CA is not PEM")
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != protocol.PathPush || r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, "push with a device certificate only", http.StatusBadRequest)
			return
		}
		var req protocol.PushRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, protocol.MaxBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || len(req.Mutations) != 1 {
			http.Error(w, "not a push of one mutation", http.StatusBadRequest)
			return
		}
		seq := req.Mutations[0].Seq
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(protocol.Header, protocol.Version)
		_ = json.NewEncoder(w).Encode(protocol.PushResponse{HighWater: seq, Results: []protocol.Result{{Seq: seq, Outcome: protocol.Applied}}})
	}))
	srv.TLS = &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
	srv.StartTLS()
	b.Cleanup(srv.Close)
	_ = runCheckIns(b, srv.URL, f.clients)
}
