package localdb

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// The test binary doubles as a child process for the crash and footprint
// tests: with LOCALDB_CHILD set it runs the named role instead of tests.
func TestMain(m *testing.M) {
	switch os.Getenv("LOCALDB_CHILD") {
	case "":
		os.Exit(m.Run())
	case "writer":
		os.Exit(childWriter(os.Getenv("LOCALDB_DIR")))
	case "idle":
		os.Exit(childIdle(os.Getenv("LOCALDB_DIR")))
	default:
		fmt.Fprintln(os.Stderr, "unknown LOCALDB_CHILD role")
		os.Exit(2)
	}
}

// childWriter writes numbered records as fast as it can, several writers at
// once so that commits are batched, and prints each number after Update
// returned: a printed number is an acknowledged write.
func childWriter(dir string) int {
	ctx := context.Background()
	db, err := Open(ctx, dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	acks := make(chan uint64, 64)
	for w := range 4 {
		go func() {
			for {
				var n uint64
				err := db.Update(ctx, func(tx *Tx) error {
					var err error
					n, err = tx.Next("rec")
					if err != nil {
						return err
					}
					return tx.Put(SeqKey("rec", n), []byte(strconv.Itoa(w)+":"+strconv.FormatUint(n, 10)))
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				acks <- n
			}
		}()
	}
	fmt.Fprintln(out, "ready")
	out.Flush()
	for n := range acks {
		fmt.Fprintln(out, n)
		out.Flush()
	}
	return 0
}

// childIdle opens the store, reads every ticket once, says "ready" and
// then holds the store open, idle, until killed.
func childIdle(dir string) int {
	ctx := context.Background()
	db, err := Open(ctx, dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	n := 0
	err = db.View(func(tx *Tx) error {
		return tx.Scan(Prefix(SpaceTicket), nil, func(k, v []byte) error { n++; return nil })
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("ready %d\n", n)
	time.Sleep(time.Hour)
	return 0
}
