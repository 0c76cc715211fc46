package msp

import "log/slog"

// The LogValue methods let slog print domain values by their identities and
// state only: titles, descriptions and comment bodies may hold personal data
// (POPIA, GDPR) and never reach a log.

// LogValue implements slog.LogValuer.
func (t *Ticket) LogValue() slog.Value {
	if t == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("id", t.ID),
		slog.String("tenant", t.Tenant),
		slog.String("status", string(t.Status)),
		slog.Int("priority", int(t.Priority)),
		slog.Int64("revision", t.Revision),
		slog.Int("comments", len(t.Comments)),
	)
}

// LogValue implements slog.LogValuer.
func (c Change) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", c.ID),
		slog.String("kind", string(c.Kind)),
		slog.String("ticket", c.TicketID),
	}
	if c.Status != "" {
		attrs = append(attrs, slog.String("status", string(c.Status)))
	}
	if c.Kind == ChangeEdit {
		attrs = append(attrs, slog.Int64("base_revision", c.BaseRevision))
	}
	return slog.GroupValue(attrs...)
}

// LogValue implements slog.LogValuer.
func (a Actor) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", a.ID),
		slog.String("role", string(a.Role)),
		slog.String("tenant", a.Tenant),
	)
}
