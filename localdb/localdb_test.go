package localdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func openT(t *testing.T, dir string, opts Options) *DB {
	t.Helper()
	db, err := Open(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func TestPutGetScanReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	db, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx *Tx) error {
		for i := 1; i <= 300; i++ {
			if err := tx.Put(SeqKey(SpaceOutbox, uint64(i)), []byte(fmt.Sprint(i))); err != nil {
				return err
			}
		}
		return tx.PutJSON(Key(SpaceTicket, "a"), map[string]string{"title": "Printer"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}

	db = openT(t, dir, Options{})
	err = db.View(func(tx *Tx) error {
		var got map[string]string
		if err := tx.GetJSON(Key(SpaceTicket, "a"), &got); err != nil {
			return err
		}
		if got["title"] != "Printer" {
			t.Errorf("title = %q", got["title"])
		}
		if _, err := tx.Get(Key(SpaceTicket, "b")); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing key: err = %v, want ErrNotFound", err)
		}
		// Sequence keys sort numerically (256 after 255, not after 25).
		var seqs []uint64
		err := tx.Scan(Prefix(SpaceOutbox), SeqKey(SpaceOutbox, 250), func(k, v []byte) error {
			n, err := SeqOf(k)
			if err != nil {
				return err
			}
			if string(v) != fmt.Sprint(n) {
				t.Errorf("value of %d = %q", n, v)
			}
			seqs = append(seqs, n)
			if len(seqs) == 10 {
				return ErrStop
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, n := range seqs {
			if n != uint64(250+i) {
				t.Fatalf("scan from 250 gave %v", seqs)
			}
		}
		n, err := tx.Count(Prefix(SpaceOutbox))
		if n != 300 || err != nil {
			t.Errorf("count = %d, %v; want 300", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.Schema(); v != SchemaVersion || err != nil {
		t.Errorf("schema = %d, %v; want %d", v, err, SchemaVersion)
	}
}

func TestUpdateErrorChangesNothing(t *testing.T) {
	db := openT(t, t.TempDir(), Options{})
	boom := errors.New("boom")
	err := db.Update(t.Context(), func(tx *Tx) error {
		if err := tx.Put(Key(SpaceMeta, "x"), []byte("1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	err = db.View(func(tx *Tx) error {
		ok, err := tx.Has(Key(SpaceMeta, "x"))
		if ok {
			t.Error("a failed transaction left its write behind")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCountersAreUniqueUnderConcurrency(t *testing.T) {
	db := openT(t, t.TempDir(), Options{})
	const workers, each = 8, 50
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				var n uint64
				err := db.Update(t.Context(), func(tx *Tx) error {
					var err error
					n, err = tx.Next("mutation")
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[n] {
					t.Errorf("sequence %d handed out twice", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != workers*each {
		t.Fatalf("%d distinct numbers, want %d", len(seen), workers*each)
	}
	_ = db.View(func(tx *Tx) error {
		n, err := tx.Counter("mutation")
		if n != workers*each || err != nil {
			t.Errorf("counter = %d, %v", n, err)
		}
		return nil
	})
}

func TestSecondOpenSaysAnotherAgentIsRunning(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir, Options{})
	_, err := Open(t.Context(), dir, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	msg := err.Error()
	wants := []string{"another Tandem agent is running", dir}
	if runtime.GOOS != "windows" {
		// Badger writes its pid into LOCK; on Windows the holder keeps
		// LOCK open exclusively, so nobody else can read it.
		wants = append(wants, fmt.Sprint(os.Getpid()))
	}
	for _, want := range wants {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
}

func TestCorruptStoreSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "MANIFEST"), []byte("this is not a manifest at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), dir, Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	if !strings.Contains(err.Error(), "move the directory aside") {
		t.Errorf("message gives no advice: %v", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	two := []Migration{migrations[0], {To: 2, Name: "future", Apply: func(*Tx) error { return nil }}}
	db, err := open(t.Context(), dir, Options{}, two)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), dir, Options{})
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("err = %v, want ErrNewerSchema", err)
	}
}

func TestMigrationRewritesAndResumes(t *testing.T) {
	dir := t.TempDir()
	db := openT(t, dir, Options{})
	err := db.Update(t.Context(), func(tx *Tx) error {
		return tx.Put(Key("oldticket", "1"), []byte("legacy"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	failing := errors.New("disk hiccup")
	move := func(tx *Tx) error {
		var keys [][]byte
		err := tx.Scan(Prefix("oldticket"), nil, func(k, v []byte) error {
			keys = append(keys, bytes.Clone(k))
			return tx.Put(Key(SpaceTicket, string(k[len("oldticket/"):])), v)
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}
	// A failing step leaves the store at the old version, with the old data.
	bad := []Migration{migrations[0], {To: 2, Name: "move tickets", Apply: func(tx *Tx) error {
		if err := move(tx); err != nil {
			return err
		}
		return failing
	}}}
	if _, err := open(t.Context(), dir, Options{}, bad); !errors.Is(err, failing) {
		t.Fatalf("err = %v, want the migration's error", err)
	}
	good := []Migration{migrations[0], {To: 2, Name: "move tickets", Apply: move}}
	db2, err := open(t.Context(), dir, Options{}, good)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if v, _ := db2.Schema(); v != 2 {
		t.Errorf("schema = %d, want 2", v)
	}
	err = db2.View(func(tx *Tx) error {
		v, err := tx.Get(Key(SpaceTicket, "1"))
		if err != nil || string(v) != "legacy" {
			t.Errorf("migrated value = %q, %v", v, err)
		}
		if ok, _ := tx.Has(Key("oldticket", "1")); ok {
			t.Error("old key left behind")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDesktopStoreCompactsLevelZeroAfterWrites(t *testing.T) {
	db := openT(t, t.TempDir(), Options{CompactDelay: 50 * time.Millisecond})
	val := bytes.Repeat([]byte("x"), 2000)
	// Enough to flush several memtables into level 0.
	for batch := range 60 {
		err := db.Update(t.Context(), func(tx *Tx) error {
			for i := range 500 {
				if err := tx.Put(Key(SpaceTicket, fmt.Sprintf("%03d-%04d", batch, i)), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var s Stats
	deadline := time.Now().Add(30 * time.Second)
	for {
		s = db.Stats()
		if s.Tables > 0 && s.Level0Tables == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("level 0 was never compacted: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	err := db.View(func(tx *Tx) error {
		n, err := tx.Count(Prefix(SpaceTicket))
		if n != 60*500 {
			t.Errorf("%d tickets after compaction, want %d", n, 60*500)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.collectGarbage(); err != nil {
		t.Errorf("value-log GC: %v", err)
	}
}

func TestClosedStoreSaysSo(t *testing.T) {
	db, err := Open(t.Context(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx *Tx) error { return tx.Put(Key(SpaceMeta, "x"), nil) })
	if !errors.Is(err, ErrClosed) {
		t.Errorf("update after close: %v, want ErrClosed", err)
	}
}

// badger words a held lock differently on Windows (an exclusive handle on
// LOCK) than on Unix (flock); both mean another process, not damage, and
// must never advise moving the store aside. The Windows text is badger's
// own (dir_windows.go), wrapped as badger wraps it.
func TestClassifyOpenKnowsTheLockOnEveryPlatform(t *testing.T) {
	dir := t.TempDir()
	for _, msg := range []string{
		`Cannot acquire directory lock on "` + dir + `".  Another process is using this Badger database.: resource temporarily unavailable`,
		`Cannot create lock file "` + dir + `\LOCK".  Another process is using this Badger database: The process cannot access the file because it is being used by another process.`,
	} {
		err := classifyOpen(dir, errors.New(msg))
		if !errors.Is(err, ErrLocked) || strings.Contains(err.Error(), "aside") {
			t.Errorf("classifyOpen(%q) = %v, want ErrLocked without advice to move the store", msg, err)
		}
	}
}
