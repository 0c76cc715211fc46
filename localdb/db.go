package localdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// DB is an open store. It is safe for concurrent use. Only one process may
// hold a directory open at a time (ErrLocked).
type DB struct {
	dir  string
	opts Options
	bdb  *badger.DB
	log  *slog.Logger

	wrote chan struct{} // capacity 1: a write happened since the last check
	stop  chan struct{}
	done  chan struct{} // closed when the maintenance loop has ended

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the store in dir, runs pending
// migrations, and starts its maintenance loop. Close it when done.
func Open(ctx context.Context, dir string, opts Options) (*DB, error) {
	return open(ctx, dir, opts, migrations)
}

func open(ctx context.Context, dir string, opts Options, migs []Migration) (*DB, error) {
	opts = opts.withDefaults()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localdb: data directory %q: %w", dir, err)
	}
	dir = abs
	if err := os.MkdirAll(dir, 0o700); err != nil {
		if isDiskFull(err) {
			return nil, fmt.Errorf("%w: cannot create %s: %v", ErrDiskFull, dir, err)
		}
		return nil, fmt.Errorf("localdb: create data directory %s: %w", dir, err)
	}
	var key []byte
	if opts.EncryptionKeyFile != "" {
		key, err = readKey(opts.EncryptionKeyFile, dir)
		if err != nil {
			return nil, err
		}
	}
	releaseBallastBeforeOpen(dir, opts.DiskReserve)
	bdb, err := badger.Open(opts.badgerOptions(dir, key))
	if err != nil {
		return nil, classifyOpen(dir, err)
	}
	db := &DB{
		dir:   dir,
		opts:  opts,
		bdb:   bdb,
		log:   opts.Logger.With("store", dir),
		wrote: make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	if err := db.migrate(ctx, migs); err != nil {
		return nil, errors.Join(err, bdb.Close())
	}
	db.ensureBallast()
	go db.maintain()
	return db, nil
}

// Dir returns the absolute data directory.
func (db *DB) Dir() string { return db.dir }

// Close stops the maintenance loop and closes the store, flushing what is
// in memory. It is safe to call more than once.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.stop)
		<-db.done
		db.releaseBallast()
		if err := db.bdb.Close(); err != nil {
			db.closeErr = fmt.Errorf("localdb: close %s: %w", db.dir, err)
		}
	})
	return db.closeErr
}

// Update runs fn in a read-write transaction and commits it durably: when
// Update returns nil the change is on disk. A conflict with a concurrent
// transaction is retried (fn may run more than once, so it must only act
// through tx). A transaction that writes fails with ErrDiskFull, and
// changes nothing, when the disk is nearly full; one that only reads (it
// found nothing to change) does not, so a full disk never stops the agent
// from starting or from sending its queue, which frees space.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := db.bdb.Update(func(txn *badger.Txn) error {
			tx := &Tx{txn: txn}
			if err := fn(tx); err != nil {
				return err
			}
			if tx.wrote {
				return db.checkSpace()
			}
			return nil
		})
		if errors.Is(err, badger.ErrConflict) && attempt < maxConflictRetries {
			backoff(attempt)
			continue
		}
		if err != nil {
			return classifyWrite(db.dir, err)
		}
		db.noteWrite()
		return nil
	}
}

const maxConflictRetries = 500

// backoff spreads out writers that keep colliding on the same keys.
func backoff(attempt int) {
	if attempt < 2 {
		return
	}
	time.Sleep(time.Duration(rand.IntN(min(attempt, 20))+1) * time.Millisecond)
}

// View runs fn in a read-only transaction over a consistent snapshot.
func (db *DB) View(fn func(tx *Tx) error) error {
	err := db.bdb.View(func(txn *badger.Txn) error { return fn(&Tx{txn: txn, readOnly: true}) })
	if errors.Is(err, badger.ErrDBClosed) {
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return err
}

// noteWrite tells the maintenance loop that level 0 may need compacting.
func (db *DB) noteWrite() {
	select {
	case db.wrote <- struct{}{}:
	default:
	}
}

// checkSpace fails with ErrDiskFull when the store's disk has less free
// space than the reserve.
func (db *DB) checkSpace() error {
	free, err := freeSpace(db.dir)
	if err != nil {
		// Not knowing is no reason to refuse a write.
		return nil
	}
	if free < db.opts.DiskReserve {
		return fmt.Errorf("%w: only %s free on the disk holding %s (Tandem keeps %s in reserve); the change was not saved: free some space and try again (what was saved before is safe)",
			ErrDiskFull, humanBytes(free), db.dir, humanBytes(db.opts.DiskReserve))
	}
	return nil
}

// maintain is the store's one background goroutine: it compacts level 0
// shortly after writes (desktop profile) and collects value-log garbage on
// a timer. It ends when Close is called.
func (db *DB) maintain() {
	defer close(db.done)
	gc := time.NewTimer(db.opts.GCInterval)
	defer gc.Stop()
	var compact *time.Timer
	var compactC <-chan time.Time
	for {
		select {
		case <-db.stop:
			if compact != nil {
				compact.Stop()
			}
			return
		case <-db.wrote:
			if db.opts.Profile == Desktop && compactC == nil {
				compact = time.NewTimer(db.opts.CompactDelay)
				compactC = compact.C
			}
		case <-compactC:
			compactC = nil
			if err := db.compactL0(); err != nil {
				db.log.Warn("compaction failed; it is retried after the next write", "err", err)
			}
		case <-gc.C:
			if err := db.collectGarbage(); err != nil {
				db.log.Warn("value-log garbage collection failed; it is retried later", "err", err)
			}
			gc.Reset(db.opts.GCInterval)
		}
	}
}

// compactL0 merges level 0 into the levels below when it has filled up.
// With no background compactors this is what keeps reads fast and keeps
// writes from stalling.
func (db *DB) compactL0() error {
	levels := db.bdb.Levels()
	// Badger compacts level 0 only once it holds more tables than
	// NumLevelZeroTables.
	if len(levels) == 0 || levels[0].NumTables <= db.bdb.Opts().NumLevelZeroTables {
		return nil
	}
	if err := db.bdb.Flatten(1); err != nil {
		return fmt.Errorf("localdb: compact level 0 of %s: %w", db.dir, err)
	}
	return nil
}

// collectGarbage rewrites value-log files that are mostly stale, until
// none is left to rewrite.
func (db *DB) collectGarbage() error {
	for range 16 {
		err := db.bdb.RunValueLogGC(0.5)
		if errors.Is(err, badger.ErrNoRewrite) || errors.Is(err, badger.ErrRejected) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("localdb: value-log GC of %s: %w", db.dir, err)
		}
	}
	return nil
}

// Stats describes the store for status screens and benchmarks.
type Stats struct {
	LSMBytes      int64 `json:"lsm_bytes"`
	ValueLogBytes int64 `json:"value_log_bytes"`
	Level0Tables  int   `json:"level0_tables"`
	Tables        int   `json:"tables"`
}

// Stats returns the store's sizes.
func (db *DB) Stats() Stats {
	lsm, vlog := db.bdb.Size()
	s := Stats{LSMBytes: lsm, ValueLogBytes: vlog}
	for _, l := range db.bdb.Levels() {
		if l.Level == 0 {
			s.Level0Tables = l.NumTables
		}
		s.Tables += l.NumTables
	}
	return s
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
