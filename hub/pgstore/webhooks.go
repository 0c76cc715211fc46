package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/hub/webhook"
)

// Webhooks is the webhook endpoints and delivery queue in PostgreSQL, so
// that an endpoint added on one hub is known to all: a webhook.Store over
// the Store's pool. Close does nothing; the Store owns the pool.
type Webhooks struct{ s *Store }

var _ webhook.Store = Webhooks{}

// WebhookStore returns the store's webhook endpoints and queue (for
// hub.Serve, which uses it instead of a webhook store of its own).
func (s *Store) WebhookStore() webhook.Store { return Webhooks{s} }

// claimFor is how long a delivery that Due handed to one hub is kept from
// the others: longer than an attempt takes, short enough that a delivery
// of a hub that died is sent by another soon after.
const claimFor = 5 * time.Minute

// keepDelivered is how long a delivered delivery's id is remembered: far
// longer than any hub's relay takes to publish an event.
const keepDelivered = 7 * 24 * time.Hour

func (w Webhooks) PutEndpoint(ctx context.Context, e webhook.Endpoint) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("saving webhook endpoint %s: %w", e.ID, err)
	}
	if _, err := w.s.pool.Exec(ctx, `INSERT INTO webhook_endpoints (tenant, id, doc) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, id) DO UPDATE SET doc = EXCLUDED.doc`, e.Tenant, e.ID, string(b)); err != nil {
		return fmt.Errorf("saving webhook endpoint %s: %w", e.ID, err)
	}
	return nil
}

func (w Webhooks) DeleteEndpoint(ctx context.Context, tenant, id string) error {
	tag, err := w.s.pool.Exec(ctx, `DELETE FROM webhook_endpoints WHERE tenant = $1 AND id = $2`, tenant, id)
	if err != nil {
		return fmt.Errorf("removing webhook endpoint %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("endpoint %s of tenant %s: %w", id, tenant, webhook.ErrNotFound)
	}
	return nil
}

func (w Webhooks) Endpoint(ctx context.Context, tenant, id string) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var b []byte
	err := w.s.pool.QueryRow(ctx, `SELECT doc FROM webhook_endpoints WHERE tenant = $1 AND id = $2`, tenant, id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("endpoint %s of tenant %s: %w", id, tenant, webhook.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("reading webhook endpoint %s: %w", id, err)
	}
	return e, decode("webhook endpoint "+id, b, &e)
}

func (w Webhooks) Endpoints(ctx context.Context, tenant string) ([]webhook.Endpoint, error) {
	return query[webhook.Endpoint](ctx, w.s, "webhook endpoints",
		`SELECT doc FROM webhook_endpoints WHERE $1 = '' OR tenant = $1 ORDER BY tenant, id`, tenant)
}

func (w Webhooks) Enqueue(ctx context.Context, ds []webhook.Delivery) error {
	batch := &pgx.Batch{}
	for _, d := range ds {
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("queueing delivery %s: %w", d.ID, err)
		}
		batch.Queue(`INSERT INTO webhook_deliveries (id, tenant, state, next_ns, doc) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, d.ID, d.Tenant, string(d.State), d.NextAt.UnixNano(), string(b))
	}
	// Forget the tombstones of deliveries sent long ago.
	batch.Queue(`DELETE FROM webhook_deliveries WHERE state = 'delivered' AND next_ns < $1`, time.Now().Add(-keepDelivered).UnixNano())
	// One transaction: pgx sends a batch outside one as a single implicit transaction.
	if err := w.s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("queueing webhook deliveries: %w", err)
	}
	return nil
}

// Due claims up to limit pending deliveries due at now that no hub has
// claimed (or whose claim ran out), earliest first, with FOR UPDATE SKIP
// LOCKED so that hubs asking at once take different ones; each is sent by
// one hub. next is when the first pending delivery not handed out falls
// due, or its claim runs out.
func (w Webhooks) Due(ctx context.Context, now time.Time, limit int) ([]webhook.Delivery, time.Time, error) {
	var due []webhook.Delivery
	if limit > 0 {
		var err error
		due, err = query[webhook.Delivery](ctx, w.s, "due webhook deliveries", `UPDATE webhook_deliveries SET claimed_ns = $2
			WHERE id IN (SELECT id FROM webhook_deliveries
				WHERE state = 'pending' AND next_ns <= $1 AND claimed_ns <= $1
				ORDER BY next_ns, id LIMIT $3 FOR UPDATE SKIP LOCKED)
			RETURNING doc`, now.UnixNano(), now.Add(claimFor).UnixNano(), limit)
		if err != nil {
			return nil, time.Time{}, err
		}
		// RETURNING comes in no particular order.
		sortDue(due)
	}
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	var next *int64
	if err := w.s.pool.QueryRow(ctx, `SELECT min(greatest(next_ns, claimed_ns)) FROM webhook_deliveries WHERE state = 'pending' AND NOT (id = ANY($1))`,
		ids).Scan(&next); err != nil {
		return nil, time.Time{}, fmt.Errorf("reading when the next webhook delivery is due: %w", err)
	}
	if next == nil {
		return due, time.Time{}, nil
	}
	return due, time.Unix(0, *next), nil
}

func sortDue(ds []webhook.Delivery) {
	slices.SortFunc(ds, func(a, b webhook.Delivery) int {
		if c := a.NextAt.Compare(b.NextAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func (w Webhooks) Save(ctx context.Context, d webhook.Delivery) error {
	// A delivered one stays as a tombstone for a while (keep), so that
	// the relay of a second hub that publishes its event again later
	// queues nothing: Enqueue leaves an id it holds as it is.
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("saving delivery %s: %w", d.ID, err)
	}
	tag, err := w.s.pool.Exec(ctx, `UPDATE webhook_deliveries SET state = $2, next_ns = $3, claimed_ns = 0, doc = $4
		WHERE id = $1 AND state <> 'delivered'`, d.ID, string(d.State), d.NextAt.UnixNano(), string(b))
	if err != nil {
		return fmt.Errorf("saving delivery %s: %w", d.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delivery %s: %w", d.ID, webhook.ErrNotFound)
	}
	return nil
}

func (w Webhooks) Delivery(ctx context.Context, id string) (webhook.Delivery, error) {
	var d webhook.Delivery
	var b []byte
	err := w.s.pool.QueryRow(ctx, `SELECT doc FROM webhook_deliveries WHERE id = $1 AND state <> 'delivered'`, id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("delivery %s: %w", id, webhook.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("reading delivery %s: %w", id, err)
	}
	return d, decode("delivery "+id, b, &d)
}

func (w Webhooks) Dead(ctx context.Context, tenant string) ([]webhook.Delivery, error) {
	return query[webhook.Delivery](ctx, w.s, "dead webhook deliveries",
		`SELECT doc FROM webhook_deliveries WHERE state = 'dead' AND ($1 = '' OR tenant = $1) ORDER BY tenant, id`, tenant)
}

func (w Webhooks) Depth(ctx context.Context) (int, error) {
	var n int
	if err := w.s.pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting pending webhook deliveries: %w", err)
	}
	return n, nil
}

// Close implements webhook.Store; the Store owns the connections.
func (Webhooks) Close() error { return nil }

// query decodes each row's single JSON column as a T, outside a
// transaction.
func query[T any](ctx context.Context, s *Store, what, sql string, args ...any) ([]T, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", what, err)
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", what, err)
	}
	out := make([]T, 0, len(raws))
	for _, b := range raws {
		var v T
		if err := decode(what, b, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
