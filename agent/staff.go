package agent

// Staff sign-in and the organisation's replica (issue 6).
//
// An IT lead or an MSP technician signs in on this computer with the code
// from `tandem-hub user add`. The agent keeps the credential for that OS
// user in its store (owner-only) and a replica of the organisations the
// credential grants, in a keyspace of that OS user's own:
//
//	staff/<hex os user>/session              staffSession (the credential)
//	staff/<hex os user>/tenant/<id>          msp.Tenant
//	staff/<hex os user>/history/<id>         []msp.MatrixEvent, the tenant's responsibilities history
//	staff/<hex os user>/cursor/<tenant>      pull cursor of that tenant
//	staff/<hex os user>/ticket/<id>          msp.Ticket as staff see it
//	staff/<hex os user>/device/<id>          staffDevice (fleet summary)
//	staff/<hex os user>/inventory/<id>       msp.Inventory (fetched on demand)
//	staff/<hex os user>/synced               time of the last complete pull
//	staff/<hex os user>/outbox/..., dead/..., outbox-mark/acked
//	                                         the person's queued changes (package outbox)
//	staff/<hex os user>/seq                  their last sequence number
//	staff/<hex os user>/seq-aligned          set once seq follows the hub's high-water mark
//
// The hub keeps one high-water mark per hub user. Numbering from 1 after a
// second sign-in would make the hub take new changes for replays, so the
// numbering starts after the mark the hub reports (staffAlignSeq). Sign-out
// removes every key of the OS user.

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// staffSession is a signed-in person's credential and scope as kept in
// the store.
type staffSession struct {
	OSUser     string    `json:"os_user"`
	UserID     string    `json:"user_id"`
	Name       string    `json:"name"`
	Role       msp.Role  `json:"role"`
	Tenants    []string  `json:"tenants"`
	Token      string    `json:"token"`
	HubURL     string    `json:"hub_url"`
	SignedInAt time.Time `json:"signed_in_at"`
}

func staffPrefix(user string) string { return "staff/" + hex.EncodeToString([]byte(user)) + "/" }

func staffKey(user, name string) []byte { return []byte(staffPrefix(user) + name) }

// staffKV is a store transaction seen through one OS user's staff
// keyspace, so package outbox keeps that person's queue apart from the
// device's. Counters are the person's sequence numbers.
type staffKV struct {
	tx     *localdb.Tx
	prefix []byte
}

func newStaffKV(tx *localdb.Tx, s *staffSession) staffKV {
	return staffKV{tx: tx, prefix: []byte(staffPrefix(s.OSUser))}
}

func (k staffKV) key(b []byte) []byte { return append(append([]byte(nil), k.prefix...), b...) }

func (k staffKV) Get(key []byte) ([]byte, error) { return k.tx.Get(k.key(key)) }
func (k staffKV) Put(key, val []byte) error      { return k.tx.Put(k.key(key), val) }
func (k staffKV) Delete(key []byte) error        { return k.tx.Delete(k.key(key)) }
func (k staffKV) Has(key []byte) (bool, error)   { return k.tx.Has(k.key(key)) }

// Next numbers the person's changes (staff/<user>/seq); staffAlignSeq
// starts it after the hub's high-water mark for their credential.
func (k staffKV) Next(string) (uint64, error) {
	n, err := k.seq()
	if err != nil {
		return 0, err
	}
	n++
	return n, k.setSeq(n)
}

func (k staffKV) seq() (uint64, error) {
	b, err := k.Get([]byte("seq"))
	if errors.Is(err, localdb.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: the dashboard's change counter holds %d bytes, not 8", localdb.ErrCorrupt, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// SetCounter sets the person's sequence number (the one counter they have).
func (k staffKV) SetCounter(_ string, n uint64) error { return k.setSeq(n) }

// ScanKeys is Scan without values.
func (k staffKV) ScanKeys(prefix, start []byte, fn func(key []byte) error) error {
	var s []byte
	if start != nil {
		s = k.key(start)
	}
	n := len(k.prefix)
	return k.tx.ScanKeys(k.key(prefix), s, func(key []byte) error { return fn(key[n:]) })
}

func (k staffKV) setSeq(n uint64) error {
	return k.Put([]byte("seq"), binary.BigEndian.AppendUint64(nil, n))
}
func (k staffKV) Scan(prefix, start []byte, fn func(key, val []byte) error) error {
	var s []byte
	if start != nil {
		s = k.key(start)
	}
	n := len(k.prefix)
	return k.tx.Scan(k.key(prefix), s, func(key, val []byte) error { return fn(key[n:], val) })
}

// staffState is the agent's staff side: the sync loops of the signed-in
// OS users and their indexes.
type staffState struct {
	mu     sync.Mutex
	runCtx context.Context // set while RunStaff runs
	loops  map[string]*staffLoop
	idx    map[string]*staffIndex
	info   map[string]*staffInfo
}

// staffInfo is one person's sync state, in memory.
type staffInfo struct {
	syncing  bool
	online   bool
	lastErr  string
	syncedAt time.Time
}

type staffLoop struct {
	cancel context.CancelFunc
	done   chan struct{}
	kick   chan struct{}
}

func newStaffState() *staffState {
	return &staffState{loops: map[string]*staffLoop{}, idx: map[string]*staffIndex{}, info: map[string]*staffInfo{}}
}

func (a *Agent) staff() *staffState { return a.staffSt }

func (st *staffState) infoOf(user string) *staffInfo {
	i := st.info[user]
	if i == nil {
		i = &staffInfo{}
		st.info[user] = i
	}
	return i
}

// loadStaffSession reads the OS user's credential; ErrNotSignedIn when
// there is none.
func (a *Agent) loadStaffSession(user string) (*staffSession, error) {
	var s staffSession
	err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "session"), &s) })
	if errors.Is(err, localdb.ErrNotFound) {
		return nil, localapi.ErrNotSignedIn
	}
	if err != nil {
		return nil, fmt.Errorf("reading your sign-in: %w", err)
	}
	return &s, nil
}

// staffConn returns a connection to the hub with the person's token.
func (a *Agent) staffConn(s *staffSession) (*client.Conn, error) {
	id := a.Identity()
	if id == nil {
		return nil, fmt.Errorf("%w; enroll it before signing in to the dashboard", client.ErrNotEnrolled)
	}
	o := a.opts.Conn
	o.Token = s.Token
	return client.NewConn(id.HubURL, id.CAPEM(), nil, o)
}

// StaffSignIn exchanges a sign-in code for a credential, keeps it for the
// OS user and starts their replica's sync. A person already signed in is
// signed out first (their replica is removed).
func (a *Agent) StaffSignIn(ctx context.Context, user, code string) (localapi.StaffSession, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return localapi.StaffSession{}, fmt.Errorf("%w: type the sign-in code from your MSP", msp.ErrInvalid)
	}
	id := a.Identity()
	if id == nil {
		return localapi.StaffSession{}, fmt.Errorf("%w; enroll it before signing in to the dashboard", client.ErrNotEnrolled)
	}
	anon, err := client.NewConn(id.HubURL, id.CAPEM(), nil, a.opts.Conn)
	if err != nil {
		return localapi.StaffSession{}, err
	}
	resp, err := anon.SignIn(ctx, code)
	anon.Close()
	var he *client.HTTPError
	if errors.As(err, &he) && (he.Status == http.StatusUnauthorized || he.Status == http.StatusTooManyRequests) {
		return localapi.StaffSession{}, fmt.Errorf("%w: %s", localapi.ErrSignInRefused, he.Error())
	}
	if err != nil {
		return localapi.StaffSession{}, fmt.Errorf("signing in at the hub (check that this computer is online): %w", err)
	}
	if !resp.Role.IsStaff() || len(resp.Tenants) == 0 {
		return localapi.StaffSession{}, fmt.Errorf("%w: this code is for %s with no organisation to look after; ask the MSP for an IT lead's or technician's code",
			localapi.ErrSignInRefused, resp.Role.Label())
	}
	if _, err := a.loadStaffSession(user); err == nil {
		if err := a.StaffSignOut(ctx, user); err != nil {
			return localapi.StaffSession{}, err
		}
	}
	s := staffSession{OSUser: user, UserID: resp.UserID, Name: resp.Name, Role: resp.Role, Tenants: resp.Tenants,
		Token: resp.Token, HubURL: id.HubURL, SignedInAt: a.now().UTC()}
	err = a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.PutJSON(staffKey(user, "session"), s) })
	if err != nil {
		return localapi.StaffSession{}, fmt.Errorf("keeping your sign-in: %w", err)
	}
	if err := a.reconcileStaff(ctx, user); err != nil {
		a.log.Warn("could not queue again this person's changes from the staff ledger", "os_user", user, "err", err)
	}
	if conn, err := a.staffConn(&s); err == nil {
		if err := a.staffAlignSeq(ctx, conn, &s); err != nil {
			a.log.Warn("could not ask the hub where this person's changes stand; will ask before the first push", "err", err)
		}
		conn.Close()
	}
	a.log.Info("staff signed in", "os_user", user, "user", s.UserID, "role", s.Role, "tenants", len(s.Tenants))
	a.startStaffLoop(user)
	return a.StaffSession(user)
}

// StaffSignOut forgets the OS user's credential and removes their replica
// and queued changes.
func (a *Agent) StaffSignOut(ctx context.Context, user string) error {
	st := a.staff()
	st.mu.Lock()
	l := st.loops[user]
	delete(st.loops, user)
	st.mu.Unlock()
	if l != nil {
		l.cancel()
		<-l.done
	}
	a.staffLastPush(ctx, user)
	if err := a.deleteStaffKeys(ctx, []byte(staffPrefix(user)), nil); err != nil {
		return fmt.Errorf("removing your dashboard data from this computer: %w", err)
	}
	a.forgetStaffChanges(user)
	st.mu.Lock()
	delete(st.idx, user)
	delete(st.info, user)
	st.mu.Unlock()
	a.log.Info("staff signed out; replica removed", "os_user", user)
	return nil
}

// staffSignOutPush bounds the last attempt to deliver a person's queued
// changes before sign-out removes them.
const staffSignOutPush = 10 * time.Second

// staffLastPush tries once, briefly, to deliver the person's queued
// changes before they sign out, so that signing out while online loses
// nothing. What still cannot be sent is logged and removed with the rest.
func (a *Agent) staffLastPush(ctx context.Context, user string) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return
	}
	var queued int
	if err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		queued, err = outbox.New(localdb.ErrStop).Len(newStaffKV(tx, s))
		return err
	}); err != nil || queued == 0 {
		return
	}
	conn, err := a.staffConn(s)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, staffSignOutPush)
		err = a.staffPush(pctx, conn, s)
		cancel()
		conn.Close()
	}
	if err != nil {
		a.log.Warn("signing out with changes the hub has not got; they are removed", "os_user", user, "changes", queued, "err", err)
		return
	}
	a.log.Info("sent the last changes before signing out", "os_user", user, "changes", queued)
}

// StaffSession returns who is signed in for the OS user.
func (a *Agent) StaffSession(user string) (localapi.StaffSession, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.StaffSession{}, err
	}
	out := localapi.StaffSession{Name: s.Name, Role: s.Role, HubURL: s.HubURL, SignedIn: s.SignedInAt, Tenants: []localapi.TenantRef{}}
	var synced time.Time
	err = a.db.View(func(tx *localdb.Tx) error {
		for _, id := range s.Tenants {
			ref := localapi.TenantRef{ID: id, Name: id}
			var t msp.Tenant
			if err := tx.GetJSON(staffKey(user, "tenant/"+id), &t); err == nil {
				ref.Name, ref.Mode, ref.TimeZone = t.Name, t.Mode, t.TimeZone
			} else if !errors.Is(err, localdb.ErrNotFound) {
				return err
			}
			out.Tenants = append(out.Tenants, ref)
		}
		if err := tx.GetJSON(staffKey(user, "synced"), &synced); err != nil && !errors.Is(err, localdb.ErrNotFound) {
			return err
		}
		ob, kv := outbox.New(localdb.ErrStop), newStaffKV(tx, s)
		var err error
		if out.Queued, err = ob.Len(kv); err != nil {
			return err
		}
		out.Refused, err = ob.DeadLen(kv)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("reading your dashboard's state: %w", err)
	}
	out.SyncedAt = synced
	st := a.staff()
	st.mu.Lock()
	if i := st.info[user]; i != nil {
		out.Syncing, out.Online, out.LastError = i.syncing, i.online, i.lastErr
	}
	if ix := st.idx[user]; ix != nil {
		out.Tickets = ix.len()
	}
	st.mu.Unlock()
	return out, nil
}

// staffUsers returns the OS users with a sign-in on this computer.
func (a *Agent) staffUsers() ([]string, error) {
	var users []string
	err := a.db.View(func(tx *localdb.Tx) error {
		return tx.ScanKeys([]byte("staff/"), nil, func(k []byte) error {
			rest := strings.TrimPrefix(string(k), "staff/")
			h, name, ok := strings.Cut(rest, "/")
			if ok && name == "session" {
				if u, err := hex.DecodeString(h); err == nil {
					users = append(users, string(u))
				}
			}
			return nil
		})
	})
	return users, err
}

// RunStaff runs the sync loop of every signed-in OS user (and of those who
// sign in while it runs) until ctx ends. Agent.Run's caller runs it beside
// Run.
func (a *Agent) RunStaff(ctx context.Context) error {
	st := a.staff()
	st.mu.Lock()
	st.runCtx = ctx
	st.mu.Unlock()
	users, err := a.staffUsers()
	if err != nil {
		a.log.Warn("could not list the dashboard sign-ins", "err", err)
	}
	for _, u := range users {
		a.startStaffLoop(u)
	}
	<-ctx.Done()
	st.mu.Lock()
	st.runCtx = nil
	loops := st.loops
	st.loops = map[string]*staffLoop{}
	st.mu.Unlock()
	for _, l := range loops {
		l.cancel()
		<-l.done
	}
	return nil
}

// startStaffLoop starts the OS user's sync loop if RunStaff runs and the
// loop does not.
func (a *Agent) startStaffLoop(user string) {
	st := a.staff()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.runCtx == nil || st.runCtx.Err() != nil {
		return
	}
	if l := st.loops[user]; l != nil {
		select {
		case l.kick <- struct{}{}:
		default:
		}
		return
	}
	ctx, cancel := context.WithCancel(st.runCtx)
	l := &staffLoop{cancel: cancel, done: make(chan struct{}), kick: make(chan struct{}, 1)}
	st.loops[user] = l
	go func() {
		defer close(l.done)
		a.staffLoop(ctx, user, l.kick)
	}()
}

func (a *Agent) kickStaff(user string) {
	st := a.staff()
	st.mu.Lock()
	defer st.mu.Unlock()
	if l := st.loops[user]; l != nil {
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
}

func (a *Agent) staffLoop(ctx context.Context, user string, kick <-chan struct{}) {
	failures := 0
	for {
		err := a.StaffSyncOnce(ctx, user)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, localapi.ErrNotSignedIn):
			return
		case err != nil:
			failures++
			wait = client.Jitter(a.opts.OfflineMin, a.opts.OfflineMax, failures-1)
			a.log.Warn("dashboard sync failed; showing the replica as last synced", "os_user", user, "err", err, "retry_in", wait.Round(time.Second))
		default:
			failures = 0
			wait = jitterAround(a.opts.PullInterval)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-kick:
			timer.Stop()
			if failures > 0 {
				failures--
			}
		case <-timer.C:
		}
	}
}

// StaffSyncOnce pushes the OS user's queued changes, then pulls every
// tenant of their scope and the fleet summary.
func (a *Agent) StaffSyncOnce(ctx context.Context, user string) error {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return err
	}
	st := a.staff()
	st.mu.Lock()
	st.infoOf(user).syncing = true
	st.mu.Unlock()
	err = a.staffSync(ctx, s)
	st.mu.Lock()
	i := st.infoOf(user)
	i.syncing = false
	if err != nil {
		i.online, i.lastErr = false, err.Error()
	} else {
		i.online, i.lastErr = true, ""
	}
	st.mu.Unlock()
	a.emitStatus()
	return err
}

func (a *Agent) staffSync(ctx context.Context, s *staffSession) error {
	conn, err := a.staffConn(s)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := a.staffFollowScope(ctx, conn, s); err != nil {
		return refusedSignIn(err)
	}
	if err := a.staffPush(ctx, conn, s); err != nil {
		return refusedSignIn(err)
	}
	for _, t := range s.Tenants {
		if err := a.staffPull(ctx, conn, s, t); err != nil {
			return refusedSignIn(err)
		}
	}
	if err := a.staffPullAssignees(ctx, s); err != nil {
		// Who may be assigned changes seldom: the last list stays.
		a.log.Warn("could not update who may be assigned tickets", "os_user", s.OSUser, "err", err)
	}
	if err := a.staffPullDevices(ctx, s); err != nil {
		// The fleet is a summary beside the tickets: a hub without the
		// route, or a failed fetch, leaves the last one in place.
		a.log.Warn("could not update the dashboard's device list", "os_user", s.OSUser, "err", err)
	}
	now := a.now().UTC()
	return a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.PutJSON(staffKey(s.OSUser, "synced"), now) })
}

// refusedSignIn marks the hub's 401 as a sign-in to renew.
func refusedSignIn(err error) error {
	var he *client.HTTPError
	if errors.As(err, &he) && he.Status == http.StatusUnauthorized {
		return fmt.Errorf("%w: your sign-in is no longer valid; sign out and sign in again with a new code (%v)", localapi.ErrSignInRefused, err)
	}
	return err
}

// staffAlignSeq makes the person's numbering follow the hub's high-water
// mark for their credential, once per sign-in: an empty push answers the
// mark; changes queued before it are renumbered after it.
func (a *Agent) staffAlignSeq(ctx context.Context, conn *client.Conn, s *staffSession) error {
	aligned := staffKey(s.OSUser, "seq-aligned")
	var done bool
	if err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		done, err = tx.Has(aligned)
		return err
	}); err != nil || done {
		return err
	}
	resp, err := conn.PushRaw(ctx, []json.RawMessage{})
	if err != nil {
		return fmt.Errorf("asking the hub where your changes stand: %w", err)
	}
	hw := resp.HighWater
	ob := outbox.New(localdb.ErrStop)
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		kv := newStaffKV(tx, s)
		var pending []protocol.Mutation
		if err := ob.Pending(kv, func(m protocol.Mutation) error {
			pending = append(pending, m)
			return nil
		}); err != nil {
			return err
		}
		for _, m := range pending {
			if err := kv.Delete(binary.BigEndian.AppendUint64([]byte("outbox/"), m.Seq)); err != nil {
				return err
			}
		}
		if err := kv.Put([]byte("outbox-mark/acked"), binary.BigEndian.AppendUint64(nil, hw)); err != nil {
			return err
		}
		if err := kv.setSeq(hw); err != nil {
			return err
		}
		for _, m := range pending {
			m.Seq = 0
			if _, err := ob.Enqueue(kv, m); err != nil {
				return err
			}
		}
		return tx.Put(aligned, []byte{1})
	})
	if err != nil {
		return fmt.Errorf("numbering your changes after the hub's: %w", err)
	}
	return nil
}

func (a *Agent) staffPush(ctx context.Context, conn *client.Conn, s *staffSession) error {
	if err := a.staffAlignSeq(ctx, conn, s); err != nil {
		return err
	}
	_, err := a.drainOutbox(ctx, conn, outboxQueue{
		ledger: a.staffLedger,
		kv:     func(tx *localdb.Tx) outbox.KV { return newStaffKV(tx, s) },
		// Number the person's queue after the hub's mark again.
		conflict: func() error {
			return a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.Delete(staffKey(s.OSUser, "seq-aligned")) })
		},
		acked: func(_ int, dead []outbox.DeadLetter) {
			for _, l := range dead {
				a.log.Warn("the hub refused a dashboard change", "os_user", s.OSUser, "seq", l.Mutation.Seq, "reason", l.Error.Message)
			}
		},
		whose: "your ",
	})
	return err
}

func (a *Agent) staffPull(ctx context.Context, conn *client.Conn, s *staffSession, tenant string) error {
	cursorKey := staffKey(s.OSUser, "cursor/"+tenant)
	for range 100_000 {
		var cursor uint64
		err := a.db.View(func(tx *localdb.Tx) error {
			err := tx.GetJSON(cursorKey, &cursor)
			if errors.Is(err, localdb.ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("reading the pull cursor: %w", err)
		}
		page, err := conn.PullTenant(ctx, tenant, cursor, protocol.DefaultPullLimit)
		if err != nil {
			return fmt.Errorf("pulling organisation %s: %w", tenant, err)
		}
		if err := a.staffApplyPage(ctx, s, tenant, page); err != nil {
			return err
		}
		if !page.More || page.Cursor == cursor {
			return nil
		}
	}
	return fmt.Errorf("pulling organisation %s: the hub kept sending more pages; will continue later", tenant)
}

// staffTxBytes bounds the ticket JSON one transaction of a pull writes: the
// desktop store refuses transactions above about a megabyte.
const staffTxBytes = 256 << 10

// staffApplyPage stores a page, with the person's queued changes
// re-applied on top, and then the tenant's cursor, and brings the index up
// to date. A large page is written in several transactions, the cursor
// with the last: after a crash in between the page is pulled and written
// again, which changes nothing.
func (a *Agent) staffApplyPage(ctx context.Context, s *staffSession, tenant string, page protocol.PullResponse) error {
	actor := s.actor(tenant)
	changes := page.Changes
	for first := true; first || len(changes) > 0; first = false {
		n, size := 0, 0
		for n < len(changes) && (n == 0 || size < staffTxBytes) {
			if t := changes[n].Ticket; t != nil {
				size += len(t.Title) + len(t.Description) + 512
				for _, c := range t.Comments {
					size += len(c.Body) + 256
				}
			}
			n++
		}
		chunk, last := changes[:n], n == len(changes)
		changes = changes[n:]
		if err := a.staffApplyChunk(ctx, s, tenant, actor, chunk, last, page.Cursor); err != nil {
			return err
		}
	}
	return nil
}

func (a *Agent) staffApplyChunk(ctx context.Context, s *staffSession, tenant string, actor msp.Actor, chunk []protocol.Change, last bool, cursor uint64) error {
	var changed []*msp.Ticket
	var tenants []msp.Tenant
	type personChange struct {
		id string
		p  *msp.Person
	}
	var people []personChange
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		changed, tenants, people = changed[:0], tenants[:0], people[:0]
		if ok, err := tx.Has(staffKey(s.OSUser, "session")); err != nil || !ok {
			return cmp.Or(err, localapi.ErrNotSignedIn) // signed out meanwhile
		}
		pending, into := map[string][]protocol.Mutation{}, map[string][]protocol.Mutation{}
		if err := outbox.New(localdb.ErrStop).Pending(newStaffKV(tx, s), func(m protocol.Mutation) error {
			if m.Kind == protocol.KindTicket && m.Change != nil {
				pending[m.Change.TicketID] = append(pending[m.Change.TicketID], m)
				if m.Change.Kind == msp.ChangeMerge {
					into[m.Change.Into] = append(into[m.Change.Into], m)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, c := range chunk {
			switch c.Kind {
			case protocol.ChangeTicket:
				if c.Ticket == nil {
					continue
				}
				t := c.Ticket
				var held msp.Ticket
				if err := tx.GetJSON(staffKey(s.OSUser, "ticket/"+t.ID), &held); err == nil && held.Tenant != t.Tenant {
					// A hub older than unique ticket ids let two tenants'
					// devices use one id. Keep the ticket this person had,
					// so that their replies never go to the other tenant's.
					a.log.Error("two organisations hold a ticket with the same id; the dashboard keeps the one it had and leaves the other out",
						"os_user", s.OSUser, "ticket", t.ID, "kept_tenant", held.Tenant, "left_out_tenant", t.Tenant)
					continue
				}
				for _, m := range pending[t.ID] {
					if m.Tenant != "" && m.Tenant != t.Tenant {
						continue
					}
					if next, err := msp.Apply(t, *m.Change, actor, a.now()); err == nil {
						t = next
					}
				}
				t = reapplyMergesInto(tx, s.OSUser, t, into[t.ID], actor, a.now())
				if err := putStaffTicket(tx, s.OSUser, t); err != nil {
					return err
				}
				changed = append(changed, t)
			case protocol.ChangeTenant:
				if c.Tenant != nil && c.Tenant.ID == tenant {
					if err := tx.PutJSON(staffKey(s.OSUser, "tenant/"+tenant), c.Tenant); err != nil {
						return err
					}
					tenants = append(tenants, *c.Tenant)
				}
			case protocol.ChangeResponsibilities:
				if err := tx.PutJSON(staffKey(s.OSUser, "history/"+tenant), c.History); err != nil {
					return err
				}
			case protocol.ChangePerson:
				id, p, err := applyStaffPerson(tx, s.OSUser, tenant, c)
				if err != nil {
					return err
				}
				if id != "" {
					people = append(people, personChange{id, p})
				}
			}
		}
		if !last {
			return nil
		}
		return tx.PutJSON(staffKey(s.OSUser, "cursor/"+tenant), cursor)
	})
	if err != nil {
		return fmt.Errorf("saving organisation %s's changes: %w", tenant, err)
	}
	if ix := a.staffIndexIfOpen(s.OSUser); ix != nil {
		for _, t := range tenants {
			ix.setTenant(t)
		}
		for _, pc := range people {
			ix.setPerson(tenant, pc.id, pc.p)
		}
		for _, t := range changed {
			ix.upsert(t)
		}
	}
	return nil
}

func (s *staffSession) actor(tenant string) msp.Actor {
	return msp.Actor{ID: s.UserID, Role: s.Role, Tenant: tenant}
}

// StaffChange applies a change by the signed-in person to their replica
// and queues it with their credential in one durable transaction.
func (a *Agent) StaffChange(ctx context.Context, user, id string, c msp.Change) (localapi.StaffTicket, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.StaffTicket{}, err
	}
	switch c.Kind {
	case msp.ChangeComment, msp.ChangeAssign, msp.ChangeStatus, msp.ChangeEdit, msp.ChangeReprioritise, msp.ChangeMerge:
	case msp.ChangeCreate:
		if c.Ticket == nil {
			return localapi.StaffTicket{}, fmt.Errorf("%w: ticket: a new ticket needs its title, description and organisation", msp.ErrInvalid)
		}
		tk := c.Ticket.Clone()
		if tk.ID == "" {
			tk.ID = id
		}
		if tk.Tenant == "" && len(s.Tenants) == 1 {
			tk.Tenant = s.Tenants[0]
		}
		if !slices.Contains(s.Tenants, tk.Tenant) {
			return localapi.StaffTicket{}, fmt.Errorf("%w: say which of your organisations the ticket is for", msp.ErrInvalid)
		}
		c.Ticket = tk
	default:
		return localapi.StaffTicket{}, fmt.Errorf("%w: the dashboard makes tickets for callers, comments, notes, assignments, status changes, edits, new priorities and merges, not %q", msp.ErrInvalid, c.Kind)
	}
	if c.TicketID == "" {
		c.TicketID = id
	}
	if c.TicketID != id {
		return localapi.StaffTicket{}, fmt.Errorf("%w: the change names ticket %s but was sent for %s", msp.ErrInvalid, c.TicketID, id)
	}
	if c.ID == "" {
		c.ID = msp.NewID()
	}
	if c.At.IsZero() {
		c.At = a.now().UTC()
	}
	if c.Comment != nil && c.Comment.ID == "" {
		cm := *c.Comment
		cm.ID = msp.NewID()
		c.Comment = &cm
	}
	var out, target *msp.Ticket
	var queued protocol.Mutation
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		target = nil
		if ok, err := tx.Has(staffKey(user, "session")); err != nil || !ok {
			return cmp.Or(err, localapi.ErrNotSignedIn) // signed out meanwhile
		}
		var cur msp.Ticket
		err := tx.GetJSON(staffKey(user, "ticket/"+id), &cur)
		switch {
		case c.Kind == msp.ChangeCreate && err == nil:
			return fmt.Errorf("%w: ticket %s exists already; a new ticket gets a new id", msp.ErrConflict, id)
		case c.Kind == msp.ChangeCreate && errors.Is(err, localdb.ErrNotFound):
			if out, err = msp.Apply(nil, c, s.actor(c.Ticket.Tenant), a.now()); err != nil {
				return err
			}
			cur.Tenant = out.Tenant
		case errors.Is(err, localdb.ErrNotFound):
			return fmt.Errorf("%w: ticket %s is not in your organisations (or not synced yet)", msp.ErrNotFound, id)
		case err != nil:
			return err
		case !slices.Contains(s.Tenants, cur.Tenant):
			return fmt.Errorf("%w: ticket %s is not in your organisations", msp.ErrNotFound, id)
		default:
			if out, err = msp.Apply(&cur, c, s.actor(cur.Tenant), a.now()); err != nil {
				return err
			}
		}
		if c.Kind == msp.ChangeMerge && out.Revision != cur.Revision {
			if target, err = staffMergeTarget(tx, user, &cur, c, s.actor(cur.Tenant), a.now()); err != nil {
				return err
			}
			if err := putStaffTicket(tx, user, target); err != nil {
				return err
			}
		}
		if err := putStaffTicket(tx, user, out); err != nil {
			return err
		}
		queued = protocol.Mutation{Kind: protocol.KindTicket, User: user, Tenant: cur.Tenant, Change: &c}
		queued.Seq, err = outbox.New(localdb.ErrStop).Enqueue(newStaffKV(tx, s), queued)
		return err
	})
	if err != nil {
		return localapi.StaffTicket{}, err
	}
	if ix := a.staffIndexIfOpen(user); ix != nil && target != nil {
		ix.upsert(target)
	}
	queued.ID = c.ID
	a.ledgerStaffChange(s, out.Title, queued)
	if ix := a.staffIndexIfOpen(user); ix != nil {
		ix.upsert(out)
	}
	a.kickStaff(user)
	return a.staffTicketView(user, out, map[string]bool{id: true}), nil
}

// staffUndelivered returns the ids of the person's tickets with changes
// still queued.
func (a *Agent) staffUndelivered(user string) (map[string]bool, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	err = a.db.View(func(tx *localdb.Tx) error {
		return outbox.New(localdb.ErrStop).Pending(newStaffKV(tx, s), func(m protocol.Mutation) error {
			if m.Change != nil {
				out[m.Change.TicketID] = true
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading your queued changes: %w", err)
	}
	return out, nil
}
