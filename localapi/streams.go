package localapi

import (
	"fmt"
	"sync"
)

// Default caps of the event stream (GET /v1/events). A tray holds one
// stream, each open window one more; a person rarely needs more than
// three. Each stream holds a connection (a file descriptor) and a
// subscription for as long as it is open, so without a cap one local
// account could open streams until the agent runs out of descriptors and
// stops answering everybody.
const (
	DefaultMaxStreamsPerUser = 8
	DefaultMaxStreams        = 256
)

// streams counts the open event streams, per user and in all. It is safe
// for concurrent use.
type streams struct {
	mu     sync.Mutex
	byUser map[string]int
	total  int
	// warned holds the users refused since they last dropped below their
	// cap, so that a program that keeps retrying is logged once.
	warned map[string]bool
}

// take counts a new stream of user u, unless u already holds perUser
// streams or the agent holds total; then problem says so in plain words
// and nothing is counted. first is true for the first refusal of u since
// u last had room. release ends the stream's count; call it once.
func (s *streams) take(u string, perUser, total int) (release func(), problem string, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.byUser[u] >= perUser:
		problem = fmt.Sprintf("this account already has %d open event streams (the tray needs one, each Tandem window one more); "+
			"close other Tandem windows, or sign out and in again, and the tray reconnects by itself", s.byUser[u])
	case s.total >= total:
		problem = fmt.Sprintf("the agent already serves %d event streams for the accounts of this computer, its limit; "+
			"the tray reconnects by itself when some close, or ask your IT support to restart the Tandem service", s.total)
	}
	if problem != "" {
		first = !s.warned[u]
		if s.warned == nil {
			s.warned = map[string]bool{}
		}
		s.warned[u] = true
		return nil, problem, first
	}
	if s.byUser == nil {
		s.byUser = map[string]int{}
	}
	s.byUser[u]++
	s.total++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.total--
			if s.byUser[u]--; s.byUser[u] <= 0 {
				delete(s.byUser, u)
			}
			delete(s.warned, u)
		})
	}, "", false
}
