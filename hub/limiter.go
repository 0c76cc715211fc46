package hub

import (
	"net/netip"
	"sync"
	"time"
)

// failLimiter counts attempts per key (failed authentications from a
// client address, tries of a sign-in code) in a fixed window that starts
// at the key's first attempt, and blocks a key counted max times until its
// window ends. It keeps at most maxTracked keys, forgetting expired ones
// first. It is safe for concurrent use. What a block means is the
// caller's (see the limits in server.go).
type failLimiter struct {
	mu         sync.Mutex
	max        int
	window     time.Duration
	maxTracked int
	byKey      map[string]*failures
}

type failures struct {
	count int
	since time.Time
}

// maxTracked bounds each limiter's memory: about 100 bytes a key.
const maxTracked = 100_000

func newFailLimiter(max int, window time.Duration) *failLimiter {
	return &failLimiter{max: max, window: window, maxTracked: maxTracked, byKey: map[string]*failures{}}
}

// blocked returns how long key must wait, or 0.
func (l *failLimiter) blocked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wait(key, now)
}

// fail records one failed attempt by key.
func (l *failLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(key, now)
}

// take records one attempt by key, unless key is blocked: then it returns
// how long key must wait and records nothing. Counting an attempt before
// its outcome is known keeps concurrent attempts within max.
func (l *failLimiter) take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if wait := l.wait(key, now); wait > 0 {
		return wait
	}
	l.count(key, now)
	return 0
}

func (l *failLimiter) wait(key string, now time.Time) time.Duration {
	f := l.byKey[key]
	if f == nil {
		return 0
	}
	end := f.since.Add(l.window)
	if !now.Before(end) {
		delete(l.byKey, key)
		return 0
	}
	if f.count < l.max {
		return 0
	}
	return end.Sub(now)
}

func (l *failLimiter) count(key string, now time.Time) {
	f := l.byKey[key]
	if f == nil || !now.Before(f.since.Add(l.window)) {
		if f == nil && len(l.byKey) >= l.maxTracked {
			l.prune(now)
		}
		l.byKey[key] = &failures{count: 1, since: now}
		return
	}
	f.count++
}

// prune drops expired entries, and if that leaves more than half, an
// arbitrary half: a flood of new keys can then reset an old key's count,
// but never grow the map.
func (l *failLimiter) prune(now time.Time) {
	for key, f := range l.byKey {
		if !now.Before(f.since.Add(l.window)) {
			delete(l.byKey, key)
		}
	}
	for key := range l.byKey {
		if len(l.byKey) < l.maxTracked/2 {
			break
		}
		delete(l.byKey, key)
	}
}

// addrKey is the limiter's key for a client address: the address itself
// for IPv4, its /64 network for IPv6, where one host or LAN holds a whole
// /64 and could otherwise take a fresh address for every attempt.
func addrKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
