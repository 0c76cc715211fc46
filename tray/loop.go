package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"tandem/localapi"
)

// Agent is what the tray needs of the agent's local API;
// *localapi.Client satisfies it.
type Agent interface {
	Status(ctx context.Context) (localapi.Status, error)
	Tickets(ctx context.Context) ([]localapi.TicketView, error)
	Device(ctx context.Context) (localapi.Device, error)
	Events(ctx context.Context, fn func(localapi.Event)) error
}

var _ Agent = (*localapi.Client)(nil)

// Loop follows the agent: it reads status, tickets and device when it
// connects and on every event, publishes a Snapshot, sends notifications
// for ticket changes, and when the agent stops it publishes a "not
// running" snapshot and reconnects with backoff.
type Loop struct {
	Agent    Agent
	Notifier Notifier       // nil: no notifications
	Publish  func(Snapshot) // called from Run's goroutine, in order
	Log      *slog.Logger

	MinBackoff time.Duration // first wait before reconnecting; 0 means 1 s
	MaxBackoff time.Duration // 0 means 30 s
	Refresh    time.Duration // re-read this often even without events (SLA words, health); 0 means 2 min
	// OfflineRefresh is how often to re-read while the agent is offline
	// (it does not announce every return); 0 means 10 s.
	OfflineRefresh time.Duration

	// Support is whom to call while the agent is down: set it to what was
	// saved; Run replaces it with what the agent says.
	Support localapi.Support

	watch   Watcher
	device  localapi.Device       // the last device seen (its name helps on the phone)
	online  bool                  // the agent's last word: connected to the hub
	tickets []localapi.TicketView // the last list the agent gave
}

// Run follows the agent until ctx ends; it returns nil then.
func (l *Loop) Run(ctx context.Context) error {
	minB, maxB := l.MinBackoff, l.MaxBackoff
	if minB <= 0 {
		minB = time.Second
	}
	if maxB <= 0 {
		maxB = 30 * time.Second
	}
	if l.Log == nil {
		l.Log = slog.New(slog.DiscardHandler)
	}
	backoff := minB
	for {
		err := l.follow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errConnected) {
			backoff = minB // it was up: try again soon
		}
		l.Log.Info("the agent is not answering; trying again", "in", backoff, "err", err)
		l.publish(Snapshot{Running: false, Err: err.Error(),
			Status: localapi.Status{Support: l.Support}, Device: localapi.Device{Hostname: l.device.Hostname}})
		// jitter so that many trays on a terminal server do not reconnect together
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(backoff*2, maxB)
	}
}

// errConnected wraps the error that ended a connection that had worked.
var errConnected = errors.New("the connection to the agent ended")

// follow reads once, then follows the event stream until it breaks. It
// returns an error wrapping errConnected when the first read worked.
func (l *Loop) follow(ctx context.Context) error {
	if err := l.read(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	kick := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- l.Agent.Events(ctx, func(localapi.Event) {
			select {
			case kick <- struct{}{}:
			default: // a read is already due; it will see this change too
			}
		})
	}()
	refresh, offlineRefresh := l.Refresh, l.OfflineRefresh
	if refresh <= 0 {
		refresh = 2 * time.Minute
	}
	if offlineRefresh <= 0 {
		offlineRefresh = 10 * time.Second
	}
	every := func() time.Duration {
		if l.online {
			return refresh
		}
		return offlineRefresh
	}
	tick := time.NewTimer(every())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			<-done
			return ctx.Err()
		case err := <-done:
			if err == nil {
				err = errors.New("the agent closed the event stream")
			}
			return fmt.Errorf("%w: %w", errConnected, err)
		case <-kick:
		case <-tick.C:
		}
		if err := l.read(ctx); err != nil {
			cancel()
			<-done
			return fmt.Errorf("%w: %w", errConnected, err)
		}
		tick.Reset(every())
	}
}

// read reads everything the tray shows and publishes it.
func (l *Loop) read(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := l.Agent.Status(rctx)
	if err != nil {
		return fmt.Errorf("reading the agent's status: %w", err)
	}
	// The agent answered: from here an error answer (an older agent
	// without /v1/device, a device not enrolled yet) leaves that part
	// empty; only silence means the agent is not running.
	var apiErr *localapi.APIError
	tickets, err := l.Agent.Tickets(rctx)
	if err != nil {
		if !errors.As(err, &apiErr) {
			return fmt.Errorf("reading your tickets: %w", err)
		}
		l.Log.Warn("the agent did not list your tickets", "err", err)
		tickets = l.tickets // keep what the person saw
	}
	dev, err := l.Agent.Device(rctx)
	if err != nil {
		if !errors.As(err, &apiErr) {
			return fmt.Errorf("reading this device's health: %w", err)
		}
		l.Log.Warn("the agent did not give this device's health", "err", err)
	}
	l.tickets = tickets
	l.Support, l.device, l.online = st.Support, dev, st.Online
	snap := Snapshot{Running: true, Status: st, Tickets: tickets, Device: dev}
	l.publish(snap)
	for _, n := range l.watch.Update(tickets, snap.SupportName()) {
		if l.Notifier == nil {
			continue
		}
		if err := l.Notifier.Notify(ctx, n); err != nil {
			l.Log.Warn("could not show a notification", "err", err, "summary", n.Summary)
		}
	}
	return nil
}

func (l *Loop) publish(s Snapshot) {
	if l.Publish != nil {
		l.Publish(s)
	}
}
