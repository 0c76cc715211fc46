package single

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"testing"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestClaimOnceSendReachesHolder(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	key := Key(t.TempDir())
	h, err := Claim("test", key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Claim("test", key); !errors.Is(err, ErrHeld) {
		t.Fatalf("a second claim: %v, want ErrHeld", err)
	}
	if other, err := Claim("test", Key("another data directory")); err != nil {
		t.Fatalf("another key: %v", err)
	} else {
		other.Close()
	}
	got := make(chan Request, 2)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx, quiet, func(r Request) { got <- r }) }()
	for _, args := range [][]string{{"dashboard"}, {"ticket", "01J0ABC"}} {
		if err := Send(context.Background(), "test", key, Request{Args: args}); err != nil {
			t.Fatalf("Send %v: %v", args, err)
		}
		if r := <-got; !slices.Equal(r.Args, args) {
			t.Fatalf("the holder got %v, want %v", r.Args, args)
		}
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	// Given up, the key can be claimed again, and nobody answers Send.
	if err := Send(context.Background(), "test", key, Request{Args: []string{"tickets"}}); err == nil {
		t.Fatal("Send reached a holder that had closed")
	}
	h2, err := Claim("test", key)
	if err != nil {
		t.Fatalf("claiming after the holder closed: %v", err)
	}
	h2.Close()
}

// TestDeadHolderLeavesNothing: a process that held the key and was killed
// leaves its socket and lock file behind; the next Claim succeeds.
func TestDeadHolderLeavesNothing(t *testing.T) {
	if os.Getenv("SINGLE_HOLD") != "" {
		if _, err := Claim("test", os.Getenv("SINGLE_HOLD")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		select {} // until killed
	}
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	key := Key(t.Name())
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeadHolderLeavesNothing$")
	cmd.Env = append(os.Environ(), "SINGLE_HOLD="+key, "XDG_RUNTIME_DIR="+rt)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("the child did not claim the key: %q %v", buf, err)
	}
	if _, err := Claim("test", key); !errors.Is(err, ErrHeld) {
		t.Fatalf("claim while the child holds it: %v, want ErrHeld", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	h, err := Claim("test", key)
	if err != nil {
		t.Fatalf("claim after the holder was killed: %v", err)
	}
	h.Close()
}

func TestSendRejectsNothingHeld(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if err := Send(context.Background(), "test", Key("nobody"), Request{}); err == nil {
		t.Fatal("Send succeeded with no holder")
	}
}
