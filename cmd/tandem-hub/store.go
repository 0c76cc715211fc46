package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/hub/webhook"
	"tandem/internal/version"
	"tandem/localdb"
)

// storeHelp is the --store flag's help.
const storeHelp = "where the hub keeps its data: postgres://user@host/db (PostgreSQL, which several hubs can share) or empty for the embedded store in the data directory (env TANDEM_HUB_STORE)"

// isPostgres reports whether spec names a PostgreSQL database.
func isPostgres(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://")
}

// openStore opens the store spec names for serve: nil for the embedded
// store (hub.Serve opens it), or a PostgreSQL store, waiting for the
// database while it does not answer.
func openStore(ctx context.Context, spec string, log *slog.Logger) (hub.Store, error) {
	switch {
	case spec == "" || spec == "embedded" || spec == "badger":
		return nil, nil
	case isPostgres(spec):
		s, err := pgstore.Open(ctx, spec, pgstore.Options{Logger: log, HubVersion: version.Version})
		if err != nil {
			return nil, fmt.Errorf("opening the PostgreSQL store: %w", err)
		}
		return s, nil
	}
	return nil, usageError{fmt.Sprintf("--store %q: give a postgres:// URL, or nothing for the embedded store", spec)}
}

// migrate copies a badger hub into an empty PostgreSQL database.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate")
	from := fs.String("from", envOr("TANDEM_HUB_DATA", ""), "the data directory of the hub to copy (stop that hub first)")
	to := fs.String("to", "", "the PostgreSQL database to copy it into, as postgres://user@host/db (it must hold no hub yet)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || !isPostgres(*to) {
		return usageError{"migrate: give --from DIR (a hub's data directory) and --to postgres://..."}
	}
	dir := filepath.Join(*from, "store")
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("%s holds no hub store (no %s): give the directory that tandem-hub serve --data uses", *from, dir)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	src, err := hub.OpenBadgerStore(ctx, dir, localdb.Options{Profile: localdb.Server, Logger: log})
	if err != nil {
		if errors.Is(err, localdb.ErrLocked) {
			return fmt.Errorf("the hub in %s is running: stop it, then copy its store (%w)", *from, err)
		}
		return fmt.Errorf("opening the hub's store in %s: %w", dir, err)
	}
	defer src.Close()
	dst, err := pgstore.Open(ctx, *to, pgstore.Options{Logger: log, HubVersion: version.Version})
	if err != nil {
		return fmt.Errorf("opening the PostgreSQL store: %w", err)
	}
	defer dst.Close()
	st, err := src.Export(ctx, dst)
	if err != nil {
		return fmt.Errorf("copying the hub (nothing was kept in PostgreSQL unless attachments were being copied; see the error): %w", err)
	}
	endpoints, deliveries, err := copyWebhooks(ctx, filepath.Join(*from, "webhooks"), dst.WebhookStore(), log)
	if err != nil {
		return fmt.Errorf("copying the webhooks (the hub's data is copied; run migrate again into a new database): %w", err)
	}
	fmt.Fprintf(stdout, "copied %d tenants, %d devices, %d tickets, %d people, %d attachments (%d records), %d webhook endpoints and %d queued deliveries into PostgreSQL\n",
		st.Tenants, st.Devices, st.Tickets, st.Users, st.Blobs, st.Records, endpoints, deliveries)
	fmt.Fprintf(stdout, "start the hub with: tandem-hub serve --data %s --store URL (the URL given to --to)\n", *from)
	return nil
}

// copyWebhooks copies the webhook endpoints and the deliveries not yet
// sent (pending and dead) of the hub's webhook store in dir, if it has one.
func copyWebhooks(ctx context.Context, dir string, dst webhook.Store, log *slog.Logger) (endpoints, deliveries int, err error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil
	}
	src, err := webhook.OpenStore(ctx, dir, localdb.Options{Profile: localdb.Server, Logger: log})
	if err != nil {
		return 0, 0, fmt.Errorf("opening the webhook store in %s: %w", dir, err)
	}
	defer src.Close()
	eps, err := src.Endpoints(ctx, "")
	if err != nil {
		return 0, 0, err
	}
	for _, e := range eps {
		if err := dst.PutEndpoint(ctx, e); err != nil {
			return 0, 0, err
		}
	}
	// Every pending delivery, due or not: Due up to the end of time.
	pending, _, err := src.Due(ctx, time.Unix(0, math.MaxInt64), math.MaxInt32)
	if err != nil {
		return 0, 0, err
	}
	dead, err := src.Dead(ctx, "")
	if err != nil {
		return 0, 0, err
	}
	all := append(pending, dead...)
	if err := dst.Enqueue(ctx, all); err != nil {
		return 0, 0, err
	}
	return len(eps), len(all), nil
}
