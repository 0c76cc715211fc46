package hub

import (
	"context"
	"time"
)

// Leaser is a store that several hubs share and that grants leases on
// named periodic jobs, so that each runs on one hub at a time: the holder
// renews its lease every round, and when it dies another hub takes the
// job once the lease has run out. A store that is no Leaser (the
// embedded one, which one process holds) runs every job in its hub.
type Leaser interface {
	// Lease takes or renews the lease on job for holder for ttl, by the
	// store's clock (so hubs' clocks need not agree), and reports whether
	// holder holds it now. Safe for concurrent use.
	Lease(ctx context.Context, job, holder string, ttl time.Duration) (bool, error)
}

// LeaseSLASweep is the job of the SLA sweep (escalations, the overflow
// timer, silent devices' alerts).
const LeaseSLASweep = "sla-sweep"

// holdsLease reports whether this hub runs job this round: always on a
// store that is no Leaser; on one that is, when it holds the lease. A
// store that cannot be asked skips the round (another hub may hold it).
func (s *Server) holdsLease(ctx context.Context, job string, ttl time.Duration) bool {
	l, ok := s.store.(Leaser)
	if !ok {
		return true
	}
	held, err := l.Lease(ctx, job, s.instance, ttl)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("could not take the lease of a periodic job; skipping this round", "job", job, "err", err)
		}
		return false
	}
	return held
}

// ExportsStoreGauges reports whether this hub exports the gauges that
// count the whole store (open tickets, devices, the webhook queue): on a
// store several hubs share, only the hub that holds the SLA sweep's lease
// does, so that a dashboard adding up the hubs does not count the store
// once per hub. A hub on a store of its own always does.
func (s *Server) ExportsStoreGauges() bool {
	if _, shared := s.store.(Leaser); !shared {
		return true
	}
	return s.sweeping.Load()
}
