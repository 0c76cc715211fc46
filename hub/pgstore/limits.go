package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/hub"
)

var _ hub.LimitStore = (*Store)(nil)

// LimitWait implements hub.LimitStore.
func (s *Store) LimitWait(ctx context.Context, limit, key string, max int, window time.Duration, now time.Time) (time.Duration, error) {
	var count int
	var since time.Time
	err := s.pool.QueryRow(ctx, `SELECT count, since FROM sign_in_limits WHERE limit_name = $1 AND key = $2`, limit, key).Scan(&count, &since)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the sign-in limit: %w", err)
	}
	return waitFor(count, since, max, window, now), nil
}

func waitFor(count int, since time.Time, max int, window time.Duration, now time.Time) time.Duration {
	end := since.Add(window)
	if count < max || !now.Before(end) {
		return 0
	}
	return end.Sub(now)
}

// LimitTake implements hub.LimitStore in one statement: a new key or a
// window run out starts again at 1; a key under max counts one more; a
// blocked key is left as it is (no row comes back), and its wait is read.
func (s *Store) LimitTake(ctx context.Context, limit, key string, max int, window time.Duration, now time.Time) (time.Duration, error) {
	if rand.IntN(256) == 0 {
		// Now and then, forget the windows that ran out.
		if _, err := s.pool.Exec(ctx, `DELETE FROM sign_in_limits WHERE since < $1`, now.Add(-time.Hour)); err != nil {
			return 0, fmt.Errorf("forgetting old sign-in counts: %w", err)
		}
	}
	var count int
	err := s.pool.QueryRow(ctx, `INSERT INTO sign_in_limits (limit_name, key, count, since) VALUES ($1, $2, 1, $3)
		ON CONFLICT (limit_name, key) DO UPDATE SET
			count = CASE WHEN sign_in_limits.since + $4::interval <= $3 THEN 1 ELSE sign_in_limits.count + 1 END,
			since = CASE WHEN sign_in_limits.since + $4::interval <= $3 THEN $3 ELSE sign_in_limits.since END
		WHERE sign_in_limits.since + $4::interval <= $3 OR sign_in_limits.count < $5
		RETURNING count`, limit, key, now, window, max).Scan(&count)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.LimitWait(ctx, limit, key, max, window, now)
	}
	if err != nil {
		return 0, fmt.Errorf("counting a sign-in attempt: %w", err)
	}
	return 0, nil
}
