package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/internal/pgtest"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// BenchmarkCheckInIngestPostgres is BenchmarkCheckInIngest with the hub on
// PostgreSQL (a throwaway cluster on a unix socket on this machine, fsync
// and synchronous commit on as in production): the same devices, load
// generator and figures, so the two read side by side.
func BenchmarkCheckInIngestPostgres(b *testing.B) {
	c := pgtest.Start(b, pgtest.Options{Durable: true})
	store, err := pgstore.Open(context.Background(), c.NewDatabase(b), pgstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	h, _ := startHubWith(b, b.TempDir(), hub.Config{Store: store, Profile: localdb.Server})
	a := h.tenant(b, "Acme", msp.ModeCoManaged)
	var clients []*http.Client
	for i := range ingestDevices {
		clients = append(clients, h.rawClient(b, h.enroll(b, a.ID, fmt.Sprintf("pc-%03d", i+1))))
	}
	active := runCheckIns(b, h.info.URL, clients)
	devices, err := h.admin.Devices(context.Background(), a.ID)
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

// BenchmarkCheckInIngestPostgresTwoHubs is the same load spread over two
// hubs on one PostgreSQL database (half the devices talk to each), as
// behind a load balancer: the hubs share the CA and operator credential
// (copied data directory files) and the store.
func BenchmarkCheckInIngestPostgresTwoHubs(b *testing.B) {
	c := pgtest.Start(b, pgtest.Options{Durable: true})
	dbURL := c.NewDatabase(b)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var hubs []*testHub
	dirA, dirB := b.TempDir(), b.TempDir()
	for i, dir := range []string{dirA, dirB} {
		if i == 1 {
			for _, f := range []string{"ca.pem", "ca-key.pem", "operator.token"} {
				data, err := os.ReadFile(filepath.Join(dirA, f))
				if err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), data, 0o600); err != nil {
					b.Fatal(err)
				}
			}
		}
		store, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close() })
		h, _ := startHubWith(b, dir, hub.Config{Store: store, Profile: localdb.Server})
		hubs = append(hubs, h)
	}
	a := hubs[0].tenant(b, "Acme", msp.ModeCoManaged)
	second, err := url.Parse(hubs[1].info.URL)
	if err != nil {
		b.Fatal(err)
	}
	var clients []*http.Client
	for i := range ingestDevices {
		cl := hubs[0].rawClient(b, hubs[0].enroll(b, a.ID, fmt.Sprintf("pc-%03d", i+1)))
		if i%2 == 1 {
			cl.Transport = toHost{cl.Transport, second.Host}
		}
		clients = append(clients, cl)
	}
	runCheckIns(b, hubs[0].info.URL, clients)
}

// toHost sends every request to host instead (the second hub).
type toHost struct {
	rt   http.RoundTripper
	host string
}

func (t toHost) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host, r.Host = t.host, t.host
	return t.rt.RoundTrip(r)
}

// BenchmarkTicketCreatePostgresTwoHubs measures the tenant's feed counter,
// the one row every ticket change of a tenant writes: devices of one
// tenant raise tickets through two hubs on one PostgreSQL at once. It
// reports tickets per second and the Updates run again after a
// serialization failure, per commit.
func BenchmarkTicketCreatePostgresTwoHubs(b *testing.B) {
	c := pgtest.Start(b, pgtest.Options{Durable: true})
	dbURL := c.NewDatabase(b)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var hubs []*testHub
	var stores []*pgstore.Store
	for range 2 {
		store, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close() })
		stores = append(stores, store)
		h, _ := startHubWith(b, b.TempDir(), hub.Config{Store: store, Profile: localdb.Server, SLAInterval: -1})
		hubs = append(hubs, h)
	}
	a := hubs[0].tenant(b, "Acme", msp.ModeCoManaged)
	const devices = 20
	var ds []*testDevice
	for i := range devices {
		ds = append(ds, hubs[i%2].enroll(b, a.ID, fmt.Sprintf("pc-%03d", i+1)))
	}
	before := stores[0].Stats().Retries + stores[1].Stats().Retries
	commits := stores[0].Stats().Commits + stores[1].Stats().Commits
	var issued atomic.Int64
	errs := make(chan error, devices)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for issued.Add(1) <= int64(b.N) {
				if _, err := d.conn.Push(context.Background(), []protocol.Mutation{createM(d.next(), draft("Printer jams"))}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	retries := stores[0].Stats().Retries + stores[1].Stats().Retries - before
	commits = stores[0].Stats().Commits + stores[1].Stats().Commits - commits
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tickets/s")
	b.ReportMetric(float64(retries)/float64(max(commits, 1)), "retries/commit")
}
