package agent

import (
	"context"
	"errors"
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
			if what := a.describeChange(tx, m, e.Title); what != "" && !slices.Contains(titles, what) {
				titles = append(titles, what)
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
		var parts []string
		if len(recovered) > 0 {
			part := fmt.Sprintf("Recovered from the agent's ledger and sent again: %d ticket changes", len(recovered))
			if len(titles) > 0 {
				part += " (" + strings.Join(titles, "; ") + ")"
			}
			parts = append(parts, part)
		}
		if len(moved) > 0 {
			parts = append(parts, fmt.Sprintf("set aside as damaged: %d queue entries", len(moved)))
		}
		msg := "Changes this computer's store lost were recovered and sent again. The store came back without some changes it had saved (damage on disk, or a store that was restored, moved aside or deleted)."
		if len(parts) > 0 {
			msg += " " + strings.Join(parts, "; ") + "."
		}
		msg += " Nothing else is needed; tandem-agent status lists any change that could not be recovered as a dead letter."
		a.log.Warn("the store lost queued changes", "set_aside", len(moved), "recovered", len(recovered), "titles", titles)
		a.addProblem(msg)
	case len(recovered) > 0:
		a.log.Info("changes whose delivery was not recorded are queued again; the hub acknowledges those it has", "changes", len(recovered))
	}
	return nil
}

// describeChange names a recovered change for the person: the ticket's
// title, from the ledger (a new ticket) or the local replica.
func (a *Agent) describeChange(tx *localdb.Tx, m protocol.Mutation, title string) string {
	c := m.Change
	if c == nil {
		return ""
	}
	if title == "" {
		if t, err := a.localTicket(tx, c.TicketID); err == nil && t != nil {
			title = t.Title
		}
	}
	if title == "" {
		return ""
	}
	switch c.Kind {
	case msp.ChangeCreate:
		return fmt.Sprintf("new ticket %q", title)
	case msp.ChangeComment:
		return fmt.Sprintf("a reply on %q", title)
	default:
		return fmt.Sprintf("a change to %q", title)
	}
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

// clonedProblem is the whole of it.
const clonedProblem = problemCloned + ". Its disk or virtual machine was copied from one already enrolled, so the MSP cannot tell the two apart, and its changes wait here. " +
	"Re-enroll this computer: remove the identity directory in the agent's data directory, then run tandem-agent enroll with a new token. " +
	"Nothing is lost: the changes waiting here are sent after enrollment."

// keyCloned holds the device id the hub said this computer shares with
// another (protocol.CodeCloned), until it enrolls again: the problem
// stays shown across restarts, and the new enrollment does not ask for
// that device back (EnrollRequest.Replaces).
var keyCloned = localdb.Key(localdb.SpaceMeta, "cloned-enrollment")

// noteCloned records the hub's answer that this computer's enrollment is
// another's.
func (a *Agent) noteCloned(ctx context.Context) {
	a.addProblem(clonedProblem)
	id := a.Identity()
	if id == nil {
		return
	}
	if err := a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.Put(keyCloned, []byte(id.DeviceID)) }); err != nil {
		a.log.Warn("could not note in the store that this computer's enrollment is copied", "err", err)
	}
}

// recallCloned shows the copied-enrollment problem again after a restart.
func (a *Agent) recallCloned() error {
	id := a.Identity()
	if id == nil {
		return nil
	}
	var cloned []byte
	err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		cloned, err = tx.Get(keyCloned)
		if errors.Is(err, localdb.ErrNotFound) || errors.Is(err, localdb.ErrCorrupt) {
			return nil // a damaged note is asked again at the next push
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("reading the store's notes on the enrollment: %w", err)
	}
	if string(cloned) == id.DeviceID {
		a.addProblem(clonedProblem)
	}
	return nil
}

// previousDevice is the device this computer was enrolled as before its
// identity was removed, which a new enrollment asks the hub to give back
// with its tickets; "" when the store knows none, or when the hub said
// that enrollment was copied from another computer.
func (a *Agent) previousDevice() (string, error) {
	var device string
	err := a.db.View(func(tx *localdb.Tx) error {
		st, ok, err := a.ob.Stream(tx)
		if err != nil || !ok {
			return err
		}
		cloned, err := tx.Get(keyCloned)
		if err != nil && !errors.Is(err, localdb.ErrNotFound) && !errors.Is(err, localdb.ErrCorrupt) {
			return err
		}
		if err == nil && string(cloned) == st.Device {
			return nil
		}
		device = st.Device
		return nil
	})
	if err != nil && !errors.Is(err, localdb.ErrCorrupt) {
		return "", fmt.Errorf("reading which device this computer was enrolled as: %w", err)
	}
	return device, nil
}

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
