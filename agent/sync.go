package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"tandem/internal/version"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// Run runs the agent's loops until ctx ends: the device's sync loop, the
// heartbeat, and the sync loop of each person signed in to the dashboard
// (RunStaff). It returns nil when ctx ends, or an error when the device is
// not enrolled.
func (a *Agent) Run(ctx context.Context) error {
	id := a.Identity()
	if id == nil {
		return fmt.Errorf("%w: enroll it with tandem-agent enroll --hub URL --token TOKEN --ca FILE", client.ErrNotEnrolled)
	}
	conn, err := id.Conn(a.opts.Conn)
	if err != nil {
		return err
	}
	defer func() { conn.Close() }()
	a.writeStatus()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { a.heartbeatLoop(ctx) })
	wg.Go(func() {
		if err := a.RunStaff(ctx); err != nil {
			a.log.Error("the dashboard's sync loops stopped", "err", err)
		}
	})

	failures := 0
	// hubAhead is how far the hub's clock is ahead of this computer's, once
	// it has answered: a certificate is renewed when the hub would find it
	// old, not when a clock set weeks ahead says so (which renewed it at
	// every sync).
	var hubAhead time.Duration
	hubKnown := false
	for {
		if hubKnown && id.NeedsRenewal(a.now().Add(hubAhead)) {
			if err := id.Renew(ctx, conn); err != nil {
				a.log.Warn("certificate renewal failed; will retry", "err", err)
			} else if c, err := id.Conn(a.opts.Conn); err == nil {
				conn.Close()
				conn = c
				a.log.Info("device certificate renewed", "expires", id.ExpiresAt)
			}
		}
		err := a.SyncOnce(ctx, conn)
		if t, ok := conn.HubNow(); ok {
			hubAhead, hubKnown = t.Sub(a.now()), true
		}
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			failures++
			wait = client.Jitter(a.opts.OfflineMin, a.opts.OfflineMax, failures-1)
			var he *client.HTTPError
			if errors.As(err, &he) && he.RetryAfter > wait {
				wait = he.RetryAfter
			}
			a.log.Warn("sync failed; working offline", "err", err, "retry_in", wait.Round(time.Second))
			a.setStatus(func(s *Status) {
				s.Online, s.LastError, s.NextAttempt = false, err.Error(), a.now().Add(wait).UTC()
			})
			a.writeStatus()
			if failures == 1 {
				a.emitStatus()
			}
		default:
			if failures > 0 {
				a.log.Info("back online")
				a.emitStatus()
			}
			failures = 0
			wait = jitterAround(a.opts.PullInterval)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-a.kick:
			timer.Stop()
			if failures > 0 {
				// A new local change while offline: try again now, but only
				// once per backoff step, so typing does not hammer the hub.
				failures--
			}
		case <-timer.C:
		}
	}
}

func jitterAround(d time.Duration) time.Duration {
	return d*4/5 + rand.N(d*2/5+1)
}

// SyncOnce pushes the whole outbox, then pulls every page of changes.
func (a *Agent) SyncOnce(ctx context.Context, conn *client.Conn) error {
	if err := a.pushAll(ctx, conn); err != nil {
		return err
	}
	if err := a.pullAll(ctx, conn); err != nil {
		return err
	}
	a.setStatus(func(s *Status) { s.Online, s.LastError, s.NextAttempt = true, "", time.Time{} })
	a.writeStatus()
	return nil
}

func (a *Agent) pushAll(ctx context.Context, conn *client.Conn) error {
	pushed, err := a.drainOutbox(ctx, conn, outboxQueue{
		device: true,
		ledger: a.ledger,
		kv:     func(tx *localdb.Tx) outbox.KV { return tx },
		before: func(batch []json.RawMessage) error { return a.sendBlobs(ctx, conn, batch) },
		acked: func(acked int, d []outbox.DeadLetter) {
			dead := len(d)
			for _, l := range d {
				a.log.Warn("the hub refused a change; it is kept as a dead letter", "seq", l.Mutation.Seq, "kind", l.Mutation.Kind, "reason", l.Error.Message)
			}
			a.setStatus(func(s *Status) {
				s.LastPush = a.now().UTC()
				s.Queued = max(0, s.Queued-acked)
				if s.Queued == 0 {
					s.QueuedSince = time.Time{}
				}
				s.Dead += dead
			})
			if dead > 0 {
				a.log.Info("dead letters", "new", dead)
			}
		},
	})
	if err == nil && pushed {
		st := a.Status()
		a.emit(localapi.Event{Kind: localapi.EventDrained, Online: true, Queued: st.Queued})
	}
	return err
}

// outboxQueue names one outbox for drainOutbox: the device's or a
// signed-in person's.
type outboxQueue struct {
	// device is set for the device's own queue: it is sent in a stream
	// (ensureStream), kept in the ledger, and repaired when damaged.
	device bool
	// ledger, if set, is told which changes left the queue.
	ledger *outbox.Ledger
	kv     func(*localdb.Tx) outbox.KV
	// conflict runs when the hub holds other changes under the queue's
	// numbers (a person's queue: number again after the hub's mark).
	conflict func() error
	before   func(batch []json.RawMessage) error              // runs before a batch is sent; may be nil
	acked    func(acknowledged int, dead []outbox.DeadLetter) // after each answer is recorded
	whose    string                                           // "your " for a person's changes, in messages
}

// drainOutbox sends the queue's changes in order until none is left: a
// batch the hub finds too large is halved, each answer is acknowledged in
// the store (refusals become dead letters), and a hub that has applied
// less than the batch's first change is reported. pushed says whether
// anything was sent.
func (a *Agent) drainOutbox(ctx context.Context, conn *client.Conn, q outboxQueue) (pushed bool, err error) {
	maxBatch := protocol.MaxBatch
	var st outbox.Stream
	if q.device {
		if st, err = a.ensureStream(ctx); err != nil {
			return false, err
		}
	}
	repairs, restarts := 0, 0
	// repair sets damaged entries aside (and recovers them from the
	// ledger) when a read of the device queue finds one; a person's queue
	// has no ledger, so its damage is an error.
	repair := func(err error) (bool, error) {
		if !q.device || !errors.Is(err, outbox.ErrDamaged) || repairs >= 3 {
			return false, err
		}
		repairs++
		a.log.Warn("a queued change is damaged; setting it aside so the rest can be sent", "err", err)
		if err := a.reconcile(ctx); err != nil {
			return false, err
		}
		st, err = a.ensureStream(ctx)
		return err == nil, err
	}
	for {
		var batch []json.RawMessage
		err := a.db.View(func(tx *localdb.Tx) error {
			var err error
			batch, err = a.ob.Batch(q.kv(tx), maxBatch, protocol.MaxBatchBytes)
			return err
		})
		if again, err := repair(err); again {
			continue
		} else if err != nil {
			return pushed, fmt.Errorf("reading %squeued changes: %w", q.whose, err)
		}
		if len(batch) == 0 {
			return pushed, nil
		}
		pushed = true
		if q.before != nil {
			if err := q.before(batch); err != nil {
				return pushed, err
			}
		}
		var resp protocol.PushResponse
		if q.device {
			resp, err = conn.PushStream(ctx, st.ID, st.Base, batch)
		} else {
			resp, err = conn.PushRaw(ctx, batch)
		}
		var he *client.HTTPError
		if errors.As(err, &he) && he.Status == http.StatusRequestEntityTooLarge && len(batch) > 1 {
			maxBatch = max(1, len(batch)/2)
			continue
		}
		if errors.As(err, &he) && he.Body != nil && he.Body.Code == protocol.CodeCloned {
			a.noteCloned(ctx)
		}
		if err != nil {
			what := fmt.Sprintf("%d changes", len(batch))
			if q.whose != "" {
				what = fmt.Sprintf("%d of %schanges", len(batch), q.whose)
			}
			return pushed, fmt.Errorf("pushing %s: %w", what, err)
		}
		var ack outbox.Acked
		err = a.db.Update(ctx, func(tx *localdb.Tx) error {
			var err error
			ack, err = a.ob.Acknowledge(q.kv(tx), resp, a.now())
			return err
		})
		if again, err := repair(err); again {
			continue
		} else if err != nil {
			return pushed, fmt.Errorf("recording what the hub acknowledged: %w", err)
		}
		if q.ledger != nil {
			if err := q.ledger.Acked(ack.IDs); err != nil {
				a.log.Warn("could not note delivered changes in the outbox ledger; they may be sent again, which the hub ignores", "err", err)
			}
		}
		q.acked(ack.N, ack.Dead)
		if ack.Conflict {
			restarts++
			if restarts > 3 {
				return pushed, fmt.Errorf("the hub keeps finding %schanges under numbers it holds for others; will try again later", q.whose)
			}
			if q.device {
				if st, err = a.restartStream(ctx, streamConflict); err != nil {
					return pushed, err
				}
				continue
			}
			if q.conflict != nil {
				if err := q.conflict(); err != nil {
					return pushed, err
				}
			}
			return pushed, fmt.Errorf("the hub holds other changes under the numbers of %squeued changes; they are numbered again and sent at the next attempt", q.whose)
		}
		if first := firstSeq(batch); resp.HighWater < first {
			// The hub is missing something before this batch: nothing was
			// consumed. This happens only if the hub lost data; report it.
			return pushed, fmt.Errorf("the hub has applied %schanges only up to %d but the queue starts at %d; the hub may have been restored from an old backup", q.whose, resp.HighWater, first)
		}
	}
}

func firstSeq(batch []json.RawMessage) uint64 {
	var head struct {
		Seq uint64 `json:"seq"`
	}
	if len(batch) > 0 {
		_ = json.Unmarshal(batch[0], &head) // the outbox wrote it; a failure leaves 0
	}
	return head.Seq
}

// pullAll pulls the hub's changes after the cursor. When a ticket of the
// replica was found damaged, or the cursor itself is, it pulls from the
// start, so the hub's copies replace what the disk lost.
func (a *Agent) pullAll(ctx context.Context, conn *client.Conn) error {
	fromStart := a.refetch.Swap(false)
	finished := false
	defer func() {
		if fromStart && !finished {
			a.refetch.Store(true) // the next pull starts over
		}
	}()
	for page := range 10_000 {
		var cursor uint64
		err := a.db.View(func(tx *localdb.Tx) error {
			b, err := tx.Get(keyCursor)
			if errors.Is(err, localdb.ErrNotFound) {
				return nil
			}
			if err == nil && json.Unmarshal(b, &cursor) != nil {
				err = fmt.Errorf("%w: the pull cursor is not a number: %q", localdb.ErrCorrupt, b)
			}
			if errors.Is(err, localdb.ErrCorrupt) {
				a.log.Warn("the pull position in the local store is damaged; fetching every ticket again", "err", err)
				fromStart, cursor = true, 0
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("reading the pull cursor: %w", err)
		}
		if fromStart && page == 0 {
			cursor = 0
		}
		resp, err := conn.Pull(ctx, cursor, protocol.MaxPullLimit)
		if err != nil {
			return fmt.Errorf("pulling changes: %w", err)
		}
		if err := a.applyPage(ctx, resp); err != nil {
			return err
		}
		a.setStatus(func(s *Status) { s.LastPull = a.now().UTC() })
		if !resp.More || resp.Cursor == cursor {
			finished = true
			return nil
		}
	}
	return errors.New("pulling changes: the hub kept sending more pages; will continue later")
}

// applyPage stores a page of the hub's changes and the new cursor in one
// transaction, then re-applies the still-queued local changes on top, so
// what the user sees includes both.
func (a *Agent) applyPage(ctx context.Context, page protocol.PullResponse) error {
	var changed []*msp.Ticket
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		changed = changed[:0]
		pending := map[string][]protocol.Mutation{}
		if err := a.ob.Pending(tx, func(m protocol.Mutation) error {
			if m.Kind == protocol.KindTicket && m.Change != nil {
				pending[m.Change.TicketID] = append(pending[m.Change.TicketID], m)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, c := range page.Changes {
			switch c.Kind {
			case protocol.ChangeTicket:
				if c.Ticket == nil {
					continue
				}
				t := c.Ticket
				for _, m := range pending[t.ID] {
					if next, err := msp.Apply(t, *m.Change, a.actor(m.User), a.now()); err == nil {
						t = next
					}
				}
				prev, err := a.localTicket(tx, t.ID)
				if err != nil {
					return err
				}
				if prev != nil && prev.Revision == t.Revision && prev.Status == t.Status && len(prev.Comments) == len(t.Comments) {
					continue // nothing new for the person
				}
				if err := tx.PutJSON(localdb.Key(localdb.SpaceTicket, t.ID), t); err != nil {
					return err
				}
				changed = append(changed, t)
			case protocol.ChangeTenant:
				if c.Tenant != nil {
					if err := tx.PutJSON(keyTenant, c.Tenant); err != nil {
						return err
					}
				}
			}
		}
		b, _ := json.Marshal(page.Cursor)
		return tx.Put(keyCursor, b)
	})
	if err != nil {
		return err
	}
	for _, t := range changed {
		a.emitTicket(t)
	}
	return nil
}

// heartbeatLoop queues a check-in about every HeartbeatInterval, but never
// more than one waiting: an offline laptop does not pile up heartbeats.
func (a *Agent) heartbeatLoop(ctx context.Context) {
	start := time.Now()
	// A randomised first tick spreads a fleet that boots at once.
	timer := time.NewTimer(rand.N(a.opts.HeartbeatInterval/4 + 1))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if err := a.queueCheckIn(ctx, int64(time.Since(start).Seconds())); err != nil && ctx.Err() == nil {
			a.log.Warn("could not queue a check-in", "err", err)
		}
		timer.Reset(jitterAround(a.opts.HeartbeatInterval))
	}
}

func (a *Agent) queueCheckIn(ctx context.Context, uptime int64) error {
	queued := false
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		waiting, n := false, 0
		if err := a.ob.Pending(tx, func(m protocol.Mutation) error {
			n++
			if m.Kind == protocol.KindCheckIn {
				waiting = true
				return localdb.ErrStop
			}
			return nil
		}); err != nil {
			return err
		}
		if waiting {
			return nil
		}
		queued = true
		_, err := a.ob.Enqueue(tx, protocol.Mutation{Kind: protocol.KindCheckIn, CheckIn: &protocol.CheckIn{
			At: a.now().UTC(), AgentVersion: version.Version, Uptime: uptime, QueuedChanges: n,
		}})
		return err
	})
	if err == nil && queued {
		a.queuedOne()
		a.wake()
	}
	return err
}

// QueueInventory queues a full inventory report for the hub.
func (a *Agent) QueueInventory(ctx context.Context, inv msp.Inventory) error {
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := tx.PutJSON(localdb.Key(localdb.SpaceInventory, "last"), inv); err != nil {
			return err
		}
		_, err := a.ob.Enqueue(tx, protocol.Mutation{Kind: protocol.KindInventory, Inventory: &inv})
		return err
	})
	if err == nil {
		a.queuedOne()
		a.wake()
	}
	return err
}
