package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// The device queue's stream and its repair (see package outbox: Stream,
// Quarantine, Ledger). Every way a store can come back different from what
// the person was told is handled here the same way: keep every change that
// can be read or recovered, number the queue again in a new stream, and say
// so in Status.Problems when something was lost from the store.

// Reasons a new stream is started, as the log and the stream record say.
const (
	streamNew       = "a new store"
	streamEnrolled  = "a new enrollment"
	streamConflict  = "the hub holds other changes under these numbers (a restored or copied store)"
	streamRepaired  = "damaged or lost queue entries were set aside or recovered"
	outboxCounterID = "outbox" // the device queue's counter (package outbox)
)

// ensureStream gives the device queue a stream made under the current
// enrollment: a new store has none, and a re-enrollment needs a new one.
func (a *Agent) ensureStream(ctx context.Context) (outbox.Stream, error) {
	device := ""
	if id := a.Identity(); id != nil {
		device = id.DeviceID
	}
	var st outbox.Stream
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		cur, ok, err := a.ob.Stream(tx)
		if err != nil {
			return err
		}
		switch {
		case !ok:
			st, err = a.ob.NewStream(tx, device, streamNew, a.now())
		case cur.Device != device:
			st, err = a.ob.NewStream(tx, device, streamEnrolled, a.now())
			a.dropProblems(problemCloned)
		default:
			st = cur
		}
		return err
	})
	if err != nil {
		return st, fmt.Errorf("numbering the queue: %w", err)
	}
	return st, nil
}

// restartStream numbers the device queue again in a new stream.
func (a *Agent) restartStream(ctx context.Context, reason string) (outbox.Stream, error) {
	device := ""
	if id := a.Identity(); id != nil {
		device = id.DeviceID
	}
	var st outbox.Stream
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		var err error
		st, err = a.ob.NewStream(tx, device, reason, a.now())
		return err
	})
	if err != nil {
		return st, fmt.Errorf("numbering the queue again: %w", err)
	}
	a.log.Warn("the queue is numbered again in a new stream", "reason", reason, "stream", st.ID, "base", st.Base)
	return st, nil
}

// reconcile compares the store's queue with the ledger: damaged entries
// move to the dead letters, and ticket changes the ledger holds but the
// store lost are queued again (and shown again in the local replica). When
// anything was moved or recovered the queue gets a new stream. A store that
// lost changes the person had been told were saved is reported in
// Status.Problems, with the tickets' titles.
func (a *Agent) reconcile(ctx context.Context) error {
	var (
		moved     []uint64
		recovered []protocol.Mutation
		titles    []string
		backwards bool
		stream    outbox.Stream
	)
	device := ""
	if id := a.Identity(); id != nil {
		device = id.DeviceID
	}
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		moved, recovered, titles, backwards = nil, nil, nil, false
		var err error
		if moved, err = a.ob.Quarantine(tx, a.now()); err != nil {
			return err
		}
		st, haveStream, err := a.ob.Stream(tx)
		if err != nil {
			return err
		}
		counter, err := tx.Counter(outboxCounterID)
		if err != nil {
			return err
		}
		queued := map[string]bool{}
		if err := a.ob.Pending(tx, func(m protocol.Mutation) error {
			queued[m.ID] = true
			if m.Change != nil {
				queued[m.Change.ID] = true
			}
			return nil
		}); err != nil {
			return err
		}
		for _, e := range a.ledger.Pending() {
			if queued[e.ID] {
				continue
			}
			// Not in the store's queue: either delivered with the ledger's
			// note of it lost in a crash (sending it again is harmless: the
			// hub knows it), or lost by the store. The store lost it when it
			// holds fewer numbers than it gave out, or another stream.
			if !haveStream || e.Stream != st.ID || e.Seq > counter {
				backwards = true
			}
			m := e.Mutation
			m.Seq = 0
			if m.Seq, err = a.ob.Enqueue(tx, m); err != nil {
				return err
			}
			a.replay(tx, m)
			recovered = append(recovered, m)
			if e.Title != "" {
				titles = append(titles, fmt.Sprintf("%q", e.Title))
			}
		}
		switch {
		case len(moved) > 0 || len(recovered) > 0:
			stream, err = a.ob.NewStream(tx, device, streamRepaired, a.now())
		case !haveStream:
			stream, err = a.ob.NewStream(tx, device, streamNew, a.now())
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("checking the queue against the outbox ledger: %w", err)
	}
	if len(recovered) > 0 {
		// Renumbered: record where each change now stands.
		var ms []protocol.Mutation
		err := a.db.View(func(tx *localdb.Tx) error {
			return a.ob.Pending(tx, func(m protocol.Mutation) error {
				ms = append(ms, m)
				return nil
			})
		})
		if err == nil {
			err = a.ledger.Queued(stream, ms...)
		}
		if err != nil {
			a.log.Warn("could not update the outbox ledger after recovering changes", "err", err)
		}
	}
	if n := a.ledger.Skipped(); n > 0 {
		a.log.Warn("the outbox ledger had lines it could not read (a crash while writing, or damage)", "lines", n)
	}
	switch {
	case backwards || len(moved) > 0:
		msg := fmt.Sprintf("The local store came back without some changes it had saved (damage on disk, or a store that was restored, moved aside or deleted). %d were set aside as damaged", len(moved))
		if len(recovered) > 0 {
			msg += fmt.Sprintf("; %d ticket changes were recovered from the agent's ledger and will be sent", len(recovered))
			if len(titles) > 0 {
				msg += ": " + strings.Join(titles, ", ")
			}
		}
		msg += ". Nothing else is needed; tandem-agent status lists any change that could not be recovered as a dead letter."
		a.log.Warn("the store lost queued changes", "set_aside", len(moved), "recovered", len(recovered), "titles", titles)
		a.addProblem(msg)
	case len(recovered) > 0:
		a.log.Info("changes whose delivery was not recorded are queued again; the hub acknowledges those it has", "changes", len(recovered))
	}
	return nil
}

// replay applies a recovered ticket change to the local replica, so the
// person sees it again at once. It is best effort: the hub's copy arrives
// with the next pull either way.
func (a *Agent) replay(tx *localdb.Tx, m protocol.Mutation) {
	if m.Change == nil {
		return
	}
	current, err := a.localTicket(tx, m.Change.TicketID)
	if err != nil {
		return
	}
	next, err := msp.Apply(current, *m.Change, a.actor(m.User), a.now())
	if err != nil || (current != nil && next.Revision == current.Revision) {
		return
	}
	if err := tx.PutJSON(localdb.Key(localdb.SpaceTicket, next.ID), next); err != nil {
		a.log.Warn("could not show a recovered change in the local replica", "ticket", next.ID, "err", err)
	}
}

// problemCloned begins the problem a cloned enrollment raises.
const problemCloned = "This computer uses the enrollment of another computer"

// addProblem adds msg to Status.Problems once.
func (a *Agent) addProblem(msg string) {
	a.setStatus(func(s *Status) {
		for _, p := range s.Problems {
			if p == msg {
				return
			}
		}
		s.Problems = append(s.Problems, msg)
	})
}

// dropProblems removes the problems that start with prefix (a cause that
// has gone away).
func (a *Agent) dropProblems(prefix string) {
	a.setStatus(func(s *Status) {
		s.Problems = slices.DeleteFunc(s.Problems, func(p string) bool { return strings.HasPrefix(p, prefix) })
	})
}
