package agent

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// staffIndex is one person's tickets in memory, as small structs, so a
// filter over 100,000 tickets is a scan of a slice, not of the store. It is
// built from the store on first use and kept current by the pull and by
// the person's own changes; the full ticket of a result is read from the
// store.
type staffIndex struct {
	mu      sync.RWMutex
	rows    []ixRow
	pos     map[string]int // ticket id → index in rows
	tenants map[string]msp.Tenant
	locs    map[string]*time.Location
	hosts   map[string]string       // device id → hostname, lower case (from the fleet summary)
	people  map[string][]msp.Person // tenant → its people (staff_people.go)
}

// ixRow is what a search and the filters look at. The text fields are
// lower case, so a search is case-insensitive.
type ixRow struct {
	id, tenant  string
	title       string
	number      string // the ticket's number without '#' (msp.TicketNumber)
	requester   string
	assignee    string
	device      string // the device id, for its hostname (staffIndex.hosts)
	thread      string // the words of the description and the comments (threadWords)
	status      msp.Status
	owner       msp.Party
	pillar      msp.Pillar
	priority    msp.Priority
	due         int64 // unix nanoseconds of the next SLA deadline; MaxInt64 when none runs
	updated     int64
	created     int64
	respondedAt int64
	responseDue int64
	atRisk      bool
	breached    bool
	paused      bool
}

func rowOf(t *msp.Ticket) ixRow {
	r := ixRow{
		id: t.ID, tenant: t.Tenant, title: strings.ToLower(t.Title), number: numberOf(t.ID),
		requester: requesterWords(t), assignee: t.Assignee, device: t.Device, thread: threadWords(t),
		status: t.Status, owner: t.Owner,
		pillar: t.Pillar, priority: t.Priority, due: math.MaxInt64,
		updated: t.UpdatedAt.UnixNano(), created: t.CreatedAt.UnixNano(),
		atRisk: t.SLA.AtRisk, breached: t.SLA.ResponseBreached || t.SLA.ResolutionBreached,
		paused: t.SLA.State == msp.SLAPaused || t.Status.SLAPaused(),
	}
	if d := dueOf(t); !d.IsZero() && t.Status.IsOpen() {
		r.due = d.UnixNano()
	}
	if !t.SLA.RespondedAt.IsZero() {
		r.respondedAt = t.SLA.RespondedAt.UnixNano()
	}
	if !t.SLA.ResponseDue.IsZero() {
		r.responseDue = t.SLA.ResponseDue.UnixNano()
	}
	return r
}

// requesterWords is what a search by requester matches: the requester's
// id and, for a phoned-in ticket, the caller's name and number.
func requesterWords(t *msp.Ticket) string {
	s := t.Requester
	if t.Caller != nil {
		s += " " + t.Caller.Name + " " + t.Caller.Phone
	}
	return strings.ToLower(s)
}

// numberOf is the ticket's number as a search matches it: lower case,
// without its '#'.
func numberOf(id string) string {
	return strings.ToLower(strings.TrimPrefix(msp.TicketNumber(id), "#"))
}

// threadBytes caps the words of a ticket's thread the index keeps, so that
// 100,000 tickets with long conversations stay small in memory. A word
// first written after the cap is reached does not find the ticket.
const threadBytes = 2 << 10

// threadWords is the description and the comments people wrote (replies,
// internal notes and quoted conflicting edits; not the notes the hub
// writes about routing, escalation and status, which every ticket has),
// as their distinct words in lower case, each once, separated by spaces,
// at most threadBytes.
func threadWords(t *msp.Ticket) string {
	var b strings.Builder
	seen := map[string]bool{}
	add := func(text string) bool {
		for _, w := range strings.FieldsFunc(strings.ToLower(text), notWordRune) {
			if seen[w] {
				continue
			}
			if b.Len()+len(w)+1 > threadBytes {
				return false
			}
			seen[w] = true
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		return true
	}
	if !add(t.Description) {
		return b.String()
	}
	for _, c := range t.Comments {
		if c.Kind != msp.CommentKindReply && c.Kind != msp.CommentKindConflict {
			continue
		}
		if !add(c.Body) {
			break
		}
	}
	return b.String()
}

// notWordRune splits text into the words a search looks for: letters and
// digits, with the characters of addresses, paths and versions kept
// inside a word ("thandi@reception-pc", "v2.1", "\\fs01\\share").
func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("@.-_/\\:#", r)
}

// dueOf is the ticket's next SLA deadline: the first response while none
// was made, then the resolution.
func dueOf(t *msp.Ticket) time.Time {
	if t.SLA.RespondedAt.IsZero() && !t.SLA.ResponseDue.IsZero() {
		return t.SLA.ResponseDue
	}
	return t.SLA.ResolutionDue
}

func (ix *staffIndex) len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.rows)
}

func (ix *staffIndex) upsert(t *msp.Ticket) {
	r := rowOf(t)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if i, ok := ix.pos[t.ID]; ok {
		ix.rows[i] = r
		return
	}
	ix.pos[t.ID] = len(ix.rows)
	ix.rows = append(ix.rows, r)
}

func (ix *staffIndex) setTenant(t msp.Tenant) {
	loc, err := t.Location()
	if err != nil {
		loc = time.UTC
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.tenants[t.ID] = t
	ix.locs[t.ID] = loc
}

// setHosts replaces the hostnames of tenant's devices.
func (ix *staffIndex) setHosts(tenant string, ds []staffDevice) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, d := range ds {
		if d.Tenant == tenant {
			ix.hosts[d.ID] = strings.ToLower(d.Hostname)
		}
	}
}

func (ix *staffIndex) tenant(id string) (msp.Tenant, *time.Location) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	loc := ix.locs[id]
	if loc == nil {
		loc = time.UTC
	}
	return ix.tenants[id], loc
}

// staffIndexIfOpen returns the person's index if it was built.
func (a *Agent) staffIndexIfOpen(user string) *staffIndex {
	st := a.staff()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.idx[user]
}

// staffIndex returns the person's index, building it from the store on
// first use.
func (a *Agent) staffIndex(user string) (*staffIndex, error) {
	if ix := a.staffIndexIfOpen(user); ix != nil {
		return ix, nil
	}
	if _, err := a.loadStaffSession(user); err != nil {
		return nil, err
	}
	ix := &staffIndex{pos: map[string]int{}, tenants: map[string]msp.Tenant{}, locs: map[string]*time.Location{}, hosts: map[string]string{}}
	var stale []string // tickets whose rows an older agent wrote
	err := a.db.View(func(tx *localdb.Tx) error {
		if err := tx.Scan(staffKey(user, "tenant/"), nil, func(_, v []byte) error {
			var t msp.Tenant
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("%w: an organisation in the dashboard's replica is damaged: %v", localdb.ErrCorrupt, err)
			}
			ix.tenants[t.ID] = t
			if loc, err := t.Location(); err == nil {
				ix.locs[t.ID] = loc
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Scan(staffKey(user, "device/"), nil, func(_, v []byte) error {
			var d staffDevice
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("%w: a device in the dashboard's replica is damaged: %v", localdb.ErrCorrupt, err)
			}
			ix.hosts[d.ID] = strings.ToLower(d.Hostname)
			return nil
		}); err != nil {
			return err
		}
		var err error
		if ix.people, err = readStaffPeople(tx, user); err != nil {
			return err
		}
		tenantIDs := map[string]string{}
		prefix := len(staffKey(user, "row/"))
		return tx.Scan(staffKey(user, "row/"), nil, func(k, v []byte) error {
			r, err := unmarshalRow(v, tenantIDs)
			if errors.Is(err, errOldRow) {
				// Written before the index kept the requester and the
				// thread: made again from the ticket, and rewritten below.
				var t msp.Ticket
				switch err := tx.GetJSON(staffKey(user, "ticket/"+string(k[prefix:])), &t); {
				case errors.Is(err, localdb.ErrNotFound):
					return nil // a row left behind by a ticket removed from the replica
				case err != nil:
					return rowError(k, err)
				}
				r = rowOf(&t)
				stale = append(stale, t.ID)
			} else if err != nil {
				return rowError(k, err)
			}
			ix.pos[r.id] = len(ix.rows)
			ix.rows = append(ix.rows, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading the dashboard's replica: %w", err)
	}
	a.rewriteRows(user, stale)
	st := a.staff()
	st.mu.Lock()
	defer st.mu.Unlock()
	if cur := st.idx[user]; cur != nil {
		return cur, nil // built meanwhile by another request
	}
	st.idx[user] = ix
	return ix, nil
}

// match is a filter compiled from a TicketQuery.
type match struct {
	words          []string
	hosts          map[string]string // the index's, read under its lock
	names          map[string]string // msp.RequesterKey → the person's name, lower case (staff_people.go)
	open, all      bool
	status         msp.Status
	owner          msp.Party
	pillar         msp.Pillar
	tenant         string
	allowedTenants []string
	assignee       *string // nil: anyone's; "": unassigned
}

func compile(q localapi.TicketQuery, tenants []string) (match, error) {
	m := match{words: searchWords(q.Q), owner: msp.Party(q.Owner), pillar: msp.Pillar(q.Pillar),
		tenant: q.Tenant, allowedTenants: tenants}
	switch q.Assignee {
	case "":
	case localapi.AssigneeNone:
		m.assignee = new("")
	default:
		m.assignee = &q.Assignee
	}
	switch q.Status {
	case "", localapi.StatusFilterOpen:
		m.open = true
	case localapi.StatusFilterAll:
		m.all = true
	default:
		m.status = msp.Status(q.Status)
		if !m.status.Valid() {
			return m, fmt.Errorf("%w: status %q is not open, all or a ticket status", msp.ErrInvalid, q.Status)
		}
	}
	if m.owner != "" && !m.owner.Valid() {
		return m, fmt.Errorf("%w: owner %q is not msp, internal or shared", msp.ErrInvalid, q.Owner)
	}
	return m, nil
}

func (m *match) ok(r *ixRow) bool {
	switch {
	case m.open && !r.status.IsOpen():
		return false
	case m.status != "" && r.status != m.status:
		return false
	case m.owner != "" && r.owner != m.owner:
		return false
	case m.pillar != "" && r.pillar != m.pillar:
		return false
	case m.assignee != nil && r.assignee != *m.assignee:
		return false
	case m.tenant != "" && r.tenant != m.tenant:
		return false
	case m.tenant == "" && len(m.allowedTenants) > 1 && !slices.Contains(m.allowedTenants, r.tenant):
		return false
	case m.tenant == "" && len(m.allowedTenants) == 1 && r.tenant != m.allowedTenants[0]:
		return false
	}
	for _, w := range m.words {
		if !m.hit(r, w) {
			return false
		}
	}
	return true
}

// minNumberPrefix is how many characters of a ticket number a word
// without '#' must have to match the start of one: fewer would find
// tickets whose numbers happen to begin with a short word ("bad", "cafe"
// are hex too; four hex digits match one ticket in 65,536).
const minNumberPrefix = 4

// hit reports whether one word of a search matches the row. A word with a
// '#' is a ticket number, or its start; any other word is found in the
// title, the requester, the device's hostname or the thread, or is the
// ticket's number (or the start of it, from minNumberPrefix characters),
// or the start of its id.
func (m *match) hit(r *ixRow, w string) bool {
	if n, ok := strings.CutPrefix(w, "#"); ok {
		return strings.HasPrefix(r.number, n)
	}
	return strings.Contains(r.title, w) || strings.Contains(r.requester, w) || strings.Contains(r.thread, w) ||
		(r.device != "" && strings.Contains(m.hosts[r.device], w)) ||
		(m.names != nil && strings.Contains(m.names[requesterKey(r.requester)], w)) ||
		r.number == w || (len(w) >= minNumberPrefix && strings.HasPrefix(r.number, w)) ||
		strings.HasPrefix(r.id, w)
}

// searchWords splits a search into lower-case words without the
// punctuation around them ("#69DC5E," is "#69dc5e"); a lone '#' is no word.
func searchWords(q string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(q)) {
		w = strings.TrimRight(strings.TrimLeft(w, `"'(<[`), `"'.,;:!?)>]`)
		if w != "" && w != "#" {
			out = append(out, w)
		}
	}
	return out
}

// query returns the matching rows, sorted, and their total.
func (ix *staffIndex) query(q localapi.TicketQuery, tenants []string) ([]ixRow, int, error) {
	m, err := compile(q, tenants)
	if err != nil {
		return nil, 0, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = localapi.DefaultTicketLimit
	}
	limit = min(limit, localapi.MaxTicketLimit)
	var less func(a, b *ixRow) int
	switch q.Sort {
	case "", localapi.SortDue:
		less = func(a, b *ixRow) int {
			return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.priority, b.priority), cmp.Compare(b.updated, a.updated), cmp.Compare(a.id, b.id))
		}
	case localapi.SortUpdated:
		less = func(a, b *ixRow) int { return cmp.Or(cmp.Compare(b.updated, a.updated), cmp.Compare(a.id, b.id)) }
	case localapi.SortPriority:
		less = func(a, b *ixRow) int {
			return cmp.Or(cmp.Compare(a.priority, b.priority), cmp.Compare(a.due, b.due), cmp.Compare(a.id, b.id))
		}
	default:
		return nil, 0, fmt.Errorf("%w: sort %q is not due, updated or priority", msp.ErrInvalid, q.Sort)
	}
	// The matches are pointers into the index, sorted under the read lock;
	// only the page's rows are copied out. (Copying every matching row, as
	// large as it is, was most of a query's time at 100,000.)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	m.hosts = ix.hosts
	if len(m.words) > 0 {
		if names := ix.requesterNames(); len(names) > 0 {
			m.names = names
		}
	}
	hits := make([]*ixRow, 0, 1024)
	for i := range ix.rows {
		if m.ok(&ix.rows[i]) {
			hits = append(hits, &ix.rows[i])
		}
	}
	total := len(hits)
	from := min(q.Offset, total)
	to := min(from+limit, total)
	if from == 0 && to < total/4 {
		// One page of many: a partial selection is cheaper than a full sort.
		hits = topK(hits, to, less)
	} else {
		slices.SortFunc(hits, less)
	}
	page := make([]ixRow, 0, to-from)
	for _, r := range hits[from:to] {
		page = append(page, *r)
	}
	return page, total, nil
}

// topK returns the k smallest of rows, sorted, by a bounded insertion
// (k is a page: at most MaxTicketLimit).
func topK[T any](rows []T, k int, less func(a, b T) int) []T {
	if k == 0 {
		return rows[:0]
	}
	out := make([]T, 0, k+1)
	for _, r := range rows {
		if len(out) == k && less(r, out[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, r, less)
		out = slices.Insert(out, i, r)
		if len(out) > k {
			out = out[:k]
		}
	}
	return out
}

// StaffTickets answers one page of the person's tickets.
func (a *Agent) StaffTickets(user string, q localapi.TicketQuery) (localapi.TicketPage, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.TicketPage{}, err
	}
	ix, err := a.staffIndex(user)
	if err != nil {
		return localapi.TicketPage{}, err
	}
	if q.Tenant != "" && !slices.Contains(s.Tenants, q.Tenant) {
		return localapi.TicketPage{}, fmt.Errorf("%w: organisation %s is not in your scope", msp.ErrNotFound, q.Tenant)
	}
	if q.Assignee == localapi.AssigneeMe {
		q.Assignee = s.UserID
	}
	rows, total, err := ix.query(q, s.Tenants)
	if err != nil {
		return localapi.TicketPage{}, err
	}
	undelivered, err := a.staffUndelivered(user)
	if err != nil {
		return localapi.TicketPage{}, err
	}
	page := localapi.TicketPage{Total: total, Tickets: make([]localapi.StaffTicket, 0, len(rows))}
	err = a.db.View(func(tx *localdb.Tx) error {
		for _, r := range rows {
			var t msp.Ticket
			if err := tx.GetJSON(staffKey(user, "ticket/"+r.id), &t); err != nil {
				return fmt.Errorf("reading ticket %s: %w", r.id, err)
			}
			page.Tickets = append(page.Tickets, a.staffView(user, &t, undelivered))
		}
		return nil
	})
	return page, err
}

// StaffTicket returns one ticket of the person's scope.
func (a *Agent) StaffTicket(user, id string) (localapi.StaffTicket, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.StaffTicket{}, err
	}
	var t msp.Ticket
	err = a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "ticket/"+id), &t) })
	if errors.Is(err, localdb.ErrNotFound) || (err == nil && !slices.Contains(s.Tenants, t.Tenant)) {
		return localapi.StaffTicket{}, fmt.Errorf("%w: ticket %s is not in your organisations (or not synced yet)", msp.ErrNotFound, id)
	}
	if err != nil {
		return localapi.StaffTicket{}, fmt.Errorf("reading ticket %s: %w", id, err)
	}
	undelivered, err := a.staffUndelivered(user)
	if err != nil {
		return localapi.StaffTicket{}, err
	}
	return a.staffTicketView(user, &t, undelivered), nil
}

// staffTicketView is staffView with the ticket's device, for the answers
// about one ticket.
func (a *Agent) staffTicketView(user string, t *msp.Ticket, undelivered map[string]bool) localapi.StaffTicket {
	out := a.staffView(user, t, undelivered)
	if t.Device == "" {
		return out
	}
	var d staffDevice
	err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "device/"+t.Tenant+"/"+t.Device), &d) })
	switch {
	case err == nil:
		row := a.rowOfDevice(d, map[string]string{t.Tenant: out.TenantName})
		out.DeviceInfo = &row
	case !errors.Is(err, localdb.ErrNotFound):
		a.log.Warn("could not read a ticket's device from the dashboard's replica", "os_user", user, "ticket", t.ID, "err", err)
	}
	return out
}

func (a *Agent) staffView(user string, t *msp.Ticket, undelivered map[string]bool) localapi.StaffTicket {
	out := localapi.StaffTicket{Ticket: *t, Delivered: !undelivered[t.ID], TenantName: t.Tenant}
	loc := time.UTC
	if ix := a.staffIndexIfOpen(user); ix != nil {
		tn, l := ix.tenant(t.Tenant)
		if tn.Name != "" {
			out.TenantName = tn.Name
		}
		loc = l
	} else {
		var tn msp.Tenant
		if err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "tenant/"+t.Tenant), &tn) }); err == nil {
			out.TenantName = tn.Name
			if l, err := tn.Location(); err == nil {
				loc = l
			}
		}
	}
	if t.Status.IsOpen() {
		out.Due = dueOf(t)
	}
	out.SLAText = t.SLA.Describe(t.Status, a.now(), loc)
	if out.SLAText == "paused: waiting for you" {
		out.SLAText = "paused: waiting for the requester"
	}
	a.withRequester(user, &out)
	return out
}

// StaffOverview summarises one tenant ("" for the whole scope).
func (a *Agent) StaffOverview(user, tenant string) (localapi.Overview, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.Overview{}, err
	}
	if tenant != "" && !slices.Contains(s.Tenants, tenant) {
		return localapi.Overview{}, fmt.Errorf("%w: organisation %s is not in your scope", msp.ErrNotFound, tenant)
	}
	ix, err := a.staffIndex(user)
	if err != nil {
		return localapi.Overview{}, err
	}
	now := a.now()
	nowN := now.UnixNano()
	_, loc := ix.tenant(tenant)
	if tenant == "" && len(s.Tenants) > 0 {
		_, loc = ix.tenant(s.Tenants[0])
	}
	ln := now.In(loc)
	monthStart := time.Date(ln.Year(), ln.Month(), 1, 0, 0, 0, 0, loc).UnixNano()
	o := localapi.Overview{OpenByPillar: map[msp.Pillar]int{}, OpenByOwner: map[msp.Party]int{},
		AtRisk: []localapi.StaffTicket{}, Breached: []localapi.StaffTicket{}, AsOf: now.UTC()}
	var risk, breached []ixRow
	ix.mu.RLock()
	for i := range ix.rows {
		r := &ix.rows[i]
		if tenant != "" && r.tenant != tenant || tenant == "" && !slices.Contains(s.Tenants, r.tenant) {
			continue
		}
		// First responses this month: made this month, on time unless the
		// hub kept the due time (it keeps ResponseDue after an answer only
		// when the answer was late); or due this month, passed, and not
		// made at all.
		switch {
		case r.respondedAt != 0 && r.respondedAt >= monthStart:
			o.SLADecided++
			if r.responseDue == 0 {
				o.SLAMet++
			}
		case r.respondedAt == 0 && r.responseDue != 0 && r.responseDue >= monthStart && r.responseDue < nowN:
			o.SLADecided++
		}
		if !r.status.IsOpen() {
			continue
		}
		o.Open++
		o.OpenByPillar[r.pillar]++
		o.OpenByOwner[r.owner]++
		switch {
		case r.breached || (!r.paused && r.due != math.MaxInt64 && r.due < nowN):
			breached = append(breached, *r)
		case r.atRisk:
			risk = append(risk, *r)
		}
	}
	ix.mu.RUnlock()
	byDue := func(a, b ixRow) int { return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.id, b.id)) }
	risk, breached = topK(risk, 20, byDue), topK(breached, 20, byDue)
	undelivered, err := a.staffUndelivered(user)
	if err != nil {
		return o, err
	}
	err = a.db.View(func(tx *localdb.Tx) error {
		for _, set := range []struct {
			rows []ixRow
			out  *[]localapi.StaffTicket
		}{{risk, &o.AtRisk}, {breached, &o.Breached}} {
			for _, r := range set.rows {
				var t msp.Ticket
				if err := tx.GetJSON(staffKey(user, "ticket/"+r.id), &t); err != nil {
					return fmt.Errorf("reading ticket %s: %w", r.id, err)
				}
				*set.out = append(*set.out, a.staffView(user, &t, undelivered))
			}
		}
		return nil
	})
	if err != nil {
		return o, err
	}
	devs, known, err := a.staffDeviceRows(user, tenant, "")
	if err != nil {
		return o, err
	}
	o.DevicesKnown = known
	// Patch compliance has one definition, the monthly report's: no
	// security update waiting more than the tenant's alert rule's days.
	after := map[string]int{}
	err = a.db.View(func(tx *localdb.Tx) error {
		for _, id := range s.Tenants {
			var t msp.Tenant
			if err := tx.GetJSON(staffKey(user, "tenant/"+id), &t); err != nil && !errors.Is(err, localdb.ErrNotFound) {
				return fmt.Errorf("reading organisation %s: %w", id, err)
			}
			after[id] = t.AlertRules().SecurityUpdatesDays
			if after[id] <= 0 {
				after[id] = msp.DefaultSecurityUpdatesDays
			}
		}
		return nil
	})
	if err != nil {
		return o, err
	}
	o.PatchAfterDays = msp.DefaultSecurityUpdatesDays
	if tenant != "" {
		o.PatchAfterDays = after[tenant]
	}
	for _, d := range devs {
		if !d.RevokedAt.IsZero() {
			continue // retired: not part of the fleet
		}
		o.Devices++
		if d.Silent {
			o.DevicesSilent++
		}
		if d.SecurityPending > 0 {
			o.SecurityPending++
			o.OldestPendingDays = max(o.OldestPendingDays, d.OldestPendingDays)
			if d.OldestPendingDays > cmp.Or(after[d.Tenant], msp.DefaultSecurityUpdatesDays) {
				o.PatchOverdue++
			}
		}
		if d.RestartNeeded {
			o.RestartNeeded++
		}
		if len(d.PostureProblems) > 0 {
			o.PostureFailures++
		}
	}
	return o, nil
}
