package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localdb"
)

// The service waits for a store another process holds for a moment (a
// status command, an old instance closing) instead of failing to start.
func TestOpenWaitsForABusyStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	holder, err := agent.Open(ctx, dir, agent.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openWaiting(ctx, dir, agent.Options{Logger: quiet}, 0, quiet); !errors.Is(err, localdb.ErrLocked) {
		holder.Close()
		t.Fatalf("with no time to wait: %v, want the locked error", err)
	}
	released := make(chan error, 1)
	go func() {
		time.Sleep(700 * time.Millisecond)
		released <- holder.Close()
	}()
	a, err := openWaiting(ctx, dir, agent.Options{Logger: quiet}, 30*time.Second, quiet)
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("the store was released but open still failed: %v", err)
	}
	a.Close()
}
