package hub_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// testHub is a real hub on loopback with its operator client.
type testHub struct {
	dir   string
	info  hub.Info
	admin *hub.AdminClient
	caPEM []byte
}

// startHub runs hub.Serve in a goroutine until the test ends.
func startHub(tb testing.TB) *testHub {
	tb.Helper()
	h, _ := startHubIn(tb, tb.TempDir())
	return h
}

// startHubIn runs a hub on data directory dir. stop ends it and waits; the
// test's cleanup calls it too, so calling it early is optional.
func startHubIn(tb testing.TB, dir string) (h *testHub, stop func()) {
	tb.Helper()
	return startHubWith(tb, dir, hub.Config{})
}

// startHubWith is startHubIn with more of the hub's configuration (its
// clock, its logger); the directory, address and Ready are the helper's,
// and the logger too when cfg has none.
func startHubWith(tb testing.TB, dir string, cfg hub.Config) (h *testHub, stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	cfg.Dir, cfg.Listen = dir, "127.0.0.1:0"
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Ready = func(info hub.Info) { ready <- info }
	go func() { done <- hub.Serve(ctx, cfg) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("hub.Serve: %v", err)
			}
		})
	}
	tb.Cleanup(stop)
	var info hub.Info
	select {
	case info = <-ready:
	case err := <-done:
		done <- err // for the cleanup
		tb.Fatalf("hub.Serve ended before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		tb.Fatal("the hub did not become ready in 30 s")
	}
	admin, err := hub.DialAdmin(dir, "")
	if err != nil {
		tb.Fatalf("DialAdmin: %v", err)
	}
	caPEM, err := os.ReadFile(info.CAFile)
	if err != nil {
		tb.Fatalf("reading the hub's CA: %v", err)
	}
	return &testHub{dir: dir, info: info, admin: admin, caPEM: caPEM}, stop
}

// tenant creates a tenant through the operator API.
func (h *testHub) tenant(tb testing.TB, name string, mode msp.ServiceMode) msp.Tenant {
	tb.Helper()
	tn, err := h.admin.CreateTenant(context.Background(), name, mode, nil)
	if err != nil {
		tb.Fatalf("CreateTenant(%q): %v", name, err)
	}
	return tn
}

// token creates an enrollment token for tenant.
func (h *testHub) token(tb testing.TB, tenant string, ttl time.Duration) string {
	tb.Helper()
	tok, err := h.admin.CreateToken(context.Background(), tenant, ttl)
	if err != nil {
		tb.Fatalf("CreateToken: %v", err)
	}
	return tok.Token
}

// testDevice is an enrolled agent with its connection.
type testDevice struct {
	dataDir string
	id      *client.Identity
	conn    *client.Conn
	seq     uint64
}

var fastRetry = client.ConnOptions{RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 30 * time.Second}

// enroll enrolls a new device in tenant and opens its connection.
func (h *testHub) enroll(tb testing.TB, tenant, hostname string) *testDevice {
	tb.Helper()
	dataDir := tb.TempDir()
	id, err := client.Enroll(context.Background(), dataDir, client.EnrollOptions{
		HubURL: h.info.URL, Token: h.token(tb, tenant, 0), CAPEM: h.caPEM, Hostname: hostname, OS: "Ubuntu 24.04", Conn: fastRetry,
	})
	if err != nil {
		tb.Fatalf("Enroll: %v", err)
	}
	if id.Tenant.ID != tenant {
		tb.Fatalf("enrolled into tenant %s, want %s", id.Tenant.ID, tenant)
	}
	conn, err := id.Conn(fastRetry)
	if err != nil {
		tb.Fatalf("Conn: %v", err)
	}
	tb.Cleanup(conn.Close)
	return &testDevice{dataDir: dataDir, id: id, conn: conn}
}

// next returns the device's next mutation sequence number.
func (d *testDevice) next() uint64 { d.seq++; return d.seq }

// push sends ms and fails the test on a transport error.
func (d *testDevice) push(tb testing.TB, ms ...protocol.Mutation) protocol.PushResponse {
	tb.Helper()
	resp, err := d.conn.Push(context.Background(), ms)
	if err != nil {
		tb.Fatalf("Push: %v", err)
	}
	return resp
}

// pullAll pages through everything the device may see after cursor 0.
func (d *testDevice) pullAll(tb testing.TB, limit int) []protocol.Change {
	tb.Helper()
	var all []protocol.Change
	var cursor uint64
	for range 1000 {
		resp, err := d.conn.Pull(context.Background(), cursor, limit)
		if err != nil {
			tb.Fatalf("Pull(%d): %v", cursor, err)
		}
		if limit > 0 && len(resp.Changes) > limit {
			tb.Errorf("Pull(limit %d) returned %d changes", limit, len(resp.Changes))
		}
		all = append(all, resp.Changes...)
		if !resp.More {
			return all
		}
		if resp.Cursor <= cursor {
			tb.Fatalf("Pull: cursor did not advance from %d while More", cursor)
		}
		cursor = resp.Cursor
	}
	tb.Fatal("Pull: More never became false")
	return nil
}

// tickets returns the tickets among changes, by id (the latest state).
func tickets(changes []protocol.Change) map[string]*msp.Ticket {
	out := map[string]*msp.Ticket{}
	for _, c := range changes {
		if c.Kind == protocol.ChangeTicket && c.Ticket != nil {
			out[c.Ticket.ID] = c.Ticket
		}
	}
	return out
}

// draft is a new ticket as the tray's form makes it.
func draft(title string) *msp.Ticket {
	return &msp.Ticket{
		ID: msp.NewTicketID(), Title: title, Description: "Since this morning.",
		Pillar: msp.PillarHelpdesk, Category: "printing",
		Impact: msp.LevelMedium, Urgency: msp.LevelMedium,
	}
}

// createM is a mutation raising tk.
func createM(seq uint64, tk *msp.Ticket) protocol.Mutation {
	return protocol.Mutation{Seq: seq, Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
		ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: tk.ID, Ticket: tk, At: time.Now().UTC(),
	}}
}

// commentM is a mutation adding a reply to ticket id.
func commentM(seq uint64, ticketID, body string) protocol.Mutation {
	return protocol.Mutation{Seq: seq, Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
		ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: ticketID,
		Comment: &msp.Comment{ID: msp.NewID(), Body: body}, At: time.Now().UTC(),
	}}
}

// statusM is a mutation moving ticket id to status.
func statusM(seq uint64, ticketID string, status msp.Status) protocol.Mutation {
	return protocol.Mutation{Seq: seq, Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
		ID: msp.NewID(), Kind: msp.ChangeStatus, TicketID: ticketID, Status: status, At: time.Now().UTC(),
	}}
}

// adminTicket returns ticket id of tenant as the operator sees it, or nil.
func (h *testHub) adminTicket(tb testing.TB, tenant, id string) *msp.Ticket {
	tb.Helper()
	list, err := h.admin.Tickets(context.Background(), tenant)
	if err != nil {
		tb.Fatalf("admin Tickets: %v", err)
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// wantResults checks the outcome of each result in order.
func wantResults(tb testing.TB, resp protocol.PushResponse, hw uint64, want ...protocol.Outcome) {
	tb.Helper()
	if resp.HighWater != hw {
		tb.Errorf("high water = %d, want %d", resp.HighWater, hw)
	}
	if len(resp.Results) != len(want) {
		tb.Fatalf("results = %+v, want %d results %v", resp.Results, len(want), want)
	}
	for i, r := range resp.Results {
		if r.Outcome != want[i] {
			tb.Errorf("result %d (seq %d) = %s (%v), want %s", i, r.Seq, r.Outcome, r.Error, want[i])
		}
	}
}

// rawClient is a plain net/http client that trusts the hub's CA and, when
// withCert, presents the device's certificate from its identity folder.
func (h *testHub) rawClient(tb testing.TB, d *testDevice) *http.Client {
	tb.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(h.caPEM) {
		tb.Fatal("the hub's CA is not PEM")
	}
	conf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if d != nil {
		dir := filepath.Join(d.dataDir, "identity")
		cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "device.pem"), filepath.Join(dir, "device-key.pem"))
		if err != nil {
			tb.Fatalf("loading the device certificate: %v", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: conf}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// do sends a request and returns the status, Retry-After and error body.
func do(tb testing.TB, c *http.Client, method, url string, body []byte, header http.Header) (int, http.Header, *protocol.ErrorBody) {
	tb.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		tb.Fatalf("building the request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("reading the answer: %v", err)
	}
	var e struct {
		Error *protocol.ErrorBody `json:"error"`
	}
	_ = json.Unmarshal(b, &e) // a success has no error body
	return resp.StatusCode, resp.Header, e.Error
}

// httpStatus returns the status of an error from package client, or 0.
func httpStatus(err error) int {
	var he *client.HTTPError
	if errors.As(err, &he) {
		return he.Status
	}
	var ae *hub.AdminError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func mustJSON(tb testing.TB, v any) json.RawMessage {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("encoding: %v", err)
	}
	return b
}

// bearerGet GETs url with a bearer credential (or, when bearer is empty,
// the client's device certificate or nothing) and returns the status, the
// body and the headers.
func bearerGet(tb testing.TB, c *http.Client, url, bearer string) (int, []byte, http.Header) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}
