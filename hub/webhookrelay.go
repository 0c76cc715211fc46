package hub

import (
	"context"
	"fmt"
	"time"

	"tandem/hub/metrics"
	"tandem/hub/webhook"
	"tandem/msp"
)

// Webhooks leave the hub through an outbox in its store. A change that
// makes a ticket event an endpoint wants queues the event (QueueEvent) in
// the change's own transaction; RunWebhookRelay publishes queued events to
// the webhook dispatcher after the commit and then deletes them. A hub
// killed between the two publishes the event again on its next start: the
// dispatcher names a delivery after its event and endpoint, so the event
// is queued once and, at worst, sent again under the same delivery id,
// which receivers deduplicate on. Before this, events were queued after
// the commit in another store, and a kill in between lost them.

const (
	// relayBatch is how many queued events one relay round publishes.
	relayBatch = 100
	// relayPoll is how often the relay looks for events without being
	// woken, and how long it waits after a failure.
	relayPoll = 5 * time.Second
)

// queueEvents puts the events of a change that an endpoint of their tenant
// wants in the store's event outbox, in the change's transaction tx, and
// reports whether it queued any. A hub without webhooks queues none.
func (s *Server) queueEvents(ctx context.Context, tx Tx, evs []TicketEvent) (bool, error) {
	if s.webhooks == nil || len(evs) == 0 {
		return false, nil
	}
	type want struct{ tenant, kind string }
	wants := map[want]bool{}
	queued := false
	for _, ev := range evs {
		kind := webhookKinds[ev.Kind]
		if kind == "" {
			continue
		}
		w := want{ev.Tenant, kind}
		ok, seen := wants[w]
		if !seen {
			var err error
			if ok, err = s.webhooks.Wants(ctx, ev.Tenant, kind); err != nil {
				return false, err
			}
			wants[w] = ok
		}
		if !ok {
			continue
		}
		if err := tx.QueueEvent(QueuedEvent{ID: msp.NewID(), Event: ev}); err != nil {
			return false, fmt.Errorf("queueing the %s event of ticket %s: %w", kind, ev.Ticket.ID, err)
		}
		queued = true
	}
	return queued, nil
}

// wakeRelay tells the relay that events were queued.
func (s *Server) wakeRelay() {
	select {
	case s.relayWake <- struct{}{}:
	default:
	}
}

// RunWebhookRelay publishes the store's queued events to the webhook
// dispatcher until ctx ends, woken by each commit that queued one and every
// relayPoll besides. Run it in one goroutine, beside the dispatcher's Run.
func (s *Server) RunWebhookRelay(ctx context.Context) {
	if s.webhooks == nil {
		return
	}
	for {
		n, err := s.RelayEvents(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("publishing queued webhook events; trying again shortly", "err", err)
			s.metrics.Error(metrics.ErrWebhook)
		}
		if err == nil && n == relayBatch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-s.relayWake:
		case <-time.After(relayPoll):
		}
	}
}

// RelayEvents publishes up to relayBatch queued events, deletes those it
// published and returns how many. RunWebhookRelay calls it; tests may too.
func (s *Server) RelayEvents(ctx context.Context) (int, error) {
	var queued []QueuedEvent
	if err := s.store.View(ctx, func(tx Tx) error {
		var err error
		queued, err = tx.QueuedEvents(relayBatch)
		return err
	}); err != nil {
		return 0, fmt.Errorf("reading the queued webhook events: %w", err)
	}
	var done []string
	var perr error
	for _, q := range queued {
		ev := q.Event
		data := struct {
			Ticket *msp.Ticket `json:"ticket"`
			Clock  string      `json:"clock,omitempty"`
			Alert  string      `json:"alert,omitempty"`
		}{ev.Ticket, ev.Clock, ev.Alert}
		if kind := webhookKinds[ev.Kind]; kind != "" {
			if _, err := s.webhooks.Publish(ctx, webhook.Event{ID: q.ID, Kind: kind, Tenant: ev.Tenant, At: ev.At, Data: data}); err != nil {
				perr = fmt.Errorf("publishing event %s: %w", q.ID, err)
				break
			}
		}
		done = append(done, q.ID)
	}
	if len(done) > 0 {
		if err := s.store.Update(context.WithoutCancel(ctx), func(tx Tx) error {
			for _, id := range done {
				if err := tx.DeleteQueuedEvent(id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return 0, fmt.Errorf("removing %d published webhook events from the queue (they are published again, under the same delivery ids): %w", len(done), err)
		}
	}
	return len(done), perr
}
