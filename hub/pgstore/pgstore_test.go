package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/hub/storetest"
	"tandem/internal/pgtest"
	"tandem/msp"
)

func open(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, pgstore.Options{HubVersion: "v-test"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	storetest.Run(t, func(t *testing.T) hub.Store { return open(t, c.NewDatabase(t)) })
}

// A second Open of a migrated database applies nothing and works.
func TestReopen(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	url := c.NewDatabase(t)
	open(t, url).Close()
	s := open(t, url)
	defer s.Close()
	if err := s.View(context.Background(), func(tx hub.Tx) error { _, err := tx.Tenants(); return err }); err != nil {
		t.Fatal(err)
	}
}

// A database a newer tandem-hub migrated is refused, naming the version.
func TestSchemaNewerRefused(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	url := c.NewDatabase(t)
	open(t, url).Close()
	next := pgstore.SchemaVersion() + 1
	c.Exec(t, url, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, next)
	c.Exec(t, url, `INSERT INTO hub_versions (schema_version, hub_version) VALUES ($1, 'v9.9.9')`, next)
	s, err := pgstore.Open(context.Background(), url, pgstore.Options{HubVersion: "v1.0.0"})
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !errors.Is(err, pgstore.ErrSchemaNewer) {
		t.Errorf("error = %v, want ErrSchemaNewer", err)
	}
	for _, want := range []string{"v9.9.9", "v1.0.0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestBadURL(t *testing.T) {
	_, err := pgstore.Open(context.Background(), "postgres://%zz", pgstore.Options{})
	if err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("Open(bad URL) = %v, want an error saying the address is not valid", err)
	}
}

// logBuffer is a slog handler's writer that tests can read while Open runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// PostgreSQL down when the hub starts: Open says so in the log and waits;
// once the server is up it opens, never having used another store.
func TestOpenWaitsForPostgres(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	url := c.NewDatabase(t)
	c.Down(t)
	logs := &logBuffer{}
	type result struct {
		s   *pgstore.Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := pgstore.Open(context.Background(), url, pgstore.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
		done <- result{s, err}
	}()
	for !strings.Contains(logs.String(), "PostgreSQL does not answer") {
		select {
		case r := <-done:
			t.Fatalf("Open with PostgreSQL down returned %v, %v; want it to wait", r.s, r.err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	c.Up(t)
	r := <-done
	if r.err != nil {
		t.Fatalf("Open after PostgreSQL came up: %v", r.err)
	}
	defer r.s.Close()
	if err := r.s.Update(context.Background(), func(tx hub.Tx) error { return tx.PutTenant(msp.NewTenant(msp.NewID(), "Acme", msp.ModeCoManaged)) }); err != nil {
		t.Fatal(err)
	}
}

// Open gives up when its context ends while PostgreSQL is down, saying so.
func TestOpenStopsWithContext(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	url := c.NewDatabase(t)
	c.Down(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logBuffer{}
	done := make(chan error, 1)
	go func() {
		_, err := pgstore.Open(ctx, url, pgstore.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
		done <- err
	}()
	for !strings.Contains(logs.String(), "PostgreSQL does not answer") {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("Open = %v, want an error saying PostgreSQL did not answer", err)
	}
}

// A transaction that loses a race is run again, unless its context is
// hub.SingleTry: then the failure comes back to the caller (the group
// commit, which commits each push of the batch alone).
func TestSerializationRetry(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	s := open(t, c.NewDatabase(t))
	defer s.Close()
	ctx := context.Background()
	bump := func(ctx context.Context) error {
		return s.Update(ctx, func(tx hub.Tx) error {
			m, err := tx.Mark("device/busy")
			if err != nil {
				return err
			}
			return tx.SetMark("device/busy", hub.StreamMark{Seq: m.Seq + 1, Known: true})
		})
	}
	// race runs an Update under ctx that reads the mark, lets another
	// transaction move it, then writes it; it returns the Update's error
	// and how often fn ran.
	race := func(ctx context.Context) (error, int) {
		runs := 0
		err := s.Update(ctx, func(tx hub.Tx) error {
			runs++
			m, err := tx.Mark("device/busy")
			if err != nil {
				return err
			}
			if runs == 1 {
				if err := bump(context.Background()); err != nil {
					return err
				}
			}
			return tx.SetMark("device/busy", hub.StreamMark{Seq: m.Seq + 1, Known: true})
		})
		return err, runs
	}
	if err := bump(ctx); err != nil {
		t.Fatal(err)
	}
	if err, runs := race(ctx); err != nil || runs != 2 {
		t.Errorf("a lost race = %v after %d runs; want success on the second", err, runs)
	}
	if err, runs := race(hub.SingleTry(ctx)); err == nil || runs != 1 {
		t.Errorf("a lost race under SingleTry = %v after %d runs; want the failure after one", err, runs)
	}
	view := func() uint64 {
		var m hub.StreamMark
		if err := s.View(ctx, func(tx hub.Tx) error { var err error; m, err = tx.Mark("device/busy"); return err }); err != nil {
			t.Fatal(err)
		}
		return m.Seq
	}
	if got := view(); got != 4 {
		t.Errorf("mark = %d, want 4 (1, two bumps inside the races, one retried race)", got)
	}
}

// One holder at a time: a lease that runs goes to nobody else; its holder
// renews it; once it has run out another holder takes it (failover).
func TestLease(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	s := open(t, c.NewDatabase(t))
	defer s.Close()
	ctx := context.Background()
	lease := func(job, holder string, ttl time.Duration) bool {
		t.Helper()
		held, err := s.Lease(ctx, job, holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return held
	}
	if !lease("sweep", "hub-a", time.Hour) {
		t.Fatal("a free lease was not granted")
	}
	if lease("sweep", "hub-b", time.Hour) {
		t.Error("a running lease went to a second holder")
	}
	if !lease("sweep", "hub-a", time.Hour) {
		t.Error("the holder could not renew its lease")
	}
	if !lease("relay", "hub-b", time.Hour) {
		t.Error("a lease of another job was refused")
	}
	// hub-a renews with no time left, as a holder that then dies.
	if !lease("sweep", "hub-a", 0) {
		t.Fatal("the holder could not renew its lease")
	}
	if !lease("sweep", "hub-b", time.Hour) {
		t.Error("a lease that ran out did not go to the next holder")
	}
	if lease("sweep", "hub-a", time.Hour) {
		t.Error("the old holder took back a lease another holds")
	}
}

// The shared sign-in limit counts as the hub's own limiter does.
func TestLimits(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	s := open(t, c.NewDatabase(t))
	defer s.Close()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	take := func(key string, at time.Time) time.Duration {
		t.Helper()
		wait, err := s.LimitTake(ctx, "code", key, 3, time.Minute, at)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	for i := range 3 {
		if wait := take("k", t0.Add(time.Duration(i)*time.Second)); wait != 0 {
			t.Fatalf("attempt %d waits %s, want none", i+1, wait)
		}
	}
	if wait := take("k", t0.Add(10*time.Second)); wait != 50*time.Second {
		t.Errorf("the 4th attempt waits %s, want the 50 s left of the window", wait)
	}
	if wait, err := s.LimitWait(ctx, "code", "k", 3, time.Minute, t0.Add(30*time.Second)); err != nil || wait != 30*time.Second {
		t.Errorf("LimitWait = %s, %v; want 30s", wait, err)
	}
	if wait := take("other", t0.Add(10*time.Second)); wait != 0 {
		t.Errorf("another key waits %s", wait)
	}
	if wait, _ := s.LimitWait(ctx, "addr", "k", 3, time.Minute, t0.Add(10*time.Second)); wait != 0 {
		t.Errorf("another limit's key waits %s", wait)
	}
	if wait := take("k", t0.Add(time.Minute)); wait != 0 {
		t.Errorf("an attempt after the window waits %s, want none (a new window)", wait)
	}
}
