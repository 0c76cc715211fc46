package hub

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// Key layout of the embedded store (on top of localdb's "space/name" keys):
//
//	h-tenant/<tenant>                     msp.Tenant
//	h-tstamp/<tenant>                     the tenant's stamp (a UUIDv7 written with every PutTenant)
//	h-token/<sha256>                      Token
//	h-device/<tenant>/<device>            Device
//	h-inv/<tenant>/<device>               msp.Inventory
//	h-ticket/<tenant>/<ticket>            msp.Ticket
//	h-hw/<stream>                         8-byte high-water mark, then the last mutation id
//	h-feed/<tenant>/<8-byte seq>          FeedEntry
//	h-feedidx/<tenant>/<kind>/<id>        8-byte seq of the object's entry, then the device whose feed holds it
//	h-dfeed/<tenant>/<device>/<8-byte seq> ticket id: the entries of the device's own tickets (DeviceFeed)
//	counter/feed/<tenant>                 the tenant's last feed sequence
//	h-applied/<tenant>/<change>           empty: the ticket change was applied
//	h-user/<user>                         User
//	h-secret/<sha256>                     Secret
//	h-open/<tenant>/<ticket>              empty: the ticket's status is open
//	h-ticketid/<ticket>                   the tenants that hold a ticket with this id, comma-separated
//	h-hist/<tenant>/<ticket>              TicketHistory
//	h-due/<tenant>/<8-byte nanos>/<ticket> empty: when the SLA sweep next has work on the ticket (0: at once)
//	h-dueat/<tenant>/<ticket>             the 8 bytes of the ticket's h-due entry
//	h-alerts/<tenant>/<device>            DeviceAlerts
//	h-matrixlog/<tenant>                  []msp.MatrixEvent, oldest first
//	h-evq/<event id>                      QueuedEvent: the event outbox
//	h-person/<tenant>/<person>            msp.Person
//	h-agroup/<tenant>/<problem>           AlertGroup
//	h-meta/open-index                     present once h-open is complete
//	h-meta/ticket-id-index                present once h-ticketid is complete
//	h-meta/device-feed-index              present once h-dfeed is complete
const (
	spTenant      = "h-tenant"
	spTenantStamp = "h-tstamp"
	spToken       = "h-token"
	spDevice      = "h-device"
	spInv         = "h-inv"
	spTicket      = "h-ticket"
	spHW          = "h-hw"
	spApplied     = "h-applied" // ticket change ids applied, per tenant
	spFeed        = "h-feed"
	spFeedIdx     = "h-feedidx"
	spDevFeed     = "h-dfeed"
	spUser        = "h-user"
	spSecret      = "h-secret"
	spOpen        = "h-open"
	spTicketID    = "h-ticketid"
	spEventQ      = "h-evq"
	spHist        = "h-hist"
	spDue         = "h-due"
	spDueAt       = "h-dueat"
	spAlerts      = "h-alerts"
	spMeta        = "h-meta"
	spMatrix      = "h-matrixlog"
	spPerson      = "h-person"
	spAGroup      = "h-agroup"
)

// BadgerStore is the embedded Store.
type BadgerStore struct {
	db *localdb.DB
}

// OpenBadgerStore opens (or creates) the embedded store in dir.
func OpenBadgerStore(ctx context.Context, dir string, opts localdb.Options) (*BadgerStore, error) {
	db, err := localdb.Open(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	s := &BadgerStore{db: db}
	holders := map[string][]string{} // ticket id → tenants, for the id index
	for _, ix := range []struct {
		marker, what string
		entries      func(tx *localdb.Tx, t msp.Ticket, put func(key, val []byte)) error
	}{
		{"open-index", "the open tickets", func(_ *localdb.Tx, t msp.Ticket, put func(key, val []byte)) error {
			if t.Status.IsOpen() {
				put(k(spOpen, t.Tenant, t.ID), nil)
			}
			return nil
		}},
		{"ticket-id-index", "the ticket ids", func(_ *localdb.Tx, t msp.Ticket, put func(key, val []byte)) error {
			holders[t.ID] = append(holders[t.ID], t.Tenant)
			slices.Sort(holders[t.ID])
			put(k(spTicketID, t.ID), []byte(strings.Join(holders[t.ID], ",")))
			return nil
		}},
		{"device-feed-index", "the devices' feeds", func(tx *localdb.Tx, t msp.Ticket, put func(key, val []byte)) error {
			dev := feedDevice(&t)
			if dev == "" {
				return nil
			}
			idx := k(spFeedIdx, t.Tenant, "ticket", t.ID)
			v, err := tx.Get(idx)
			if errors.Is(err, localdb.ErrNotFound) {
				return nil // not in the feed (a store older than the feed)
			} else if err != nil {
				return err
			}
			if len(v) < 8 {
				return fmt.Errorf("%w: the feed position of ticket %s is %d bytes", localdb.ErrCorrupt, t.ID, len(v))
			}
			seq := binary.BigEndian.Uint64(v)
			put(devFeedKey(t.Tenant, dev, seq), []byte(t.ID))
			put(idx, append(binary.BigEndian.AppendUint64(nil, seq), dev...))
			return nil
		}},
	} {
		if err := s.indexTickets(ctx, ix.marker, ix.entries); err != nil {
			db.Close()
			return nil, fmt.Errorf("indexing %s of a store written by an older hub: %w", ix.what, err)
		}
	}
	if err := s.countBlobs(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("counting the attachments of a store written by an older hub: %w", err)
	}
	return s, nil
}

// indexTickets builds an index of the tickets that a store written before
// the hub kept it lacks, once: the entries entries puts for every ticket
// (a later put of a key replaces an earlier one), then the marker.
func (s *BadgerStore) indexTickets(ctx context.Context, name string, entries func(tx *localdb.Tx, t msp.Ticket, put func(key, val []byte)) error) error {
	marker := k(spMeta, name)
	done := false
	if err := s.db.View(func(tx *localdb.Tx) error {
		_, err := tx.Get(marker)
		switch {
		case err == nil:
			done = true
		case !errors.Is(err, localdb.ErrNotFound):
			return err
		}
		return nil
	}); err != nil || done {
		return err
	}
	vals := map[string][]byte{}
	var keys []string
	if err := s.db.View(func(tx *localdb.Tx) error {
		var ierr error
		err := scanJSON(tx, localdb.Prefix(spTicket), func(t msp.Ticket) bool {
			ierr = entries(tx, t, func(key, val []byte) {
				if _, ok := vals[string(key)]; !ok {
					keys = append(keys, string(key))
				}
				vals[string(key)] = val
			})
			return ierr == nil
		})
		return errors.Join(err, ierr)
	}); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		batch := keys[:n]
		keys = keys[n:]
		if err := s.db.Update(ctx, func(tx *localdb.Tx) error {
			for _, key := range batch {
				if err := tx.Put([]byte(key), vals[key]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return s.db.Update(ctx, func(tx *localdb.Tx) error { return tx.Put(marker, []byte{1}) })
}

// Update implements Store.
func (s *BadgerStore) Update(ctx context.Context, fn func(Tx) error) error {
	return s.db.Update(ctx, func(tx *localdb.Tx) error { return fn(badgerTx{tx}) })
}

// View implements Store.
func (s *BadgerStore) View(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *localdb.Tx) error { return fn(badgerTx{tx}) })
}

// Close implements Store.
func (s *BadgerStore) Close() error { return s.db.Close() }

type badgerTx struct{ tx *localdb.Tx }

func k(space string, parts ...string) []byte {
	return localdb.Key(space, strings.Join(parts, "/"))
}

// get decodes the value under key into v, mapping a missing key to ErrNotFound.
func (b badgerTx) get(key []byte, what string, v any) error {
	err := b.tx.GetJSON(key, v)
	if errors.Is(err, localdb.ErrNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

func (b badgerTx) Tenant(id string) (t msp.Tenant, err error) {
	err = b.get(k(spTenant, id), "tenant "+id, &t)
	return t, err
}

func (b badgerTx) PutTenant(t msp.Tenant) error {
	if err := b.tx.PutJSON(k(spTenant, t.ID), t); err != nil {
		return err
	}
	return b.tx.Put(k(spTenantStamp, t.ID), []byte(msp.NewID()))
}

func (b badgerTx) TenantStamp(id string) (string, error) {
	v, err := b.tx.Get(k(spTenantStamp, id))
	if errors.Is(err, localdb.ErrNotFound) {
		return "", nil
	}
	return string(v), err
}

func (b badgerTx) Tenants() ([]msp.Tenant, error) {
	var out []msp.Tenant
	err := scanJSON(b.tx, localdb.Prefix(spTenant), func(t msp.Tenant) bool { out = append(out, t); return true })
	return out, err
}

func (b badgerTx) Token(hash string) (t Token, err error) {
	err = b.get(k(spToken, hash), "enrollment token", &t)
	return t, err
}

func (b badgerTx) PutToken(t Token) error        { return b.tx.PutJSON(k(spToken, t.Hash), t) }
func (b badgerTx) DeleteToken(hash string) error { return b.tx.Delete(k(spToken, hash)) }

func (b badgerTx) Device(tenant, id string) (d Device, err error) {
	err = b.get(k(spDevice, tenant, id), "device "+id, &d)
	return d, err
}

func (b badgerTx) PutDevice(d Device) error { return b.tx.PutJSON(k(spDevice, d.Tenant, d.ID), d) }

func (b badgerTx) Devices(tenant string) ([]Device, error) {
	var out []Device
	err := scanJSON(b.tx, k(spDevice, tenant, ""), func(d Device) bool { out = append(out, d); return true })
	return out, err
}

func (b badgerTx) Inventory(tenant, device string) (inv msp.Inventory, err error) {
	err = b.get(k(spInv, tenant, device), "inventory of device "+device, &inv)
	return inv, err
}

func (b badgerTx) PutInventory(tenant, device string, inv msp.Inventory) error {
	return b.tx.PutJSON(k(spInv, tenant, device), inv)
}

func (b badgerTx) Ticket(tenant, id string) (*msp.Ticket, error) {
	var t msp.Ticket
	if err := b.get(k(spTicket, tenant, id), "ticket "+id, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

func (b badgerTx) TicketJSON(tenant, id string) ([]byte, error) {
	v, err := b.tx.Get(k(spTicket, tenant, id))
	if errors.Is(err, localdb.ErrNotFound) {
		return nil, fmt.Errorf("ticket %s: %w", id, ErrNotFound)
	}
	return v, err
}

func (b badgerTx) PutTicket(t *msp.Ticket) error {
	if err := b.tx.PutJSON(k(spTicket, t.Tenant, t.ID), t); err != nil {
		return err
	}
	if err := b.noteTicketID(t); err != nil {
		return err
	}
	var err error
	if t.Status.IsOpen() {
		err = errors.Join(b.tx.Put(k(spOpen, t.Tenant, t.ID), nil), b.setDue(t.Tenant, t.ID, 0, true))
	} else {
		err = errors.Join(b.tx.Delete(k(spOpen, t.Tenant, t.ID)), b.setDue(t.Tenant, t.ID, 0, false))
	}
	if err != nil {
		return err
	}
	return b.noteFeed(t.Tenant, "ticket", t.ID, feedDevice(t))
}

// feedDevice is the device whose feed holds t: its own device, unless it
// is an alert the hub raised (for staff, not for whoever uses the device).
func feedDevice(t *msp.Ticket) string {
	if t.Alert != nil {
		return ""
	}
	return t.Device
}

// noteTicketID records t's tenant in the hub-wide id index, unless it is
// there already. A point read, not a scan: a scan inside a transaction
// with many writes costs as much as the writes.
func (b badgerTx) noteTicketID(t *msp.Ticket) error {
	holders, err := b.TicketTenants(t.ID)
	if err != nil || slices.Contains(holders, t.Tenant) {
		return err
	}
	holders = append(holders, t.Tenant)
	slices.Sort(holders)
	return b.tx.Put(k(spTicketID, t.ID), []byte(strings.Join(holders, ",")))
}

func (b badgerTx) TicketTenants(id string) ([]string, error) {
	v, err := b.tx.Get(k(spTicketID, id))
	if errors.Is(err, localdb.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return strings.Split(string(v), ","), nil
}

func (b badgerTx) OpenTickets(tenant string, fn func(*msp.Ticket) bool) error {
	prefix := k(spOpen, tenant, "")
	var ids []string
	if err := b.tx.ScanKeys(prefix, nil, func(key []byte) error {
		ids = append(ids, string(key[len(prefix):]))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		t, err := b.Ticket(tenant, id)
		if errors.Is(err, ErrNotFound) {
			continue // an index entry without its ticket; the next PutTicket mends it
		}
		if err != nil {
			return err
		}
		if !t.Status.IsOpen() {
			continue
		}
		if !fn(t) {
			return nil
		}
	}
	return nil
}

func (b badgerTx) History(tenant, ticket string) (h TicketHistory, err error) {
	err = b.get(k(spHist, tenant, ticket), "history of ticket "+ticket, &h)
	return h, err
}

func (b badgerTx) PutHistory(h TicketHistory) error {
	if err := b.tx.PutJSON(k(spHist, h.Tenant, h.Ticket), h); err != nil {
		return err
	}
	open, err := b.tx.Has(k(spOpen, h.Tenant, h.Ticket))
	if err != nil || !open {
		return err
	}
	return b.setDue(h.Tenant, h.Ticket, 0, true)
}

func dueKey(tenant string, at uint64, id string) []byte {
	return append(binary.BigEndian.AppendUint64(k(spDue, tenant, ""), at), id...)
}

// dueNanos is at as h-due sorts it: nanoseconds since 1970, 0 for the
// zero time or anything before 1970.
func dueNanos(at time.Time) uint64 {
	if at.IsZero() || at.Before(time.Unix(0, 0)) {
		return 0
	}
	return uint64(at.UnixNano())
}

// setDue moves the ticket's h-due entry to at, or removes it (keep false).
func (b badgerTx) setDue(tenant, id string, at uint64, keep bool) error {
	idx := k(spDueAt, tenant, id)
	old, err := b.tx.Get(idx)
	switch {
	case err == nil && len(old) == 8:
		if keep && binary.BigEndian.Uint64(old) == at {
			return nil
		}
		if err := b.tx.Delete(dueKey(tenant, binary.BigEndian.Uint64(old), id)); err != nil {
			return err
		}
	case err == nil:
		return fmt.Errorf("%w: the due time of ticket %s is %d bytes", localdb.ErrCorrupt, id, len(old))
	case !errors.Is(err, localdb.ErrNotFound):
		return err
	case !keep:
		return nil
	}
	if !keep {
		return b.tx.Delete(idx)
	}
	if err := b.tx.Put(dueKey(tenant, at, id), nil); err != nil {
		return err
	}
	return b.tx.Put(idx, binary.BigEndian.AppendUint64(nil, at))
}

func (b badgerTx) SetTicketDue(tenant, id string, at time.Time) error {
	if at.IsZero() {
		return b.setDue(tenant, id, 0, false)
	}
	return b.setDue(tenant, id, max(dueNanos(at), 1), true)
}

func (b badgerTx) DueTickets(tenant string, from, until time.Time, fn func(id string) bool) error {
	prefix := k(spDue, tenant, "")
	start, limit := dueKey(tenant, dueNanos(from), ""), dueNanos(until)
	if from.IsZero() {
		start = prefix
	}
	var ids []string
	err := b.tx.ScanKeys(prefix, start, func(key []byte) error {
		if len(key) < len(prefix)+8 {
			return fmt.Errorf("%w: %q is not a due key", localdb.ErrCorrupt, key)
		}
		if binary.BigEndian.Uint64(key[len(prefix):]) > limit {
			return localdb.ErrStop
		}
		ids = append(ids, string(key[len(prefix)+8:]))
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !fn(id) {
			return nil
		}
	}
	return nil
}

func (b badgerTx) NextDue(tenant string, from time.Time) (time.Time, bool, error) {
	prefix := k(spDue, tenant, "")
	start := dueKey(tenant, dueNanos(from), "")
	if from.IsZero() {
		start = prefix
	}
	var at uint64
	found := false
	err := b.tx.ScanKeys(prefix, start, func(key []byte) error {
		if len(key) < len(prefix)+8 {
			return fmt.Errorf("%w: %q is not a due key", localdb.ErrCorrupt, key)
		}
		at, found = binary.BigEndian.Uint64(key[len(prefix):]), true
		return localdb.ErrStop
	})
	if err != nil || !found {
		return time.Time{}, false, err
	}
	if at <= 1 {
		return time.Time{}, true, nil
	}
	return time.Unix(0, int64(at)).UTC(), true, nil
}

func (b badgerTx) DeviceAlerts(tenant, device string) (a DeviceAlerts, err error) {
	err = b.get(k(spAlerts, tenant, device), "alerts of device "+device, &a)
	return a, err
}

func (b badgerTx) PutDeviceAlerts(a DeviceAlerts) error {
	return b.tx.PutJSON(k(spAlerts, a.Tenant, a.Device), a)
}

func (b badgerTx) AlertGroup(tenant, problem string) (g AlertGroup, err error) {
	err = b.get(k(spAGroup, tenant, problem), "alert group "+problem, &g)
	return g, err
}

func (b badgerTx) PutAlertGroup(g AlertGroup) error {
	return b.tx.PutJSON(k(spAGroup, g.Tenant, g.Problem), g)
}

func (b badgerTx) AlertGroups(tenant string) ([]AlertGroup, error) {
	out := []AlertGroup{}
	err := scanJSON(b.tx, k(spAGroup, tenant, ""), func(g AlertGroup) bool { out = append(out, g); return true })
	return out, err
}

func (b badgerTx) Tickets(tenant string, fn func(*msp.Ticket) bool) error {
	return scanJSON(b.tx, k(spTicket, tenant, ""), func(t msp.Ticket) bool { return fn(&t) })
}

func (b badgerTx) TicketsJSON(tenant string, fn func(raw []byte) bool) error {
	return b.tx.Scan(k(spTicket, tenant, ""), nil, func(_, val []byte) error {
		if !fn(val) {
			return localdb.ErrStop
		}
		return nil
	})
}

// A mark is 8 bytes of sequence number followed by the last mutation's id
// (a hub before streams wrote the 8 bytes alone).
func (b badgerTx) Mark(stream string) (StreamMark, error) {
	v, err := b.tx.Get(k(spHW, stream))
	if errors.Is(err, localdb.ErrNotFound) {
		return StreamMark{}, nil
	}
	if err != nil {
		return StreamMark{}, err
	}
	if len(v) < 8 {
		return StreamMark{}, fmt.Errorf("%w: high-water mark of %s is %d bytes", localdb.ErrCorrupt, stream, len(v))
	}
	return StreamMark{Seq: binary.BigEndian.Uint64(v), LastID: string(v[8:]), Known: true}, nil
}

func (b badgerTx) SetMark(stream string, m StreamMark) error {
	return b.tx.Put(k(spHW, stream), append(binary.BigEndian.AppendUint64(nil, m.Seq), m.LastID...))
}

func (b badgerTx) ChangeSeen(tenant, change string) (bool, error) {
	return b.tx.Has(k(spApplied, tenant, change))
}

func (b badgerTx) NoteChange(tenant, change string) error {
	return b.tx.Put(k(spApplied, tenant, change), nil)
}

func (b badgerTx) NoteTenantChanged(tenant string) error {
	return b.noteFeed(tenant, "tenant", tenant, "")
}

func (b badgerTx) MatrixHistory(tenant string) ([]msp.MatrixEvent, error) {
	var out []msp.MatrixEvent
	err := b.get(k(spMatrix, tenant), "matrix history", &out)
	if errors.Is(err, ErrNotFound) {
		return []msp.MatrixEvent{}, nil
	}
	return out, err
}

func (b badgerTx) AddMatrixEvents(tenant string, evs ...msp.MatrixEvent) error {
	if len(evs) == 0 {
		return nil
	}
	h, err := b.MatrixHistory(tenant)
	if err != nil {
		return err
	}
	h = append(h, evs...)
	if over := len(h) - msp.MaxMatrixHistory; over > 0 {
		h = h[over:]
	}
	if err := b.tx.PutJSON(k(spMatrix, tenant), h); err != nil {
		return err
	}
	return b.noteFeed(tenant, FeedResponsibilities, tenant, "")
}

// noteFeed moves the object's feed entry to a new sequence number, so the
// feed holds each object once, at its latest change; device, when set, is
// the device whose own feed (DeviceFeed) holds the entry too.
func (b badgerTx) noteFeed(tenant, kind, id, device string) error {
	idx := k(spFeedIdx, tenant, kind, id)
	old, err := b.tx.Get(idx)
	switch {
	case err == nil && len(old) >= 8:
		oldSeq := binary.BigEndian.Uint64(old)
		if err := b.tx.Delete(feedKey(tenant, oldSeq)); err != nil {
			return err
		}
		if len(old) > 8 {
			if err := b.tx.Delete(devFeedKey(tenant, string(old[8:]), oldSeq)); err != nil {
				return err
			}
		}
	case err != nil && !errors.Is(err, localdb.ErrNotFound):
		return err
	}
	seq, err := b.tx.Next("feed/" + tenant)
	if err != nil {
		return err
	}
	if err := b.tx.PutJSON(feedKey(tenant, seq), FeedEntry{Seq: seq, Kind: kind, ID: id}); err != nil {
		return err
	}
	if device != "" {
		if err := b.tx.Put(devFeedKey(tenant, device, seq), []byte(id)); err != nil {
			return err
		}
	}
	return b.tx.Put(idx, append(binary.BigEndian.AppendUint64(nil, seq), device...))
}

func feedKey(tenant string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(k(spFeed, tenant, ""), seq)
}

func devFeedKey(tenant, device string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(k(spDevFeed, tenant, device, ""), seq)
}

func (b badgerTx) DeviceFeed(tenant, device string, after uint64, limit int) ([]FeedEntry, uint64, error) {
	last, err := b.tx.Counter("feed/" + tenant)
	if err != nil {
		return nil, 0, err
	}
	var own uint64 // the tenant's own entry
	switch v, err := b.tx.Get(k(spFeedIdx, tenant, "tenant", tenant)); {
	case err == nil && len(v) >= 8:
		own = binary.BigEndian.Uint64(v)
	case err != nil && !errors.Is(err, localdb.ErrNotFound):
		return nil, 0, err
	}
	var out []FeedEntry
	add := func(e FeedEntry) bool {
		if own > after && own < e.Seq && len(out) < limit {
			out = append(out, FeedEntry{Seq: own, Kind: "tenant", ID: tenant})
			own = 0
		}
		if len(out) >= limit {
			return false
		}
		out = append(out, e)
		return true
	}
	prefix := k(spDevFeed, tenant, device, "")
	err = b.tx.Scan(prefix, devFeedKey(tenant, device, after+1), func(key, val []byte) error {
		if len(key) != len(prefix)+8 {
			return fmt.Errorf("%w: %q is not a device feed key", localdb.ErrCorrupt, key)
		}
		if !add(FeedEntry{Seq: binary.BigEndian.Uint64(key[len(prefix):]), Kind: "ticket", ID: string(val)}) {
			return localdb.ErrStop
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if own > after && len(out) < limit {
		out = append(out, FeedEntry{Seq: own, Kind: "tenant", ID: tenant})
	}
	return out, last, nil
}

func (b badgerTx) Feed(tenant string, after uint64, limit int) ([]FeedEntry, uint64, error) {
	last, err := b.tx.Counter("feed/" + tenant)
	if err != nil {
		return nil, 0, err
	}
	var out []FeedEntry
	prefix := k(spFeed, tenant, "")
	err = b.tx.Scan(prefix, feedKey(tenant, after+1), func(key, val []byte) error {
		if len(out) >= limit {
			return localdb.ErrStop
		}
		var e FeedEntry
		if err := decodeJSON(key, val, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, last, err
}

func (b badgerTx) QueueEvent(ev QueuedEvent) error { return b.tx.PutJSON(k(spEventQ, ev.ID), ev) }

func (b badgerTx) QueuedEvents(limit int) ([]QueuedEvent, error) {
	var out []QueuedEvent
	err := b.tx.Scan(localdb.Prefix(spEventQ), nil, func(key, val []byte) error {
		if len(out) >= limit {
			return localdb.ErrStop
		}
		var ev QueuedEvent
		if err := decodeJSON(key, val, &ev); err != nil {
			return err
		}
		out = append(out, ev)
		return nil
	})
	return out, err
}

func (b badgerTx) DeleteQueuedEvent(id string) error { return b.tx.Delete(k(spEventQ, id)) }

func (b badgerTx) Person(tenant, id string) (p msp.Person, err error) {
	err = b.get(k(spPerson, tenant, id), "person "+id, &p)
	return p, err
}

func (b badgerTx) PutPerson(p msp.Person) error {
	if err := b.tx.PutJSON(k(spPerson, p.Tenant, p.ID), p); err != nil {
		return err
	}
	return b.noteFeed(p.Tenant, FeedPerson, p.ID, "")
}

func (b badgerTx) DeletePerson(tenant, id string) error {
	ok, err := b.tx.Has(k(spPerson, tenant, id))
	if err != nil || !ok {
		return err
	}
	if err := b.tx.Delete(k(spPerson, tenant, id)); err != nil {
		return err
	}
	return b.noteFeed(tenant, FeedPerson, id, "")
}

func (b badgerTx) People(tenant string) ([]msp.Person, error) {
	out := []msp.Person{}
	err := scanJSON(b.tx, k(spPerson, tenant, ""), func(p msp.Person) bool { out = append(out, p); return true })
	return out, err
}

func (b badgerTx) User(id string) (u User, err error) {
	err = b.get(k(spUser, id), "user "+id, &u)
	return u, err
}

func (b badgerTx) PutUser(u User) error { return b.tx.PutJSON(k(spUser, u.ID), u) }

func (b badgerTx) Users() ([]User, error) {
	var out []User
	err := scanJSON(b.tx, localdb.Prefix(spUser), func(u User) bool { out = append(out, u); return true })
	return out, err
}

func (b badgerTx) Secret(hash string) (s Secret, err error) {
	err = b.get(k(spSecret, hash), "credential", &s)
	return s, err
}

func (b badgerTx) PutSecret(s Secret) error       { return b.tx.PutJSON(k(spSecret, s.Hash), s) }
func (b badgerTx) DeleteSecret(hash string) error { return b.tx.Delete(k(spSecret, hash)) }

// scanJSON decodes each value under prefix as a T and passes it to fn until
// fn returns false.
func scanJSON[T any](tx *localdb.Tx, prefix []byte, fn func(T) bool) error {
	return tx.Scan(prefix, nil, func(key, val []byte) error {
		var v T
		if err := decodeJSON(key, val, &v); err != nil {
			return err
		}
		if !fn(v) {
			return localdb.ErrStop
		}
		return nil
	})
}

func decodeJSON(key, val []byte, v any) error {
	dec := jsonDecoder(bytes.NewReader(val), false)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: the value under %q is not valid JSON: %v", localdb.ErrCorrupt, key, err)
	}
	return nil
}
