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
//	outbox-mark/stream    the Stream the queue is numbered in (JSON)
//
// Scans start after the acknowledged mark, so the tombstones badger keeps
// for delivered entries are never walked again.
//
// A queue is numbered in a stream (see protocol.PushRequest). NewStream
// starts a new one and numbers what is queued again from its base: after a
// re-enrollment, when the hub finds a number used twice (a restored or
// copied store), or when a damaged entry left a hole. Quarantine moves
// damaged entries aside so that the rest of the queue flows. The Ledger,
// a file of its own beside the store, keeps every queued ticket change
// until the hub has it, so that a store that comes back with less (a torn
// or damaged write-ahead log, a restored or recreated store) loses nothing
// that the person was told was saved.
package outbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"tandem/msp"
	"tandem/sync/protocol"
)

// KV is the part of a store transaction the outbox needs. localdb's *Tx
// implements it.
type KV interface {
	Get(key []byte) ([]byte, error)
	Put(key, val []byte) error
	Delete(key []byte) error
	Scan(prefix, start []byte, fn func(key, val []byte) error) error
	ScanKeys(prefix, start []byte, fn func(key []byte) error) error
	Has(key []byte) (bool, error)
	Next(counter string) (uint64, error)
	SetCounter(counter string, n uint64) error
}

// ErrDamaged: a queued change cannot be read or decoded. Quarantine moves
// such entries aside.
var ErrDamaged = errors.New("a queued change is damaged")

// CodeDamaged is the ErrorBody code of a dead letter that Quarantine made.
const CodeDamaged = "damaged"

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
	acked, err := ackedMark(tx)
	if err != nil {
		return nil, err
	}
	return key(spaceOutbox, acked+1), nil
}

// ackedMark is the last sequence number the hub acknowledged.
func ackedMark(tx KV) (uint64, error) {
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
		return 0, fmt.Errorf("outbox: reading the acknowledged mark: %w", err)
	}
	return acked, nil
}

// Enqueue gives m the next sequence number and stores it. Call it in the
// transaction that makes the local change m describes.
func (o *Outbox) Enqueue(tx KV, m protocol.Mutation) (uint64, error) {
	seq, err := tx.Next(counterName)
	if err != nil {
		return 0, fmt.Errorf("outbox: numbering a change: %w", err)
	}
	m.Seq = seq
	if m.ID == "" {
		m.ID = msp.NewID()
		if m.Change != nil && m.Change.ID != "" {
			m.ID = m.Change.ID
		}
	}
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
	var damaged bool
	err = tx.Scan(prefix(spaceOutbox), from, func(k, val []byte) error {
		if len(out) >= max || (len(out) > 0 && size+len(val) > maxBytes) {
			return o.Stop
		}
		var head struct {
			Seq uint64 `json:"seq"`
		}
		if json.Unmarshal(val, &head) != nil || head.Seq != binary.BigEndian.Uint64(k[len(k)-8:]) {
			damaged = true
			return o.Stop
		}
		out = append(out, json.RawMessage(append([]byte(nil), val...)))
		size += len(val)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: reading queued changes: %w: %v", ErrDamaged, err)
	}
	if damaged && len(out) == 0 {
		return nil, fmt.Errorf("outbox: %w", ErrDamaged)
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
	var bad error
	err = tx.Scan(prefix(spaceOutbox), from, func(k, val []byte) error {
		var m protocol.Mutation
		if err := json.Unmarshal(val, &m); err != nil {
			bad = fmt.Errorf("outbox: queued change %x: %w: %v", k, ErrDamaged, err)
			return bad
		}
		if err := fn(m); err != nil {
			return callerError{err}
		}
		return nil
	})
	var ce callerError
	switch {
	case err == nil || bad != nil:
		return bad
	case errors.As(err, &ce):
		return ce.err
	}
	// The store could not read a value: damage on disk too.
	return fmt.Errorf("outbox: reading queued changes: %w: %v", ErrDamaged, err)
}

// callerError carries the error of a Pending callback through the scan,
// apart from the store's own.
type callerError struct{ err error }

func (e callerError) Error() string { return e.err.Error() }
func (e callerError) Unwrap() error { return e.err }

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

// Acked is what one acknowledgement took out of the queue.
type Acked struct {
	N    int          // how many changes left the queue
	Dead []DeadLetter // those the hub refused, now dead letters
	IDs  []string     // the ids of the changes that left (Mutation.ID)
	// Conflict is set when the hub holds something else under one of the
	// numbers: that change and those after it stay queued, to be sent in
	// a new stream (NewStream).
	Conflict bool
}

// Acknowledge applies the hub's answer to a push: every mutation up to
// highWater leaves the outbox, except from a conflict on; those the hub
// rejected move to the dead letters with their reason.
func (o *Outbox) Acknowledge(tx KV, resp protocol.PushResponse, now time.Time) (Acked, error) {
	var out Acked
	rejected := map[uint64]*protocol.ErrorBody{}
	upTo := resp.HighWater
	for _, r := range resp.Results {
		switch r.Outcome {
		case protocol.Rejected:
			rejected[r.Seq] = r.Error
		case protocol.Conflict:
			upTo = min(upTo, r.Seq-1)
			out.Conflict = true
		}
	}
	var done [][]byte
	from, err := start(tx)
	if err != nil {
		return out, err
	}
	err = tx.Scan(prefix(spaceOutbox), from, func(k, val []byte) error {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		if seq > upTo {
			return o.Stop
		}
		var m protocol.Mutation
		if err := json.Unmarshal(val, &m); err != nil {
			return fmt.Errorf("outbox: queued change %d: %w: %v", seq, ErrDamaged, err)
		}
		done = append(done, append([]byte(nil), k...))
		out.IDs = append(out.IDs, m.ID)
		if e, ok := rejected[seq]; ok {
			if e == nil {
				e = &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "the hub refused this change without a reason"}
			}
			out.Dead = append(out.Dead, DeadLetter{Mutation: m, Error: e, RejectedAt: now.UTC()})
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("outbox: reading acknowledged changes: %w", err)
	}
	for _, d := range out.Dead {
		if err := o.putDead(tx, d); err != nil {
			return out, err
		}
	}
	for _, k := range done {
		if err := tx.Delete(k); err != nil {
			return out, fmt.Errorf("outbox: removing an acknowledged change: %w", err)
		}
	}
	if len(done) > 0 {
		last := binary.BigEndian.Uint64(done[len(done)-1][len(done[len(done)-1])-8:])
		if err := setAcked(tx, last); err != nil {
			return out, err
		}
	}
	out.N = len(done)
	return out, nil
}

func setAcked(tx KV, seq uint64) error {
	if err := tx.Put(ackedKey, binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return fmt.Errorf("outbox: recording the acknowledged mark: %w", err)
	}
	return nil
}

func (o *Outbox) putDead(tx KV, d DeadLetter) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("outbox: encoding a refused change: %w", err)
	}
	if err := tx.Put(key(spaceDead, d.Mutation.Seq), b); err != nil {
		return fmt.Errorf("outbox: keeping a refused change: %w", err)
	}
	return nil
}

// Stream is the numbering a queue's changes are sent in.
type Stream struct {
	ID string `json:"id"`
	// Device is the device id the stream was made under: a new enrollment
	// needs a new stream.
	Device string `json:"device,omitempty"`
	// Base is the number before the stream's first change.
	Base   uint64    `json:"base"`
	Reason string    `json:"reason,omitempty"`
	Made   time.Time `json:"made"`
}

var streamKey = []byte("outbox-mark/stream")

// Stream returns the queue's stream; ok is false when it has none yet (a
// new store, or one written before streams).
func (o *Outbox) Stream(tx KV) (st Stream, ok bool, err error) {
	has, err := tx.Has(streamKey)
	if err != nil || !has {
		return st, false, err
	}
	b, err := tx.Get(streamKey)
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil || st.ID == "" {
		// A damaged stream record costs only a new stream.
		return Stream{}, false, nil
	}
	return st, true, nil
}

// NewStream starts a new stream for device and numbers every queued change
// again, in order, after the acknowledged mark and every dead letter's
// number (its base), so the queue has no holes and dead letters keep
// numbers of their own.
func (o *Outbox) NewStream(tx KV, device, reason string, now time.Time) (Stream, error) {
	acked, err := ackedMark(tx)
	if err != nil {
		return Stream{}, err
	}
	from := key(spaceOutbox, acked+1)
	if err := tx.ScanKeys(prefix(spaceDead), nil, func(k []byte) error {
		acked = max(acked, binary.BigEndian.Uint64(k[len(k)-8:]))
		return nil
	}); err != nil {
		return Stream{}, fmt.Errorf("outbox: reading the dead letters: %w", err)
	}
	// A queue without holes that starts right after the base keeps its
	// numbers (a new store, a re-enrollment, a conflict): nothing to write.
	consecutive, next := true, acked+1
	if err := tx.ScanKeys(prefix(spaceOutbox), from, func(k []byte) error {
		if binary.BigEndian.Uint64(k[len(k)-8:]) != next {
			consecutive = false
			return o.Stop
		}
		next++
		return nil
	}); err != nil {
		return Stream{}, fmt.Errorf("outbox: reading the queue: %w", err)
	}
	if !consecutive {
		if err := o.renumber(tx, from, acked); err != nil {
			return Stream{}, err
		}
	}
	if err := setAcked(tx, acked); err != nil {
		return Stream{}, err
	}
	st := Stream{ID: msp.NewID(), Device: device, Base: acked, Reason: reason, Made: now.UTC()}
	b, err := json.Marshal(st)
	if err != nil {
		return Stream{}, fmt.Errorf("outbox: encoding the stream: %w", err)
	}
	if err := tx.Put(streamKey, b); err != nil {
		return Stream{}, fmt.Errorf("outbox: recording the stream: %w", err)
	}
	return st, nil
}

// renumber numbers the queued changes from from on consecutively after
// base, and sets the counter after the last.
func (o *Outbox) renumber(tx KV, from []byte, base uint64) error {
	var ms []protocol.Mutation
	var old [][]byte
	if err := tx.Scan(prefix(spaceOutbox), from, func(k, val []byte) error {
		var m protocol.Mutation
		if err := json.Unmarshal(val, &m); err != nil {
			return fmt.Errorf("outbox: queued change %x: %w: %v", k, ErrDamaged, err)
		}
		ms = append(ms, m)
		old = append(old, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return fmt.Errorf("outbox: numbering the queue again: %w", err)
	}
	for _, k := range old {
		if err := tx.Delete(k); err != nil {
			return fmt.Errorf("outbox: numbering the queue again: %w", err)
		}
	}
	for i, m := range ms {
		m.Seq = base + uint64(i) + 1
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("outbox: encoding a change: %w", err)
		}
		if err := tx.Put(key(spaceOutbox, m.Seq), b); err != nil {
			return fmt.Errorf("outbox: numbering the queue again: %w", err)
		}
	}
	if err := tx.SetCounter(counterName, base+uint64(len(ms))); err != nil {
		return fmt.Errorf("outbox: numbering the queue again: %w", err)
	}
	return nil
}

// Quarantine moves every queued change that cannot be read or decoded to
// the dead letters, with the reason, so that the rest of the queue flows.
// It returns the numbers it moved; the queue then has holes, and the
// caller starts a new stream. A change the Ledger still holds is queued
// again from there (see Ledger).
func (o *Outbox) Quarantine(tx KV, now time.Time) ([]uint64, error) {
	from, err := start(tx)
	if err != nil {
		return nil, err
	}
	var keys [][]byte
	if err := tx.ScanKeys(prefix(spaceOutbox), from, func(k []byte) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return nil, fmt.Errorf("outbox: listing queued changes: %w", err)
	}
	var moved []uint64
	for _, k := range keys {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		val, err := tx.Get(k)
		var m protocol.Mutation
		if err == nil {
			err = json.Unmarshal(val, &m)
		}
		if err == nil && m.Seq != seq {
			err = fmt.Errorf("it carries number %d under number %d", m.Seq, seq)
		}
		if err == nil {
			err = m.Validate()
		}
		if err == nil {
			continue
		}
		d := DeadLetter{Mutation: protocol.Mutation{Seq: seq, ID: m.ID, Kind: m.Kind}, RejectedAt: now.UTC(),
			Error: &protocol.ErrorBody{Code: CodeDamaged, Message: fmt.Sprintf(
				"queued change %d was damaged on this computer's disk and cannot be sent (%v); if it was a ticket, it is sent again from the agent's ledger, otherwise raise it again", seq, err)}}
		if err := o.putDead(tx, d); err != nil {
			return moved, err
		}
		if err := tx.Delete(k); err != nil {
			return moved, fmt.Errorf("outbox: moving a damaged change aside: %w", err)
		}
		moved = append(moved, seq)
	}
	return moved, nil
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
