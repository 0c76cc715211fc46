package agent_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tandem/agent"
	"tandem/hub"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
)

// enrolledDir is a running hub with one tenant and an agent data directory
// enrolled into it; the agent is closed again, so that a test can open the
// directory in this process or in a child.
type enrolledDir struct {
	hub    *runningHub
	admin  *hub.AdminClient
	tenant msp.Tenant
	dir    string
}

func enrollDir(tb testing.TB, mode msp.ServiceMode) *enrolledDir {
	tb.Helper()
	return enrollDirOn(tb, mode, localdb.Desktop)
}

// enrollDirOn is enrollDir with a hub whose store has the given profile.
func enrollDirOn(tb testing.TB, mode msp.ServiceMode, profile localdb.Profile) *enrolledDir {
	tb.Helper()
	ctx := context.Background()
	h := startHubProfile(tb, tb.TempDir(), "127.0.0.1:0", profile)
	admin, err := hub.DialAdmin(h.dir, "")
	if err != nil {
		tb.Fatal(err)
	}
	tn, err := admin.CreateTenant(ctx, "Demo Accounting", mode, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, tn.ID, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	caPEM, err := os.ReadFile(h.info.CAFile)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	a, err := agent.Open(ctx, dir, agent.Options{Logger: quiet, Hostname: "reception-pc"})
	if err != nil {
		tb.Fatal(err)
	}
	err = a.Enroll(ctx, client.EnrollOptions{HubURL: h.info.URL, Token: tok.Token, CAPEM: caPEM})
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	return &enrolledDir{hub: h, admin: admin, tenant: tn, dir: dir}
}

// fastConn are transport settings for loopback: quick retries, so a test
// spends its time on faults rather than on waiting.
var fastConn = client.ConnOptions{RetryMax: 2, RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 40 * time.Millisecond, Timeout: 30 * time.Second, Logger: quiet}

// submitMany writes n new tickets through Submit from workers goroutines
// and returns their ids.
func submitMany(tb testing.TB, a *agent.Agent, n, workers int) []string {
	tb.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				c := newTicket(fmt.Sprintf("Ticket %d written offline", i))
				if _, err := a.Submit(context.Background(), "thandi", c); err != nil {
					errs <- fmt.Errorf("Submit %d: %w", i, err)
					return
				}
				ids[i] = c.TicketID
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	return ids
}

// drain calls SyncOnce until it succeeds with nothing left queued, at most
// attempts times and until the deadline. It returns the attempts made.
func drain(tb testing.TB, a *agent.Agent, conn *client.Conn, attempts int, deadline time.Time) int {
	tb.Helper()
	var last error
	for i := 1; i <= attempts && time.Now().Before(deadline); i++ {
		last = a.SyncOnce(context.Background(), conn)
		if last == nil && a.Status().Queued == 0 {
			return i
		}
	}
	tb.Fatalf("the outbox did not drain (status %+v); last error: %v", a.Status(), last)
	return 0
}

// faultProxy stands between the agent and the hub on loopback and breaks
// connections on purpose. It holds the hub's server certificate (from the
// hub's data directory) and the device's certificate (from the agent's), so
// it can terminate the agent's mutual TLS, forward each request to the hub
// as the device, and decide what the agent gets back:
//
//   - refused: 10% of connections are closed before the TLS handshake and
//     10% of requests are answered 503 without reaching the hub (an outage);
//   - cut: 30% of requests are forwarded, the hub's whole answer is read
//     (so the hub has committed), then the agent's connection is closed
//     without a byte of the answer: the agent never learns the outcome;
//   - latency: every request waits 0–20 ms.
//
// Keep-alives are off towards the agent, so every request is a new
// connection that may be refused.
type faultProxy struct {
	ln   net.Listener
	srv  *http.Server
	up   *http.Client
	hub  string
	down atomic.Bool // refuse every connection (the hub "unreachable")

	accepted, requests                           atomic.Int64
	refusedTCP, refused503, cut, delayed, passed atomic.Int64
}

func newFaultProxy(tb testing.TB, hubDir, hubURL, identityDir string) *faultProxy {
	tb.Helper()
	serverCert, err := tls.LoadX509KeyPair(filepath.Join(hubDir, "server.pem"), filepath.Join(hubDir, "server-key.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	deviceCert, err := tls.LoadX509KeyPair(filepath.Join(identityDir, "device.pem"), filepath.Join(identityDir, "device-key.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(hubDir, "ca.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		tb.Fatal("the hub's ca.pem holds no certificate")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &faultProxy{
		hub: hubURL,
		up: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{deviceCert}, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
		}},
	}
	p.ln = &refusingListener{Listener: ln, p: p}
	p.srv = &http.Server{
		Handler: p,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{serverCert},
			ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: pool,
			MinVersion: tls.VersionTLS12,
		},
		// HTTP/1.1 only (a non-nil TLSNextProto turns HTTP/2 off), so a
		// cut connection loses exactly one request.
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // refused handshakes are the point
	}
	p.srv.SetKeepAlivesEnabled(false)
	served := make(chan error, 1)
	go func() { served <- p.srv.ServeTLS(p.ln, "", "") }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.srv.Shutdown(ctx); err != nil {
			tb.Errorf("stopping the proxy: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			tb.Errorf("the proxy stopped with %v", err)
		}
		p.up.CloseIdleConnections()
	})
	return p
}

// URL is the address the agent uses instead of the hub's.
func (p *faultProxy) URL() string { return "https://" + p.ln.Addr().String() }

type refusingListener struct {
	net.Listener
	p *faultProxy
}

func (l *refusingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.p.down.Load() {
			c.Close()
			continue
		}
		// The first connection is always refused, so that a short run
		// sees every kind of fault.
		if l.p.accepted.Add(1) == 1 || rand.Float64() < 0.10 {
			l.p.refusedTCP.Add(1)
			c.Close()
			continue
		}
		return c, nil
	}
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d := rand.N(21 * time.Millisecond); d > 0 {
		p.delayed.Add(1)
		time.Sleep(d)
	}
	// Of the connections that got this far (90%): 503 for 10% of all,
	// cut for 30% of all, the rest pass.
	roll := rand.Float64() * 0.9
	switch p.requests.Add(1) { // the first two requests: one of each
	case 1:
		roll = 0
	case 2:
		roll = 0.2
	}
	if roll < 0.10 {
		p.refused503.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":{"code":"unavailable","message":"injected outage"}}`)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.hub+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := p.up.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if roll < 0.40 {
		// The hub has answered, so it has committed; the agent never
		// hears of it.
		p.cut.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // also drops the connection
		}
		conn.Close()
		return
	}
	p.passed.Add(1)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// 10,000 tickets written while the hub cannot be reached are delivered
// through a network that refuses, cuts and delays connections: the hub ends
// with exactly the tickets written, each once, and the agent with an empty
// queue and no dead letters.
func TestDeliveryThroughFaultyNetwork(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 1_000
	}
	ctx := context.Background()
	e := enrollDir(t, msp.ModeCoManaged)
	a, err := agent.Open(ctx, e.dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p := newFaultProxy(t, e.hub.dir, e.hub.info.URL, a.Identity().Dir())
	conn, err := client.NewConn(p.URL(), a.Identity().CAPEM(), deviceCert(t, a), fastConn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	p.down.Store(true)
	start := time.Now()
	ids := submitMany(t, a, n, 8)
	t.Logf("%d tickets written offline in %v", n, time.Since(start).Round(time.Millisecond))
	if err := a.SyncOnce(ctx, conn); err == nil {
		t.Fatal("SyncOnce succeeded while the proxy refused every connection")
	}
	if st := a.Status(); st.Queued != n || st.Online {
		t.Fatalf("status while unreachable: queued %d online %v, want %d false", st.Queued, st.Online, n)
	}

	p.down.Store(false)
	start = time.Now()
	attempts := drain(t, a, conn, 2000, time.Now().Add(3*time.Minute))
	t.Logf("delivered in %v over %d SyncOnce calls; faults: %d refused at TCP, %d answered 503, %d cut after the hub committed, %d delayed; %d passed",
		time.Since(start).Round(time.Millisecond), attempts, p.refusedTCP.Load(), p.refused503.Load(), p.cut.Load(), p.delayed.Load(), p.passed.Load())
	for name, c := range map[string]int64{"refused at TCP": p.refusedTCP.Load(), "503": p.refused503.Load(), "cut": p.cut.Load(), "delayed": p.delayed.Load()} {
		if c == 0 {
			t.Errorf("no connection was %s: the test did not exercise that fault", name)
		}
	}

	ts, err := e.admin.Tickets(ctx, e.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, 0, len(ts))
	for _, tk := range ts {
		got = append(got, tk.ID)
	}
	slices.Sort(got)
	if d := len(slices.Compact(slices.Clone(got))); d != len(got) {
		t.Errorf("the hub holds %d tickets but only %d distinct ids", len(got), d)
	}
	want := slices.Sorted(slices.Values(ids))
	if !slices.Equal(got, want) {
		t.Fatalf("the hub holds %d tickets, want exactly the %d written (first difference: %s)", len(got), len(want), firstDiff(got, want))
	}
	if st := a.Status(); st.Queued != 0 || st.Dead != 0 || !st.Online {
		t.Fatalf("status after delivery: queued %d dead %d online %v", st.Queued, st.Dead, st.Online)
	}
	local, err := a.Tickets()
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != n {
		t.Fatalf("the replica holds %d tickets, want %d", len(local), n)
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d the hub has %s, the agent wrote %s", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}

// deviceCert reads the agent's device certificate, to point a Conn at the
// proxy instead of the hub's own address.
func deviceCert(tb testing.TB, a *agent.Agent) *tls.Certificate {
	tb.Helper()
	dir := a.Identity().Dir()
	c, err := tls.LoadX509KeyPair(filepath.Join(dir, "device.pem"), filepath.Join(dir, "device-key.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	return &c
}

// A hub's Retry-After, in seconds or as a date, is honoured only up to
// client.MaxRetryAfter: a broken or hostile hub cannot park a fleet for a day.
func TestRetryAfterIsCapped(t *testing.T) {
	day := time.Now().Add(24 * time.Hour).UTC().Format(http.TimeFormat)
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		for _, h := range []string{"86400", day} {
			resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {h}}}
			got := client.Backoff(10*time.Millisecond, 50*time.Millisecond, 0, resp)
			if got > client.MaxRetryAfter || got < client.MaxRetryAfter-time.Minute {
				t.Errorf("status %d, Retry-After %q: wait %v, want about %v", status, h, got, client.MaxRetryAfter)
			}
		}
	}
	// Without a Retry-After, or on another status, the jittered backoff applies.
	for _, resp := range []*http.Response{
		{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}},
		{StatusCode: http.StatusInternalServerError, Header: http.Header{"Retry-After": {"86400"}}},
		nil,
	} {
		if got := client.Backoff(10*time.Millisecond, 50*time.Millisecond, 3, resp); got < 10*time.Millisecond || got > 50*time.Millisecond {
			t.Errorf("backoff %v outside [10ms, 50ms] for %+v", got, resp)
		}
	}
}
