// Package sdnotify tells systemd how a service stands (sd_notify), for units
// of Type=notify: READY=1 once the service serves, STOPPING=1 when it
// begins to stop. Outside systemd (NOTIFY_SOCKET unset, other systems) it
// does nothing.
//
// It uses github.com/coreos/go-systemd/v22/daemon rather than a write of
// its own to $NOTIFY_SOCKET: that package is the one the systemd
// maintainers' Go bindings ship, handles the abstract-namespace sockets
// systemd hands some services, and is pure Go without dependencies.
package sdnotify

import (
	"fmt"
	"log/slog"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Ready tells systemd the service is ready, with status as its status
// line (systemctl status shows it). A failure is logged, not returned:
// systemd then times the start out and says so.
func Ready(log *slog.Logger, status string) {
	notify(log, daemon.SdNotifyReady+"\nSTATUS="+status)
}

// Stopping tells systemd the service is stopping.
func Stopping(log *slog.Logger) {
	notify(log, daemon.SdNotifyStopping)
}

func notify(log *slog.Logger, state string) {
	sent, err := daemon.SdNotify(false, state)
	if err != nil {
		log.Warn("telling systemd how the service stands", "err", fmt.Errorf("sd_notify: %w", err))
		return
	}
	if sent {
		log.Debug("told systemd", "state", state)
	}
}
