package tray

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"strconv"
)

// osascriptNotifier shows notifications with AppleScript's `display
// notification`. macOS gives such notifications no click action, so a
// click does not open the ticket (a signed app with UserNotifications
// would be needed for that).
type osascriptNotifier struct{}

// Notify shows n.
func (osascriptNotifier) Notify(ctx context.Context, n Notification) error {
	script := fmt.Sprintf("display notification %s with title %s subtitle %s",
		strconv.Quote(n.Body), strconv.Quote("Tandem"), strconv.Quote(n.Summary))
	if out, err := exec.CommandContext(ctx, "osascript", "-e", script).CombinedOutput(); err != nil {
		return fmt.Errorf("showing a notification with osascript: %w: %s", err, out)
	}
	return nil
}

// SystemNotifier returns the AppleScript notifier; clicks are not
// delivered, so onOpen is not called.
func SystemNotifier(_ func(State) string, _ func(ticketID string), _ *slog.Logger) (Notifier, func(context.Context) error) {
	return osascriptNotifier{}, waitDone
}
