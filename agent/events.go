package agent

import (
	"sync"

	"tandem/localapi"
)

// events fans agent events out to the local API's subscribers (the tray).
// A slow subscriber misses events rather than holding the agent up; every
// event also carries enough for the tray to re-read what it needs.
type events struct {
	mu   sync.Mutex
	subs map[chan localapi.Event]struct{}
}

// Subscribe returns a channel of events and a function that ends the
// subscription.
func (a *Agent) Subscribe() (<-chan localapi.Event, func()) {
	ch := make(chan localapi.Event, 32)
	a.ev.mu.Lock()
	if a.ev.subs == nil {
		a.ev.subs = map[chan localapi.Event]struct{}{}
	}
	a.ev.subs[ch] = struct{}{}
	a.ev.mu.Unlock()
	return ch, func() {
		a.ev.mu.Lock()
		delete(a.ev.subs, ch)
		a.ev.mu.Unlock()
	}
}

func (a *Agent) emit(e localapi.Event) {
	a.ev.mu.Lock()
	defer a.ev.mu.Unlock()
	for ch := range a.ev.subs {
		select {
		case ch <- e:
		default: // full: this subscriber will re-read on its next event
		}
	}
}
