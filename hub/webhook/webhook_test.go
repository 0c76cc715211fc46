package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"tandem/localdb"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// receiver is a real HTTP server on loopback that answers with the
// statuses given, in turn (the last one repeats), and records requests.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
	arrived  chan struct{}
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses, arrived: make(chan struct{}, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Errorf("receiver: %v", err)
		}
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), body})
		status := r.statuses[min(len(r.got)-1, len(r.statuses)-1)]
		r.mu.Unlock()
		if status >= 300 {
			http.Error(w, "receiver is broken today", status)
		} else {
			w.WriteHeader(status)
		}
		r.arrived <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func openStore(t *testing.T, dir string) *DBStore {
	t.Helper()
	st, err := OpenStore(context.Background(), dir, localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func setup(t *testing.T, clk *clock, opts Options) (*Dispatcher, *DBStore, string) {
	t.Helper()
	dir := t.TempDir()
	st := openStore(t, dir)
	t.Cleanup(func() { st.Close() })
	opts.AllowHTTP = true
	opts.Log = quiet
	opts.Now = clk.Now
	if opts.Backoff == nil {
		opts.Backoff = func(int) time.Duration { return time.Minute }
	}
	return New(st, opts), st, dir
}

func TestDeliverySignedAndRetried(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	recv := newReceiver(t, 500, 200)
	d, st, _ := setup(t, clk, Options{})
	ep, err := d.AddEndpoint(ctx, "acme", recv.URL+"/hook", nil, "PSA")
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.Publish(ctx, Event{Kind: EventTicketCreated, Tenant: "acme", Data: map[string]string{"id": "t1", "title": "Printer offline"}})
	if err != nil || n != 1 {
		t.Fatalf("Publish = %d, %v; want 1 delivery", n, err)
	}
	if _, err := d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	got := recv.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests after the first run, want 1", len(got))
	}
	first := got[0]
	if first.header.Get(HeaderEvent) != EventTicketCreated || first.header.Get(HeaderDelivery) == "" {
		t.Errorf("headers: %v", first.header)
	}
	if err := VerifyAt(ep.Secret, first.header, first.body, 0, clk.Now()); err != nil {
		t.Errorf("the receiver cannot verify the signature: %v", err)
	}
	// A Standard Webhooks library verifies it as it is (its clock is the
	// real one, this test's is not: the time is checked by VerifyAt above).
	wh, err := standardwebhooks.NewWebhook(ep.Secret)
	if err != nil {
		t.Fatalf("the Standard Webhooks library does not take the secret %q: %v", ep.Secret, err)
	}
	if err := wh.VerifyIgnoringTimestamp(first.body, first.header); err != nil {
		t.Errorf("the Standard Webhooks library refuses the delivery: %v", err)
	}
	if first.header.Get(HeaderLegacySignature) != "" {
		t.Errorf("a new endpoint got the legacy %s header", HeaderLegacySignature)
	}
	if first.header.Get(HeaderID) != first.header.Get(HeaderDelivery) {
		t.Errorf("%s %q differs from %s %q", HeaderID, first.header.Get(HeaderID), HeaderDelivery, first.header.Get(HeaderDelivery))
	}
	var body struct {
		ID, Type, Tenant string
		Data             map[string]string
	}
	if err := json.Unmarshal(first.body, &body); err != nil || body.Type != EventTicketCreated || body.Tenant != "acme" || body.Data["title"] != "Printer offline" || body.ID != first.header.Get(HeaderDelivery) {
		t.Errorf("body %s (%v)", first.body, err)
	}

	// The 500 left it queued for a minute later.
	del, err := st.Delivery(ctx, first.header.Get(HeaderDelivery))
	if err != nil {
		t.Fatal(err)
	}
	if del.State != StatePending || del.Attempts != 1 || del.LastStatus != 500 || !strings.Contains(del.LastError, "500") || !del.NextAt.Equal(clk.Now().Add(time.Minute)) {
		t.Errorf("after a 500: %+v", del)
	}
	if depth, _ := d.Depth(ctx); depth != 1 {
		t.Errorf("depth %d, want 1", depth)
	}
	if _, err := d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(recv.requests()) != 1 {
		t.Fatal("a delivery was retried before its backoff ran out")
	}
	clk.Add(time.Minute)
	if _, err := d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	got = recv.requests()
	if len(got) != 2 {
		t.Fatalf("%d requests after the retry, want 2", len(got))
	}
	if got[1].header.Get(HeaderDelivery) != first.header.Get(HeaderDelivery) || string(got[1].body) != string(first.body) {
		t.Error("the retry is not the same delivery")
	}
	if err := VerifyAt(ep.Secret, got[1].header, got[1].body, 0, clk.Now()); err != nil {
		t.Errorf("the retry's signature: %v", err)
	}
	if depth, _ := d.Depth(ctx); depth != 0 {
		t.Errorf("depth %d after delivery, want 0", depth)
	}
	if _, err := st.Delivery(ctx, del.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a delivered delivery is still stored: %v", err)
	}
}

func TestDeadAfterMaxAgeAndRetry(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	recv := newReceiver(t, 503, 503, 503, 200)
	var outcomes []string
	var omu sync.Mutex
	observe := func(o string) { omu.Lock(); outcomes = append(outcomes, o); omu.Unlock() }
	d, _, _ := setup(t, clk, Options{MaxAge: time.Hour, Backoff: func(int) time.Duration { return 25 * time.Minute }, Observe: observe})
	if _, err := d.AddEndpoint(ctx, "acme", recv.URL, []string{"sla.*"}, ""); err != nil {
		t.Fatal(err)
	}
	if n, _ := d.Publish(ctx, Event{Kind: EventTicketCreated, Tenant: "acme"}); n != 0 {
		t.Errorf("a ticket.created went to an sla.* endpoint")
	}
	if n, _ := d.Publish(ctx, Event{Kind: EventSLABreached, Tenant: "acme"}); n != 1 {
		t.Fatalf("sla.breached queued %d deliveries, want 1", n)
	}
	for range 3 { // at 0, 25 and 50 min; the next would be at 75 > 60
		if _, err := d.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(25 * time.Minute)
	}
	dead, err := d.Dead(ctx, "acme")
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead = %v, %v; want one", dead, err)
	}
	if dead[0].Attempts != 3 || !strings.Contains(dead[0].LastError, "503") {
		t.Errorf("dead delivery %+v", dead[0])
	}
	omu.Lock()
	if got := strings.Join(outcomes, ","); got != "failed,failed,dead" {
		t.Errorf("observed %q, want failed,failed,dead", got)
	}
	omu.Unlock()
	if depth, _ := d.Depth(ctx); depth != 0 {
		t.Errorf("a dead delivery is still queued (depth %d)", depth)
	}
	if err := d.Retry(ctx, dead[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if dead, _ := d.Dead(ctx, "acme"); len(dead) != 0 || len(recv.requests()) != 4 {
		t.Errorf("after a manual retry: dead %v, %d requests; want none dead, 4 requests", dead, len(recv.requests()))
	}
}

func TestQueueSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	recv := newReceiver(t, 500, 200)
	dir := t.TempDir()
	st := openStore(t, dir)
	d := New(st, Options{AllowHTTP: true, Log: quiet, Now: clk.Now, Backoff: func(int) time.Duration { return time.Minute }})
	ep, err := d.AddEndpoint(ctx, "acme", recv.URL, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{EventTicketCreated, EventTicketReply} {
		if _, err := d.Publish(ctx, Event{Kind: kind, Tenant: "acme"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.RunDue(ctx); err != nil { // one 500, one 200
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openStore(t, dir)
	defer st.Close()
	d = New(st, Options{AllowHTTP: true, Log: quiet, Now: clk.Now, Backoff: func(int) time.Duration { return time.Minute }})
	if depth, _ := d.Depth(ctx); depth != 1 {
		t.Fatalf("after a restart the queue holds %d deliveries, want the 1 that failed", depth)
	}
	if eps, _ := d.Endpoints(ctx, "acme"); len(eps) != 1 || eps[0].Secret != ep.Secret {
		t.Errorf("endpoints after a restart: %+v", eps)
	}
	clk.Add(time.Minute)
	if _, err := d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(recv.requests()); got != 3 {
		t.Errorf("%d requests in all, want 3", got)
	}
	if depth, _ := d.Depth(ctx); depth != 0 {
		t.Errorf("depth %d, want 0", depth)
	}
}

func TestRunLoop(t *testing.T) {
	recv := newReceiver(t, 200)
	clk := &clock{t: time.Now()}
	d, _, _ := setup(t, clk, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	ep, err := d.AddEndpoint(ctx, "acme", recv.URL, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ping(ctx, "acme", ep.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case <-recv.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the running dispatcher did not deliver a ping")
	}
	if got := recv.requests()[0].header.Get(HeaderEvent); got != EventPing {
		t.Errorf("event %q, want ping", got)
	}
}

func TestAddEndpointRefuses(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, t.TempDir())
	defer st.Close()
	d := New(st, Options{Log: quiet})
	for _, u := range []string{"http://example.com/hook", "ftp://x", "https://", "https://user:pw@example.com/"} {
		if _, err := d.AddEndpoint(ctx, "acme", u, nil, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddEndpoint(%q) = %v, want ErrInvalid", u, err)
		}
	}
	if _, err := d.AddEndpoint(ctx, "acme", "https://psa.example.com/hook", []string{"ticket.*"}, ""); err != nil {
		t.Errorf("a good https endpoint was refused: %v", err)
	}
}

func TestBackoffSchedule(t *testing.T) {
	var total time.Duration
	for a := 1; a <= 20; a++ {
		d := Backoff(a)
		lo := 15 * time.Second << min(a-1, 9)
		lo = min(lo, 2*time.Hour)
		if d < lo || d > 2*lo {
			t.Errorf("Backoff(%d) = %s, want %s to %s", a, d, lo, 2*lo)
		}
		total += d
	}
	if total < 24*time.Hour {
		t.Errorf("20 retries span only %s; a delivery should be retried for a day", total)
	}
}

var quiet = slog.New(slog.DiscardHandler)

// An event with an id of its own, published twice (its publisher crashed
// before it could record the first), is queued and sent once, under one
// delivery id; one without an id is a new event each time.
func TestPublishSameEventTwice(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	recv := newReceiver(t, 200, 200, 200, 200)
	d, _, _ := setup(t, clk, Options{})
	if _, err := d.AddEndpoint(ctx, "acme", recv.URL+"/hook", nil, "PSA"); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Wants(ctx, "acme", EventTicketCreated); err != nil || !ok {
		t.Fatalf("Wants(acme) = %v, %v; want true", ok, err)
	}
	if ok, err := d.Wants(ctx, "bolt", EventTicketCreated); err != nil || ok {
		t.Fatalf("Wants(a tenant with no endpoint) = %v, %v; want false", ok, err)
	}
	ev := Event{ID: "01a23cf7-f164-7500-a446-87923c2260fe", Kind: EventTicketCreated, Tenant: "acme", Data: map[string]string{"id": "t1"}}
	for range 2 {
		if n, err := d.Publish(ctx, ev); err != nil || n != 1 {
			t.Fatalf("Publish = %d, %v", n, err)
		}
	}
	if depth, _ := d.Depth(ctx); depth != 1 {
		t.Fatalf("depth %d after publishing one event twice, want 1", depth)
	}
	ev.ID = ""
	for range 2 {
		if _, err := d.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if depth, _ := d.Depth(ctx); depth != 3 {
		t.Fatalf("depth %d after two events without ids, want 3", depth)
	}
	if _, err := d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range recv.requests() {
		ids[r.header.Get(HeaderDelivery)] = true
	}
	if len(recv.requests()) != 3 || len(ids) != 3 {
		t.Errorf("%d requests under %d delivery ids, want 3 and 3", len(recv.requests()), len(ids))
	}
}
