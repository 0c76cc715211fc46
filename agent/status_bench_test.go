//go:build linux || darwin

package agent_test

import (
	"context"
	"fmt"
	"os/user"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// BenchmarkLocalStatus100k is the tray's and the windows' GET /v1/status
// on a device whose replica holds 100,000 tickets (a shared front-desk PC
// after years), through the real socket. It must not read them all.
func BenchmarkLocalStatus100k(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	a, err := agent.Open(ctx, dir, agent.Options{Logger: quiet, Hostname: "reception-pc"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	me, err := user.Current()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	var mine, theirs string
	for start := 0; start < 100_000; start += 1000 {
		err := a.DB().Update(ctx, func(tx *localdb.Tx) error {
			for i := start; i < start+1000; i++ {
				t := msp.Ticket{ID: msp.NewID(), Requester: fmt.Sprintf("user%d@reception-pc", i%7), Title: fmt.Sprintf("Printer problem %d", i),
					Description: "It has not worked since this morning.", Status: msp.StatusOpen, CreatedAt: now, UpdatedAt: now}
				if i%7 == 0 {
					t.Requester = me.Username + "@reception-pc"
					mine = t.ID
				} else {
					theirs = t.ID
				}
				if err := tx.PutJSON(localdb.Key(localdb.SpaceTicket, t.ID), t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeLocalAPI(sctx, quiet) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			b.Errorf("ServeLocalAPI: %v", err)
		}
	}()
	c := localapi.NewClient(dir)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err = c.Status(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("Status: %v", err)
		}
	}
	// One change of the caller's waits to be sent, and one of another
	// person's.
	err = a.DB().Update(ctx, func(tx *localdb.Tx) error {
		ob := outbox.New(localdb.ErrStop)
		for _, id := range []string{mine, theirs} {
			c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: id, At: now, Comment: &msp.Comment{ID: msp.NewID(), Body: "Still broken."}}
			if _, err := ob.Enqueue(tx, protocol.Mutation{Kind: protocol.KindTicket, User: me.Username, Change: &c}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		st, err := c.Status(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.Queued != 1 {
			b.Fatalf("status says %d of the caller's changes are queued, want 1", st.Queued)
		}
	}
}
