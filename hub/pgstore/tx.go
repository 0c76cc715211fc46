package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tandem/hub"
	"tandem/msp"
)

// tx is one hub.Tx. It keeps the context of the Update or View that made
// it, as hub.Tx's methods take none: it lives only as long as that call.
type tx struct {
	ctx context.Context
	tx  pgx.Tx
}

// pageSize is how many rows an iterator (Tickets, OpenTickets) reads at a
// time. It reads a page, closes the rows, and only then calls fn for each:
// a pgx connection runs one query at a time, and fn may call the Tx again
// (the SLA sweep reads each open ticket's history), which on open rows
// fails with "conn busy".
const pageSize = 256

func (t *tx) get(what string, v any, sql string, args ...any) error {
	var b []byte
	err := t.tx.QueryRow(t.ctx, sql, args...).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, hub.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	return decode(what, b, v)
}

func decode(what string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s in PostgreSQL is not valid JSON for this hub: %w", what, err)
	}
	return nil
}

func (t *tx) exec(what, sql string, args ...any) error {
	if _, err := t.tx.Exec(t.ctx, sql, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// put stores doc as JSON with sql, whose last parameter is the document.
func (t *tx) put(what, sql string, doc any, args ...any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return t.exec(what, sql, append(args, string(b))...)
}

// list decodes each row's single JSON column as a T.
func list[T any](t *tx, what, sql string, args ...any) ([]T, error) {
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", what, err)
	}
	var raws [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return nil, fmt.Errorf("listing %s: %w", what, err)
		}
		raws = append(raws, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing %s: %w", what, err)
	}
	out := make([]T, 0, len(raws))
	for _, b := range raws {
		var v T
		if err := decode(what, b, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (t *tx) Tenant(id string) (tn msp.Tenant, err error) {
	err = t.get("tenant "+id, &tn, `SELECT doc FROM tenants WHERE id = $1`, id)
	return tn, err
}

func (t *tx) PutTenant(tn msp.Tenant) error {
	return t.put("saving tenant "+tn.ID, `INSERT INTO tenants (id, doc) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, tn, tn.ID)
}

func (t *tx) Tenants() ([]msp.Tenant, error) {
	return list[msp.Tenant](t, "tenants", `SELECT doc FROM tenants ORDER BY id`)
}

func (t *tx) Token(hash string) (tok hub.Token, err error) {
	err = t.get("enrollment token", &tok, `SELECT doc FROM tokens WHERE hash = $1`, hash)
	return tok, err
}

func (t *tx) PutToken(tok hub.Token) error {
	return t.put("saving an enrollment token", `INSERT INTO tokens (hash, doc) VALUES ($1, $2)
		ON CONFLICT (hash) DO UPDATE SET doc = EXCLUDED.doc`, tok, tok.Hash)
}

func (t *tx) DeleteToken(hash string) error {
	return t.exec("deleting an enrollment token", `DELETE FROM tokens WHERE hash = $1`, hash)
}

func (t *tx) Device(tenant, id string) (d hub.Device, err error) {
	err = t.get("device "+id, &d, `SELECT doc FROM devices WHERE tenant = $1 AND id = $2`, tenant, id)
	return d, err
}

func (t *tx) PutDevice(d hub.Device) error {
	return t.put("saving device "+d.ID, `INSERT INTO devices (tenant, id, doc) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, id) DO UPDATE SET doc = EXCLUDED.doc`, d, d.Tenant, d.ID)
}

func (t *tx) Devices(tenant string) ([]hub.Device, error) {
	return list[hub.Device](t, "devices", `SELECT doc FROM devices WHERE tenant = $1 ORDER BY id`, tenant)
}

func (t *tx) Inventory(tenant, device string) (inv msp.Inventory, err error) {
	err = t.get("inventory of device "+device, &inv, `SELECT doc FROM inventories WHERE tenant = $1 AND device = $2`, tenant, device)
	return inv, err
}

func (t *tx) PutInventory(tenant, device string, inv msp.Inventory) error {
	return t.put("saving the inventory of device "+device, `INSERT INTO inventories (tenant, device, doc) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, device) DO UPDATE SET doc = EXCLUDED.doc`, inv, tenant, device)
}

func (t *tx) Ticket(tenant, id string) (*msp.Ticket, error) {
	var tk msp.Ticket
	if err := t.get("ticket "+id, &tk, `SELECT doc FROM tickets WHERE tenant = $1 AND id = $2`, tenant, id); err != nil {
		return nil, err
	}
	return &tk, nil
}

// PutTicket stores the ticket and moves its feed entry in one statement
// (one round trip): the feed counter's new value is the entry's sequence.
func (t *tx) PutTicket(tk *msp.Ticket) error {
	b, err := json.Marshal(tk)
	if err != nil {
		return fmt.Errorf("saving ticket %s: %w", tk.ID, err)
	}
	if err := t.exec("saving ticket "+tk.ID, `WITH saved AS (
			INSERT INTO tickets (tenant, id, open, doc) VALUES ($1, $2, $3, $4)
			ON CONFLICT (tenant, id) DO UPDATE SET open = EXCLUDED.open, doc = EXCLUDED.doc
		), `+nextSeq+`
		INSERT INTO feed (tenant, kind, id, seq) SELECT $1, 'ticket', $2, last FROM counter
		ON CONFLICT (tenant, kind, id) DO UPDATE SET seq = EXCLUDED.seq`,
		tk.Tenant, tk.ID, tk.Status.IsOpen(), string(b)); err != nil {
		return err
	}
	// An open ticket is due at once for the SLA sweep; one not open is not.
	if !tk.Status.IsOpen() {
		return t.exec("clearing the due time of ticket "+tk.ID, `DELETE FROM ticket_due WHERE tenant = $1 AND id = $2`, tk.Tenant, tk.ID)
	}
	return t.exec("marking ticket "+tk.ID+" due", `INSERT INTO ticket_due (tenant, id, due) VALUES ($1, $2, 0)
		ON CONFLICT (tenant, id) DO UPDATE SET due = 0`, tk.Tenant, tk.ID)
}

// nextSeq is the CTE that takes the next feed sequence of tenant $1.
const nextSeq = `counter AS (
			INSERT INTO feed_counters (tenant, last) VALUES ($1, 1)
			ON CONFLICT (tenant) DO UPDATE SET last = feed_counters.last + 1
			RETURNING last
		)`

func (t *tx) TicketTenants(id string) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT tenant FROM tickets WHERE id = $1 ORDER BY tenant`, id)
	if err != nil {
		return nil, fmt.Errorf("finding the tenants of ticket %s: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("finding the tenants of ticket %s: %w", id, err)
	}
	return out, nil
}

func (t *tx) Tickets(tenant string, fn func(*msp.Ticket) bool) error {
	return t.tickets(tenant, `SELECT id, doc FROM tickets WHERE tenant = $1 AND id > $2 ORDER BY id LIMIT $3`, fn)
}

func (t *tx) OpenTickets(tenant string, fn func(*msp.Ticket) bool) error {
	return t.tickets(tenant, `SELECT id, doc FROM tickets WHERE tenant = $1 AND id > $2 AND open ORDER BY id LIMIT $3`, fn)
}

// tickets pages through the tenant's tickets by id with sql (parameters
// tenant, after, limit), calling fn between pages.
func (t *tx) tickets(tenant, sql string, fn func(*msp.Ticket) bool) error {
	after := ""
	for {
		rows, err := t.tx.Query(t.ctx, sql, tenant, after, pageSize)
		if err != nil {
			return fmt.Errorf("listing the tickets of tenant %s: %w", tenant, err)
		}
		type row struct {
			id  string
			doc []byte
		}
		var page []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.doc); err != nil {
				rows.Close()
				return fmt.Errorf("listing the tickets of tenant %s: %w", tenant, err)
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("listing the tickets of tenant %s: %w", tenant, err)
		}
		for _, r := range page {
			var tk msp.Ticket
			if err := decode("ticket "+r.id, r.doc, &tk); err != nil {
				return err
			}
			if !fn(&tk) {
				return nil
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].id
	}
}

func (t *tx) History(tenant, ticket string) (h hub.TicketHistory, err error) {
	err = t.get("history of ticket "+ticket, &h, `SELECT doc FROM histories WHERE tenant = $1 AND ticket = $2`, tenant, ticket)
	return h, err
}

func (t *tx) PutHistory(h hub.TicketHistory) error {
	if err := t.put("saving the history of ticket "+h.Ticket, `INSERT INTO histories (tenant, ticket, doc) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, ticket) DO UPDATE SET doc = EXCLUDED.doc`, h, h.Tenant, h.Ticket); err != nil {
		return err
	}
	return t.exec("marking ticket "+h.Ticket+" due", `INSERT INTO ticket_due (tenant, id, due)
		SELECT tenant, id, 0 FROM tickets WHERE tenant = $1 AND id = $2 AND open
		ON CONFLICT (tenant, id) DO UPDATE SET due = 0`, h.Tenant, h.Ticket)
}

func (t *tx) DeviceAlerts(tenant, device string) (a hub.DeviceAlerts, err error) {
	err = t.get("alerts of device "+device, &a, `SELECT doc FROM device_alerts WHERE tenant = $1 AND device = $2`, tenant, device)
	return a, err
}

func (t *tx) PutDeviceAlerts(a hub.DeviceAlerts) error {
	return t.put("saving the alerts of device "+a.Device, `INSERT INTO device_alerts (tenant, device, doc) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, device) DO UPDATE SET doc = EXCLUDED.doc`, a, a.Tenant, a.Device)
}

func (t *tx) Mark(stream string) (hub.StreamMark, error) {
	var seq int64
	var last string
	err := t.tx.QueryRow(t.ctx, `SELECT seq, last_id FROM stream_marks WHERE stream = $1`, stream).Scan(&seq, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return hub.StreamMark{}, nil
	}
	if err != nil {
		return hub.StreamMark{}, fmt.Errorf("reading the mark of stream %s: %w", stream, err)
	}
	return hub.StreamMark{Seq: uint64(seq), LastID: last, Known: true}, nil
}

func (t *tx) SetMark(stream string, m hub.StreamMark) error {
	return t.exec("saving the mark of stream "+stream, `INSERT INTO stream_marks (stream, seq, last_id) VALUES ($1, $2, $3)
		ON CONFLICT (stream) DO UPDATE SET seq = EXCLUDED.seq, last_id = EXCLUDED.last_id`, stream, int64(m.Seq), m.LastID)
}

func (t *tx) ChangeSeen(tenant, change string) (bool, error) {
	var seen bool
	err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM applied_changes WHERE tenant = $1 AND change = $2)`, tenant, change).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("checking change %s: %w", change, err)
	}
	return seen, nil
}

func (t *tx) NoteChange(tenant, change string) error {
	return t.exec("recording change "+change, `INSERT INTO applied_changes (tenant, change) VALUES ($1, $2) ON CONFLICT DO NOTHING`, tenant, change)
}

func (t *tx) NoteTenantChanged(tenant string) error { return t.noteFeed(tenant, "tenant", tenant) }

func (t *tx) noteFeed(tenant, kind, id string) error {
	return t.exec("recording a change in the feed of tenant "+tenant, `WITH `+nextSeq+`
		INSERT INTO feed (tenant, kind, id, seq) SELECT $1, $2, $3, last FROM counter
		ON CONFLICT (tenant, kind, id) DO UPDATE SET seq = EXCLUDED.seq`, tenant, kind, id)
}

func (t *tx) MatrixHistory(tenant string) ([]msp.MatrixEvent, error) {
	out := []msp.MatrixEvent{}
	err := t.get("matrix history", &out, `SELECT doc FROM matrix_history WHERE tenant = $1`, tenant)
	if errors.Is(err, hub.ErrNotFound) {
		return []msp.MatrixEvent{}, nil
	}
	return out, err
}

func (t *tx) AddMatrixEvents(tenant string, evs ...msp.MatrixEvent) error {
	if len(evs) == 0 {
		return nil
	}
	h, err := t.MatrixHistory(tenant)
	if err != nil {
		return err
	}
	h = append(h, evs...)
	if over := len(h) - msp.MaxMatrixHistory; over > 0 {
		h = h[over:]
	}
	if err := t.put("saving the matrix history", `INSERT INTO matrix_history (tenant, doc) VALUES ($1, $2)
		ON CONFLICT (tenant) DO UPDATE SET doc = EXCLUDED.doc`, h, tenant); err != nil {
		return err
	}
	return t.noteFeed(tenant, hub.FeedResponsibilities, tenant)
}

func (t *tx) Feed(tenant string, after uint64, limit int) ([]hub.FeedEntry, uint64, error) {
	var last int64
	err := t.tx.QueryRow(t.ctx, `SELECT last FROM feed_counters WHERE tenant = $1`, tenant).Scan(&last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, fmt.Errorf("reading the feed of tenant %s: %w", tenant, err)
	}
	rows, err := t.tx.Query(t.ctx, `SELECT seq, kind, id FROM feed WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		tenant, int64(after), limit)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the feed of tenant %s: %w", tenant, err)
	}
	out, err := pgx.CollectRows(rows, scanFeedEntry)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the feed of tenant %s: %w", tenant, err)
	}
	return out, uint64(last), nil
}

func (t *tx) QueueEvent(ev hub.QueuedEvent) error {
	return t.put("queueing event "+ev.ID, `INSERT INTO event_queue (id, doc) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, ev, ev.ID)
}

func (t *tx) QueuedEvents(limit int) ([]hub.QueuedEvent, error) {
	return list[hub.QueuedEvent](t, "queued events", `SELECT doc FROM event_queue ORDER BY id LIMIT $1`, limit)
}

func (t *tx) DeleteQueuedEvent(id string) error {
	return t.exec("deleting queued event "+id, `DELETE FROM event_queue WHERE id = $1`, id)
}

func (t *tx) User(id string) (u hub.User, err error) {
	err = t.get("user "+id, &u, `SELECT doc FROM users WHERE id = $1`, id)
	return u, err
}

func (t *tx) PutUser(u hub.User) error {
	return t.put("saving user "+u.ID, `INSERT INTO users (id, doc) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, u, u.ID)
}

func (t *tx) Users() ([]hub.User, error) {
	return list[hub.User](t, "users", `SELECT doc FROM users ORDER BY id`)
}

func (t *tx) Secret(hash string) (s hub.Secret, err error) {
	err = t.get("credential", &s, `SELECT doc FROM secrets WHERE hash = $1`, hash)
	return s, err
}

func (t *tx) PutSecret(s hub.Secret) error {
	return t.put("saving a credential", `INSERT INTO secrets (hash, doc) VALUES ($1, $2)
		ON CONFLICT (hash) DO UPDATE SET doc = EXCLUDED.doc`, s, s.Hash)
}

func (t *tx) DeleteSecret(hash string) error {
	return t.exec("deleting a credential", `DELETE FROM secrets WHERE hash = $1`, hash)
}

// scanFeedEntry reads a feed row (seq, kind, id); seq is a uint64 kept bit
// for bit in a bigint.
func scanFeedEntry(r pgx.CollectableRow) (hub.FeedEntry, error) {
	var e hub.FeedEntry
	var seq int64
	err := r.Scan(&seq, &e.Kind, &e.ID)
	e.Seq = uint64(seq)
	return e, err
}
