// Package agent is the endpoint service program: it owns the device's
// local store, keeps the local replica of the device's tickets, queues every
// local change in the durable outbox in the same transaction, and runs the
// sync loop that pushes the outbox to the hub and pulls the hub's changes.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"tandem/internal/atomicfile"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// Keys the agent keeps besides the outbox's (see localdb's layout).
var (
	keyCursor = localdb.Key(localdb.SpaceMeta, "pull-cursor")
	keyTenant = localdb.Key(localdb.SpaceMeta, "tenant")
)

// Options configure an Agent.
type Options struct {
	// PullInterval is how often the agent asks the hub for changes when
	// nothing else wakes it (default 30s, jittered ±20%).
	PullInterval time.Duration
	// HeartbeatInterval is how often a check-in is queued (default 60s).
	HeartbeatInterval time.Duration
	// OfflineMin and OfflineMax bound the backoff after a failed sync
	// (defaults 2s and 5 minutes).
	OfflineMin, OfflineMax time.Duration
	// Conn tunes the HTTP transport.
	Conn  client.ConnOptions
	Store localdb.Options
	// Hostname names this device in end-user ids (default os.Hostname).
	Hostname string
	Logger   *slog.Logger
	// Now is the agent's clock (default time.Now); tests move it.
	Now func() time.Time
	// UserAttachmentQuota and DeviceAttachmentQuota cap the bytes of
	// attached files the agent keeps waiting for the hub, for one OS user
	// and for the whole device (defaults DefaultUserAttachmentQuota,
	// 100 MB, and DefaultDeviceAttachmentQuota, 500 MB). Files over either
	// are refused (localapi.QuotaError, 413); tickets without files and
	// check-ins are not.
	UserAttachmentQuota, DeviceAttachmentQuota int64
}

func (o Options) withDefaults() Options {
	if o.PullInterval <= 0 {
		o.PullInterval = 30 * time.Second
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 60 * time.Second
	}
	if o.OfflineMin <= 0 {
		o.OfflineMin = 2 * time.Second
	}
	if o.OfflineMax <= 0 {
		o.OfflineMax = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.UserAttachmentQuota <= 0 {
		o.UserAttachmentQuota = DefaultUserAttachmentQuota
	}
	if o.DeviceAttachmentQuota <= 0 {
		o.DeviceAttachmentQuota = DefaultDeviceAttachmentQuota
	}
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
		if o.Hostname == "" {
			o.Hostname = "device"
		}
	}
	return o
}

// Agent is one device's agent over its data directory.
type Agent struct {
	dir  string
	opts Options
	log  *slog.Logger
	db   *localdb.DB
	ob   *outbox.Outbox
	// ledger keeps the device queue's ticket changes apart from the store
	// (outbox.Ledger), in LedgerFile.
	ledger *outbox.Ledger
	// staffLedger is the same for the changes people make in the
	// dashboard, in StaffLedgerFile.
	staffLedger *outbox.Ledger
	now         func() time.Time

	kick    chan struct{} // wakes the sync loop after a local change
	refresh chan struct{} // asks the collectors for a full inventory now

	mu     sync.Mutex
	id     *client.Identity
	status Status

	ev events

	staffSt *staffState // the dashboard's sign-ins, loops and indexes (staff.go)

	// refetch asks the next pull to start from the beginning: a ticket of
	// the local replica was found damaged, and the hub's copy replaces it.
	refetch atomic.Bool
}

// Status is what `tandem-agent status` tells.
type Status struct {
	Enrolled bool   `json:"enrolled"`
	Online   bool   `json:"online"`
	HubURL   string `json:"hub_url,omitempty"`
	DeviceID string `json:"device_id,omitempty"`
	Tenant   string `json:"tenant,omitempty"`
	Queued   int    `json:"queued_changes"`
	// QueuedSince is when the oldest change still waiting was queued
	// (about: it is reset only when the queue drains); zero when none waits.
	QueuedSince time.Time `json:"queued_since,omitzero"`
	Dead        int       `json:"dead_letters"`
	LastPush    time.Time `json:"last_push,omitzero"`
	LastPull    time.Time `json:"last_pull,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// Problems are what the person or their IT support must know and may
	// have to act on, in plain words: changes the store lost and the agent
	// sent again from its ledger, a copied enrollment. Each one's first
	// sentence says it in short (the tray shows that); doctor and status
	// show them whole.
	Problems []string `json:"problems,omitempty"`
	// NextAttempt is when an offline agent tries again.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// LedgerFile is the device queue's ledger (outbox.Ledger) in the data
// directory: outside the store, so that a store moved aside, deleted or
// restored loses none of the ticket changes the ledger holds.
const LedgerFile = "outbox.ledger"

// StatusFile is where a running agent keeps its last status, so that
// `tandem-agent status` can answer while the agent holds the store. It is
// readable by the agent's account alone: its errors and problems can name
// other people's tickets and files. Everybody else asks the local API.
const StatusFile = "status.json"

// DataDirMode is the data directory's mode: others may pass through it to
// reach the local API socket (agent.sock, which scopes each caller to their
// own tickets) and the status file, but may not list it; the store and the
// device identity live in owner-only subdirectories.
const DataDirMode = 0o711

// openDataDir creates dir and gives it the access its platform needs
// (protectDataDir).
func openDataDir(dir string) error {
	if err := os.MkdirAll(dir, DataDirMode); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	return protectDataDir(dir)
}

// Open opens the agent's store in dir (creating it) and reads the device
// credential if the device is enrolled.
func Open(ctx context.Context, dir string, opts Options) (*Agent, error) {
	opts = opts.withDefaults()
	if err := openDataDir(dir); err != nil {
		return nil, err
	}
	if opts.Store.Logger == nil {
		opts.Store.Logger = opts.Logger
	}
	db, err := localdb.Open(ctx, filepath.Join(dir, "store"), opts.Store)
	if err != nil {
		return nil, err
	}
	a := &Agent{
		dir: dir, opts: opts, log: opts.Logger, db: db,
		ob: outbox.New(localdb.ErrStop), now: opts.Now,
		kick: make(chan struct{}, 1), refresh: make(chan struct{}, 1),
		staffSt: newStaffState(),
	}
	id, err := client.LoadIdentity(dir)
	switch {
	case err == nil:
		a.id = id
	case !errors.Is(err, client.ErrNotEnrolled):
		db.Close()
		return nil, err
	}
	if a.ledger, err = outbox.OpenLedger(filepath.Join(dir, LedgerFile)); err != nil {
		db.Close()
		return nil, err
	}
	if a.staffLedger, err = outbox.OpenLedger(filepath.Join(dir, StaffLedgerFile)); err != nil {
		a.ledger.Close()
		db.Close()
		return nil, err
	}
	if err := a.reconcile(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.reconcileStaffAll(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.recallCloned(); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.refreshCounts(); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.recountBlobs(ctx); err != nil {
		// The counts stay as they were: a quota may be off until the
		// next start, which is better than no agent.
		a.log.Warn("could not recount the attachments kept on this computer", "err", err)
	}
	return a, nil
}

// Close closes the store and the ledger.
func (a *Agent) Close() error {
	return errors.Join(a.db.Close(), a.ledger.Close(), a.staffLedger.Close())
}

// DB returns the agent's store (for the local API and tests).
func (a *Agent) DB() *localdb.DB { return a.db }

// Identity returns the device credential, or nil before enrollment.
func (a *Agent) Identity() *client.Identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id
}

// Status returns the agent's sync status.
func (a *Agent) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.status
	if a.id != nil {
		s.Enrolled, s.HubURL, s.DeviceID, s.Tenant = true, a.id.HubURL, a.id.DeviceID, a.id.Tenant.ID
	}
	return s
}

// setStatus changes the status in memory; writeStatus publishes it to
// the status file (once per sync round, not per batch).
func (a *Agent) setStatus(fn func(*Status)) {
	a.mu.Lock()
	fn(&a.status)
	a.status.UpdatedAt = a.now().UTC()
	a.mu.Unlock()
}

func (a *Agent) writeStatus() {
	b, err := json.MarshalIndent(a.Status(), "", "  ")
	if err == nil {
		err = atomicfile.Write(filepath.Join(a.dir, StatusFile), append(b, '\n'), 0o600)
	}
	if err != nil {
		a.log.Warn("could not write the status file", "err", err)
	}
}

// ReadStatusFile reads the status a running agent last wrote in dir.
func ReadStatusFile(dir string) (Status, error) {
	var s Status
	b, err := os.ReadFile(filepath.Join(dir, StatusFile))
	if errors.Is(err, os.ErrPermission) {
		return s, fmt.Errorf("reading the agent's status: only an administrator can (run it with sudo, or as administrator on Windows); the tray shows your own: %w", err)
	}
	if err != nil {
		return s, fmt.Errorf("reading the agent's status: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("the agent's status file is damaged: %w", err)
	}
	return s, nil
}

func (a *Agent) refreshCounts() error {
	var q, d int
	var since time.Time
	err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		if q, err = a.ob.Len(tx); err != nil {
			return err
		}
		if q > 0 {
			if err := a.ob.Pending(tx, func(m protocol.Mutation) error {
				since = queuedAt(m)
				return localdb.ErrStop
			}); err != nil {
				return err
			}
			if since.IsZero() {
				since = a.now().UTC()
			}
		}
		d, err = a.ob.DeadLen(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("counting queued changes: %w", err)
	}
	a.mu.Lock()
	a.status.Queued, a.status.Dead, a.status.QueuedSince = q, d, since
	a.mu.Unlock()
	return nil
}

// Enroll enrolls the device (see client.Enroll) and keeps the credential.
func (a *Agent) Enroll(ctx context.Context, o client.EnrollOptions) error {
	if o.Hostname == "" {
		o.Hostname = a.opts.Hostname
	}
	o.Conn = a.opts.Conn
	if o.Replaces == "" {
		replaces, err := a.previousDevice()
		if err != nil {
			return err
		}
		o.Replaces = replaces
	}
	id, err := client.Enroll(ctx, a.dir, o)
	if err != nil {
		return err
	}
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		return errors.Join(tx.PutJSON(keyTenant, id.Tenant), tx.Delete(keyCloned))
	})
	if err != nil {
		return fmt.Errorf("saving the tenant's settings: %w", err)
	}
	a.mu.Lock()
	a.id = id
	a.mu.Unlock()
	a.dropProblems(problemCloned)
	if o.Replaces != "" && id.DeviceID != o.Replaces {
		a.log.Warn("enrolled as a new device; replies queued on the earlier device's tickets are refused by the hub and kept as undelivered changes",
			"earlier", o.Replaces, "device", id.DeviceID)
	}
	return nil
}

func (a *Agent) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// endUserID is the hub's name for an OS account on this device; it must
// match the hub's (package hub, endUserID).
func (a *Agent) actor(user string) msp.Actor {
	id := a.Identity()
	var tenant, device string
	if id != nil {
		tenant, device = id.Tenant.ID, id.DeviceID
	}
	if user == "" {
		user = "unknown"
	}
	return msp.Actor{ID: user + "@" + a.opts.Hostname, Role: msp.RoleEndUser, Tenant: tenant, Device: device}
}

// Submit applies an end user's change to the local replica and queues it
// for the hub in one durable transaction: when Submit returns, the change
// survives a crash and will reach the hub. user is the OS account that made
// it. It returns the ticket as the user now sees it.
//
// files are the bytes of the attachments the change names; they are kept
// in the same transaction, content-addressed, and reach the hub before
// the change does. Files over the user's or the device's attachment quota
// are refused with a *localapi.QuotaError and nothing is saved.
func (a *Agent) Submit(ctx context.Context, user string, c msp.Change, files ...localapi.File) (*msp.Ticket, error) {
	if a.Identity() == nil {
		return nil, fmt.Errorf("%w; ask your IT support to enroll it", client.ErrNotEnrolled)
	}
	if c.ID == "" {
		c.ID = msp.NewID()
	}
	if c.At.IsZero() {
		c.At = a.now().UTC()
	}
	if c.Kind == msp.ChangeCreate && c.Ticket != nil {
		// The hub names the requester from the credential.
		t := c.Ticket.Clone()
		t.Requester = ""
		c.Ticket = t
	}
	if err := checkFiles(c, files); err != nil {
		return nil, err
	}
	actor := a.actor(user)
	var out *msp.Ticket
	var queued protocol.Mutation
	var stream outbox.Stream
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := storeBlobs(tx, user, c, files, quotas{user: a.opts.UserAttachmentQuota, device: a.opts.DeviceAttachmentQuota}); err != nil {
			return err
		}
		current, err := a.localTicket(tx, c.TicketID)
		if err != nil {
			return err
		}
		if out, err = msp.Apply(current, c, actor, a.now()); err != nil {
			return err
		}
		if err := tx.PutJSON(localdb.Key(localdb.SpaceTicket, out.ID), out); err != nil {
			return err
		}
		if stream, _, err = a.ob.Stream(tx); err != nil {
			return err
		}
		queued = protocol.Mutation{Kind: protocol.KindTicket, User: user, Change: &c}
		queued.Seq, err = a.ob.Enqueue(tx, queued)
		return err
	})
	if err != nil {
		return nil, err
	}
	queued.ID = c.ID
	if err := a.ledger.QueuedOn(stream, out.Title, queued); err != nil {
		// The change is saved and queued in the store; only its second copy
		// is missing.
		a.log.Warn("could not write a ticket change to the outbox ledger; it is saved in the store only", "ticket", c.TicketID, "err", err)
	}
	a.queuedOne()
	a.wake()
	a.emitTicket(out)
	a.emitStatus()
	return out, nil
}

// localTicket reads a ticket of the local replica, or nil when it has
// none. The replica is a copy of the hub's tickets with the queued changes
// on top (those live in the outbox), so a damaged record is not an error:
// it is read as absent, and the next pull fetches the hub's copy again.
func (a *Agent) localTicket(tx *localdb.Tx, id string) (*msp.Ticket, error) {
	var t msp.Ticket
	err := tx.GetJSON(localdb.Key(localdb.SpaceTicket, id), &t)
	if errors.Is(err, localdb.ErrNotFound) {
		return nil, nil
	}
	if errors.Is(err, localdb.ErrCorrupt) {
		a.replicaDamaged(id, err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// replicaDamaged notes a ticket of the local replica that cannot be read.
func (a *Agent) replicaDamaged(id string, err error) {
	if !a.refetch.Swap(true) {
		a.log.Warn("a ticket in the local store is damaged; its copy is fetched again from the hub", "ticket", id, "err", err)
	}
}

// Tickets returns the replica's tickets, newest first. A damaged record
// is left out (and fetched again from the hub) rather than hiding the rest.
func (a *Agent) Tickets() ([]*msp.Ticket, error) {
	var out []*msp.Ticket
	err := a.db.View(func(tx *localdb.Tx) error {
		out = out[:0]
		return tx.ScanDamaged(localdb.Prefix(localdb.SpaceTicket), nil, func(k, v []byte, readErr error) error {
			var t msp.Ticket
			if readErr == nil {
				if err := json.Unmarshal(v, &t); err != nil {
					readErr = fmt.Errorf("%w: the value under %s is not valid JSON: %v", localdb.ErrCorrupt, k, err)
				}
			}
			if readErr != nil {
				a.replicaDamaged(string(k), readErr)
				return nil
			}
			out = append(out, &t)
			return nil
		})
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// Ticket returns one ticket of the replica.
func (a *Agent) Ticket(id string) (*msp.Ticket, error) {
	var t *msp.Ticket
	err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		t, err = a.localTicket(tx, id)
		return err
	})
	if err == nil && t == nil {
		err = fmt.Errorf("ticket %s: %w", id, localdb.ErrNotFound)
	}
	return t, err
}

// DeadLetters returns the changes the hub refused, with their reasons.
func (a *Agent) DeadLetters() ([]outbox.DeadLetter, error) {
	var out []outbox.DeadLetter
	err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		out, err = a.ob.Dead(tx)
		return err
	})
	return out, err
}

// Tenant returns the tenant's settings as last received from the hub.
func (a *Agent) Tenant() (msp.Tenant, error) {
	var t msp.Tenant
	err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(keyTenant, &t) })
	return t, err
}

func (a *Agent) emitTicket(t *msp.Ticket) {
	replies := 0
	for _, c := range t.Comments {
		if c.Kind == msp.CommentKindReply && c.Role != msp.RoleEndUser && !c.Internal {
			replies++
		}
	}
	st := a.Status()
	a.emit(localapi.Event{Kind: localapi.EventTicket, TicketID: t.ID, Status: t.Status, Replies: replies,
		Online: st.Online, Queued: st.Queued, Requester: t.Requester})
}

func (a *Agent) emitStatus() {
	st := a.Status()
	a.emit(localapi.Event{Kind: localapi.EventStatus, Online: st.Online, Queued: st.Queued})
}

// Undelivered returns the ids of tickets with changes the hub does not
// have yet.
func (a *Agent) Undelivered() (map[string]int, error) {
	out := map[string]int{}
	err := a.db.View(func(tx *localdb.Tx) error {
		return a.ob.Pending(tx, func(m protocol.Mutation) error {
			if m.Kind == protocol.KindTicket && m.Change != nil {
				out[m.Change.TicketID]++
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading the queue: %w", err)
	}
	return out, nil
}

// Inventory returns the last collected device report. Before the first
// collection it returns one that names only the computer (CollectedAt is
// zero).
func (a *Agent) Inventory() (msp.Inventory, error) {
	var inv msp.Inventory
	err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(keyLastInventory, &inv) })
	if errors.Is(err, localdb.ErrNotFound) {
		return msp.Inventory{Hostname: a.opts.Hostname}, nil
	}
	if err != nil {
		return inv, fmt.Errorf("reading the last inventory: %w", err)
	}
	return inv, nil
}

// queuedOne counts a change just queued.
func (a *Agent) queuedOne() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.status.Queued == 0 || a.status.QueuedSince.IsZero() {
		a.status.QueuedSince = a.now().UTC()
	}
	a.status.Queued++
}

// queuedAt is when a queued mutation was made, as it says.
func queuedAt(m protocol.Mutation) time.Time {
	switch {
	case m.Change != nil:
		return m.Change.At
	case m.CheckIn != nil:
		return m.CheckIn.At
	case m.Inventory != nil:
		return m.Inventory.CollectedAt
	}
	return time.Time{}
}
