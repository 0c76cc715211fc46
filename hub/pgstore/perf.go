package pgstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/hub"
)

// TenantStamp is the MD5 of the tenant's stored document: it moves with
// every change of the record, and is the same in every hub process.
func (t *tx) TenantStamp(id string) (string, error) {
	var stamp string
	err := t.tx.QueryRow(t.ctx, `SELECT md5(doc::text) FROM tenants WHERE id = $1`, id).Scan(&stamp)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the stamp of tenant %s: %w", id, err)
	}
	return stamp, nil
}

func (t *tx) DeviceFeed(tenant, device string, after uint64, limit int) ([]hub.FeedEntry, uint64, error) {
	var last int64
	err := t.tx.QueryRow(t.ctx, `SELECT last FROM feed_counters WHERE tenant = $1`, tenant).Scan(&last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, fmt.Errorf("reading the feed of tenant %s: %w", tenant, err)
	}
	rows, err := t.tx.Query(t.ctx, `SELECT seq, kind, id FROM (
			SELECT f.seq, f.kind, f.id FROM feed f JOIN tickets tk ON tk.tenant = f.tenant AND tk.id = f.id
			WHERE f.tenant = $1 AND f.kind = 'ticket' AND f.seq > $2
				AND tk.doc->>'device' = $3 AND tk.doc->'alert' IS NULL
			UNION ALL
			SELECT seq, kind, id FROM feed WHERE tenant = $1 AND kind = 'tenant' AND seq > $2
		) e ORDER BY seq LIMIT $4`, tenant, int64(after), device, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the feed of device %s: %w", device, err)
	}
	out, err := pgx.CollectRows(rows, scanFeedEntry)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the feed of device %s: %w", device, err)
	}
	return out, uint64(last), nil
}

func (t *tx) TicketJSON(tenant, id string) ([]byte, error) {
	var b []byte
	err := t.tx.QueryRow(t.ctx, `SELECT doc::text FROM tickets WHERE tenant = $1 AND id = $2`, tenant, id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("ticket %s: %w", id, hub.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading ticket %s: %w", id, err)
	}
	return b, nil
}

func (t *tx) TicketsJSON(tenant string, fn func(raw []byte) bool) error {
	after := ""
	for {
		rows, err := t.tx.Query(t.ctx, `SELECT id, doc::text FROM tickets WHERE tenant = $1 AND id > $2 ORDER BY id LIMIT $3`, tenant, after, pageSize)
		if err != nil {
			return fmt.Errorf("listing the tickets of tenant %s: %w", tenant, err)
		}
		var ids []string
		var docs [][]byte
		for rows.Next() {
			var id string
			var doc []byte
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return fmt.Errorf("listing the tickets of tenant %s: %w", tenant, err)
			}
			ids, docs = append(ids, id), append(docs, doc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("listing the tickets of tenant %s: %w", tenant, err)
		}
		for _, doc := range docs {
			if !fn(doc) {
				return nil
			}
		}
		if len(ids) < pageSize {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// dueNanos is at as ticket_due holds it: 0 for the zero time, at least 1
// for any other.
func dueNanos(at time.Time) int64 {
	if at.IsZero() {
		return 0
	}
	return max(at.UnixNano(), 1)
}

func (t *tx) SetTicketDue(tenant, id string, at time.Time) error {
	if at.IsZero() {
		return t.exec("clearing the due time of ticket "+id, `DELETE FROM ticket_due WHERE tenant = $1 AND id = $2`, tenant, id)
	}
	return t.exec("saving the due time of ticket "+id, `INSERT INTO ticket_due (tenant, id, due) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, id) DO UPDATE SET due = EXCLUDED.due`, tenant, id, dueNanos(at))
}

func (t *tx) DueTickets(tenant string, from, until time.Time, fn func(id string) bool) error {
	lo := dueNanos(from)
	if !from.IsZero() {
		lo = max(lo, 1)
	}
	rows, err := t.tx.Query(t.ctx, `SELECT id FROM ticket_due WHERE tenant = $1 AND due >= $2 AND due <= $3 ORDER BY due, id`,
		tenant, lo, dueNanos(until))
	if err != nil {
		return fmt.Errorf("reading the due tickets of tenant %s: %w", tenant, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("reading the due tickets of tenant %s: %w", tenant, err)
	}
	for _, id := range ids {
		if !fn(id) {
			return nil
		}
	}
	return nil
}

func (t *tx) NextDue(tenant string, from time.Time) (time.Time, bool, error) {
	var due int64
	err := t.tx.QueryRow(t.ctx, `SELECT due FROM ticket_due WHERE tenant = $1 AND due >= $2 ORDER BY due LIMIT 1`, tenant, dueNanos(from)).Scan(&due)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the next due time of tenant %s: %w", tenant, err)
	}
	if due <= 1 {
		return time.Time{}, true, nil
	}
	return time.Unix(0, due).UTC(), true, nil
}
