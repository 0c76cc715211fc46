package hub

import (
	"sync"
	"time"
)

// failLimiter counts failed authentications per client address and blocks
// an address that failed max times within window, until the window ends.
// It keeps at most maxTracked addresses, forgetting the oldest first.
type failLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	byIP   map[string]*failures
}

type failures struct {
	count int
	since time.Time
}

const maxTracked = 100_000

func newFailLimiter(max int, window time.Duration) *failLimiter {
	return &failLimiter{max: max, window: window, byIP: map[string]*failures{}}
}

// blocked returns how long ip must wait, or 0.
func (l *failLimiter) blocked(ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.byIP[ip]
	if f == nil {
		return 0
	}
	end := f.since.Add(l.window)
	if !now.Before(end) {
		delete(l.byIP, ip)
		return 0
	}
	if f.count < l.max {
		return 0
	}
	return end.Sub(now)
}

// fail records one failed authentication from ip.
func (l *failLimiter) fail(ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.byIP[ip]
	if f == nil || !now.Before(f.since.Add(l.window)) {
		if len(l.byIP) >= maxTracked {
			l.prune(now)
		}
		l.byIP[ip] = &failures{count: 1, since: now}
		return
	}
	f.count++
}

// prune drops expired entries, and if none expired, an arbitrary half.
func (l *failLimiter) prune(now time.Time) {
	for ip, f := range l.byIP {
		if !now.Before(f.since.Add(l.window)) {
			delete(l.byIP, ip)
		}
	}
	for ip := range l.byIP {
		if len(l.byIP) < maxTracked/2 {
			break
		}
		delete(l.byIP, ip)
	}
}
