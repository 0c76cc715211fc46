package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tandem/hub"
)

var _ hub.Importer = (*Store)(nil)

// ErrNotEmpty is returned by Import for a database that holds a hub.
var ErrNotEmpty = errors.New("the PostgreSQL database already holds a hub")

// Import implements hub.Importer: fn runs in one SERIALIZABLE transaction
// of a database that holds no tenant, ticket or user yet.
func (s *Store) Import(ctx context.Context, fn func(hub.ImportTx) error) error {
	return s.Update(ctx, func(htx hub.Tx) error {
		t := htx.(*tx)
		var n int64
		if err := t.tx.QueryRow(t.ctx, `SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM tickets) + (SELECT count(*) FROM users)`).Scan(&n); err != nil {
			return fmt.Errorf("checking that the database is empty: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w (%d tenants, tickets and users); copy into an empty database", ErrNotEmpty, n)
		}
		return fn(importTx{t})
	})
}

type importTx struct{ *tx }

func (t importTx) SetFeed(tenant string, entries []hub.FeedEntry, last uint64) error {
	if err := t.exec("clearing the feed of tenant "+tenant, `DELETE FROM feed WHERE tenant = $1`, tenant); err != nil {
		return err
	}
	rows := make([][]any, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, []any{tenant, e.Kind, e.ID, int64(e.Seq)})
	}
	if _, err := t.tx.tx.CopyFrom(t.ctx, pgx.Identifier{"feed"}, []string{"tenant", "kind", "id", "seq"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("writing the feed of tenant %s: %w", tenant, err)
	}
	return t.exec("setting the feed counter of tenant "+tenant, `INSERT INTO feed_counters (tenant, last) VALUES ($1, $2)
		ON CONFLICT (tenant) DO UPDATE SET last = EXCLUDED.last`, tenant, int64(last))
}
