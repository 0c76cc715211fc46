package agent_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/agent"
	"tandem/msp"
	"tandem/sync/client"
)

// The faults real fleets meet, each run on a crash image of an agent with
// delivered and queued work: every change the person was told is saved
// ends up on the hub exactly once, or is reported to them as lost with its
// ticket's title. No other outcome is allowed (DESIGN.md, "Sync").
//
// A crash image is a copy of the data directory taken while the agent has
// it open, as a kill -9 or a power cut leaves it: badger's write-ahead log
// still holds the queue, nothing is flushed by a clean close.

// work is what the person was told is saved, by the text the hub will show.
type work struct {
	tickets  map[string]string // ticket id → title
	comments map[string]string // comment body → its ticket's title
}

func (w *work) add(o work) {
	for k, v := range o.tickets {
		w.tickets[k] = v
	}
	for k, v := range o.comments {
		w.comments[k] = v
	}
}

func newWork() work { return work{tickets: map[string]string{}, comments: map[string]string{}} }

// bigText is a description larger than the store's value threshold, so
// that the ticket is written to badger's value log rather than inline.
var bigText = "Der Drucker druckt nicht. " + strings.Repeat("€", 12_000)

// raise submits n tickets, every other one with a description big enough
// for the value log, and a comment on each ticket in on.
func raise(t *testing.T, a *agent.Agent, label string, n int, on map[string]string) work {
	t.Helper()
	w := newWork()
	for i := range n {
		c := newTicket(fmt.Sprintf("%s ticket %d", label, i))
		if i%2 == 1 {
			c.Ticket.Description = bigText
		}
		if _, err := a.Submit(context.Background(), "thandi", c); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		w.tickets[c.TicketID] = c.Ticket.Title
	}
	for id, title := range on {
		body := fmt.Sprintf("%s: a reply on %q", label, title)
		if _, err := a.Submit(context.Background(), "thandi", comment(id, body)); err != nil {
			t.Fatalf("Submit a comment: %v", err)
		}
		w.comments[body] = title
	}
	return w
}

// copyTree copies the regular files and directories under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case !info.Mode().IsRegular():
			return nil // the local API's socket
		case d.Name() == "LOCK":
			// Badger's lock file: on Windows the running store holds it
			// exclusively, as it holds it from a backup tool, and the
			// store makes a new one when it opens.
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}

// storeFiles lists the store's files whose names end in ext.
func storeFiles(t *testing.T, dir, ext string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "store", "*"+ext))
	if err != nil || len(m) == 0 {
		t.Fatalf("no %s file in the store (%v)", ext, err)
	}
	slices.Sort(m)
	return m
}

// usedLen is the length of a preallocated badger file up to its last
// non-zero byte.
func usedLen(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	if n == 0 {
		t.Fatalf("%s holds nothing", path)
	}
	return int64(n)
}

func openAgent(t *testing.T, dir string) (*agent.Agent, error) {
	t.Helper()
	return agent.Open(context.Background(), dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
}

// openOrFollowAdvice opens the agent in dir; when the store cannot be
// opened, it does what the error tells the person (move the store aside)
// and opens again, which must work and lose nothing.
func openOrFollowAdvice(t *testing.T, dir string) (*agent.Agent, string) {
	t.Helper()
	a, err := openAgent(t, dir)
	if err == nil {
		return a, ""
	}
	if !strings.Contains(err.Error(), "aside") {
		t.Fatalf("the store did not open, and the error gives no advice to follow: %v", err)
	}
	if err := os.Rename(filepath.Join(dir, "store"), filepath.Join(dir, "store.damaged")); err != nil {
		t.Fatal(err)
	}
	a, err2 := openAgent(t, dir)
	if err2 != nil {
		t.Fatalf("after moving the damaged store aside as advised (%v), the agent does not open: %v", err, err2)
	}
	return a, "store refused, moved aside as advised"
}

func syncAll(t *testing.T, a *agent.Agent) {
	t.Helper()
	conn, err := a.Identity().Conn(fastConn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	drain(t, a, conn, 20, time.Now().Add(time.Minute))
}

// outcome checks w against the hub and what the agents report, and says
// how each change ended.
type outcome struct{ once, reported int }

func (o outcome) String() string {
	return fmt.Sprintf("%d on the hub exactly once, %d reported lost by title", o.once, o.reported)
}

func checkDelivered(t *testing.T, e *enrolledDir, w work, agents ...*agent.Agent) outcome {
	t.Helper()
	ts, err := e.admin.Tickets(context.Background(), e.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	var reports []string
	for _, a := range agents {
		reports = append(reports, a.Status().Problems...)
		dead, err := a.DeadLetters()
		if err != nil {
			t.Fatal(err)
		}
		// A refused change is shown on its ticket (localapi.TicketView.Refused).
		for _, d := range dead {
			if c := d.Mutation.Change; c != nil {
				title := w.tickets[c.TicketID]
				if c.Ticket != nil {
					title = c.Ticket.Title
				}
				reports = append(reports, title+": "+d.Error.Message)
			}
		}
	}
	reported := func(title string) bool {
		return slices.ContainsFunc(reports, func(r string) bool {
			return strings.Contains(r, fmt.Sprintf("%q", title)) || strings.HasPrefix(r, title+":")
		})
	}
	seen, bodies := map[string]int{}, map[string]int{}
	for _, tk := range ts {
		seen[tk.ID]++
		for _, c := range tk.Comments {
			bodies[c.Body]++
		}
	}
	var o outcome
	judge := func(what string, n int, title string) {
		switch {
		case n == 1:
			o.once++
		case n == 0 && reported(title):
			o.reported++
		case n == 0:
			t.Errorf("%s was saved on the agent, is not on the hub and nobody was told (problems: %q)", what, reports)
		default:
			t.Errorf("%s is on the hub %d times", what, n)
		}
	}
	for id, title := range w.tickets {
		judge(fmt.Sprintf("ticket %q", title), seen[id], title)
	}
	for body, title := range w.comments {
		judge(fmt.Sprintf("comment %q", body), bodies[body], title)
	}
	return o
}

// reenroll gives the agent in dir a new identity, as the README tells.
func reenroll(t *testing.T, e *enrolledDir, a *agent.Agent, dir string) {
	t.Helper()
	reenrollAs(t, e, a, dir, "")
}

// reenrollAs is reenroll under another hostname ("" keeps the agent's).
func reenrollAs(t *testing.T, e *enrolledDir, a *agent.Agent, dir, hostname string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dir, "identity")); err != nil {
		t.Fatal(err)
	}
	tok, err := e.admin.CreateToken(context.Background(), e.tenant.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(e.hub.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Enroll(context.Background(), client.EnrollOptions{HubURL: e.hub.info.URL, Token: tok.Token, CAPEM: caPEM, Hostname: hostname}); err != nil {
		t.Fatalf("enrolling again: %v", err)
	}
}

// storeFault damages a crash image in dir; old is the store as it was
// after the first delivery (a backup).
type storeFault struct {
	name  string
	apply func(t *testing.T, dir, old string, rng *rand.Rand)
	// reenroll: instead of damaging the store, remove the identity and
	// enroll again under this hostname (the hub gives the device back
	// only under the same one).
	reenroll string
}

var storeFaults = []storeFault{
	{name: "delete store", apply: func(t *testing.T, dir, _ string, _ *rand.Rand) {
		if err := os.RemoveAll(filepath.Join(dir, "store")); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "restore old store", apply: func(t *testing.T, dir, old string, _ *rand.Rand) {
		if err := os.RemoveAll(filepath.Join(dir, "store")); err != nil {
			t.Fatal(err)
		}
		copyTree(t, old, filepath.Join(dir, "store"))
	}},
	{name: "truncate the vlog", apply: func(t *testing.T, dir, _ string, _ *rand.Rand) {
		for _, f := range storeFiles(t, dir, ".vlog") {
			if n := usedLen(t, f); n > 64<<10 {
				if err := os.Truncate(f, n-40<<10); err != nil {
					t.Fatal(err)
				}
			}
		}
	}},
	{name: "flip a byte in the WAL", apply: func(t *testing.T, dir, _ string, rng *rand.Rand) {
		wal := storeFiles(t, dir, ".mem")
		f := wal[len(wal)-1]
		n := usedLen(t, f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		at := n/4 + rng.Int64N(n/2)
		b[at] ^= 0x5a
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "cut the WAL at a random offset", apply: func(t *testing.T, dir, _ string, rng *rand.Rand) {
		wal := storeFiles(t, dir, ".mem")
		f := wal[len(wal)-1]
		n := usedLen(t, f)
		if err := os.Truncate(f, n/4+rng.Int64N(n/2)); err != nil {
			t.Fatal(err)
		}
	}},
	// The identity goes, the store stays.
	{name: "re-enroll", reenroll: "reception-pc"},
	{name: "re-enroll under a new name", reenroll: "front-desk-pc"},
}

// TestEveryStoreFaultLosesNothingSilently runs each fault on a fresh
// enrolled agent: 4 tickets delivered, then 4 tickets and 4 replies saved
// but not yet sent, then the fault on a crash image, then the agent opened
// on the image and drained.
func TestEveryStoreFaultLosesNothingSilently(t *testing.T) {
	rounds := 2
	if testing.Short() {
		rounds = 1
	}
	for _, fault := range storeFaults {
		t.Run(fault.name, func(t *testing.T) {
			var total outcome
			for round := range rounds {
				rng := rand.New(rand.NewPCG(uint64(round), 14))
				e := enrollDir(t, msp.ModeFullyManaged)
				a, err := openAgent(t, e.dir)
				if err != nil {
					t.Fatal(err)
				}
				w := raise(t, a, "Delivered", 4, nil)
				syncAll(t, a)
				old := t.TempDir()
				copyTree(t, filepath.Join(e.dir, "store"), old)
				w.add(raise(t, a, "Queued", 4, w.tickets))
				image := t.TempDir()
				copyTree(t, e.dir, image)
				if err := a.Close(); err != nil {
					t.Fatal(err)
				}
				var note string
				var b *agent.Agent
				if fault.apply == nil {
					if b, err = openAgent(t, image); err != nil {
						t.Fatal(err)
					}
					reenrollAs(t, e, b, image, fault.reenroll)
				} else {
					fault.apply(t, image, old, rng)
					b, note = openOrFollowAdvice(t, image)
				}
				syncAll(t, b)
				o := checkDelivered(t, e, w, b)
				if err := b.Close(); err != nil {
					t.Fatal(err)
				}
				t.Logf("round %d: %v %s; problems: %q", round, o, note, b.Status().Problems)
				total.once += o.once
				total.reported += o.reported
			}
			t.Logf("%s, %d rounds: %v", fault.name, rounds, total)
		})
	}
}

// Two computers that share one enrollment (a cloned virtual machine or
// golden image) each keep their own work: the second to send is told the
// hub holds other changes under its numbers and sends its own in a new
// stream; the first is then told it uses a copied enrollment, and once it
// enrolls again, its queue follows.
func TestClonedDataDirectoryKeepsBothComputersWork(t *testing.T) {
	e := enrollDir(t, msp.ModeFullyManaged)
	a, err := openAgent(t, e.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	w := raise(t, a, "Before the copy", 2, nil)
	syncAll(t, a)
	w.add(raise(t, a, "Queued before the copy", 2, nil))
	cloneDir := t.TempDir()
	copyTree(t, e.dir, cloneDir)
	clone, err := openAgent(t, cloneDir)
	if err != nil {
		t.Fatal(err)
	}
	defer clone.Close()

	w.add(raise(t, a, "Original", 3, nil))
	syncAll(t, a)
	w.add(raise(t, clone, "Clone", 3, nil))
	syncAll(t, clone)
	checkDelivered(t, e, w, a, clone)

	// The original's next push is in a stream the clone has superseded.
	later := raise(t, a, "Original later", 1, nil)
	w.add(later)
	conn, err := a.Identity().Conn(fastConn)
	if err != nil {
		t.Fatal(err)
	}
	err = a.SyncOnce(context.Background(), conn)
	conn.Close()
	if err == nil {
		t.Fatal("the original computer synced on an enrollment a clone had taken over")
	}
	if p := a.Status().Problems; !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, "enrollment of another computer") }) {
		t.Fatalf("the original was not told its enrollment is shared: problems %q, sync error %v", p, err)
	}
	if a.Status().Queued == 0 {
		t.Fatal("the original's change left the queue without being delivered")
	}
	reenroll(t, e, a, e.dir)
	syncAll(t, a)
	if p := a.Status().Problems; slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, "enrollment of another computer") }) {
		t.Errorf("after enrolling again the problem stays: %q", p)
	}
	o := checkDelivered(t, e, w, a, clone)
	if o.reported != 0 {
		t.Errorf("%d changes reported lost; a clone loses nothing", o.reported)
	}
	t.Logf("cloned data directory: %v", o)
}

// countingHandler counts the log records with each message.
type countingHandler struct {
	mu *sync.Mutex
	n  map[string]int
}

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.n[r.Message]++
	h.mu.Unlock()
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

func (h countingHandler) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[msg]
}

// A computer whose clock runs 61 days ahead does not renew its
// certificate at every sync: it is renewed when the hub, by its own
// clock, would find it old (issue 14, item 11: 8 renewals in 2.5 min).
func TestAFastClockDoesNotRenewTheCertificateAtEverySync(t *testing.T) {
	e := enrollDir(t, msp.ModeFullyManaged)
	logs := countingHandler{mu: &sync.Mutex{}, n: map[string]int{}}
	fast := func() time.Time { return time.Now().Add(61 * 24 * time.Hour) }
	a, err := agent.Open(context.Background(), e.dir, agent.Options{
		Logger: slog.New(logs), Hostname: "reception-pc", Conn: fastConn, Now: fast,
		PullInterval: 20 * time.Millisecond, OfflineMin: 20 * time.Millisecond, OfflineMax: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !a.Identity().NeedsRenewal(fast()) {
		t.Fatal("the test is void: by the fast clock the certificate is not due for renewal")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	const syncs = 12
	seen := map[time.Time]bool{}
	for deadline := time.Now().Add(time.Minute); len(seen) < syncs; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d syncs in a minute (last error %q)", len(seen), a.Status().LastError)
		}
		if p := a.Status().LastPull; !p.IsZero() {
			seen[p] = true
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	renewed, failed := logs.count("device certificate renewed"), logs.count("certificate renewal failed; will retry")
	if renewed != 0 || failed != 0 {
		t.Fatalf("over %d syncs the certificate was renewed %d times (%d failed attempts); the hub's clock says it is new", len(seen), renewed, failed)
	}
	t.Logf("%d syncs with the clock 61 days ahead: %d renewals", len(seen), renewed)
}
