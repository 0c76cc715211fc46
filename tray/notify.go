package tray

import (
	"context"
	"fmt"
	"log/slog"

	"tandem/localapi"
	"tandem/msp"
)

// Notification is one desktop notification. With a TicketID, clicking it
// opens that ticket.
type Notification struct {
	TicketID string
	Summary  string
	Body     string
	Icon     State // which of the tray's icons it shows
}

// Notifier shows desktop notifications. Implementations are safe for
// concurrent use; Notify does not wait for the person to look.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// LogNotifier writes notifications to the log: the fallback where the
// system offers no notification service the tray can reach.
type LogNotifier struct{ Log *slog.Logger }

// Notify logs n.
func (l LogNotifier) Notify(_ context.Context, n Notification) error {
	l.Log.Info("notification", "summary", n.Summary, "body", n.Body, "ticket", n.TicketID)
	return nil
}

// seen is what the tray last saw of a ticket.
type seen struct {
	status  msp.Status
	replies int
}

// Watcher decides which notifications a new list of tickets deserves by
// comparing it with the last list it saw. The first list only sets what
// was seen (starting the tray, or reconnecting after the agent restarted,
// does not announce every old ticket). Not safe for concurrent use: the
// loop owns it.
type Watcher struct {
	last map[string]seen
}

// Update returns the notifications for tickets (support's name, e.g.
// "Acme IT", goes into the words) and remembers them.
func (w *Watcher) Update(tickets []localapi.TicketView, support string) []Notification {
	next := make(map[string]seen, len(tickets))
	var out []Notification
	for _, t := range tickets {
		now := seen{status: t.Status, replies: SupportReplies(t)}
		next[t.ID] = now
		if w.last == nil {
			continue
		}
		before, known := w.last[t.ID]
		if !known {
			continue // raised just now, by the person: nothing to announce
		}
		if n, ok := decide(t, before, now, support); ok {
			out = append(out, n)
		}
	}
	w.last = next
	return out
}

func decide(t localapi.TicketView, before, now seen, support string) (Notification, bool) {
	n := Notification{TicketID: t.ID, Icon: StateAllWell}
	title := quoted(t.Title)
	switch {
	case now.replies > before.replies:
		n.Summary = fmt.Sprintf("%s replied on %s", support, title)
		n.Icon = StateReply
		n.Body = shorten(lastSupportReply(t), 200)
		if now.status != before.status && now.status == msp.StatusResolved {
			n.Body += "\n" + support + " marked it as fixed. If it is still broken, open it and say so."
		}
		return n, true
	case now.status == before.status, now.status == msp.StatusReopened:
		// reopening is the person's own doing ("still broken")
		return n, false
	case now.status == msp.StatusResolved && !t.Delivered:
		// "This is fixed", said by the person on this computer and not
		// sent yet: their own doing, which they need not be told of.
		return n, false
	case now.status == msp.StatusResolved:
		n.Summary = title + " is fixed"
		n.Body = support + " marked it as fixed. If it is still broken, open it and say so."
	case now.status == msp.StatusWaiting:
		n.Summary = title + " is waiting for you"
		n.Icon = StateReply
		n.Body = support + " needs an answer from you before they can go on."
	case now.status == msp.StatusProgress:
		n.Summary = title + " is being worked on"
		n.Body = support + " is working on it."
	case now.status == msp.StatusOpen:
		n.Summary = title + " was picked up"
		n.Body = support + " has picked it up."
	case now.status == msp.StatusClosed:
		n.Summary = title + " is closed"
		n.Body = "It is closed now. If the problem comes back, raise a new ticket."
	default:
		n.Summary = title + ": " + StatusWords(now.status)
	}
	return n, true
}

// waitDone waits for ctx to end: the Run of a notifier with nothing to run.
func waitDone(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
