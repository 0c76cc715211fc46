package outbox_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

var now = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// openStore opens a real badger store in a temporary directory.
func openStore(t *testing.T) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), t.TempDir(),
		localdb.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func ticketMutation(title string) protocol.Mutation {
	id := msp.NewID()
	return protocol.Mutation{Kind: protocol.KindTicket, Change: &msp.Change{
		ID: msp.NewID(), TicketID: id, Kind: msp.ChangeCreate, At: now,
		Ticket: &msp.Ticket{ID: id, Title: title},
	}}
}

func enqueue(t *testing.T, db *localdb.DB, o *outbox.Outbox, titles ...string) []protocol.Mutation {
	t.Helper()
	var out []protocol.Mutation
	err := db.Update(context.Background(), func(tx *localdb.Tx) error {
		for _, title := range titles {
			m := ticketMutation(title)
			seq, err := o.Enqueue(tx, m)
			if err != nil {
				return err
			}
			m.Seq, m.ID = seq, m.Change.ID
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// queued lists the queue as (seq, title).
func queued(t *testing.T, db *localdb.DB, o *outbox.Outbox) []string {
	t.Helper()
	var out []string
	err := db.View(func(tx *localdb.Tx) error {
		return o.Pending(tx, func(m protocol.Mutation) error {
			out = append(out, fmt.Sprintf("%d:%s", m.Seq, m.Change.Ticket.Title))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func update(t *testing.T, db *localdb.DB, fn func(tx *localdb.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func queueKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("outbox/"), seq)
}

func TestEnqueueNamesEachChange(t *testing.T) {
	db, o := openStore(t), outbox.New(localdb.ErrStop)
	ms := enqueue(t, db, o, "printer", "vpn")
	var ids []string
	_ = db.View(func(tx *localdb.Tx) error {
		return o.Pending(tx, func(m protocol.Mutation) error { ids = append(ids, m.ID); return nil })
	})
	if len(ids) != 2 || ids[0] != ms[0].Change.ID || ids[1] != ms[1].Change.ID {
		t.Fatalf("queued ids %v, want the changes' own ids %s, %s", ids, ms[0].Change.ID, ms[1].Change.ID)
	}
}

func TestNewStreamKeepsAConsecutiveQueue(t *testing.T) {
	db, o := openStore(t), outbox.New(localdb.ErrStop)
	enqueue(t, db, o, "a", "b", "c")
	var st outbox.Stream
	update(t, db, func(tx *localdb.Tx) (err error) {
		if _, ok, err := o.Stream(tx); err != nil || ok {
			return fmt.Errorf("a new store has a stream (ok %v, err %v)", ok, err)
		}
		st, err = o.NewStream(tx, "dev-1", "new store", now)
		return err
	})
	if st.ID == "" || st.Base != 0 || st.Device != "dev-1" {
		t.Fatalf("stream %+v, want an id, base 0, device dev-1", st)
	}
	if got := queued(t, db, o); fmt.Sprint(got) != "[1:a 2:b 3:c]" {
		t.Fatalf("queue %v after a new stream, want it unchanged", got)
	}
	_ = db.View(func(tx *localdb.Tx) error {
		got, ok, err := o.Stream(tx)
		if err != nil || !ok || got.ID != st.ID {
			t.Errorf("Stream() = %+v, %v, %v; want %s", got, ok, err, st.ID)
		}
		return nil
	})
}

func TestAcknowledgeStopsAtAConflict(t *testing.T) {
	db, o := openStore(t), outbox.New(localdb.ErrStop)
	ms := enqueue(t, db, o, "a", "b", "c", "d")
	var acked outbox.Acked
	update(t, db, func(tx *localdb.Tx) (err error) {
		acked, err = o.Acknowledge(tx, protocol.PushResponse{HighWater: 4, Results: []protocol.Result{
			{Seq: 1, Outcome: protocol.Applied},
			{Seq: 2, Outcome: protocol.Rejected, Error: &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "no"}},
			{Seq: 3, Outcome: protocol.Conflict},
			{Seq: 4, Outcome: protocol.Applied},
		}}, now)
		return err
	})
	if acked.N != 2 || !acked.Conflict || len(acked.Dead) != 1 || fmt.Sprint(acked.IDs) != fmt.Sprint([]string{ms[0].ID, ms[1].ID}) {
		t.Fatalf("acked %+v, want 2 (the second dead) and a conflict", acked)
	}
	if got := queued(t, db, o); fmt.Sprint(got) != "[3:c 4:d]" {
		t.Fatalf("queue %v, want the conflicting change and what follows it kept", got)
	}
}

// A damaged entry is moved aside with its reason; a new stream numbers the
// rest without the hole, after every dead letter's number, and the counter
// follows.
func TestQuarantineThenNewStreamCloseTheHole(t *testing.T) {
	db, o := openStore(t), outbox.New(localdb.ErrStop)
	enqueue(t, db, o, "a", "b", "c", "d", "e")
	update(t, db, func(tx *localdb.Tx) error {
		_, err := o.Acknowledge(tx, protocol.PushResponse{HighWater: 1}, now)
		return err
	})
	update(t, db, func(tx *localdb.Tx) error { return tx.Put(queueKey(3), []byte(`{"seq":3,"ki`)) })
	// Batch and Pending stop at the damage, with ErrDamaged.
	err := db.View(func(tx *localdb.Tx) error {
		b, err := o.Batch(tx, 100, 1<<20)
		if err != nil || len(b) != 1 {
			return fmt.Errorf("batch before the damage: %d changes, %v; want the one before it", len(b), err)
		}
		if err := o.Pending(tx, func(protocol.Mutation) error { return nil }); !errors.Is(err, outbox.ErrDamaged) {
			return fmt.Errorf("Pending over a damaged entry: %v, want ErrDamaged", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var moved []uint64
	var st outbox.Stream
	update(t, db, func(tx *localdb.Tx) (err error) {
		if moved, err = o.Quarantine(tx, now); err != nil {
			return err
		}
		st, err = o.NewStream(tx, "dev-1", "damaged entry", now)
		return err
	})
	if fmt.Sprint(moved) != "[3]" {
		t.Fatalf("quarantined %v, want [3]", moved)
	}
	if st.Base != 3 {
		t.Fatalf("stream base %d, want 3 (after the dead letter)", st.Base)
	}
	if got := queued(t, db, o); fmt.Sprint(got) != "[4:b 5:d 6:e]" {
		t.Fatalf("queue %v, want b, d, e numbered 4-6", got)
	}
	var dead []outbox.DeadLetter
	_ = db.View(func(tx *localdb.Tx) (err error) { dead, err = o.Dead(tx); return err })
	if len(dead) != 1 || dead[0].Mutation.Seq != 3 || dead[0].Error.Code != outbox.CodeDamaged {
		t.Fatalf("dead letters %+v, want number 3 marked damaged", dead)
	}
	more := enqueue(t, db, o, "f")
	if more[0].Seq != 7 {
		t.Fatalf("next change numbered %d, want 7", more[0].Seq)
	}
	err = db.View(func(tx *localdb.Tx) error {
		b, err := o.Batch(tx, 100, 1<<20)
		if err != nil || len(b) != 4 {
			return fmt.Errorf("batch after repair: %d changes, %v; want 4", len(b), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestQuarantineSetsAsideAnEntryUnderAnotherNumber(t *testing.T) {
	db, o := openStore(t), outbox.New(localdb.ErrStop)
	ms := enqueue(t, db, o, "a", "b")
	ms[0].Seq = 9
	b, _ := json.Marshal(ms[0])
	update(t, db, func(tx *localdb.Tx) error { return tx.Put(queueKey(1), b) })
	var moved []uint64
	update(t, db, func(tx *localdb.Tx) (err error) { moved, err = o.Quarantine(tx, now); return err })
	if fmt.Sprint(moved) != "[1]" {
		t.Fatalf("quarantined %v, want [1]", moved)
	}
}
