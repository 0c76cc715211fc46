package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/internal/pgtest"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// serveIn runs a hub on dir (with store, or the embedded one when nil)
// at listen until stop is called or the test ends.
func serveIn(t *testing.T, dir, listen string, store hub.Store) (info hub.Info, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- hub.Serve(ctx, hub.Config{Dir: dir, Listen: listen, SLAInterval: -1, Store: store,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(i hub.Info) { ready <- i }})
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	t.Cleanup(stop)
	select {
	case info = <-ready:
	case err := <-done:
		stopped = true
		t.Fatalf("Serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the hub did not start")
	}
	return info, stop
}

// A badger hub with data made through its API, copied with tandem-hub
// migrate, serves the same data from PostgreSQL: the operator's lists, the
// agent's stream (a replay is a duplicate, the next change applies), its
// pull cursor, and the attachments.
func TestMigrateToPostgres(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	url := c.NewDatabase(t)
	dir := t.TempDir()
	ctx := context.Background()
	info, stop := serveIn(t, dir, "127.0.0.1:0", nil)
	admin, err := hub.DialAdmin(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	tn, err := admin.CreateTenant(ctx, "Acme", msp.ModeCoManaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddWebhook(ctx, tn.ID, "https://127.0.0.1:1/hook", []string{"ticket.created"}, "PSA"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddUser(ctx, tn.ID, msp.RoleITLead, "Thandi"); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, tn.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	opts := client.ConnOptions{RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 30 * time.Second}
	id, err := client.Enroll(ctx, t.TempDir(), client.EnrollOptions{HubURL: info.URL, Token: tok.Token, CAPEM: caPEM, Hostname: "pc-1", OS: "Debian 13", Conn: opts})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := id.Conn(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	blob := []byte("a photo of the printer's error screen")
	sum := sha256.Sum256(blob)
	blobID := hex.EncodeToString(sum[:])
	if _, err := conn.PutBlob(ctx, blobID, "text/plain", blob); err != nil {
		t.Fatal(err)
	}
	var tickets []*msp.Ticket
	var ms []protocol.Mutation
	for i, title := range []string{"Printer jams", "Screen flickers", "VPN drops"} {
		tk := &msp.Ticket{ID: msp.NewTicketID(), Title: title, Description: "Since this morning.", Pillar: msp.PillarHelpdesk,
			Category: "printing", Impact: msp.LevelMedium, Urgency: msp.LevelMedium}
		if i == 0 {
			tk.Attachments = []msp.Attachment{{ID: msp.NewID(), SHA256: blobID, Name: "error.txt", Size: int64(len(blob)), MediaType: "text/plain", CreatedAt: time.Now().UTC()}}
		}
		tickets = append(tickets, tk)
		ms = append(ms, protocol.Mutation{Seq: uint64(i + 1), Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
			ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: tk.ID, Ticket: tk, At: time.Now().UTC()}})
	}
	if resp, err := conn.Push(ctx, ms); err != nil || resp.HighWater != 3 || len(resp.Results) != 3 || resp.Results[0].Outcome != protocol.Applied {
		t.Fatalf("push = %+v, %v", resp, err)
	}
	pulled, err := conn.Pull(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	before, err := admin.Tickets(ctx, tn.ID)
	if err != nil || len(before) != 3 {
		t.Fatalf("tickets before = %d, %v", len(before), err)
	}

	// The hub must be stopped to be copied.
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--from", dir, "--to", url}, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "running") {
		t.Errorf("migrate of a running hub = %v, want an error saying it runs", err)
	}
	stop()
	if err := run(ctx, []string{"migrate", "--from", dir, "--to", url}, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), "1 tenants, 1 devices, 3 tickets, 1 people, 1 attachments") || !strings.Contains(out.String(), "1 webhook endpoints") {
		t.Errorf("migrate said %q", out.String())
	}
	if err := run(ctx, []string{"migrate", "--from", dir, "--to", url}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already holds a hub") {
		t.Errorf("a second migrate into the same database = %v, want a refusal", err)
	}

	store, err := pgstore.Open(ctx, url, pgstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	info2, _ := serveIn(t, dir, info.Listen, store)
	if info2.URL != info.URL {
		t.Fatalf("the hub came back at %s, not %s", info2.URL, info.URL)
	}
	after, err := admin.Tickets(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("tickets after the copy = %d, want %d", len(after), len(before))
	}
	for i := range before {
		if after[i].ID != before[i].ID || after[i].Title != before[i].Title || after[i].Revision != before[i].Revision || after[i].Priority != before[i].Priority {
			t.Errorf("ticket %d after the copy = %+v\nbefore %+v", i, after[i], before[i])
		}
	}
	if hooks, err := admin.Webhooks(ctx, tn.ID); err != nil || len(hooks) != 1 || hooks[0].URL != "https://127.0.0.1:1/hook" {
		t.Errorf("webhooks after the copy = %+v, %v", hooks, err)
	}
	if devs, err := admin.Devices(ctx, tn.ID); err != nil || len(devs) != 1 || devs[0].Hostname != "pc-1" {
		t.Errorf("devices after the copy = %+v, %v", devs, err)
	}
	// The agent's stream goes on: a replay is a duplicate, the next applies.
	resp, err := conn.Push(ctx, ms[2:])
	if err != nil || resp.HighWater != 3 || len(resp.Results) != 1 || resp.Results[0].Outcome != protocol.Duplicate {
		t.Errorf("replay after the copy = %+v, %v; want a duplicate at 3", resp, err)
	}
	next := &msp.Ticket{ID: msp.NewTicketID(), Title: "Mouse broken", Description: "Left button.", Pillar: msp.PillarHelpdesk,
		Category: "hardware", Impact: msp.LevelLow, Urgency: msp.LevelLow}
	resp, err = conn.Push(ctx, []protocol.Mutation{{Seq: 4, Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
		ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: next.ID, Ticket: next, At: time.Now().UTC()}}})
	if err != nil || resp.HighWater != 4 || resp.Results[0].Outcome != protocol.Applied {
		t.Errorf("the next change after the copy = %+v, %v; want applied at 4", resp, err)
	}
	// The pull cursor is still good: after it comes only the new ticket.
	more, err := conn.Pull(ctx, pulled.Cursor, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(more.Changes) != 1 || more.Cursor <= pulled.Cursor {
		t.Errorf("pull after the old cursor %d = %d changes, cursor %d; want the one new ticket", pulled.Cursor, len(more.Changes), more.Cursor)
	}
	// The attachment is there, read as the operator.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	opToken, err := hub.OperatorToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, info.URL+protocol.BlobPath(blobID)+"?tenant="+tn.ID, nil)
	req.Header.Set("Authorization", "Bearer "+opToken)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Equal(got, blob) {
		t.Errorf("the attachment after the copy: %d %q", res.StatusCode, got)
	}
}

// syncBuffer is an io.Writer that a test reads while a command writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tandem-hub serve --store postgres://... (and TANDEM_HUB_STORE) keeps the
// hub's data in PostgreSQL: a tenant made through one hub process is
// listed by the next one on the same database with a fresh data directory
// holding the same CA and credential.
func TestServeStoreFlag(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	url := c.NewDatabase(t)
	dir := t.TempDir()
	serve := func(args ...string) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, append([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0"}, args...), out, io.Discard)
		}()
		for !strings.Contains(out.String(), "listening on") {
			select {
			case err := <-done:
				cancel()
				t.Fatalf("serve ended: %v\n%s", err, out)
			case <-time.After(20 * time.Millisecond):
			}
		}
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	stop := serve("--store", url)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"tenant", "create", "--data", dir, "--name", "Acme", "--mode", "co-managed"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(out.String())
	stop()
	// The embedded store in the data directory never saw the tenant.
	if _, err := os.Stat(dir + "/store"); !os.IsNotExist(err) {
		t.Errorf("serve --store postgres:// made an embedded store too (%v)", err)
	}
	t.Setenv("TANDEM_HUB_STORE", url)
	defer serve()()
	out.Reset()
	if err := run(context.Background(), []string{"tenant", "list", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), id) {
		t.Errorf("tenant list on the hub from TANDEM_HUB_STORE = %q, want tenant %s", out.String(), id)
	}
}
