package hub

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tandem/msp"
	"tandem/sync/protocol"
)

// maxChunkBytes bounds what one store transaction of a push holds; a batch
// is applied in chunks, each committing its effects with the high-water mark.
const maxChunkBytes = 256 << 10

// push applies a batch of mutations in sequence order, exactly once each.
func (s *Server) push(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Stream    string            `json:"stream"`
		Base      uint64            `json:"base"`
		Mutations []json.RawMessage `json:"mutations"`
	}
	if !decode(w, r, protocol.MaxBodyBytes, &req) {
		return
	}
	if len(req.Mutations) > protocol.MaxBatch {
		writeError(w, http.StatusRequestEntityTooLarge, &protocol.ErrorBody{Code: protocol.CodeTooLarge,
			Message: fmt.Sprintf("a push holds at most %d changes, this one %d", protocol.MaxBatch, len(req.Mutations))})
		return
	}
	// Decode every mutation here, on the request's goroutine, so the
	// store's serial section (groupCommit) spends no time on JSON.
	muts := make([]pushed, len(req.Mutations))
	for i, raw := range req.Mutations {
		var ok bool
		if muts[i], ok = decodePushed(raw); !ok {
			writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
				Message: fmt.Sprintf("change %d of the push has no valid sequence number (seq must be a whole number from 1); nothing was applied", i+1)})
			return
		}
	}
	if req.Stream != "" {
		if err := msp.ValidateID("stream", req.Stream); err != nil {
			writeError(w, http.StatusBadRequest, protocol.ErrorFor(err))
			return
		}
		if p.user == nil {
			if ok := s.checkStream(w, r, &p, req.Stream); !ok {
				return
			}
		}
	}
	client := p.streamKey(req.Stream)
	p.tenants = map[string]msp.Tenant{}
	resp := protocol.PushResponse{Results: []protocol.Result{}}
	for start := 0; start < len(req.Mutations); {
		end, size := start, 0
		for end < len(req.Mutations) && (end == start || size+len(req.Mutations[end]) <= maxChunkBytes) {
			size += len(req.Mutations[end])
			end++
		}
		job := &chunkJob{p: p, stream: client, base: req.Base, muts: muts[start:end], size: size}
		s.applyChunk(r.Context(), job)
		if job.err != nil {
			s.internal(w, r, "saving the pushed changes", job.err)
			return
		}
		s.emit(context.WithoutCancel(r.Context()), job.events)
		results, hw, gap := job.results, job.hw, job.gap
		resp.Results = append(resp.Results, results...)
		resp.HighWater = hw
		if gap {
			break
		}
		start = end
	}
	if len(req.Mutations) == 0 {
		err := s.store.View(r.Context(), func(tx Tx) error {
			m, err := tx.Mark(client)
			resp.HighWater = m.Seq
			if !m.Known {
				resp.HighWater = req.Base
			}
			return err
		})
		if err != nil {
			s.internal(w, r, "reading the sync position", err)
			return
		}
	}
	var applied, rejected int
	for _, res := range resp.Results {
		switch res.Outcome {
		case protocol.Applied:
			applied++
		case protocol.Rejected:
			rejected++
		}
	}
	s.metrics.Changes(applied, rejected)
	writeJSON(w, http.StatusOK, resp)
}

// checkStream admits a device's push on stream. The device's current
// stream passes at once. A stream the hub has not seen becomes the
// current one (the agent made a new store, was restored, re-enrolled or
// found a hole in its queue). A stream the device used before and left is
// a second computer with the same credential: it is answered 409 cloned
// and told to re-enroll. On refusal it has answered and returns false.
func (s *Server) checkStream(w http.ResponseWriter, r *http.Request, p *principal, stream string) bool {
	if n := len(p.device.Streams); n > 0 && p.device.Streams[n-1] == stream {
		return true
	}
	var cloned bool
	err := s.store.Update(r.Context(), func(tx Tx) error {
		d, err := tx.Device(p.tenant, p.device.ID)
		if err != nil {
			return err
		}
		cloned = false
		switch i := slices.Index(d.Streams, stream); {
		case i >= 0 && i == len(d.Streams)-1:
		case i >= 0:
			cloned = true
			return nil
		default:
			d.Streams = append(d.Streams, stream)
			if len(d.Streams) > maxStreams {
				d.Streams = slices.Clone(d.Streams[len(d.Streams)-maxStreams:])
			}
			if err := tx.PutDevice(d); err != nil {
				return err
			}
		}
		p.device = d
		return nil
	})
	if err != nil {
		s.internal(w, r, "recording the device's push stream", err)
		return false
	}
	if cloned {
		s.log.Warn("a device credential is in use on two computers", "tenant", p.tenant, "device", p.device.ID, "stream", stream)
		writeError(w, http.StatusConflict, &protocol.ErrorBody{Code: protocol.CodeCloned,
			Message: "this computer uses the enrollment of another computer (its disk or virtual machine was copied from one that was already enrolled); " +
				"re-enroll this computer with a new token (remove the identity directory, then tandem-agent enroll): nothing it has queued is lost, it is sent after enrollment"})
		return false
	}
	return true
}

// replayHead is what applyOne reads of a mutation at or below the
// stream's mark, to tell a replay from a number used again.
type replayHead struct {
	Seq    uint64                `json:"seq"`
	ID     string                `json:"id"`
	Kind   protocol.MutationKind `json:"kind"`
	Change *struct {
		ID string `json:"id"`
	} `json:"change"`
}

// pushed is one mutation of a push, decoded before the push waits for the
// store.
type pushed struct {
	head replayHead
	// m is the mutation, nil when it is not valid JSON for this hub
	// (unknown fields, wrong types): why is in err, and it is refused when
	// its turn comes.
	m   *protocol.Mutation
	err error
}

// decodePushed decodes raw once, strictly; a mutation that does not decode
// strictly still has its head read, to be answered in sequence. ok is
// false when even its sequence number cannot be read.
func decodePushed(raw json.RawMessage) (d pushed, ok bool) {
	var m protocol.Mutation
	err := jsonDecoder(bytes.NewReader(raw), true).Decode(&m)
	if err == nil {
		d = pushed{head: replayHead{Seq: m.Seq, ID: m.ID, Kind: m.Kind}, m: &m}
		if m.Change != nil {
			d.head.Change = &struct {
				ID string `json:"id"`
			}{ID: m.Change.ID}
		}
		return d, m.Seq != 0
	}
	d.err = err
	if json.Unmarshal(raw, &d.head) != nil {
		var seq struct {
			Seq uint64 `json:"seq"`
		}
		if json.Unmarshal(raw, &seq) != nil {
			return d, false
		}
		d.head = replayHead{Seq: seq.Seq}
	}
	return d, d.head.Seq != 0
}

// applyOne applies one decoded mutation after the stream's mark. stop is true
// when the mutation is not the next in sequence (it waits for a later
// push) or conflicts with what the hub holds under its number. A mutation
// the hub refuses for good is a Rejected result, not an error: it is
// consumed like an applied one so it never blocks the queue.
//
// The events of an applied mutation are appended to evs, for the caller
// to tell once the transaction commits.
func (s *Server) applyOne(tx Tx, p principal, mark StreamMark, d pushed, evs *[]TicketEvent) (res protocol.Result, id string, stop bool, err error) {
	head := d.head
	hw := mark.Seq
	switch {
	case head.Seq <= hw:
		conflict, err := replayConflicts(tx, p, mark, head)
		if err != nil {
			return protocol.Result{}, "", false, err
		}
		if conflict {
			return protocol.Result{Seq: head.Seq, Outcome: protocol.Conflict}, "", true, nil
		}
		return protocol.Result{Seq: head.Seq, Outcome: protocol.Duplicate}, "", false, nil
	case head.Seq > hw+1:
		return protocol.Result{}, "", true, nil
	}
	if d.m == nil {
		return reject(head.Seq, fmt.Errorf("%w: the change is not valid JSON for this hub: %v", msp.ErrInvalid, d.err)), head.ID, false, nil
	}
	m := *d.m
	if err := m.Validate(); err != nil {
		return reject(m.Seq, fmt.Errorf("%w: %v", msp.ErrInvalid, err)), m.ID, false, nil
	}
	now := s.now().UTC()
	var mine []TicketEvent
	switch m.Kind {
	case protocol.KindTicket:
		mine, err = s.applyTicket(tx, p, m, now)
	case protocol.KindMatrix:
		err = s.applyMatrix(tx, p, *m.Matrix, now)
	case protocol.KindCheckIn, protocol.KindInventory:
		if p.user != nil {
			err = fmt.Errorf("%w: only a device reports check-ins and inventories", msp.ErrForbidden)
		} else if m.Kind == protocol.KindCheckIn {
			mine, err = s.applyCheckIn(tx, p, *m.CheckIn, now)
		} else {
			mine, err = s.applyInventory(tx, p, *m.Inventory, now)
		}
	}
	if msp.IsPermanent(err) {
		if m.Kind == protocol.KindTicket && p.user == nil {
			// Refused is answered: the same change again is a replay of
			// the refusal, which the sender already holds as a dead letter.
			if err := tx.NoteChange(p.tenant, m.Change.ID); err != nil {
				return protocol.Result{}, "", false, err
			}
		}
		return reject(m.Seq, err), m.ID, false, nil
	}
	if err != nil {
		return protocol.Result{}, "", false, err
	}
	if evs != nil {
		*evs = append(*evs, mine...)
	}
	return protocol.Result{Seq: m.Seq, Outcome: protocol.Applied}, m.ID, false, nil
}

// replayConflicts reports whether a mutation numbered at or below the
// stream's mark is something other than what the hub took under that
// number: a ticket change the hub never applied, or a mutation at the mark
// whose id is not the one recorded there. Such a number was used again by
// a restored or copied store; dropping it as a replay would lose it.
func replayConflicts(tx Tx, p principal, mark StreamMark, head replayHead) (bool, error) {
	if head.Kind == protocol.KindTicket && head.Change != nil && head.Change.ID != "" {
		tenants := []string{p.tenant}
		if p.user != nil {
			tenants = p.user.Tenants
		}
		for _, t := range tenants {
			seen, err := tx.ChangeSeen(t, head.Change.ID)
			if err != nil || seen {
				return false, err
			}
		}
		return true, nil
	}
	return head.ID != "" && mark.LastID != "" && head.Seq == mark.Seq && head.ID != mark.LastID, nil
}

func reject(seq uint64, err error) protocol.Result {
	return protocol.Result{Seq: seq, Outcome: protocol.Rejected, Error: protocol.ErrorFor(err)}
}

// endUserID is the hub's name for an OS account on a device: unique in the
// tenant, and stable across the account's tickets.
func endUserID(user string, d Device) string {
	if user == "" {
		user = "unknown"
	}
	return user + "@" + d.Hostname
}

func (s *Server) applyTicket(tx Tx, p principal, m protocol.Mutation, now time.Time) ([]TicketEvent, error) {
	c := *m.Change
	if err := msp.ValidateID("ticket_id", c.TicketID); err != nil {
		return nil, err
	}
	if c.Kind == msp.ChangeSLA {
		return nil, fmt.Errorf("%w: only the hub records SLA clocks", msp.ErrForbidden)
	}
	if p.user == nil && strings.ContainsRune(m.User, '@') {
		// The hub appends the device's own name: an account named
		// "alice@other-pc" would pass for a person on another computer.
		return nil, &msp.ValidationError{Field: "user", Problem: "an OS account name holds no @; the hub adds this computer's name itself"}
	}
	if p.user != nil {
		tenant, err := userTenant(tx, p, m.Tenant, c)
		if err != nil {
			return nil, err
		}
		p.tenant = tenant
	} else if m.Tenant != "" && m.Tenant != p.tenant {
		return nil, fmt.Errorf("%w: a device acts in its own organisation only (its certificate names %s, the change %s)", msp.ErrForbidden, p.tenant, m.Tenant)
	}
	actor := msp.Actor{ID: endUserID(m.User, p.device), Role: msp.RoleEndUser, Tenant: p.tenant, Device: p.device.ID}
	if p.user != nil {
		actor = msp.Actor{ID: p.user.ID, Role: p.user.Role, Tenant: p.tenant}
	}
	current, err := tx.Ticket(p.tenant, c.TicketID)
	if errors.Is(err, ErrNotFound) {
		current = nil
	} else if err != nil {
		return nil, err
	}
	if current == nil && c.Kind == msp.ChangeCreate {
		// Ticket ids are unique across the hub, not only in a tenant: a
		// person who serves several organisations addresses a ticket by
		// its id, so an id taken in another tenant would let this one's
		// tickets catch replies meant for that one.
		holders, err := tx.TicketTenants(c.TicketID)
		if err != nil {
			return nil, err
		}
		if len(holders) > 0 {
			return nil, fmt.Errorf("%w: ticket id %s is already used on this hub, so this new ticket was not taken; raise it again (a new ticket gets a new id)", msp.ErrConflict, c.TicketID)
		}
	}
	if p.user == nil && current != nil && (current.Device != p.device.ID || current.Alert != nil) {
		// A device acts only on its own tickets, whatever its users are
		// called, and never on the alert tickets the hub raised about it.
		return nil, fmt.Errorf("%w: ticket %s does not exist on this device", msp.ErrNotFound, c.TicketID)
	}
	next, err := msp.Apply(current, c, actor, now)
	if err != nil {
		return nil, err
	}
	if current != nil && next.Revision == current.Revision {
		// A replay of something already applied.
		return nil, tx.NoteChange(p.tenant, c.ID)
	}
	if next, err = openOnFirstReply(next, c, actor, now); err != nil {
		return nil, err
	}
	tenant, err := s.tenant1(tx, p)
	if err != nil {
		return nil, err
	}
	targetBefore, target, err := checkDispatch(tx, tenant, current, next, c, actor, now)
	if err != nil {
		return nil, err
	}
	var h TicketHistory
	if current == nil {
		h = routeNew(next, tenant, now)
	} else if h, err = historyOf(tx, current, now); err != nil {
		return nil, err
	}
	noteHistory(&h, current, next, now)
	setSLA(next, h, tenant, now, s.log)
	if err := tx.NoteChange(p.tenant, c.ID); err != nil {
		return nil, err
	}
	if err := tx.PutTicket(next); err != nil {
		return nil, err
	}
	if err := tx.PutHistory(h); err != nil {
		return nil, err
	}
	evs := ticketEvents(current, next, now)
	if target != nil && target.Revision != targetBefore.Revision {
		more, err := s.storeMergeTarget(tx, tenant, targetBefore, target, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, more...)
	}
	return evs, nil
}

// openOnFirstReply moves a new ticket to open when the IT lead or a
// technician first replies to the requester, as helpdesks do: the person
// then reads "Picked up", not "Waiting to be picked up", beside the reply.
// An internal note does not pick a ticket up.
func openOnFirstReply(t *msp.Ticket, c msp.Change, actor msp.Actor, now time.Time) (*msp.Ticket, error) {
	if t.Status != msp.StatusNew || c.Kind != msp.ChangeComment || c.Comment == nil ||
		c.Comment.Internal || c.Comment.Kind != msp.CommentKindReply ||
		(actor.Role != msp.RoleITLead && actor.Role != msp.RoleTechnician) {
		return t, nil
	}
	opened, err := msp.Apply(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeStatus, TicketID: t.ID, Status: msp.StatusOpen, At: now},
		msp.Actor{ID: actorRouting, Role: msp.RoleSystem, Tenant: t.Tenant}, now)
	if err != nil {
		return nil, fmt.Errorf("opening ticket %s on its first reply: %w", t.ID, err)
	}
	return opened, nil
}

// tenant1 returns the principal's tenant record, read once per push and
// decoded only when it changed since the hub last decoded it (see
// tenantCache). The record is shared: read it, never change it.
func (s *Server) tenant1(tx Tx, p principal) (msp.Tenant, error) {
	if t, ok := p.tenants[p.tenant]; ok {
		return t, nil
	}
	t, err := s.tenants.get(tx, p.tenant)
	if err != nil {
		return msp.Tenant{}, fmt.Errorf("reading tenant %s: %w", p.tenant, err)
	}
	if p.tenants != nil {
		p.tenants[p.tenant] = t
	}
	return t, nil
}

// tenantCache keeps decoded tenant records for the ingest path, each with
// the stamp it was stored under (Tx.TenantStamp). A check-in then costs a
// point read of the stamp, not the decoding of the tenant's whole record;
// a tenant changed by this hub process or another is decoded again.
// A stamp seen in a transaction that does not commit is never written
// again, so what such a transaction caches is never served.
type tenantCache struct {
	mu sync.Mutex
	m  map[string]cachedTenant
}

type cachedTenant struct {
	stamp  string
	tenant msp.Tenant
}

// maxCachedTenants bounds the cache; past it, it starts again empty.
const maxCachedTenants = 10_000

func (c *tenantCache) get(tx Tx, id string) (msp.Tenant, error) {
	stamp, err := tx.TenantStamp(id)
	if err != nil {
		return msp.Tenant{}, err
	}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.stamp == stamp {
		return e.tenant, nil
	}
	t, err := tx.Tenant(id)
	if err != nil {
		return msp.Tenant{}, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedTenants {
		c.m = map[string]cachedTenant{}
	}
	c.m[id] = cachedTenant{stamp: stamp, tenant: t}
	c.mu.Unlock()
	return t, nil
}

// userTenant finds the tenant a signed-in person's ticket change acts in:
// the tenant a new ticket names (or their only one), or the tenant of the
// ticket. A change from a current agent names that tenant (named); one
// from an older agent does not, and the ticket's id then tells, as ids are
// unique across the hub. Other tenants' tickets do not exist for them.
func userTenant(tx Tx, p principal, named string, c msp.Change) (string, error) {
	if c.Kind == msp.ChangeCreate && c.Ticket != nil {
		t := cmp.Or(c.Ticket.Tenant, named, p.tenant)
		if t == "" || !p.inScope(t) || (named != "" && named != t) {
			return "", fmt.Errorf("%w: say which of your organisations the ticket is for", msp.ErrForbidden)
		}
		return t, nil
	}
	notFound := fmt.Errorf("%w: ticket %s does not exist in your organisations", msp.ErrNotFound, c.TicketID)
	if named != "" {
		if !p.inScope(named) {
			return "", notFound
		}
		return named, nil
	}
	holders, err := tx.TicketTenants(c.TicketID)
	if err != nil {
		return "", err
	}
	var mine []string
	for _, t := range holders {
		if p.inScope(t) {
			mine = append(mine, t)
		}
	}
	switch len(mine) {
	case 0:
		return "", notFound
	case 1:
		return mine[0], nil
	}
	return "", fmt.Errorf("%w: ticket id %s is used in %d of your organisations (%s), and this change does not say which; update Tandem on this computer, whose changes name their organisation",
		msp.ErrConflict, c.TicketID, len(mine), strings.Join(mine, ", "))
}

func (s *Server) applyCheckIn(tx Tx, p principal, c protocol.CheckIn, now time.Time) ([]TicketEvent, error) {
	d, err := tx.Device(p.tenant, p.device.ID)
	if err != nil {
		return nil, err
	}
	before := d.LastSeen
	d.LastSeen = now
	d.AgentVersion = c.AgentVersion
	tenant, err := s.tenant1(tx, p)
	if err != nil {
		return nil, err
	}
	pol := tenant.AlertRules()
	if needsInventoryCheck(pol, d, now) {
		// The alert policy or the device's grace changed since its
		// inventory was last checked, or a condition turned by time:
		// check the inventory the hub holds now, not at the next one sent.
		inv, err := tx.Inventory(p.tenant, d.ID)
		switch {
		case err == nil:
			evs, err := s.checkAlerts(tx, tenant, &d, &inv, now)
			if err != nil {
				return nil, err
			}
			return evs, tx.PutDevice(d)
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	if err := tx.PutDevice(d); err != nil {
		return nil, err
	}
	if pol.SilentAfter > 0 && now.Sub(before) <= pol.SilentAfter {
		// The sweep raises a silence alert only after SilentAfter without a
		// check-in, and resolves it itself if the policy changed since, so a
		// device heard from within that time has none to clear: skip the read.
		return nil, nil
	}
	return s.checkAlerts(tx, tenant, &d, nil, now)
}

func (s *Server) applyInventory(tx Tx, p principal, inv msp.Inventory, now time.Time) ([]TicketEvent, error) {
	if err := inv.Validate(); err != nil {
		return nil, err
	}
	d, err := tx.Device(p.tenant, p.device.ID)
	if err != nil {
		return nil, err
	}
	d.LastSeen, d.Inventoried = now, now
	if inv.Hostname != "" {
		d.Hostname = inv.Hostname
	}
	if os := inv.OS.Summary(); os != "" {
		d.OS = os
	}
	if err := tx.PutInventory(p.tenant, p.device.ID, inv); err != nil {
		return nil, err
	}
	tenant, err := s.tenant1(tx, p)
	if err != nil {
		return nil, err
	}
	evs, err := s.checkAlerts(tx, tenant, &d, &inv, now)
	if err != nil {
		return nil, err
	}
	return evs, tx.PutDevice(d)
}

// pull returns the changes after the client's cursor that the device may
// see: its own tickets (without internal notes) and its tenant's settings.
func (s *Server) pull(w http.ResponseWriter, r *http.Request, p principal) {
	q := r.URL.Query()
	cursor, err := parseUint(q.Get("cursor"), 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "cursor: " + err.Error()})
		return
	}
	limit, err := parseUint(q.Get("limit"), protocol.DefaultPullLimit)
	if err != nil || limit == 0 {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "limit: must be a whole number from 1"})
		return
	}
	limit = min(limit, protocol.MaxPullLimit)
	if p.user != nil {
		if t := q.Get("tenant"); t != "" {
			if !p.inScope(t) {
				writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no organisation " + t + " in your scope"})
				return
			}
			p.tenant = t
		}
		if p.tenant == "" {
			writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "tenant: you serve several organisations; say which one to pull"})
			return
		}
	}
	if p.user == nil {
		ans := pullAnswer{Changes: []pulledChange{}, Cursor: cursor}
		err = s.store.View(r.Context(), func(tx Tx) error { return devicePull(tx, p, cursor, int(limit), &ans) })
		if err != nil {
			s.internal(w, r, "reading changes", err)
			return
		}
		writeJSON(w, http.StatusOK, ans)
		return
	}
	resp := protocol.PullResponse{Changes: []protocol.Change{}, Cursor: cursor}
	err = s.store.View(r.Context(), func(tx Tx) error {
		// Scan a few pages of feed to fill one page of what this device
		// sees, so a device in a busy tenant is not paged through
		// everybody else's tickets one empty page at a time.
		scanned := 0
		for scanned < 10*int(limit) && len(resp.Changes) < int(limit) {
			entries, last, err := tx.Feed(p.tenant, resp.Cursor, int(limit))
			if err != nil {
				return err
			}
			for _, e := range entries {
				if len(resp.Changes) >= int(limit) {
					resp.More = true
					break
				}
				resp.Cursor = e.Seq
				if c, ok, err := deviceView(tx, p, e); err != nil {
					return err
				} else if ok {
					resp.Changes = append(resp.Changes, c)
				}
			}
			scanned += len(entries)
			resp.More = resp.More || resp.Cursor < last
			if len(entries) < int(limit) || !resp.More {
				if len(entries) == 0 && cursor > last {
					resp.Cursor = last // the client is ahead of a restored hub: start again
				}
				break
			}
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, "reading changes", err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// pullAnswer is protocol.PullResponse as the hub writes it to a device,
// with each ticket as the store holds it (pulledChange).
type pullAnswer struct {
	Changes []pulledChange `json:"changes"`
	Cursor  uint64         `json:"cursor"`
	More    bool           `json:"more"`
}

// pulledChange is protocol.Change with the ticket as JSON: a ticket the
// device's user may see whole goes out as stored, not decoded and encoded
// again.
type pulledChange struct {
	Seq     uint64              `json:"seq"`
	Kind    protocol.ChangeKind `json:"kind"`
	Ticket  json.RawMessage     `json:"ticket,omitempty"`
	Tenant  *msp.Tenant         `json:"tenant,omitempty"`
	History []msp.MatrixEvent   `json:"history,omitempty"`
}

// internalMark is how a stored ticket's JSON holds an internal note: the
// key unquoted in a JSON string could only be a key.
var internalMark = []byte(`"internal":true`)

// devicePull fills ans with a device's page: its own feed, so the pull
// reads the device's tickets and none of the others in the tenant. When
// the page is not full, the device has seen the tenant's feed up to its
// last entry, and the cursor moves there.
func devicePull(tx Tx, p principal, cursor uint64, limit int, ans *pullAnswer) error {
	entries, last, err := tx.DeviceFeed(p.tenant, p.device.ID, cursor, limit)
	if err != nil {
		return err
	}
	for _, e := range entries {
		ans.Cursor = e.Seq
		if e.Kind != "ticket" {
			c, ok, err := deviceView(tx, p, e)
			if err != nil {
				return err
			}
			if ok {
				ans.Changes = append(ans.Changes, pulledChange{Seq: c.Seq, Kind: c.Kind, Tenant: c.Tenant, History: c.History})
			}
			continue
		}
		raw, err := tx.TicketJSON(p.tenant, e.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		var whose struct {
			Device string          `json:"device"`
			Alert  json.RawMessage `json:"alert"`
		}
		if err := json.Unmarshal(raw, &whose); err != nil {
			return fmt.Errorf("reading ticket %s: %w", e.ID, err)
		}
		if whose.Device != p.device.ID || (len(whose.Alert) > 0 && string(whose.Alert) != "null") {
			continue // not the device's, or an alert for staff
		}
		if bytes.Contains(raw, internalMark) {
			// Internal notes are for staff: decode, leave them out.
			c, ok, err := deviceView(tx, p, e)
			if err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			if raw, err = json.Marshal(c.Ticket); err != nil {
				return fmt.Errorf("encoding ticket %s: %w", e.ID, err)
			}
		}
		ans.Changes = append(ans.Changes, pulledChange{Seq: e.Seq, Kind: protocol.ChangeTicket, Ticket: raw})
	}
	if len(entries) < limit {
		// Nothing more for this device up to last (and a client ahead of
		// a restored hub starts again from there).
		ans.Cursor = last
	}
	ans.More = ans.Cursor < last
	return nil
}

func deviceView(tx Tx, p principal, e FeedEntry) (protocol.Change, bool, error) {
	switch e.Kind {
	case "ticket":
		t, err := tx.Ticket(p.tenant, e.ID)
		if errors.Is(err, ErrNotFound) {
			return protocol.Change{}, false, nil
		} else if err != nil {
			return protocol.Change{}, false, err
		}
		if p.user != nil {
			return protocol.Change{Seq: e.Seq, Kind: protocol.ChangeTicket, Ticket: t.VisibleTo(p.user.Role)}, true, nil
		}
		if t.Device != p.device.ID || t.Alert != nil {
			// Alert tickets are for staff, not for whoever uses the device.
			return protocol.Change{}, false, nil
		}
		return protocol.Change{Seq: e.Seq, Kind: protocol.ChangeTicket, Ticket: t.VisibleTo(msp.RoleEndUser)}, true, nil
	case "tenant":
		t, err := tx.Tenant(p.tenant)
		if err != nil {
			return protocol.Change{}, false, err
		}
		return protocol.Change{Seq: e.Seq, Kind: protocol.ChangeTenant, Tenant: &t}, true, nil
	case FeedResponsibilities:
		if p.user == nil {
			return protocol.Change{}, false, nil // who changed the matrix is for staff
		}
		h, err := tx.MatrixHistory(p.tenant)
		if err != nil {
			return protocol.Change{}, false, err
		}
		return protocol.Change{Seq: e.Seq, Kind: protocol.ChangeResponsibilities, History: h}, true, nil
	case FeedPerson:
		if p.user == nil {
			return protocol.Change{}, false, nil // people's names and numbers are for staff
		}
		c := protocol.Change{Seq: e.Seq, Kind: protocol.ChangePerson, PersonID: e.ID}
		person, err := tx.Person(p.tenant, e.ID)
		switch {
		case err == nil:
			c.Person = &person
		case !errors.Is(err, ErrNotFound):
			return protocol.Change{}, false, err
		}
		return c, true, nil
	}
	return protocol.Change{}, false, nil
}

func parseUint(s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}
