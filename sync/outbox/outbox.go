// Package outbox is the agent's durable, ordered queue of mutations waiting
// for the hub. A mutation is enqueued in the same transaction as the local
// write it stands for, so what the user was told is saved is also queued;
// it leaves the outbox only when the hub has acknowledged it (applied or
// refused for good, in which case it moves to the dead letters, where the
// user can see it and its reason).
//
// Keys (in the store's "space/name" layout):
//
//	outbox/<8-byte seq>   a protocol.Mutation as JSON, Seq set
//	dead/<8-byte seq>     a DeadLetter as JSON
//	counter/outbox        the last sequence number handed out
//	outbox-mark/acked     the last sequence number the hub acknowledged (8 bytes)
//
// Scans start after the acknowledged mark, so the tombstones badger keeps
// for delivered entries are never walked again.
package outbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"tandem/sync/protocol"
)

// KV is the part of a store transaction the outbox needs. localdb's *Tx
// implements it.
type KV interface {
	Get(key []byte) ([]byte, error)
	Put(key, val []byte) error
	Delete(key []byte) error
	Scan(prefix, start []byte, fn func(key, val []byte) error) error
	Has(key []byte) (bool, error)
	Next(counter string) (uint64, error)
}

// Spaces and the counter the outbox uses.
const (
	spaceOutbox = "outbox"
	spaceDead   = "dead"
	counterName = "outbox"
)

// Outbox works on transactions of one store.
type Outbox struct {
	// Stop is the error a Scan callback returns to end the scan early
	// without failing (localdb.ErrStop).
	Stop error
}

// New returns an outbox whose scans end early with stop.
func New(stop error) *Outbox { return &Outbox{Stop: stop} }

func key(space string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(space+"/"), seq)
}

func prefix(space string) []byte { return []byte(space + "/") }

// ackedKey holds the acknowledged mark (outside the queue's prefix).
var ackedKey = []byte("outbox-mark/acked")

// start returns where scans of the queue begin: after the acknowledged mark.
func start(tx KV) ([]byte, error) {
	var acked uint64
	has, err := tx.Has(ackedKey)
	if err == nil && has {
		var b []byte
		if b, err = tx.Get(ackedKey); err == nil && len(b) != 8 {
			err = fmt.Errorf("it is %d bytes, not 8", len(b))
		}
		if err == nil {
			acked = binary.BigEndian.Uint64(b)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: reading the acknowledged mark: %w", err)
	}
	return key(spaceOutbox, acked+1), nil
}

// Enqueue gives m the next sequence number and stores it. Call it in the
// transaction that makes the local change m describes.
func (o *Outbox) Enqueue(tx KV, m protocol.Mutation) (uint64, error) {
	seq, err := tx.Next(counterName)
	if err != nil {
		return 0, fmt.Errorf("outbox: numbering a change: %w", err)
	}
	m.Seq = seq
	if err := m.Validate(); err != nil {
		return 0, fmt.Errorf("outbox: %w", err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("outbox: encoding a change: %w", err)
	}
	if err := tx.Put(key(spaceOutbox, seq), b); err != nil {
		return 0, fmt.Errorf("outbox: queueing a change: %w", err)
	}
	return seq, nil
}

// Batch returns the oldest queued mutations, as stored, up to max of them
// and about maxBytes in all (at least one, however large).
func (o *Outbox) Batch(tx KV, max, maxBytes int) ([]json.RawMessage, error) {
	var out []json.RawMessage
	size := 0
	from, err := start(tx)
	if err != nil {
		return nil, err
	}
	err = tx.Scan(prefix(spaceOutbox), from, func(_, val []byte) error {
		if len(out) >= max || (len(out) > 0 && size+len(val) > maxBytes) {
			return o.Stop
		}
		out = append(out, json.RawMessage(append([]byte(nil), val...)))
		size += len(val)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: reading queued changes: %w", err)
	}
	return out, nil
}

// Pending calls fn with every queued mutation in order (to re-apply local
// changes over what the hub sent, or to count them).
func (o *Outbox) Pending(tx KV, fn func(protocol.Mutation) error) error {
	from, err := start(tx)
	if err != nil {
		return err
	}
	return tx.Scan(prefix(spaceOutbox), from, func(k, val []byte) error {
		var m protocol.Mutation
		if err := json.Unmarshal(val, &m); err != nil {
			return fmt.Errorf("outbox: queued change %x is damaged: %w", k, err)
		}
		return fn(m)
	})
}

// Len counts the queued mutations.
func (o *Outbox) Len(tx KV) (int, error) {
	from, err := start(tx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = tx.Scan(prefix(spaceOutbox), from, func(_, _ []byte) error { n++; return nil })
	return n, err
}

// DeadLetter is a mutation the hub refused for good, kept with the reason so
// the person who made it can see it and nothing is silently lost.
type DeadLetter struct {
	Mutation   protocol.Mutation   `json:"mutation"`
	Error      *protocol.ErrorBody `json:"error"`
	RejectedAt time.Time           `json:"rejected_at"`
}

// Acknowledge applies the hub's answer to a push: every mutation up to
// highWater leaves the outbox; those the hub rejected move to the dead
// letters with their reason. It returns how many left the queue and the
// rejected mutations.
func (o *Outbox) Acknowledge(tx KV, resp protocol.PushResponse, now time.Time) (int, []DeadLetter, error) {
	rejected := map[uint64]*protocol.ErrorBody{}
	for _, r := range resp.Results {
		if r.Outcome == protocol.Rejected {
			rejected[r.Seq] = r.Error
		}
	}
	var dead []DeadLetter
	var done [][]byte
	from, err := start(tx)
	if err != nil {
		return 0, nil, err
	}
	err = tx.Scan(prefix(spaceOutbox), from, func(k, val []byte) error {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		if seq > resp.HighWater {
			return o.Stop
		}
		done = append(done, append([]byte(nil), k...))
		if e, ok := rejected[seq]; ok {
			var m protocol.Mutation
			if err := json.Unmarshal(val, &m); err != nil {
				return fmt.Errorf("outbox: queued change %d is damaged: %w", seq, err)
			}
			if e == nil {
				e = &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "the hub refused this change without a reason"}
			}
			dead = append(dead, DeadLetter{Mutation: m, Error: e, RejectedAt: now.UTC()})
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("outbox: reading acknowledged changes: %w", err)
	}
	for _, d := range dead {
		b, err := json.Marshal(d)
		if err != nil {
			return 0, nil, fmt.Errorf("outbox: encoding a refused change: %w", err)
		}
		if err := tx.Put(key(spaceDead, d.Mutation.Seq), b); err != nil {
			return 0, nil, fmt.Errorf("outbox: keeping a refused change: %w", err)
		}
	}
	for _, k := range done {
		if err := tx.Delete(k); err != nil {
			return 0, nil, fmt.Errorf("outbox: removing an acknowledged change: %w", err)
		}
	}
	if len(done) > 0 {
		last := binary.BigEndian.Uint64(done[len(done)-1][len(done[len(done)-1])-8:])
		if err := tx.Put(ackedKey, binary.BigEndian.AppendUint64(nil, last)); err != nil {
			return 0, nil, fmt.Errorf("outbox: recording the acknowledged mark: %w", err)
		}
	}
	return len(done), dead, nil
}

// Dead returns the dead letters, oldest first.
func (o *Outbox) Dead(tx KV) ([]DeadLetter, error) {
	var out []DeadLetter
	err := tx.Scan(prefix(spaceDead), nil, func(k, val []byte) error {
		var d DeadLetter
		if err := json.Unmarshal(val, &d); err != nil {
			return fmt.Errorf("outbox: dead letter %x is damaged: %w", k, err)
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// DeadLen counts the dead letters.
func (o *Outbox) DeadLen(tx KV) (int, error) {
	n := 0
	err := tx.Scan(prefix(spaceDead), nil, func(_, _ []byte) error { n++; return nil })
	return n, err
}

// Dismiss removes a dead letter once the person has seen it.
func (o *Outbox) Dismiss(tx KV, seq uint64) error {
	if _, err := tx.Get(key(spaceDead, seq)); err != nil {
		return fmt.Errorf("outbox: no refused change %d: %w", seq, err)
	}
	return tx.Delete(key(spaceDead, seq))
}
