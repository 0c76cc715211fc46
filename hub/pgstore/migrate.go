package pgstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Why goose and not golang-migrate: goose's Provider takes an embed.FS and
// a *sql.DB (pgx's stdlib adapter over the store's own pool), holds a
// PostgreSQL session advisory lock while it migrates, and adds four small
// modules to the build; golang-migrate's module requires every database
// driver it supports, and its pgx/v5 driver keeps its own connection.

// SchemaVersion is the newest schema version this binary knows: the
// number of the highest-numbered file in migrations/.
func SchemaVersion() int64 {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded files are part of the binary
	}
	var v int64
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			panic(fmt.Sprintf("migration %s is not named VERSION_name.sql", e.Name()))
		}
		v = max(v, n)
	}
	return v
}

func (s *Store) provider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	// Hubs that start together wait for one another: the lock is tried
	// every second for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(s.pool), fsys, goose.WithSessionLocker(locker))
}

// migrate brings the schema to SchemaVersion, or refuses a newer one.
func (s *Store) migrate(ctx context.Context, hubVersion string) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("reading the embedded schema migrations: %w", err)
	}
	defer p.Close()
	src := p.ListSources()
	known := src[len(src)-1].Version
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("reading the database's schema version: %w", unwrapDriver(err))
	}
	if current > known {
		return s.newerSchema(ctx, current, known, hubVersion)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrating the database's schema from version %d to %d: %w", current, known, unwrapDriver(err))
	}
	for _, r := range results {
		s.log.Info("PostgreSQL schema migrated", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration.String())
		if _, err := s.pool.Exec(ctx, `INSERT INTO hub_versions (schema_version, hub_version) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			r.Source.Version, orUnknown(hubVersion)); err != nil {
			return fmt.Errorf("recording which tandem-hub migrated the schema: %w", err)
		}
	}
	return nil
}

// newerSchema is the refusal of a schema a newer tandem-hub wrote: it
// names the schema version and, where the database recorded it, the
// tandem-hub version that wrote it.
func (s *Store) newerSchema(ctx context.Context, current, known int64, hubVersion string) error {
	var by string
	err := s.pool.QueryRow(ctx, `SELECT hub_version FROM hub_versions WHERE schema_version = $1`, current).Scan(&by)
	need := fmt.Sprintf("a tandem-hub that knows schema version %d", current)
	switch {
	case err == nil:
		need = fmt.Sprintf("tandem-hub %s or newer (it wrote schema version %d)", by, current)
	case !errors.Is(err, pgx.ErrNoRows):
		s.log.Warn("could not read which tandem-hub wrote the schema", "err", err)
	}
	return fmt.Errorf("%w: the database is at schema version %d and this tandem-hub (%s) knows up to %d; run %s, or point this one at another database",
		ErrSchemaNewer, current, orUnknown(hubVersion), known, need)
}

func orUnknown(v string) string {
	if v == "" {
		return "version unknown"
	}
	return v
}

// unwrapDriver turns database/sql's bad-connection error into one that
// Unavailable recognises.
func unwrapDriver(err error) error {
	if errors.Is(err, driver.ErrBadConn) {
		return fmt.Errorf("%w (%w)", err, errConnLost)
	}
	return err
}

var errConnLost = errors.New("the connection to PostgreSQL was lost")
