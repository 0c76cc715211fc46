package localdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// SchemaVersion is the layout this build of Tandem reads and writes.
const SchemaVersion = 1

// A Migration moves the store from version To-1 to To in one transaction.
type Migration struct {
	To    uint32
	Name  string
	Apply func(tx *Tx) error
}

// migrations lists every migration in order; migrations[i].To == i+1.
var migrations = []Migration{
	{To: 1, Name: "initial key layout", Apply: func(*Tx) error { return nil }},
}

var schemaKey = Key(SpaceMeta, "schema")

// Schema returns the store's schema version.
func (db *DB) Schema() (uint32, error) {
	var v uint32
	err := db.View(func(tx *Tx) error {
		var err error
		v, err = readSchema(tx)
		return err
	})
	return v, err
}

func readSchema(tx *Tx) (uint32, error) {
	b, err := tx.Get(schemaKey)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 4 {
		return 0, fmt.Errorf("%w: the schema version holds %d bytes, not 4", ErrCorrupt, len(b))
	}
	return binary.BigEndian.Uint32(b), nil
}

// migrate brings the store up to the last migration's version, one
// transaction per step, each recording its version with its changes, so
// that a crash in between resumes where it stopped.
func (db *DB) migrate(ctx context.Context, migs []Migration) error {
	want := uint32(len(migs))
	have, err := db.Schema()
	if err != nil {
		return fmt.Errorf("localdb: read the schema version of %s: %w", db.dir, err)
	}
	if have > want {
		return fmt.Errorf("%w: the store in %s has schema version %d and this program knows up to %d; install the newer Tandem again, or move the directory aside to start afresh",
			ErrNewerSchema, db.dir, have, want)
	}
	for _, m := range migs[have:] {
		err := db.Update(ctx, func(tx *Tx) error {
			v, err := readSchema(tx)
			if err != nil {
				return err
			}
			if v >= m.To { // another step got here first
				return nil
			}
			if err := m.Apply(tx); err != nil {
				return err
			}
			return tx.Put(schemaKey, binary.BigEndian.AppendUint32(nil, m.To))
		})
		if err != nil {
			return fmt.Errorf("localdb: migrate %s to schema %d (%s): %w", db.dir, m.To, m.Name, err)
		}
		if have > 0 {
			db.log.Info("store migrated", "schema", m.To, "step", m.Name)
		}
	}
	return nil
}
