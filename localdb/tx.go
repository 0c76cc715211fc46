package localdb

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Spaces of the key layout (see the package documentation).
const (
	SpaceMeta      = "meta"
	SpaceCounter   = "counter"
	SpaceTicket    = "ticket"
	SpaceOutbox    = "outbox"
	SpaceDead      = "dead"
	SpaceDevice    = "device"
	SpaceInventory = "inventory"
)

// Key returns "space/name".
func Key(space, name string) []byte {
	k := make([]byte, 0, len(space)+1+len(name))
	k = append(k, space...)
	k = append(k, '/')
	return append(k, name...)
}

// SeqKey returns "space/" followed by seq as 8 big-endian bytes, so that
// keys of one space sort by sequence number.
func SeqKey(space string, seq uint64) []byte {
	k := make([]byte, 0, len(space)+9)
	k = append(k, space...)
	k = append(k, '/')
	return binary.BigEndian.AppendUint64(k, seq)
}

// Prefix returns "space/", the prefix of every key in the space.
func Prefix(space string) []byte { return Key(space, "") }

// SeqOf returns the sequence number of a key made by SeqKey.
func SeqOf(key []byte) (uint64, error) {
	i := bytes.IndexByte(key, '/')
	if i < 0 || len(key)-i-1 != 8 {
		return 0, fmt.Errorf("localdb: %q is not a sequence key", key)
	}
	return binary.BigEndian.Uint64(key[i+1:]), nil
}

// ErrStop, returned by a Scan callback, ends the scan without an error.
var ErrStop = errors.New("stop scan")

// Tx is a transaction. It is valid only inside the function given to
// Update or View.
type Tx struct {
	txn      *badger.Txn
	readOnly bool
	wrote    bool // a Put or Delete was made (Update checks the disk's space then)
}

// Get returns a copy of the value under key, or ErrNotFound.
func (tx *Tx) Get(key []byte) ([]byte, error) {
	item, err := tx.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("localdb: read %s: %w", key, err)
	}
	v, err := item.ValueCopy(nil)
	if errors.Is(err, badger.ErrDBClosed) {
		return nil, fmt.Errorf("localdb: read value of %s: %w: %v", key, ErrClosed, err)
	}
	if err != nil {
		// The key is in the index but its value is not where the index
		// says (a value log cut short or overwritten).
		return nil, fmt.Errorf("%w: the value under %s cannot be read: %v", ErrCorrupt, key, err)
	}
	return v, nil
}

// GetJSON decodes the value under key into v, or returns ErrNotFound.
func (tx *Tx) GetJSON(key []byte, v any) error {
	b, err := tx.Get(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: the value under %s is not valid JSON: %v", ErrCorrupt, key, err)
	}
	return nil
}

// Has reports whether key holds a value.
func (tx *Tx) Has(key []byte) (bool, error) {
	_, err := tx.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("localdb: read %s: %w", key, err)
	}
	return true, nil
}

// Put stores val under key.
func (tx *Tx) Put(key, val []byte) error {
	tx.wrote = true
	if err := tx.txn.Set(bytes.Clone(key), bytes.Clone(val)); err != nil {
		return fmt.Errorf("localdb: write %s: %w", key, classifyWrite("", err))
	}
	return nil
}

// PutJSON stores v encoded as JSON under key.
func (tx *Tx) PutJSON(key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("localdb: encode %s: %w", key, err)
	}
	return tx.Put(key, b)
}

// Delete removes key; removing a missing key is not an error.
func (tx *Tx) Delete(key []byte) error {
	tx.wrote = true
	if err := tx.txn.Delete(bytes.Clone(key)); err != nil {
		return fmt.Errorf("localdb: delete %s: %w", key, classifyWrite("", err))
	}
	return nil
}

// Scan calls fn for each key with prefix, in key order, starting at start
// (or at the first key of the prefix when start is nil). key and val are
// valid only during the call. fn returns ErrStop to end early.
func (tx *Tx) Scan(prefix, start []byte, fn func(key, val []byte) error) error {
	return tx.scan(prefix, start, true, fn, nil)
}

// ScanKeys is Scan without reading values (cheaper: counting, deleting).
func (tx *Tx) ScanKeys(prefix, start []byte, fn func(key []byte) error) error {
	return tx.scan(prefix, start, false, func(k, _ []byte) error { return fn(k) }, nil)
}

// ScanDamaged is Scan for records the caller can do without (a replica
// the hub sends again): a value the store cannot read is handed to fn as
// readErr (wrapping ErrCorrupt) with a nil val, instead of ending the scan,
// so one damaged record does not hide every other.
func (tx *Tx) ScanDamaged(prefix, start []byte, fn func(key, val []byte, readErr error) error) error {
	return tx.scan(prefix, start, true, func(k, v []byte) error { return fn(k, v, nil) }, func(k []byte, err error) error {
		return fn(k, nil, fmt.Errorf("%w: the value under %s cannot be read: %v", ErrCorrupt, k, err))
	})
}

func (tx *Tx) scan(prefix, start []byte, values bool, fn func(key, val []byte) error, onReadErr func(key []byte, err error) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	opts.PrefetchValues = false
	it := tx.txn.NewIterator(opts)
	defer it.Close()
	if start == nil || bytes.Compare(start, prefix) < 0 {
		start = prefix
	}
	for it.Seek(start); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		var err error
		if values {
			// No copy: val is valid only during fn, as documented. Copying
			// every value of a scan is garbage the idle agent would carry.
			var ferr error
			err = item.Value(func(val []byte) error {
				ferr = fn(item.Key(), val)
				return ferr
			})
			if err != nil && ferr == nil {
				if onReadErr == nil {
					return fmt.Errorf("localdb: read value of %s: %w", item.Key(), err)
				}
				err = onReadErr(item.Key(), err)
			}
		} else {
			err = fn(item.Key(), nil)
		}
		if err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// Count returns how many keys start with prefix.
func (tx *Tx) Count(prefix []byte) (int, error) {
	n := 0
	err := tx.ScanKeys(prefix, nil, func([]byte) error { n++; return nil })
	return n, err
}

// Next increments the counter called name and returns its new value
// (1 for a new counter). Two transactions that take the same counter
// conflict and one is retried, so values are never handed out twice.
func (tx *Tx) Next(name string) (uint64, error) {
	n, err := tx.Counter(name)
	if err != nil {
		return 0, err
	}
	n++
	if err := tx.Put(Key(SpaceCounter, name), binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return 0, err
	}
	return n, nil
}

// Counter returns the counter's current value (0 for a new counter).
func (tx *Tx) Counter(name string) (uint64, error) {
	b, err := tx.Get(Key(SpaceCounter, name))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: counter %s holds %d bytes, not 8", ErrCorrupt, name, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// SetCounter sets the counter called name to n; the next Next returns n+1.
func (tx *Tx) SetCounter(name string, n uint64) error {
	return tx.Put(Key(SpaceCounter, name), binary.BigEndian.AppendUint64(nil, n))
}
