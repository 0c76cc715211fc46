package msp

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestLogValuesHidePersonalData(t *testing.T) {
	t.Parallel()
	tk := storedTicket()
	c := editChange(tk, 5, ptr("Secret title"), ptr("My ID number is 8001015009087"))
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("applied", "ticket", tk, "change", c, "actor", jane, "nil", (*Ticket)(nil))
	out := buf.String()
	for _, want := range []string{"ticket.id=" + tk.ID, "ticket.status=resolved", "change.kind=edit", "change.base_revision=5", "actor.role=end-user", "nil=<nil>"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	for _, secret := range []string{tk.Title, "Secret title", "8001015009087", tk.Comments[0].Body} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %q: %s", secret, out)
		}
	}
}
