package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tandem/localdb"
	"tandem/msp"
)

// Importer is a store that can take a whole hub's content from another
// (tandem-hub migrate: a badger hub copied into PostgreSQL).
type Importer interface {
	Store
	BlobStore
	// Import runs fn in one transaction of an empty store: fn's writes are
	// kept all together or not at all. It refuses a store that holds a
	// hub already.
	Import(ctx context.Context, fn func(ImportTx) error) error
}

// ImportTx is the transaction of Importer.Import.
type ImportTx interface {
	Tx
	// SetFeed replaces the tenant's change feed with entries, numbered as
	// they were in the source, and sets its last sequence: the pull
	// cursors agents hold stay valid on the copy.
	SetFeed(tenant string, entries []FeedEntry, last uint64) error
}

// ExportStats counts what Export copied.
type ExportStats struct {
	Tenants, Devices, Tickets, Users, Blobs, Records int
}

// Export copies the whole content of the embedded store into dst: one
// snapshot of this store, written in one transaction of dst, then the
// attachments. This store must not be in use by a hub meanwhile (badger
// locks its directory, so a running hub's store cannot be opened).
func (s *BadgerStore) Export(ctx context.Context, dst Importer) (ExportStats, error) {
	var st ExportStats
	var blobs []string // tenant/sha256
	err := s.db.View(func(src *localdb.Tx) error {
		return dst.Import(ctx, func(tx ImportTx) error {
			st = ExportStats{}
			blobs = blobs[:0]
			b := badgerTx{src}
			copyJSON := func(space string, fn func(key string, val []byte) error) error {
				prefix := localdb.Prefix(space)
				return src.Scan(prefix, nil, func(key, val []byte) error {
					st.Records++
					return fn(string(key[len(prefix):]), val)
				})
			}
			type step struct {
				space string
				fn    func(key string, val []byte) error
			}
			tenants := map[string]bool{}
			steps := []step{
				{spTenant, func(key string, val []byte) error {
					var v msp.Tenant
					st.Tenants++
					tenants[key] = true
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutTenant(v))
				}},
				{spToken, func(key string, val []byte) error {
					var v Token
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutToken(v))
				}},
				{spDevice, func(key string, val []byte) error {
					var v Device
					st.Devices++
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutDevice(v))
				}},
				{spInv, func(key string, val []byte) error {
					var v msp.Inventory
					tenant, device, _ := strings.Cut(key, "/")
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutInventory(tenant, device, v))
				}},
				{spTicket, func(key string, val []byte) error {
					var v msp.Ticket
					st.Tickets++
					if err := decodeJSON([]byte(key), val, &v); err != nil {
						return err
					}
					tenants[v.Tenant] = true
					return tx.PutTicket(&v)
				}},
				{spHist, func(key string, val []byte) error {
					var v TicketHistory
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutHistory(v))
				}},
				{spAlerts, func(key string, val []byte) error {
					var v DeviceAlerts
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutDeviceAlerts(v))
				}},
				{spHW, func(key string, val []byte) error {
					m, err := b.Mark(key)
					return errors.Join(err, tx.SetMark(key, m))
				}},
				{spApplied, func(key string, _ []byte) error {
					tenant, change, _ := strings.Cut(key, "/")
					return tx.NoteChange(tenant, change)
				}},
				{spMatrix, func(key string, val []byte) error {
					var v []msp.MatrixEvent
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.AddMatrixEvents(key, v...))
				}},
				{spEventQ, func(key string, val []byte) error {
					var v QueuedEvent
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.QueueEvent(v))
				}},
				{spUser, func(key string, val []byte) error {
					var v User
					st.Users++
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutUser(v))
				}},
				{spSecret, func(key string, val []byte) error {
					var v Secret
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutSecret(v))
				}},
				{spPerson, func(key string, val []byte) error {
					var v msp.Person
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutPerson(v))
				}},
				{spAGroup, func(key string, val []byte) error {
					var v AlertGroup
					return errors.Join(decodeJSON([]byte(key), val, &v), tx.PutAlertGroup(v))
				}},
				{spBlobMeta, func(key string, _ []byte) error {
					blobs = append(blobs, key)
					return nil
				}},
			}
			for _, sp := range steps {
				if err := copyJSON(sp.space, sp.fn); err != nil {
					return fmt.Errorf("copying %s: %w", sp.space, err)
				}
			}
			// Last, the feeds as they were numbered here: writing the
			// tickets above numbered new ones.
			feeds := map[string][]FeedEntry{}
			if err := copyJSON(spFeed, func(key string, val []byte) error {
				tenant, _, _ := strings.Cut(key, "/")
				var e FeedEntry
				if err := decodeJSON([]byte(key), val, &e); err != nil {
					return err
				}
				feeds[tenant] = append(feeds[tenant], e)
				tenants[tenant] = true
				return nil
			}); err != nil {
				return fmt.Errorf("copying the change feeds: %w", err)
			}
			for tenant := range tenants {
				last, err := src.Counter("feed/" + tenant)
				if err != nil {
					return err
				}
				if err := tx.SetFeed(tenant, feeds[tenant], last); err != nil {
					return fmt.Errorf("copying the change feed of tenant %s: %w", tenant, err)
				}
			}
			return nil
		})
	})
	if err != nil {
		return st, err
	}
	for _, key := range blobs {
		tenant, sum, _ := strings.Cut(key, "/")
		meta, data, err := s.Blob(ctx, tenant, sum)
		if err != nil {
			return st, fmt.Errorf("reading attachment %s of tenant %s: %w", sum, tenant, err)
		}
		// No quota: the files were kept within the source's quotas, and
		// the copy counts them anew for the tenant and the uploader.
		if _, err := dst.PutBlob(ctx, tenant, meta, data, BlobQuota{}); err != nil {
			return st, fmt.Errorf("copying attachment %s of tenant %s: %w", sum, tenant, err)
		}
		st.Blobs++
	}
	return st, nil
}
