package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/hub"
)

var _ hub.Leaser = (*Store)(nil)

// Lease implements hub.Leaser with a row per job: one statement takes the
// lease when it is free or run out, or renews it for its holder, by the
// database's clock. The row's lock orders hubs that ask at once.
func (s *Store) Lease(ctx context.Context, job, holder string, ttl time.Duration) (bool, error) {
	var got string
	err := s.pool.QueryRow(ctx, `INSERT INTO leases (job, holder, expires) VALUES ($1, $2, now() + $3::interval)
		ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, expires = EXCLUDED.expires
		WHERE leases.holder = EXCLUDED.holder OR leases.expires <= now()
		RETURNING holder`, job, holder, ttl).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // another holder's lease runs
	}
	if err != nil {
		return false, fmt.Errorf("taking the lease of %s: %w", job, err)
	}
	return got == holder, nil
}
