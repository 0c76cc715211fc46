package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"tandem/internal/version"
)

// Defaults of Options.
const (
	DefaultMaxAge      = 24 * time.Hour
	DefaultTimeout     = 15 * time.Second
	DefaultConcurrency = 8
	// MaxBody caps an event's JSON body.
	MaxBody = 256 << 10
	// maxRetryAfter caps a receiver's Retry-After.
	maxRetryAfter = time.Hour
	batch         = 64
	idlePoll      = time.Minute
)

// Event kinds a hub publishes. An endpoint's filter names them, or "*" for
// all, or a prefix ending in "*" such as "sla.*".
const (
	EventTicketCreated  = "ticket.created"
	EventTicketStatus   = "ticket.status"
	EventTicketReply    = "ticket.reply"
	EventTicketAssigned = "ticket.assigned"
	EventSLAAtRisk      = "sla.at-risk"
	EventSLABreached    = "sla.breached"
	EventAlertOpened    = "alert.opened"
	EventAlertResolved  = "alert.resolved"
	EventPing           = "ping"
)

// State is where a delivery stands.
type State string

// States of a delivery.
const (
	StatePending   State = "pending"
	StateDelivered State = "delivered"
	StateDead      State = "dead"
)

// Endpoint is a receiver a tenant's events are posted to.
type Endpoint struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	URL    string `json:"url"`
	// Secret is the Standard Webhooks secret ("whsec_" and the base64 of
	// the HMAC key; see NewSecret and Key). It is shown once, when the
	// endpoint is added.
	Secret string `json:"secret"`
	// Events is the filter; empty means every event.
	Events      []string  `json:"events,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Wants reports whether the endpoint's filter takes events of kind.
func (e Endpoint) Wants(kind string) bool {
	if len(e.Events) == 0 {
		return true
	}
	for _, f := range e.Events {
		if f == "*" || f == kind {
			return true
		}
		if p, ok := strings.CutSuffix(f, "*"); ok && strings.HasPrefix(kind, p) {
			return true
		}
	}
	return false
}

// Event is what happened, as published to endpoints.
type Event struct {
	// ID, if set, names the event once for all time (the hub's id of it
	// in its event outbox): publishing it again makes the same deliveries,
	// with the same ids, so a publisher that cannot tell whether a Publish
	// went through (it crashed) publishes again and nothing is sent twice
	// under two ids. Empty: every Publish is a new event.
	ID     string    `json:"-"`
	Kind   string    `json:"type"`
	Tenant string    `json:"tenant"`
	At     time.Time `json:"created_at"`
	// Data is the event's object, such as the ticket.
	Data any `json:"data"`
}

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Tenant    string          `json:"tenant"`
	Event     string          `json:"event"`
	Body      json.RawMessage `json:"body"`
	State     State           `json:"state"`
	Attempts  int             `json:"attempts"`
	CreatedAt time.Time       `json:"created_at"`
	NextAt    time.Time       `json:"next_at"`
	// LastStatus is the HTTP status of the last attempt (0 when it got no
	// answer); LastError says what went wrong with it.
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	DoneAt     time.Time `json:"done_at,omitzero"`
}

// Options configure a Dispatcher.
type Options struct {
	// Client sends the requests (default: a client with DefaultTimeout
	// that does not follow redirects).
	Client *http.Client
	Log    *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Backoff is the wait before retry number attempt (1 for the first
	// retry); default Backoff.
	Backoff func(attempt int) time.Duration
	// MaxAge is how long a delivery is retried before it is dead
	// (default DefaultMaxAge, a day).
	MaxAge      time.Duration
	Concurrency int
	// AllowHTTP admits http:// endpoint URLs; otherwise only https://.
	AllowHTTP bool
	// Observe, if set, is told the outcome of each attempt: "delivered",
	// "failed" (to be retried) or "dead" (such as metrics.Hub.Webhook).
	Observe func(outcome string)
}

// Backoff is the default retry schedule: 30 s doubling each time up to 4
// hours, with jitter that spreads each wait over its upper half, so a
// day holds about 15 attempts (30 s, 1 min, 2 min, ... 4 h).
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 4*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 4*time.Hour)
	return d/2 + rand.N(d/2+1)
}

// Dispatcher queues events and delivers them. Its methods are safe for
// concurrent use; Run delivers, and must run for anything to be sent.
type Dispatcher struct {
	st   Store
	opts Options
	wake chan struct{}
}

// New returns a dispatcher over st.
func New(st Store, opts Options) *Dispatcher {
	if opts.Client == nil {
		opts.Client = &http.Client{
			Timeout:       DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backoff == nil {
		opts.Backoff = Backoff
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Observe == nil {
		opts.Observe = func(string) {}
	}
	return &Dispatcher{st: st, opts: opts, wake: make(chan struct{}, 1)}
}

// ErrInvalid is wrapped by errors about what a caller passed.
var ErrInvalid = errors.New("webhook: invalid")

// AddEndpoint registers url for the tenant's events that match events
// (none: all) and returns it with its new secret.
func (d *Dispatcher) AddEndpoint(ctx context.Context, tenant, rawURL string, events []string, description string) (Endpoint, error) {
	if tenant == "" || strings.Contains(tenant, "/") {
		return Endpoint{}, fmt.Errorf("%w: tenant id %q", ErrInvalid, tenant)
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && d.opts.AllowHTTP)) {
		want := "https://host/path"
		if d.opts.AllowHTTP {
			want = "http(s)://host/path"
		}
		return Endpoint{}, fmt.Errorf("%w: the URL %q must look like %s", ErrInvalid, clip(rawURL), want)
	}
	if u.User != nil {
		return Endpoint{}, fmt.Errorf("%w: the URL must not carry a user name or password; the signature authenticates the hub", ErrInvalid)
	}
	for _, e := range events {
		if e == "" || strings.ContainsAny(e, " ,") {
			return Endpoint{}, fmt.Errorf("%w: event filter %q; give kinds such as ticket.created, sla.* or *", ErrInvalid, e)
		}
	}
	secret, err := NewSecret()
	if err != nil {
		return Endpoint{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Endpoint{}, fmt.Errorf("making an endpoint id: %w", err)
	}
	e := Endpoint{
		ID: id.String(), Tenant: tenant, URL: u.String(),
		Secret: secret,
		Events: slices.Clone(events), Description: description, CreatedAt: d.opts.Now().UTC(),
	}
	if err := d.st.PutEndpoint(ctx, e); err != nil {
		return Endpoint{}, fmt.Errorf("saving the webhook endpoint: %w", err)
	}
	return e, nil
}

// RemoveEndpoint removes an endpoint; deliveries still queued for it are
// dropped.
func (d *Dispatcher) RemoveEndpoint(ctx context.Context, tenant, id string) error {
	return d.st.DeleteEndpoint(ctx, tenant, id)
}

// Endpoints lists the tenant's endpoints (every tenant's when tenant is
// empty).
func (d *Dispatcher) Endpoints(ctx context.Context, tenant string) ([]Endpoint, error) {
	return d.st.Endpoints(ctx, tenant)
}

// Dead lists dead deliveries of the tenant (every tenant's when empty).
func (d *Dispatcher) Dead(ctx context.Context, tenant string) ([]Delivery, error) {
	return d.st.Dead(ctx, tenant)
}

// Depth is the number of deliveries waiting to be sent.
func (d *Dispatcher) Depth(ctx context.Context) (int, error) { return d.st.Depth(ctx) }

// Retry puts a dead delivery back in the queue, due now, with a fresh day
// of retries.
func (d *Dispatcher) Retry(ctx context.Context, id string) error {
	del, err := d.st.Delivery(ctx, id)
	if err != nil {
		return err
	}
	if del.State != StateDead {
		return fmt.Errorf("%w: delivery %s is %s, not dead", ErrInvalid, id, del.State)
	}
	now := d.opts.Now()
	del.State, del.NextAt, del.CreatedAt, del.DoneAt = StatePending, now, now, time.Time{}
	if err := d.st.Save(ctx, del); err != nil {
		return err
	}
	d.poke()
	return nil
}

// Publish queues ev for every endpoint of its tenant whose filter takes
// it, durably, and returns how many deliveries it queued. Sending happens
// later, in Run.
func (d *Dispatcher) Publish(ctx context.Context, ev Event) (int, error) {
	eps, err := d.st.Endpoints(ctx, ev.Tenant)
	if err != nil {
		return 0, fmt.Errorf("reading the webhook endpoints of tenant %s: %w", ev.Tenant, err)
	}
	now := d.opts.Now()
	if ev.At.IsZero() {
		ev.At = now
	}
	var ds []Delivery
	for _, e := range eps {
		if !e.Wants(ev.Kind) {
			continue
		}
		id, err := deliveryID(ev.ID, e.ID)
		if err != nil {
			return 0, err
		}
		body, err := json.Marshal(struct {
			ID string `json:"id"`
			Event
		}{id.String(), ev})
		if err != nil {
			return 0, fmt.Errorf("encoding the %s event: %w", ev.Kind, err)
		}
		if len(body) > MaxBody {
			return 0, fmt.Errorf("%w: the %s event is %d bytes; the most a webhook carries is %d", ErrInvalid, ev.Kind, len(body), MaxBody)
		}
		ds = append(ds, Delivery{
			ID: id.String(), Endpoint: e.ID, Tenant: e.Tenant, Event: ev.Kind, Body: body,
			State: StatePending, CreatedAt: now, NextAt: now,
		})
	}
	if len(ds) == 0 {
		return 0, nil
	}
	if err := d.st.Enqueue(ctx, ds); err != nil {
		return 0, fmt.Errorf("queueing the %s event: %w", ev.Kind, err)
	}
	d.poke()
	return len(ds), nil
}

// deliveryNamespace is the UUID namespace of the delivery ids of events
// that have an id of their own.
var deliveryNamespace = uuid.MustParse("6f0b8a52-3c1e-4d4b-9a57-2f6e1d0c7b91")

// deliveryID names the delivery of event to endpoint: the same for the same
// pair when the event has an id (a name-based UUID), a new UUIDv7 when not.
func deliveryID(event, endpoint string) (uuid.UUID, error) {
	if event != "" {
		return uuid.NewSHA1(deliveryNamespace, []byte(event+"/"+endpoint)), nil
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("making a delivery id: %w", err)
	}
	return id, nil
}

// Wants reports whether any endpoint of the tenant takes events of kind:
// a publisher that must record an event durably before it publishes it
// records only those.
func (d *Dispatcher) Wants(ctx context.Context, tenant, kind string) (bool, error) {
	eps, err := d.st.Endpoints(ctx, tenant)
	if err != nil {
		return false, fmt.Errorf("reading the webhook endpoints of tenant %s: %w", tenant, err)
	}
	for _, e := range eps {
		if e.Wants(kind) {
			return true, nil
		}
	}
	return false, nil
}

// Ping queues a test event to one endpoint.
func (d *Dispatcher) Ping(ctx context.Context, tenant, endpoint string) error {
	e, err := d.st.Endpoint(ctx, tenant, endpoint)
	if err != nil {
		return err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("making a delivery id: %w", err)
	}
	now := d.opts.Now()
	body, err := json.Marshal(map[string]any{"id": id.String(), "type": EventPing, "tenant": tenant, "created_at": now.UTC(), "data": map[string]string{"endpoint": e.ID}})
	if err != nil {
		return fmt.Errorf("encoding a ping: %w", err)
	}
	err = d.st.Enqueue(ctx, []Delivery{{ID: id.String(), Endpoint: e.ID, Tenant: tenant, Event: EventPing, Body: body, State: StatePending, CreatedAt: now, NextAt: now}})
	d.poke()
	return err
}

func (d *Dispatcher) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers queued deliveries until ctx ends; it returns nil then. Run
// it in one goroutine; requests in flight when ctx ends are cut off and
// sent again on the next start (receivers deduplicate on
// webhook-id).
func (d *Dispatcher) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-d.wake:
		}
		next, err := d.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.opts.Log.Error("webhook queue", "err", err)
		}
		wait := idlePoll
		switch {
		case err != nil:
			wait = 5 * time.Second // the store failed: do not spin
		case !next.IsZero():
			wait = min(max(next.Sub(d.opts.Now()), 0), idlePoll)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// RunDue sends every delivery due now and returns when the next one falls
// due (zero: none queued). Run calls it; tests may too.
func (d *Dispatcher) RunDue(ctx context.Context) (next time.Time, err error) {
	for {
		due, nxt, err := d.st.Due(ctx, d.opts.Now(), batch)
		if err != nil {
			return time.Time{}, fmt.Errorf("reading the queue: %w", err)
		}
		if len(due) == 0 {
			return nxt, nil
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, d.opts.Concurrency)
		for _, del := range due {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				d.attempt(ctx, del)
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		if len(due) < batch {
			_, nxt, err := d.st.Due(ctx, d.opts.Now(), 0)
			return nxt, err
		}
	}
}

// attempt sends one delivery and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, del Delivery) {
	log := d.opts.Log.With("delivery", del.ID, "event", del.Event, "tenant", del.Tenant, "endpoint", del.Endpoint)
	save := func() {
		// The outcome is saved even when ctx ended during the request.
		if err := d.st.Save(context.WithoutCancel(ctx), del); err != nil {
			log.Error("saving a webhook delivery", "err", err)
		}
	}
	ep, err := d.st.Endpoint(ctx, del.Tenant, del.Endpoint)
	if errors.Is(err, ErrNotFound) {
		del.State, del.LastError, del.DoneAt = StateDead, "the endpoint was removed", d.opts.Now()
		save()
		return
	}
	if err != nil {
		log.Error("reading a webhook endpoint", "err", err)
		return
	}
	status, retryAfter, err := d.send(ctx, ep, del)
	if ctx.Err() != nil {
		return // shutting down: not an attempt; it goes again on the next start
	}
	now := d.opts.Now()
	del.Attempts++
	del.LastStatus = status
	if err == nil {
		del.State, del.LastError, del.DoneAt = StateDelivered, "", now
		log.Debug("webhook delivered", "attempts", del.Attempts, "status", status)
		d.opts.Observe(string(StateDelivered))
		save()
		return
	}
	del.LastError = err.Error()
	wait := d.opts.Backoff(del.Attempts)
	if retryAfter > 0 {
		wait = max(wait, min(retryAfter, maxRetryAfter))
	}
	del.NextAt = now.Add(wait)
	if del.NextAt.After(del.CreatedAt.Add(d.opts.MaxAge)) {
		del.State, del.DoneAt = StateDead, now
		log.Warn("webhook delivery gave up", "attempts", del.Attempts, "err", err)
		d.opts.Observe(string(StateDead))
	} else {
		log.Info("webhook delivery failed; will retry", "attempts", del.Attempts, "retry_in", wait.Round(time.Second), "err", err)
		d.opts.Observe("failed")
	}
	save()
}

// send POSTs the delivery once and returns the HTTP status and the
// receiver's Retry-After, with an error unless it answered 2xx.
func (d *Dispatcher) send(ctx context.Context, ep Endpoint, del Delivery) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(del.Body))
	if err != nil {
		return 0, 0, fmt.Errorf("building the request to %s: %w", ep.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", version.UserAgent("tandem-hub-webhook"))
	req.Header.Set(HeaderEvent, del.Event)
	if err := SetHeaders(req.Header, ep.Secret, del.ID, d.opts.Now(), del.Body); err != nil {
		return 0, 0, fmt.Errorf("signing the delivery to %s: %w", ep.URL, err)
	}
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("posting to %s: %w", ep.URL, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, 0, nil
	}
	var retryAfter time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	msg := strings.TrimSpace(string(snippet))
	if msg != "" {
		msg = ": " + clip(msg)
	}
	return resp.StatusCode, retryAfter, fmt.Errorf("%s answered %s%s", ep.URL, resp.Status, msg)
}
