package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/hub/storetest"
	"tandem/internal/pgtest"
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
