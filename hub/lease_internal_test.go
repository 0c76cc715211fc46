package hub

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"tandem/localdb"
)

// leasedStore is the embedded store as if other hubs shared it: it grants
// the SLA sweep's lease when grant says so, and counts the sweep's reads.
type leasedStore struct {
	*BadgerStore
	grant  bool
	asked  func()
	views  atomic.Int64
	holder string
}

func (l *leasedStore) View(ctx context.Context, fn func(Tx) error) error {
	l.views.Add(1)
	return l.BadgerStore.View(ctx, fn)
}

func (l *leasedStore) Lease(_ context.Context, job, holder string, _ time.Duration) (bool, error) {
	if job == LeaseSLASweep {
		l.holder = holder
		l.asked()
	}
	return l.grant, nil
}

// RunSLA sweeps on a shared store only while this hub holds the lease.
func TestRunSLAFollowsLease(t *testing.T) {
	bs, err := OpenBadgerStore(context.Background(), t.TempDir(), localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	for _, grant := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		ls := &leasedStore{BadgerStore: bs, grant: grant}
		// Stop the loop after its first round: the round still sweeps
		// (or not) before it sees ctx end.
		ls.asked = cancel
		s := NewServer(ls, nil, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
		s.RunSLA(ctx, time.Hour)
		cancel()
		if swept := ls.views.Load() > 0; swept != grant {
			t.Errorf("lease granted %v: the hub swept %v", grant, swept)
		}
		if ls.holder != s.instance || s.instance == "" {
			t.Errorf("the lease was asked for %q, want the hub's instance %q", ls.holder, s.instance)
		}
	}
}
