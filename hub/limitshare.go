package hub

import (
	"context"
	"log/slog"
	"math"
	"time"
)

// LimitStore is a store that keeps the failed-sign-in counts for every hub
// that shares it, so that guesses spread over several hubs behind a load
// balancer meet one limit. Counts use the failLimiter's rules: a fixed
// window from a key's first attempt, max attempts in it. Safe for
// concurrent use.
type LimitStore interface {
	// LimitWait returns how long key of limit must wait at now, or 0.
	LimitWait(ctx context.Context, limit, key string, max int, window time.Duration, now time.Time) (time.Duration, error)
	// LimitTake records one attempt by key at now unless it is blocked;
	// then it returns how long it must wait and records nothing.
	LimitTake(ctx context.Context, limit, key string, max int, window time.Duration, now time.Time) (time.Duration, error)
}

// limiter is what the server asks about attempts: a failLimiter in this
// process, or sharedLimiter in the store.
type limiter interface {
	blocked(key string, now time.Time) time.Duration
	fail(key string, now time.Time)
	take(key string, now time.Time) time.Duration
}

var (
	_ limiter = (*failLimiter)(nil)
	_ limiter = sharedLimiter{}
)

// sharedLimiter keeps its counts in a LimitStore. While the store cannot
// be asked it counts in this process alone (local), so that a lost
// database does not lift the limit.
type sharedLimiter struct {
	store  LimitStore
	name   string
	max    int
	window time.Duration
	local  *failLimiter
	log    *slog.Logger
}

// storeLimitTimeout bounds one question to the store, so that a slow
// database does not hold a sign-in.
const storeLimitTimeout = 5 * time.Second

func (l sharedLimiter) blocked(key string, now time.Time) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), storeLimitTimeout)
	defer cancel()
	wait, err := l.store.LimitWait(ctx, l.name, key, l.max, l.window, now)
	if err != nil {
		l.log.Warn("the shared sign-in limit could not be read; counting on this hub alone", "limit", l.name, "err", err)
		return l.local.blocked(key, now)
	}
	return max(wait, l.local.blocked(key, now))
}

func (l sharedLimiter) fail(key string, now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), storeLimitTimeout)
	defer cancel()
	if _, err := l.store.LimitTake(ctx, l.name, key, math.MaxInt32, l.window, now); err != nil {
		l.log.Warn("the shared sign-in limit could not be counted; counting on this hub alone", "limit", l.name, "err", err)
		l.local.fail(key, now)
	}
}

func (l sharedLimiter) take(key string, now time.Time) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), storeLimitTimeout)
	defer cancel()
	wait, err := l.store.LimitTake(ctx, l.name, key, l.max, l.window, now)
	if err != nil {
		l.log.Warn("the shared sign-in limit could not be counted; counting on this hub alone", "limit", l.name, "err", err)
		return l.local.take(key, now)
	}
	return wait
}
