package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/hub"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// realHub is a hub.Serve on loopback that a test can stop.
type realHub struct {
	dir  string
	info hub.Info
	stop func()
}

func runHub(t *testing.T, dir, listen string) *realHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- hub.Serve(ctx, hub.Config{Dir: dir, Listen: listen, Logger: quietLog, Ready: func(i hub.Info) { ready <- i }})
	}()
	h := &realHub{dir: dir}
	stopped := false
	h.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(h.stop)
	select {
	case h.info = <-ready:
	case err := <-done:
		t.Fatalf("hub.Serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the hub did not start in 30 s")
	}
	return h
}

// enrollAt enrolls a new agent data directory with the hub of hubDir
// through hubURL (the hub itself, or a proxy in front of it).
func enrollAt(t *testing.T, hubDir, hubURL string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := hub.DialAdmin(hubDir, "")
	if err != nil {
		t.Fatal(err)
	}
	tn, err := admin.CreateTenant(ctx, "Doctor Test", msp.ModeCoManaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, tn.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(hubDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, err := agent.Open(ctx, dir, agent.Options{Logger: quietLog, Hostname: "reception-pc"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Enroll(ctx, client.EnrollOptions{HubURL: hubURL, Token: tok.Token, CAPEM: caPEM}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runDoctor(dir string) (string, error) {
	var out bytes.Buffer
	err := doctor(context.Background(), []string{"--data", dir}, &out)
	return out.String(), err
}

// A device enrolled with one hub that finds another server at the hub's
// address (here: a hub with its own CA on the same port) is told plainly
// that the certificate does not match; the working hub is not.
func TestDoctorCertificateMismatch(t *testing.T) {
	h := runHub(t, t.TempDir(), "127.0.0.1:0")
	dir := enrollAt(t, h.dir, h.info.URL)
	if text, _ := runDoctor(dir); strings.Contains(text, "certificate mismatch") || !strings.Contains(text, "answers") {
		t.Fatalf("with the right hub, doctor said:\n%s", text)
	}
	h.stop()
	other := runHub(t, t.TempDir(), h.info.Listen) // another CA on the same address
	if other.info.CAFingerprint == h.info.CAFingerprint {
		t.Fatal("the second hub has the same CA; the test proves nothing")
	}
	text, err := runDoctor(dir)
	if err == nil || !strings.Contains(text, "PROBLEM  certificate mismatch: the server at "+h.info.URL+" is not the hub this device enrolled with") {
		t.Fatalf("with another CA at the address, doctor said (%v):\n%s", err, text)
	}
}

// skewedProxy serves the hub's API through a handler wrapper whose clock
// is offset: the health answer's time and the Date header say now+offset.
// It presents the hub's own server certificate, so TLS is real and pinned.
func skewedProxy(t *testing.T, h *realHub, offset time.Duration) string {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(h.dir, "server.pem"), filepath.Join(h.dir, "server-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(h.info.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	caPEM, err := os.ReadFile(h.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	rp.Transport = mustTransport(t, caPEM)
	rp.ModifyResponse = func(resp *http.Response) error {
		resp.Header.Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
		if resp.Request.URL.Path != protocol.PathHealth {
			return nil
		}
		var hl protocol.Health
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &hl); err != nil {
			return err
		}
		hl.Time = hl.Time.Add(offset)
		b, err = json.Marshal(hl)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Del("Content-Length")
		return nil
	}
	srv := httptest.NewUnstartedServer(rp)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return "https://127.0.0.1:" + port
}

func mustTransport(t *testing.T, caPEM []byte) *http.Transport {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("the hub's CA is not PEM")
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// A hub whose clock is ten minutes ahead: doctor names the skew, which way,
// and what to do; a hub on time passes.
func TestDoctorClockSkew(t *testing.T) {
	h := runHub(t, t.TempDir(), "127.0.0.1:0")
	onTime := enrollAt(t, h.dir, skewedProxy(t, h, 0))
	if text, _ := runDoctor(onTime); !strings.Contains(text, "ok       clock difference with the hub") {
		t.Fatalf("with the clocks together, doctor said:\n%s", text)
	}
	ahead := enrollAt(t, h.dir, skewedProxy(t, h, 10*time.Minute))
	text, err := runDoctor(ahead)
	if err == nil || !strings.Contains(text, "PROBLEM  clock skew: this computer's clock is 10m0s behind the hub's") ||
		!strings.Contains(text, "update automatically") {
		t.Fatalf("with the hub 10 min ahead, doctor said (%v):\n%s", err, text)
	}
}

// A running agent whose oldest change has waited more than an hour with
// nothing delivered: doctor calls the queue stuck and gives the last
// error. The agent's clock is set back two hours when it queues the change.
func TestDoctorStuckQueue(t *testing.T) {
	h := runHub(t, t.TempDir(), "127.0.0.1:0")
	dir := enrollAt(t, h.dir, h.info.URL)
	h.stop()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	offset := -2 * time.Hour
	a, err := agent.Open(ctx, dir, agent.Options{Logger: quietLog, Hostname: "reception-pc",
		Now:  func() time.Time { return time.Now().Add(offset) },
		Conn: client.ConnOptions{RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 5 * time.Second},
		// A long backoff: one failed round, then the agent waits.
		OfflineMin: time.Hour, OfflineMax: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	id := msp.NewTicketID()
	if _, err := a.Submit(ctx, "thandi", msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: id, Ticket: &msp.Ticket{
		ID: id, Title: "Outlook keeps asking for my password", Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther,
		Impact: msp.LevelLow, Urgency: msp.LevelMedium}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	// Wait for the agent to publish a failed round.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if st, err := agent.ReadStatusFile(dir); err == nil && st.LastError != "" && st.Queued > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent wrote no failed round in 20 s")
		}
	}
	text, err := runDoctor(dir)
	if err == nil || !strings.Contains(text, "PROBLEM  queue stuck: ") || !strings.Contains(text, "have waited 2h0m0s to be sent") ||
		!strings.Contains(text, "last error: ") {
		t.Fatalf("doctor said (%v):\n%s", err, text)
	}

	// The same queue, only minutes old, is not stuck.
	if f := queueCheck(agent.Status{Queued: 3, QueuedSince: time.Now().Add(-5 * time.Minute)}, time.Now()); !f.ok {
		t.Fatalf("a queue 5 minutes old: %+v", f)
	}
	// An old queue that is moving (a delivery 10 minutes ago) is not stuck.
	if f := queueCheck(agent.Status{Queued: 3, QueuedSince: time.Now().Add(-3 * time.Hour), LastPush: time.Now().Add(-10 * time.Minute)}, time.Now()); !f.ok {
		t.Fatalf("a moving queue: %+v", f)
	}
}
