//go:build !linux && !darwin

package tray

import (
	"context"
	"log/slog"
)

// SystemNotifier on Windows (and other systems) is a stub that logs: toast
// notifications need a registered AppUserModelID (the installer's Start
// menu shortcut), which is not built yet.
func SystemNotifier(_ func(State) string, _ func(ticketID string), log *slog.Logger) (Notifier, func(context.Context) error) {
	return LogNotifier{Log: log}, waitDone
}
