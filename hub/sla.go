package hub

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"sync"
	"time"

	"tandem/msp"
)

// Names of the hub components that act as RoleSystem on tickets.
const (
	actorRouting = "hub-routing"
	actorSLA     = "hub-sla"
	actorAlerts  = "hub-alerts"
)

// Steps the hub takes once per ticket (TicketHistory.Done).
const (
	stepResponseAtRisk     = "response-at-risk"
	stepResolutionAtRisk   = "resolution-at-risk"
	stepResponseBreached   = "response-breached"
	stepResolutionBreached = "resolution-breached"
	stepOverflow           = "overflow"
	stepEscalated          = "escalated"
)

// DefaultSLAInterval is how often the SLA sweep runs.
const DefaultSLAInterval = time.Minute

// routeNew gives a ticket just created its owner from msp.Route, clears
// its assignee and records why in a routing note the requester sees. It is
// part of the create, so the ticket keeps revision 1. It returns the
// ticket's new history.
func routeNew(t *msp.Ticket, tenant msp.Tenant, now time.Time) TicketHistory {
	d := msp.Route(tenant, t, now)
	t.Owner, t.Assignee = d.Owner, ""
	t.Comments = append(t.Comments, msp.Comment{
		ID: msp.NewID(), Author: actorRouting, Role: msp.RoleSystem, Body: d.Reason,
		Kind: msp.CommentKindRouting, CreatedAt: now,
	})
	return TicketHistory{Tenant: t.Tenant, Ticket: t.ID, RoutedAt: now, RouteUntil: d.Until}
}

// historyOf reads a ticket's history, or rebuilds what it can from the
// ticket for one stored before the hub kept histories, adopted at now.
func historyOf(tx Tx, t *msp.Ticket, now time.Time) (TicketHistory, error) {
	h, err := tx.History(t.Tenant, t.ID)
	if err == nil {
		return h, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return TicketHistory{}, fmt.Errorf("reading the history of ticket %s: %w", t.ID, err)
	}
	h = TicketHistory{Tenant: t.Tenant, Ticket: t.ID, RoutedAt: t.CreatedAt, Adopted: now}
	if t.Status != msp.StatusNew {
		// The time of the change is lost; the last update is the best guess.
		h.Statuses = append(h.Statuses, msp.StatusChange{At: t.UpdatedAt, Status: t.Status})
	}
	for _, c := range t.Comments {
		if isFirstResponse(c) {
			h.FirstResponseAt = c.CreatedAt
			break
		}
	}
	return h, nil
}

// isFirstResponse reports whether c answers the requester: a reply by the
// IT lead or a technician that the requester sees.
func isFirstResponse(c msp.Comment) bool {
	return c.Kind == msp.CommentKindReply && !c.Internal && c.Role.IsStaff()
}

// noteHistory records in h what changed from before (nil for a new
// ticket) to after, at hub time now.
func noteHistory(h *TicketHistory, before, after *msp.Ticket, now time.Time) {
	if before != nil && before.Status != after.Status {
		h.Statuses = append(h.Statuses, msp.StatusChange{At: now, Status: after.Status})
	}
	if h.FirstResponseAt.IsZero() {
		from := 0
		if before != nil {
			from = min(len(before.Comments), len(after.Comments))
		}
		for _, c := range after.Comments[from:] {
			if isFirstResponse(c) {
				h.FirstResponseAt = now
				break
			}
		}
	}
	if acknowledged(after, *h) {
		h.RouteUntil = time.Time{} // someone has it: the matrix no longer moves it
	}
}

// acknowledged reports whether someone has taken up the ticket: answered
// the requester, moved it on from new, or taken it on by name.
func acknowledged(t *msp.Ticket, h TicketHistory) bool {
	return !h.FirstResponseAt.IsZero() || t.Status != msp.StatusNew || t.Assignee != ""
}

// computeSLA returns the ticket's clocks at now under the tenant's policy.
func computeSLA(t *msp.Ticket, h TicketHistory, tenant msp.Tenant, cal *msp.Calendar, now time.Time) (msp.ClockState, error) {
	cs, err := msp.ComputeSLA(h.Timeline(t), tenant.SLAPolicy(), cal, now)
	if err != nil {
		return msp.ClockState{}, fmt.Errorf("computing the SLA of ticket %s: %w", t.ID, err)
	}
	return cs, nil
}

// setSLA stores on t the SLA state it has at now, as part of the change
// being applied. A failure is logged: the sweep tries again.
func setSLA(t *msp.Ticket, h TicketHistory, tenant msp.Tenant, now time.Time, log *slog.Logger) {
	cs, err := computeSLA(t, h, tenant, tenant.SLACalendar(), now)
	if err != nil {
		log.Warn("SLA not computed", "tenant", t.Tenant, "ticket", t.ID, "err", err)
		return
	}
	t.SLA = msp.StateOf(cs, now)
}

// advance does what is due on one open ticket at now: the matrix
// hand-over of an unanswered ticket, the overflow to the MSP, at-risk and
// breach events, escalation of a breach to the MSP, and the SLA state.
// Every change to the ticket goes through msp.Apply as the hub. It
// returns the ticket (t itself if nothing changed), whether h changed,
// the events to tell after the commit, and how many breaches and
// overflows it found that fell due before the hub adopted the ticket
// (TicketHistory.Adopted): those it records as seen without an event and
// without handing the ticket to the MSP.
func advance(tenant msp.Tenant, cal *msp.Calendar, t *msp.Ticket, h *TicketHistory, now time.Time) (_ *msp.Ticket, histChanged bool, _ []TicketEvent, prior int, _ error) {
	orig := t
	// Adopted in this pass: the history is new and must be saved.
	histChanged = !h.Adopted.IsZero() && h.Adopted.Equal(now)
	before := func(due time.Time) bool { return !h.Adopted.IsZero() && !due.After(h.Adopted) }
	var evs []TicketEvent
	apply := func(c msp.Change, actorID string) error {
		c.ID, c.TicketID, c.At = msp.NewID(), t.ID, now
		next, err := msp.Apply(t, c, msp.Actor{ID: actorID, Role: msp.RoleSystem, Tenant: t.Tenant}, now)
		if err != nil {
			return fmt.Errorf("the hub's own %s change to ticket %s was refused: %w", c.Kind, t.ID, err)
		}
		t = next
		return nil
	}
	note := func(kind, body string, author string) *msp.Comment {
		return &msp.Comment{ID: msp.NewID(), Author: author, Role: msp.RoleSystem, Kind: kind, Body: body}
	}
	mspName := tenant.Branding.Name
	if mspName == "" {
		mspName = "the MSP"
	}
	toMSP := func(kind, body, step string) error {
		h.Mark(step)
		h.RouteUntil, h.RoutedAt = time.Time{}, now
		histChanged = true
		if t.Owner == msp.PartyMSP {
			return nil
		}
		empty := ""
		return apply(msp.Change{Kind: msp.ChangeAssign, Owner: msp.PartyMSP, Assignee: &empty, Comment: note(kind, body, actorSLA)}, actorSLA)
	}

	policy := tenant.SLAPolicy()
	target, err := policy.Target(t.Priority)
	if err != nil {
		return orig, false, nil, 0, fmt.Errorf("ticket %s: %w", t.ID, err)
	}
	clockCal := cal
	if target.AllHours {
		clockCal = cal.AllHours()
	}

	if !acknowledged(t, *h) {
		if !h.RouteUntil.IsZero() && !now.Before(h.RouteUntil) {
			d := msp.Route(tenant, t, now)
			h.RoutedAt, h.RouteUntil = now, d.Until
			histChanged = true
			if d.Owner != t.Owner {
				empty := ""
				if err := apply(msp.Change{Kind: msp.ChangeAssign, Owner: d.Owner, Assignee: &empty,
					Comment: note(msp.CommentKindRouting, "Nobody had picked this up yet, so it moves on with the hour: "+d.Reason, actorRouting)}, actorRouting); err != nil {
					return orig, false, nil, 0, err
				}
			}
		}
		if (t.Owner == msp.PartyInternal || t.Owner == msp.PartyShared) && !h.Has(stepOverflow) {
			since := h.RoutedAt
			if since.IsZero() {
				since = t.CreatedAt
			}
			over := tenant.Overflow()
			switch {
			case clockCal.Between(since, now) < over:
			case !h.Adopted.IsZero() && clockCal.Between(since, h.Adopted) >= over:
				// Unanswered for longer than the overflow before the hub
				// watched the ticket: it stays where it is.
				h.Mark(stepOverflow)
				histChanged = true
				prior++
			default:
				body := fmt.Sprintf("Nobody answered within %s, so %s takes over this ticket.", words(over), mspName)
				if err := toMSP(msp.CommentKindEscalation, body, stepOverflow); err != nil {
					return orig, false, nil, 0, err
				}
			}
		}
	}

	cs, err := computeSLA(t, *h, tenant, cal, now)
	if err != nil {
		return orig, false, nil, 0, err
	}
	sla := func(k EventKind, clock string) TicketEvent {
		return TicketEvent{Kind: k, Tenant: t.Tenant, At: now, Clock: clock}
	}
	var slaEvs []TicketEvent
	if cs.Response.AtRisk && h.Mark(stepResponseAtRisk) {
		histChanged = true
		slaEvs = append(slaEvs, sla(EventSLAAtRisk, "response"))
	}
	if cs.Resolution.AtRisk && h.Mark(stepResolutionAtRisk) {
		histChanged = true
		slaEvs = append(slaEvs, sla(EventSLAAtRisk, "resolution"))
	}
	for _, b := range []struct {
		breached    bool
		step, clock string
		due         time.Time
		what        string
	}{
		{cs.Response.Breached, stepResponseBreached, "response", cs.Response.Due, "first response"},
		{cs.Resolution.Breached, stepResolutionBreached, "resolution", cs.Resolution.Due, "resolution"},
	} {
		if !b.breached || !h.Mark(b.step) {
			continue
		}
		histChanged = true
		if before(b.due) {
			// Missed before the hub watched the ticket: seen, not told,
			// not escalated.
			prior++
			continue
		}
		slaEvs = append(slaEvs, sla(EventSLABreached, b.clock))
		if t.Owner != msp.PartyMSP && !h.Has(stepEscalated) {
			// Internal or shared: internal IT answers shared tickets first.
			body := fmt.Sprintf("The %s target was missed (due %s) while %s had this ticket, so %s takes it over.",
				b.what, b.due.In(cal.Location()).Format("Mon 2 Jan 15:04"), msp.PartyInternal.Label(), mspName)
			if err := toMSP(msp.CommentKindEscalation, body, stepEscalated); err != nil {
				return orig, false, nil, 0, err
			}
		}
	}

	if st := msp.StateOf(cs, now); !t.SLA.SameAs(st) {
		if err := apply(msp.Change{Kind: msp.ChangeSLA, SLA: &st}, actorSLA); err != nil {
			return orig, false, nil, 0, err
		}
	}
	if t != orig {
		evs = append(evs, ticketEvents(orig, t, now)...)
	}
	for _, ev := range slaEvs {
		ev.Ticket = t
		evs = append(evs, ev)
	}
	return t, histChanged, evs, prior, nil
}

// words writes a duration for people: "30 min", "2 h", "1 h 30 min".
func words(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// SweepStats counts what one SLA sweep did. It is the answer of
// POST PathAdminSweep.
type SweepStats struct {
	Tenants  int `json:"tenants"`  // tenants swept
	Open     int `json:"open"`     // open tickets looked at
	Changed  int `json:"changed"`  // tickets the sweep changed (SLA state, owner, notes)
	Events   int `json:"events"`   // events told
	Devices  int `json:"devices"`  // devices checked for silence
	Failures int `json:"failures"` // tickets or tenants skipped after an error (logged)
	// Preexisting counts breaches and overflows that fell due before the
	// hub adopted the ticket (TicketHistory.Adopted), in practice in the
	// first sweep after an upgrade: recorded as seen, without an event and
	// without handing the ticket to the MSP.
	Preexisting int `json:"preexisting"`
	// NextDue is the earliest time a ticket falls due after the sweep (now
	// for a ticket changed since), zero if none does: RunSLA wakes then.
	NextDue time.Time `json:"next_due,omitzero"`
}

// sweepBatch bounds the tickets one sweep transaction writes.
const sweepBatch = 200

// SweepSLA runs the SLA sweep once at the server's time: for every open
// ticket of every tenant it does what advance says is due, and it raises
// or resolves the "device silent" alert of every device. Work is found in
// read-only transactions and written in small ones; events are told after
// each commits. A tenant or ticket that fails is logged and skipped so one
// bad record cannot stop the others; the error returned is the first
// store failure, if any.
func (s *Server) SweepSLA(ctx context.Context) (SweepStats, error) {
	now := s.now().UTC()
	var st SweepStats
	var tenants []msp.Tenant
	if err := s.store.View(ctx, func(tx Tx) (err error) {
		tenants, err = tx.Tenants()
		return err
	}); err != nil {
		return st, fmt.Errorf("sla sweep: reading tenants: %w", err)
	}
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	for _, tn := range tenants {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		st.Tenants++
		if err := s.sweepTenant(ctx, tn, now, &st); err != nil {
			st.Failures++
			s.log.Error("SLA sweep failed for a tenant", "tenant", tn.ID, "err", err)
			keep(err)
		}
		if err := s.noteNextDue(ctx, tn.ID, now, &st); err != nil {
			st.Failures++
			s.log.Error("reading when a tenant's tickets fall due", "tenant", tn.ID, "err", err)
			keep(err)
		}
		if err := s.sweepDevices(ctx, tn, now, &st); err != nil {
			st.Failures++
			s.log.Error("device silence check failed for a tenant", "tenant", tn.ID, "err", err)
			keep(err)
		}
	}
	return st, firstErr
}

// noteNextDue lowers st.NextDue to when the tenant's next ticket falls due.
func (s *Server) noteNextDue(ctx context.Context, tn string, now time.Time, st *SweepStats) error {
	from := time.Time{}
	if prev, ok := s.sweptBefore(tn); ok {
		from = prev.to // what is due before was read
	}
	return s.store.View(ctx, func(tx Tx) error {
		at, ok, err := tx.NextDue(tn, from)
		if err != nil || !ok {
			return err
		}
		if at.Before(now) {
			at = now
		}
		if st.NextDue.IsZero() || at.Before(st.NextDue) {
			st.NextDue = at
		}
		return nil
	})
}

// minSLAWait is the shortest RunSLA waits between sweeps, so tickets
// changed all the time (due at once) are swept together.
const minSLAWait = 10 * time.Second

// maxSweepGap is the longest the sweep leaves an open ticket unread, even
// when nothing about it falls due (nextDue): a safety net, not a clock.
// Each ticket takes a share of it from its id (sweepGap), so tickets
// swept together do not all come due together again.
const maxSweepGap = 6 * time.Hour

// failedSweepRetry is when the sweep tries again a ticket it could not
// advance (logged).
const failedSweepRetry = time.Hour

// sweepGap is the ticket's safety-net gap, from maxSweepGap/2 to
// maxSweepGap.
func sweepGap(id string) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(id))
	return maxSweepGap/2 + time.Duration(h.Sum32()%1024)*(maxSweepGap/2)/1024
}

// dueBatch bounds the due times one sweep transaction records for tickets
// the sweep did not otherwise change.
const dueBatch = 1000

// nextDue is when advance next has something to do on the open ticket t
// with history h, as it stands at now: the matrix hand-over, the overflow
// to the MSP, a clock falling at risk or breached (each also changes the
// SLA state), at the latest now+sweepGap. It may be early, never late:
// a change to the ticket, its history or the tenant makes the ticket due
// at once (Tx.DueTickets, Server.sweepFull).
func nextDue(tenant msp.Tenant, cal *msp.Calendar, t *msp.Ticket, h TicketHistory, now time.Time) time.Time {
	due := now.Add(sweepGap(t.ID))
	sooner := func(at time.Time) {
		if !at.IsZero() && at.Before(due) {
			due = at
		}
	}
	policy := tenant.SLAPolicy()
	target, err := policy.Target(t.Priority)
	if err != nil {
		return due // advance refuses it too; look again later
	}
	clockCal := cal
	if target.AllHours {
		clockCal = cal.AllHours()
	}
	if !acknowledged(t, h) {
		sooner(h.RouteUntil)
		if (t.Owner == msp.PartyInternal || t.Owner == msp.PartyShared) && !h.Has(stepOverflow) {
			since := h.RoutedAt
			if since.IsZero() {
				since = t.CreatedAt
			}
			sooner(clockCal.Add(since, tenant.Overflow()))
		}
	}
	// What the history holds after now (a ticket made by a hub whose
	// clock runs ahead) counts from its time on.
	for _, at := range []time.Time{t.CreatedAt, h.FirstResponseAt} {
		if at.After(now) {
			sooner(at)
		}
	}
	for _, sc := range h.Statuses {
		if sc.At.After(now) {
			sooner(sc.At)
		}
	}
	cs, err := computeSLA(t, h, tenant, cal, now)
	if err != nil {
		return due
	}
	risk := policy.AtRiskPercent
	if risk <= 0 {
		risk = msp.DefaultAtRiskPercent
	}
	for _, tm := range []msp.SLATimer{cs.Response, cs.Resolution} {
		if !tm.Running || tm.Breached || tm.Done || tm.Paused {
			continue
		}
		sooner(tm.Due) // breached just after
		if !tm.AtRisk {
			sooner(clockCal.Add(now, tm.Remaining-tm.Target*time.Duration(risk)/100))
		}
	}
	if due.Before(now) {
		due = now
	}
	return due
}

// fullSweepEvery is how often the sweep reads every open ticket of a
// tenant even when nothing says it must: the safety net under the due
// times, which cost a few seconds per 100,000 open tickets.
const fullSweepEvery = 6 * time.Hour

// sweptTenant is what the sweep remembers of a tenant between runs.
type sweptTenant struct {
	stamp  string    // the tenant's stamp (Tx.TenantStamp) at the last full sweep
	fullAt time.Time // when that was
	feed   uint64    // the tenant's last feed sequence when its tickets due at once were last read
	to     time.Time // the due times were read up to here
}

// sweepState is what the SLA sweep remembers between runs.
type sweepState struct {
	mu      sync.Mutex
	tenants map[string]sweptTenant
}

func (s *Server) sweptBefore(tn string) (sweptTenant, bool) {
	s.swept.mu.Lock()
	defer s.swept.mu.Unlock()
	st, ok := s.swept.tenants[tn]
	return st, ok
}

// forgetSwept makes the next sweep of every tenant a full one.
func (s *Server) forgetSwept() {
	s.swept.mu.Lock()
	defer s.swept.mu.Unlock()
	s.swept.tenants = nil
}

func (s *Server) noteSwept(tn string, st sweptTenant) {
	s.swept.mu.Lock()
	defer s.swept.mu.Unlock()
	if s.swept.tenants == nil {
		s.swept.tenants = map[string]sweptTenant{}
	}
	s.swept.tenants[tn] = st
}

// feedLast is the tenant's last feed sequence: it moves with every
// PutTicket, which is what makes a ticket due at once.
func feedLast(tx Tx, tn string) (uint64, error) {
	_, last, err := tx.Feed(tn, math.MaxUint64-1, 1)
	return last, err
}

func (s *Server) sweepTenant(ctx context.Context, tn msp.Tenant, now time.Time, st *SweepStats) error {
	cal := tn.SLACalendar()
	// A full sweep on the server's first sweep of the tenant (the due
	// times may come from another version of the hub, or be missing),
	// after the tenant changed (its policy, calendar or matrix move every
	// due time), when the clock went back, and every fullSweepEvery.
	prev, seen := s.sweptBefore(tn.ID)
	var stamp string
	if err := s.store.View(ctx, func(tx Tx) (err error) {
		stamp, err = tx.TenantStamp(tn.ID)
		return err
	}); err != nil {
		return fmt.Errorf("reading the tenant's stamp: %w", err)
	}
	full := !seen || prev.stamp != stamp || now.Before(prev.to) || now.Sub(prev.fullAt) >= fullSweepEvery
	next := sweptTenant{stamp: stamp, fullAt: prev.fullAt, to: now}
	if full {
		next.fullAt = now
	}
	// Find the tickets with something to do without writing: every open
	// ticket in a full sweep, else those due. Each gets its next due time.
	type plan struct {
		id    string
		write bool      // advance changes something: redo it in a write
		due   time.Time // otherwise, when to look again (zero: not open)
	}
	var plans []plan
	err := s.store.View(ctx, func(tx Tx) error {
		plans = plans[:0]
		var ferr error
		visit := func(t *msp.Ticket) bool {
			st.Open++
			h, err := historyOf(tx, t, now)
			if err != nil {
				ferr = err
				return false
			}
			next, hc, evs, _, err := advance(tn, cal, t, &h, now)
			if err != nil {
				st.Failures++
				s.log.Warn("SLA sweep skipped a ticket", "tenant", tn.ID, "ticket", t.ID, "err", err)
				plans = append(plans, plan{id: t.ID, due: now.Add(failedSweepRetry)})
				return true
			}
			if next != t || hc || len(evs) > 0 {
				plans = append(plans, plan{id: t.ID, write: true})
			} else {
				plans = append(plans, plan{id: t.ID, due: nextDue(tn, cal, t, h, now)})
			}
			return true
		}
		last, err := feedLast(tx, tn.ID)
		if err != nil {
			return err
		}
		next.feed = last
		if full {
			return errors.Join(tx.OpenTickets(tn.ID, visit), ferr)
		}
		var ids []string
		add := func(id string) bool { ids = append(ids, id); return true }
		if last != prev.feed {
			// Tickets changed since: those due at once.
			if err := tx.DueTickets(tn.ID, time.Time{}, time.Time{}, add); err != nil {
				return err
			}
		}
		// What fell due since the last sweep (the sweep records no due
		// time before its own now, so nothing before prev.to is left).
		if err := tx.DueTickets(tn.ID, prev.to, now, add); err != nil {
			return err
		}
		for _, id := range ids {
			t, err := tx.Ticket(tn.ID, id)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			if err != nil || !t.Status.IsOpen() {
				plans = append(plans, plan{id: id}) // gone or closed: out of the index
				continue
			}
			if !visit(t) {
				break
			}
		}
		return ferr
	})
	if err != nil {
		return fmt.Errorf("finding due tickets: %w", err)
	}
	var due, quiet []plan
	for _, p := range plans {
		if p.write {
			due = append(due, p)
		} else {
			quiet = append(quiet, p)
		}
	}
	for len(quiet) > 0 {
		n := min(len(quiet), dueBatch)
		batch := quiet[:n]
		quiet = quiet[n:]
		if err := s.store.Update(ctx, func(tx Tx) error {
			for _, p := range batch {
				if err := tx.SetTicketDue(tn.ID, p.id, p.due); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("recording when tickets fall due: %w", err)
		}
	}
	for len(due) > 0 {
		n := min(len(due), sweepBatch)
		batch := due[:n]
		due = due[n:]
		var evs []TicketEvent
		changed, preexisting, queued := 0, 0, false
		err := s.store.Update(ctx, func(tx Tx) error {
			evs, changed, preexisting, queued = evs[:0], 0, 0, false
			for _, p := range batch {
				id := p.id
				t, err := tx.Ticket(tn.ID, id)
				if errors.Is(err, ErrNotFound) {
					continue
				} else if err != nil {
					return err
				}
				if !t.Status.IsOpen() {
					continue // closed meanwhile
				}
				h, err := historyOf(tx, t, now)
				if err != nil {
					return err
				}
				next, hc, tevs, prior, err := advance(tn, cal, t, &h, now)
				if err != nil {
					s.log.Warn("SLA sweep skipped a ticket", "tenant", tn.ID, "ticket", id, "err", err)
					if err := tx.SetTicketDue(tn.ID, id, now.Add(failedSweepRetry)); err != nil {
						return err
					}
					continue
				}
				preexisting += prior
				if next != t {
					changed++
					if err := tx.PutTicket(next); err != nil {
						return err
					}
				}
				if hc || next != t {
					if err := tx.PutHistory(h); err != nil {
						return err
					}
				}
				if err := tx.SetTicketDue(tn.ID, id, nextDue(tn, cal, next, h, now)); err != nil {
					return err
				}
				evs = append(evs, tevs...)
			}
			var err error
			queued, err = s.queueEvents(ctx, tx, evs)
			return err
		})
		if err != nil {
			return fmt.Errorf("saving the SLA sweep: %w", err)
		}
		if queued {
			s.wakeRelay()
		}
		st.Changed += changed
		st.Events += len(evs)
		st.Preexisting += preexisting
		if preexisting > 0 {
			s.log.Info("SLA targets missed before the hub followed these tickets (after an upgrade): recorded as breached, not escalated to the MSP",
				"tenant", tn.ID, "clocks", preexisting)
		}
		s.emit(ctx, evs)
	}
	s.noteSwept(tn.ID, next)
	return nil
}

// RunSLA runs SweepSLA every interval (DefaultSLAInterval if zero or
// less), or sooner when a ticket falls due sooner, until ctx ends,
// starting with one sweep at once. It returns when
// ctx ends; the caller owns the goroutine it runs on.
func (s *Server) RunSLA(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultSLAInterval
	}
	timer := time.NewTimer(interval)
	defer timer.Stop()
	held := false
	for {
		// On a store several hubs share, one of them sweeps: the lease
		// outlives three rounds, so a holder that died is replaced then.
		if lease := s.holdsLease(ctx, LeaseSLASweep, 3*interval); lease != held {
			held = lease
			s.sweeping.Store(held)
			if held {
				// Another hub swept meanwhile: read every ticket once.
				s.forgetSwept()
			}
			if _, shared := s.store.(Leaser); shared && ctx.Err() == nil {
				s.log.Info("the SLA sweep's lease changed hands", "this_hub_sweeps", held, "instance", s.instance)
			}
		}
		if !held {
			timer.Reset(interval)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			continue
		}
		st, err := s.SweepSLA(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("SLA sweep", "err", err, "tenants", st.Tenants, "open", st.Open)
		} else if st.Changed > 0 || st.Events > 0 {
			s.log.Info("SLA sweep", "tenants", st.Tenants, "open", st.Open, "changed", st.Changed, "events", st.Events, "preexisting", st.Preexisting)
		}
		// Wake at the next due time when it comes before the interval
		// (which also paces the device silence check).
		wait := interval
		if !st.NextDue.IsZero() {
			wait = min(interval, max(minSLAWait, st.NextDue.Sub(s.now())))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// SetClock makes the server read time from now instead of time.Now, for
// tests and simulations. Call it before the server handles requests.
func (s *Server) SetClock(now func() time.Time) {
	if now != nil {
		s.now = now
	}
}
