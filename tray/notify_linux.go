package tray

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/godbus/dbus/v5"
)

// The freedesktop notification service (the Desktop Notifications
// Specification): every Linux desktop's notification daemon owns it.
const (
	notifyName      = "org.freedesktop.Notifications"
	notifyPath      = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyInterface = "org.freedesktop.Notifications"
)

// DBusNotifier shows notifications through org.freedesktop.Notifications
// on the session bus. A notification about a ticket carries the "default"
// action; when the person clicks it, OnOpen gets the ticket's id (Run
// delivers those clicks).
type DBusNotifier struct {
	conn    *dbus.Conn
	appName string
	icons   func(State) string // a PNG file per icon, or "" for the daemon's default
	onOpen  func(ticketID string)

	mu      sync.Mutex
	tickets map[uint32]string // notification id → ticket id
}

var _ Notifier = (*DBusNotifier)(nil)

// NewDBusNotifier connects to the session bus. icons names the PNG file
// of each icon (see WriteIcons); nil means the daemon's default icon.
func NewDBusNotifier(icons func(State) string, onOpen func(ticketID string)) (*DBusNotifier, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("connecting to the session bus for notifications: %w", err)
	}
	return newDBusNotifier(conn, icons, onOpen)
}

func newDBusNotifier(conn *dbus.Conn, icons func(State) string, onOpen func(string)) (*DBusNotifier, error) {
	if icons == nil {
		icons = func(State) string { return "" }
	}
	d := &DBusNotifier{conn: conn, appName: "Tandem", icons: icons, onOpen: onOpen, tickets: map[uint32]string{}}
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := conn.AddMatchSignal(dbus.WithMatchObjectPath(notifyPath),
			dbus.WithMatchInterface(notifyInterface), dbus.WithMatchMember(member)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("listening for notification clicks: %w", err)
		}
	}
	return d, nil
}

// Notify shows n. Its urgency is normal; it stays until the daemon's usual
// timeout.
func (d *DBusNotifier) Notify(ctx context.Context, n Notification) error {
	var actions []string
	if n.TicketID != "" {
		actions = []string{"default", "Open"}
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1)), "category": dbus.MakeVariant("im.received")}
	var id uint32
	obj := d.conn.Object(notifyName, notifyPath)
	err := obj.CallWithContext(ctx, notifyInterface+".Notify", 0,
		d.appName, uint32(0), d.icons(n.Icon), n.Summary, n.Body, actions, hints, int32(-1)).Store(&id)
	if err != nil {
		return fmt.Errorf("showing a notification: %w", err)
	}
	if n.TicketID != "" {
		d.mu.Lock()
		d.tickets[id] = n.TicketID
		d.mu.Unlock()
	}
	return nil
}

// Run delivers clicks on notifications to OnOpen until ctx ends, then
// closes the connection.
func (d *DBusNotifier) Run(ctx context.Context) error {
	sigs := make(chan *dbus.Signal, 16)
	d.conn.Signal(sigs)
	defer func() {
		d.conn.RemoveSignal(sigs)
		d.conn.Close()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-sigs:
			if !ok {
				return fmt.Errorf("the session bus closed the connection")
			}
			d.handle(s)
		}
	}
}

func (d *DBusNotifier) handle(s *dbus.Signal) {
	if len(s.Body) < 1 {
		return
	}
	id, ok := s.Body[0].(uint32)
	if !ok {
		return
	}
	d.mu.Lock()
	ticket, known := d.tickets[id]
	if s.Name == notifyInterface+".NotificationClosed" {
		delete(d.tickets, id)
	}
	d.mu.Unlock()
	if !known || s.Name != notifyInterface+".ActionInvoked" {
		return
	}
	if len(s.Body) < 2 {
		return
	}
	if action, _ := s.Body[1].(string); action == "default" && d.onOpen != nil {
		d.onOpen(ticket)
	}
}

// SystemNotifier returns the session bus notifier and its Run, or, when
// there is no session bus, a notifier that logs (and a Run that waits).
func SystemNotifier(icons func(State) string, onOpen func(ticketID string), log *slog.Logger) (Notifier, func(context.Context) error) {
	d, err := NewDBusNotifier(icons, onOpen)
	if err != nil {
		log.Warn("desktop notifications are off; they go to this log instead", "err", err)
		return LogNotifier{Log: log}, waitDone
	}
	return d, d.Run
}
