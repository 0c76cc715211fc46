package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
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
	for i, raw := range req.Mutations {
		var head struct {
			Seq uint64 `json:"seq"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.Seq == 0 {
			writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
				Message: fmt.Sprintf("change %d of the push has no valid sequence number (seq must be a whole number from 1); nothing was applied", i+1)})
			return
		}
	}
	client := p.clientID()
	p.tenants = map[string]msp.Tenant{}
	resp := protocol.PushResponse{Results: []protocol.Result{}}
	for start := 0; start < len(req.Mutations); {
		end, size := start, 0
		for end < len(req.Mutations) && (end == start || size+len(req.Mutations[end]) <= maxChunkBytes) {
			size += len(req.Mutations[end])
			end++
		}
		job := &chunkJob{p: p, raws: req.Mutations[start:end], size: size}
		s.applyChunk(r.Context(), job)
		if job.err != nil {
			s.internal(w, r, "saving the pushed changes", job.err)
			return
		}
		results, hw, gap := job.results, job.hw, job.gap
		resp.Results = append(resp.Results, results...)
		resp.HighWater = hw
		if gap {
			break
		}
		start = end
	}
	if len(req.Mutations) == 0 {
		err := s.store.View(r.Context(), func(tx Tx) (err error) {
			resp.HighWater, err = tx.HighWater(client)
			return err
		})
		if err != nil {
			s.internal(w, r, "reading the sync position", err)
			return
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// applyOne applies one raw mutation after high-water mark hw. stop is true
// when the mutation is not the next in sequence (it waits for a later push).
// A mutation the hub refuses for good is a Rejected result, not an error:
// it is consumed like an applied one so it never blocks the queue.
func (s *Server) applyOne(tx Tx, p principal, hw uint64, raw json.RawMessage) (res protocol.Result, stop bool, err error) {
	var head struct {
		Seq uint64 `json:"seq"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return protocol.Result{}, false, fmt.Errorf("reading a sequence number push checked: %w", err)
	}
	switch {
	case head.Seq <= hw:
		return protocol.Result{Seq: head.Seq, Outcome: protocol.Duplicate}, false, nil
	case head.Seq > hw+1:
		return protocol.Result{}, true, nil
	}
	var m protocol.Mutation
	if err := jsonDecoder(bytes.NewReader(raw), true).Decode(&m); err != nil {
		return reject(head.Seq, fmt.Errorf("%w: the change is not valid JSON for this hub: %v", msp.ErrInvalid, err)), false, nil
	}
	if err := m.Validate(); err != nil {
		return reject(m.Seq, fmt.Errorf("%w: %v", msp.ErrInvalid, err)), false, nil
	}
	now := s.now().UTC()
	switch m.Kind {
	case protocol.KindTicket:
		err = s.applyTicket(tx, p, m, now)
	case protocol.KindCheckIn, protocol.KindInventory:
		if p.user != nil {
			err = fmt.Errorf("%w: only a device reports check-ins and inventories", msp.ErrForbidden)
		} else if m.Kind == protocol.KindCheckIn {
			err = s.applyCheckIn(tx, p, *m.CheckIn, now)
		} else {
			err = s.applyInventory(tx, p, *m.Inventory, now)
		}
	}
	if msp.IsPermanent(err) {
		return reject(m.Seq, err), false, nil
	}
	if err != nil {
		return protocol.Result{}, false, err
	}
	return protocol.Result{Seq: m.Seq, Outcome: protocol.Applied}, false, nil
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

func (s *Server) applyTicket(tx Tx, p principal, m protocol.Mutation, now time.Time) error {
	c := *m.Change
	if err := msp.ValidateID("ticket_id", c.TicketID); err != nil {
		return err
	}
	if p.user != nil {
		tenant, err := userTenant(tx, p, c)
		if err != nil {
			return err
		}
		p.tenant = tenant
	}
	actor := msp.Actor{ID: endUserID(m.User, p.device), Role: msp.RoleEndUser, Tenant: p.tenant, Device: p.device.ID}
	if p.user != nil {
		actor = msp.Actor{ID: p.user.ID, Role: p.user.Role, Tenant: p.tenant}
	}
	current, err := tx.Ticket(p.tenant, c.TicketID)
	if errors.Is(err, ErrNotFound) {
		current = nil
	} else if err != nil {
		return err
	}
	if p.user == nil && current != nil && current.Device != p.device.ID {
		// A device acts only on its own tickets, whatever its users are called.
		return fmt.Errorf("%w: ticket %s does not exist on this device", msp.ErrNotFound, c.TicketID)
	}
	next, err := msp.Apply(current, c, actor, now)
	if err != nil {
		return err
	}
	if current == nil {
		tenant, ok := p.tenants[p.tenant]
		if !ok {
			if tenant, err = tx.Tenant(p.tenant); err != nil {
				return err
			}
			if p.tenants != nil {
				p.tenants[p.tenant] = tenant
			}
		}
		route(next, tenant, now)
	} else if next.Revision == current.Revision {
		return nil // a replay of something already applied
	}
	return tx.PutTicket(next)
}

// userTenant finds the tenant a signed-in person's ticket change acts in:
// the tenant a new ticket names (or their only one), or the tenant in
// their scope that holds the ticket. Other tenants' tickets do not exist
// for them.
func userTenant(tx Tx, p principal, c msp.Change) (string, error) {
	if c.Kind == msp.ChangeCreate && c.Ticket != nil {
		t := c.Ticket.Tenant
		if t == "" {
			t = p.tenant
		}
		if t == "" || !p.inScope(t) {
			return "", fmt.Errorf("%w: say which of your organisations the ticket is for", msp.ErrForbidden)
		}
		return t, nil
	}
	for _, t := range p.user.Tenants {
		if _, err := tx.Ticket(t, c.TicketID); err == nil {
			return t, nil
		} else if !errors.Is(err, ErrNotFound) {
			return "", err
		}
	}
	return "", fmt.Errorf("%w: ticket %s does not exist", msp.ErrNotFound, c.TicketID)
}

// route gives a new ticket its owner from the tenant's responsibility
// matrix at the time it arrives, and records why in a routing note.
func route(t *msp.Ticket, tenant msp.Tenant, now time.Time) {
	open := tenant.InBusinessHours(now)
	owner, err := tenant.Responsibilities().OwnerFor(t.Pillar, t.Category, open)
	when := "outside business hours"
	if open {
		when = "in business hours"
	}
	var reason string
	switch {
	case err != nil || owner == "":
		owner = msp.PartyMSP
		reason = "No owner is set for this kind of request, so it goes to the MSP."
	case owner == msp.PartyShared:
		// Shared work starts with the internal team while it is at work.
		owner = msp.PartyInternal
		if !open {
			owner = msp.PartyMSP
		}
		reason = fmt.Sprintf("This kind of request is shared; %s it goes to %s.", when, owner.Label())
	default:
		reason = fmt.Sprintf("The responsibility matrix gives this kind of request to %s %s.", owner.Label(), when)
	}
	if tenant.Mode == msp.ModeFullyManaged {
		owner = msp.PartyMSP
		reason = "The MSP looks after everything for this organisation."
	}
	t.Owner = owner
	t.Comments = append(t.Comments, msp.Comment{
		ID: msp.NewID(), Author: "hub", Role: msp.RoleSystem, Body: reason,
		Kind: msp.CommentKindRouting, CreatedAt: now,
	})
}

func (s *Server) applyCheckIn(tx Tx, p principal, c protocol.CheckIn, now time.Time) error {
	d, err := tx.Device(p.tenant, p.device.ID)
	if err != nil {
		return err
	}
	d.LastSeen = now
	d.AgentVersion = c.AgentVersion
	return tx.PutDevice(d)
}

func (s *Server) applyInventory(tx Tx, p principal, inv msp.Inventory, now time.Time) error {
	if err := inv.Validate(); err != nil {
		return err
	}
	d, err := tx.Device(p.tenant, p.device.ID)
	if err != nil {
		return err
	}
	d.LastSeen, d.Inventoried = now, now
	if inv.Hostname != "" {
		d.Hostname = inv.Hostname
	}
	if os := inv.OS.Summary(); os != "" {
		d.OS = os
	}
	if err := tx.PutInventory(p.tenant, p.device.ID, inv); err != nil {
		return err
	}
	return tx.PutDevice(d)
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
		if t.Device != p.device.ID {
			return protocol.Change{}, false, nil
		}
		return protocol.Change{Seq: e.Seq, Kind: protocol.ChangeTicket, Ticket: t.VisibleTo(msp.RoleEndUser)}, true, nil
	case "tenant":
		t, err := tx.Tenant(p.tenant)
		if err != nil {
			return protocol.Change{}, false, err
		}
		return protocol.Change{Seq: e.Seq, Kind: protocol.ChangeTenant, Tenant: &t}, true, nil
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
