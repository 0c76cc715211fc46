package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tandem/localdb"
)

// ErrNotFound is returned for an endpoint or delivery that does not exist.
var ErrNotFound = errors.New("webhook: not found")

// Store keeps endpoints and the delivery queue. Every method is safe for
// concurrent use; each one is a single transaction, committed durably
// before it returns.
type Store interface {
	PutEndpoint(ctx context.Context, e Endpoint) error
	// DeleteEndpoint removes an endpoint; its pending deliveries are
	// dropped when they come due.
	DeleteEndpoint(ctx context.Context, tenant, id string) error
	// Endpoints returns the tenant's endpoints, or every tenant's when
	// tenant is empty.
	Endpoints(ctx context.Context, tenant string) ([]Endpoint, error)
	Endpoint(ctx context.Context, tenant, id string) (Endpoint, error)
	// Enqueue adds pending deliveries. A delivery whose id the store holds
	// already (pending or dead) is left as it is: queueing one again is
	// harmless.
	Enqueue(ctx context.Context, ds []Delivery) error
	// Due returns up to limit pending deliveries whose NextAt is not after
	// now, earliest first, and the NextAt of the first one not due (zero
	// when there is none).
	Due(ctx context.Context, now time.Time, limit int) (due []Delivery, next time.Time, err error)
	// Save stores a delivery's new state: pending ones stay queued at
	// their NextAt; delivered ones leave the store; dead ones are kept
	// until retried or removed.
	Save(ctx context.Context, d Delivery) error
	Delivery(ctx context.Context, id string) (Delivery, error)
	// Dead returns the tenant's dead deliveries (every tenant's when
	// tenant is empty).
	Dead(ctx context.Context, tenant string) ([]Delivery, error)
	// Depth is the number of pending deliveries.
	Depth(ctx context.Context) (int, error)
	Close() error
}

// Key layout of DBStore:
//
//	wh-ep/<tenant>/<endpoint>        Endpoint
//	wh-del/<delivery>                Delivery
//	wh-due/<unix nanos, 20 digits>/<delivery>   empty: the pending queue by due time
//	wh-dead/<tenant>/<delivery>      empty: dead deliveries
const (
	spEndpoint = "wh-ep"
	spDelivery = "wh-del"
	spDue      = "wh-due"
	spDead     = "wh-dead"
)

// DBStore is the Store on an embedded database of its own.
type DBStore struct{ db *localdb.DB }

var _ Store = (*DBStore)(nil)

// OpenStore opens (or creates) the webhook store in dir, a directory of its
// own (the hub uses DIR/webhooks).
func OpenStore(ctx context.Context, dir string, opts localdb.Options) (*DBStore, error) {
	db, err := localdb.Open(ctx, dir, opts)
	if err != nil {
		return nil, fmt.Errorf("opening the webhook store: %w", err)
	}
	return &DBStore{db: db}, nil
}

// Close closes the database.
func (s *DBStore) Close() error { return s.db.Close() }

func key(space string, parts ...string) []byte { return localdb.Key(space, strings.Join(parts, "/")) }

func dueKey(d Delivery) []byte {
	return key(spDue, fmt.Sprintf("%020d", d.NextAt.UnixNano()), d.ID)
}

func (s *DBStore) PutEndpoint(ctx context.Context, e Endpoint) error {
	return s.db.Update(ctx, func(tx *localdb.Tx) error { return tx.PutJSON(key(spEndpoint, e.Tenant, e.ID), e) })
}

func (s *DBStore) DeleteEndpoint(ctx context.Context, tenant, id string) error {
	return s.db.Update(ctx, func(tx *localdb.Tx) error {
		k := key(spEndpoint, tenant, id)
		if ok, err := tx.Has(k); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("endpoint %s of tenant %s: %w", id, tenant, ErrNotFound)
		}
		return tx.Delete(k)
	})
}

func (s *DBStore) Endpoint(ctx context.Context, tenant, id string) (e Endpoint, err error) {
	err = s.view(ctx, func(tx *localdb.Tx) error {
		err := tx.GetJSON(key(spEndpoint, tenant, id), &e)
		if errors.Is(err, localdb.ErrNotFound) {
			return fmt.Errorf("endpoint %s of tenant %s: %w", id, tenant, ErrNotFound)
		}
		return err
	})
	return e, err
}

func (s *DBStore) Endpoints(ctx context.Context, tenant string) ([]Endpoint, error) {
	prefix := localdb.Prefix(spEndpoint)
	if tenant != "" {
		prefix = key(spEndpoint, tenant, "")
	}
	var out []Endpoint
	err := s.view(ctx, func(tx *localdb.Tx) error {
		return tx.Scan(prefix, nil, func(k, v []byte) error {
			var e Endpoint
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("%w: endpoint under %q: %v", localdb.ErrCorrupt, k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

func (s *DBStore) Enqueue(ctx context.Context, ds []Delivery) error {
	return s.db.Update(ctx, func(tx *localdb.Tx) error {
		for _, d := range ds {
			if has, err := tx.Has(key(spDelivery, d.ID)); err != nil || has {
				if err != nil {
					return err
				}
				continue
			}
			if err := tx.PutJSON(key(spDelivery, d.ID), d); err != nil {
				return err
			}
			if err := tx.Put(dueKey(d), nil); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *DBStore) Due(ctx context.Context, now time.Time, limit int) (due []Delivery, next time.Time, err error) {
	err = s.view(ctx, func(tx *localdb.Tx) error {
		return tx.ScanKeys(localdb.Prefix(spDue), nil, func(k []byte) error {
			rest := strings.TrimPrefix(string(k), string(localdb.Prefix(spDue)))
			ts, id, ok := strings.Cut(rest, "/")
			nanos, perr := strconv.ParseInt(ts, 10, 64)
			if !ok || perr != nil {
				return fmt.Errorf("%w: queue key %q", localdb.ErrCorrupt, k)
			}
			at := time.Unix(0, nanos)
			if at.After(now) || len(due) >= limit {
				next = at
				return localdb.ErrStop
			}
			var d Delivery
			if err := tx.GetJSON(key(spDelivery, id), &d); err != nil {
				return fmt.Errorf("delivery %s in the queue: %w", id, err)
			}
			due = append(due, d)
			return nil
		})
	})
	return due, next, err
}

func (s *DBStore) Save(ctx context.Context, d Delivery) error {
	return s.db.Update(ctx, func(tx *localdb.Tx) error {
		var old Delivery
		err := tx.GetJSON(key(spDelivery, d.ID), &old)
		switch {
		case errors.Is(err, localdb.ErrNotFound):
			return fmt.Errorf("delivery %s: %w", d.ID, ErrNotFound)
		case err != nil:
			return err
		}
		if old.State == StatePending {
			if err := tx.Delete(dueKey(old)); err != nil {
				return err
			}
		}
		if old.State == StateDead {
			if err := tx.Delete(key(spDead, old.Tenant, old.ID)); err != nil {
				return err
			}
		}
		switch d.State {
		case StateDelivered:
			return tx.Delete(key(spDelivery, d.ID))
		case StateDead:
			if err := tx.Put(key(spDead, d.Tenant, d.ID), nil); err != nil {
				return err
			}
		default:
			if err := tx.Put(dueKey(d), nil); err != nil {
				return err
			}
		}
		return tx.PutJSON(key(spDelivery, d.ID), d)
	})
}

func (s *DBStore) Delivery(ctx context.Context, id string) (d Delivery, err error) {
	err = s.view(ctx, func(tx *localdb.Tx) error {
		err := tx.GetJSON(key(spDelivery, id), &d)
		if errors.Is(err, localdb.ErrNotFound) {
			return fmt.Errorf("delivery %s: %w", id, ErrNotFound)
		}
		return err
	})
	return d, err
}

func (s *DBStore) Dead(ctx context.Context, tenant string) ([]Delivery, error) {
	prefix := localdb.Prefix(spDead)
	if tenant != "" {
		prefix = key(spDead, tenant, "")
	}
	var out []Delivery
	err := s.view(ctx, func(tx *localdb.Tx) error {
		return tx.ScanKeys(prefix, nil, func(k []byte) error {
			id := string(k[strings.LastIndexByte(string(k), '/')+1:])
			var d Delivery
			if err := tx.GetJSON(key(spDelivery, id), &d); err != nil {
				return fmt.Errorf("dead delivery %s: %w", id, err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

func (s *DBStore) Depth(ctx context.Context) (n int, err error) {
	err = s.view(ctx, func(tx *localdb.Tx) error {
		n, err = tx.Count(localdb.Prefix(spDue))
		return err
	})
	return n, err
}

func (s *DBStore) view(ctx context.Context, fn func(*localdb.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}
