// Package pgstore is the hub's PostgreSQL store: a hub.Store (and
// hub.BlobStore) on github.com/jackc/pgx/v5, for an MSP that runs several
// hubs on one database. The embedded badger store stays the hub's default.
//
// The schema is a set of versioned SQL files embedded in the binary
// (migrations/), applied by pressly/goose at Open under a PostgreSQL
// advisory lock, so that hubs starting together migrate once. A database
// whose schema is newer than the binary knows is refused with the version
// needed.
//
// Isolation: every Update is one SERIALIZABLE transaction, retried on a
// serialization failure (see Store.Update for why).
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/hub"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune a Store.
type Options struct {
	// Logger gets the store's messages (waiting for PostgreSQL,
	// migrations); slog.Default() if nil.
	Logger *slog.Logger
	// MaxConns bounds the connection pool; pgxpool's default (the larger
	// of 4 and the number of CPUs) if zero.
	MaxConns int32
	// HubVersion is the tandem-hub version recorded beside each schema
	// version it applies, so that an older binary can say which one it
	// needs.
	HubVersion string
}

// Store is the PostgreSQL hub.Store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// Counts of Update (Stats).
	commits, retries atomic.Int64
}

// Stats counts what Update did since Open.
type Stats struct {
	// Commits are Updates that committed; Retries are runs of fn again
	// after a serialization failure or a deadlock.
	Commits, Retries int64
}

// Stats returns the store's counts.
func (s *Store) Stats() Stats { return Stats{Commits: s.commits.Load(), Retries: s.retries.Load()} }

var (
	_ hub.Store     = (*Store)(nil)
	_ hub.BlobStore = (*Store)(nil)
)

// ErrSchemaNewer is returned by Open for a database whose schema a newer
// tandem-hub wrote.
var ErrSchemaNewer = errors.New("the database's schema is newer than this tandem-hub")

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// libpq key=value string) and brings its schema up to date. While
// PostgreSQL does not answer (it is starting, or the network is down) Open
// logs so and tries again, until ctx ends; it never falls back to another
// store. A bad URL, refused credentials, a missing database or a schema
// newer than this binary are returned at once.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL address is not valid (want postgres://user@host/db or host=... dbname=...): %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	where := describe(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", where, err)
	}
	s := &Store{pool: pool, log: log}
	wait := time.Second
	for attempt := 1; ; attempt++ {
		err := s.migrate(ctx, opts.HubVersion)
		if err == nil {
			break
		}
		if !Unavailable(err) || ctx.Err() != nil {
			pool.Close()
			if ctx.Err() != nil {
				return nil, fmt.Errorf("PostgreSQL at %s did not answer before the hub was stopped: %w", where, err)
			}
			return nil, err
		}
		log.Error("PostgreSQL does not answer; the hub waits for it and will not use another store",
			"at", where, "attempt", attempt, "retry_in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			pool.Close()
			return nil, fmt.Errorf("PostgreSQL at %s did not answer before the hub was stopped: %w", where, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
	return s, nil
}

// describe names the server of cfg without its password.
func describe(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s database %s as %s", net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), cfg.Database, cfg.User)
}

// Unavailable reports whether err says PostgreSQL could not be reached or
// is not accepting work for now (down, starting, shutting down, too many
// connections): a condition to wait out, not a fault of the request.
func Unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", // connection exception
			"53": // insufficient resources: too many connections
			return true
		case "57": // operator intervention: shutting down, starting up (not 57014, a canceled query)
			return pe.Code != "57014"
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, errConnLost) || isClosedConn(err)
}

func isClosedConn(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || pgconn.Timeout(err)
}

// Close implements hub.Store.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// maxTries bounds how often Update runs fn for transactions that keep
// failing to serialize (hot rows: one stream's mark, a tenant's feed
// counter).
const maxTries = 200

// Update implements hub.Store. fn runs in a SERIALIZABLE transaction.
//
// Why SERIALIZABLE and not explicit row locks: the hub's code reads and
// then writes through hub.Tx (Mark then SetMark, Ticket then PutTicket,
// Device then PutDevice) without saying which reads it will write after,
// and many of its reads are of rows that do not exist yet (a new stream's
// mark, a change id not seen) or are scans (OpenTickets, Feed). Row locks
// (SELECT ... FOR UPDATE) lock neither absent rows nor ranges, so two
// pushes of one new stream could both apply mutation 1; SERIALIZABLE
// catches those as it catches the rest, and is the same contract as the
// embedded store (badger's optimistic transactions, retried on conflict),
// so hub.Tx and its callers stay as they are. The price is a retry when
// two transactions collide, which the Store contract already allows: fn
// may run more than once. Serialization failures and deadlocks are
// retried here with a jittered backoff, unless ctx is hub.SingleTry (a
// merged batch of pushes, which the hub commits again push by push);
// other errors are returned.
func (s *Store) Update(ctx context.Context, fn func(hub.Tx) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, fn)
		if err == nil {
			s.commits.Add(1)
			return nil
		}
		if hub.IsSingleTry(ctx) {
			return err
		}
		if attempt+1 < maxTries && (serializationFailure(err) || (attempt < 2 && pgconn.SafeToRetry(err))) {
			s.retries.Add(1)
			backoff(attempt)
			continue
		}
		return err
	}
}

// View implements hub.Store: fn runs in a read-only REPEATABLE READ
// transaction, one snapshot as in the embedded store's View, which never
// fails to serialize.
func (s *Store) View(ctx context.Context, fn func(hub.Tx) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
		if err != nil && attempt < 2 && pgconn.SafeToRetry(err) {
			continue // a pooled connection the server had closed; the pool drops it
		}
		return err
	}
}

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, fn func(hub.Tx) error) (err error) {
	ptx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("starting a PostgreSQL transaction: %w", err)
	}
	defer func() {
		if err != nil {
			// The transaction is abandoned; a failed rollback (the
			// connection is gone) leaves nothing behind on the server.
			_ = ptx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(&tx{ctx: ctx, tx: ptx}); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("committing to PostgreSQL: %w", err)
	}
	return nil
}

func serializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// backoff spreads out transactions that keep colliding on the same rows.
func backoff(attempt int) {
	if attempt < 1 {
		return
	}
	time.Sleep(time.Duration(rand.IntN(min(attempt, 20))+1) * time.Millisecond)
}
