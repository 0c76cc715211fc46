package hub

import (
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// handshakeLog is the error log of the hub's http.Server (Server.HTTPServer).
// It passes each line to the hub's logger at warn level, except failed TLS
// handshakes: anyone who can reach the port makes those as fast as they
// can connect (a port scanner, a client without the hub's CA, plain HTTP
// on the TLS port), so it logs the first from each client address
// (addrKey) in a minute, for at most maxHandshakeAddrs addresses, and
// counts the others. The count is logged as one line with the first failed
// handshake after the minute, or when the server stops (flush). It is safe
// for concurrent use.
type handshakeLog struct {
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	since   time.Time       // start of the current minute
	logged  map[string]bool // addresses logged in it
	dropped int             // failed handshakes counted, not logged, in it
}

const (
	handshakeWindow   = time.Minute
	maxHandshakeAddrs = 100
	// handshakePrefix starts net/http's line for a failed TLS handshake:
	// "http: TLS handshake error from ADDR: REASON".
	handshakePrefix = "http: TLS handshake error from "
)

func newHandshakeLog(log *slog.Logger, now func() time.Time) *handshakeLog {
	return &handshakeLog{log: log, now: now, logged: map[string]bool{}}
}

// Write takes one line of the server's error log.
func (h *handshakeLog) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	rest, ok := strings.CutPrefix(line, handshakePrefix)
	if !ok {
		h.log.Warn(line)
		return len(p), nil
	}
	client, reason, _ := strings.Cut(rest, ": ")
	host := client
	if hp, _, err := net.SplitHostPort(client); err == nil {
		host = hp
	}
	host = addrKey(host)
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !now.Before(h.since.Add(handshakeWindow)) {
		h.flushLocked()
		h.since = now
	}
	if h.logged[host] || len(h.logged) >= maxHandshakeAddrs {
		h.dropped++
		return len(p), nil
	}
	h.logged[host] = true
	h.log.Warn("a TLS handshake failed; more from this address in the next minute are counted, not logged",
		"client", client, "reason", reason)
	return len(p), nil
}

// flush logs how many failed handshakes were counted and not logged, if
// any, and starts a new minute.
func (h *handshakeLog) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.flushLocked()
	h.since = h.now()
}

func (h *handshakeLog) flushLocked() {
	if h.dropped > 0 {
		h.log.Warn("more TLS handshakes failed than were logged", "count", h.dropped, "since", h.since.UTC().Format(time.RFC3339))
	}
	h.dropped = 0
	clear(h.logged)
}
