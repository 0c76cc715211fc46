package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/hub"
	"tandem/msp"
	"tandem/sync/client"
)

// doctor, run by hand, against an enrolled data directory: with the hub up
// it reports the hub and the clock; with the hub down it says so in words
// and exits with an error.
func TestDoctorExplainsAReachableAndAnUnreachableHub(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	hubDir, agentDir := t.TempDir(), t.TempDir()
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		done <- hub.Serve(ctx, hub.Config{Dir: hubDir, Listen: "127.0.0.1:0", Logger: quiet, Ready: func(i hub.Info) { ready <- i }})
	}()
	var info hub.Info
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("hub did not start")
	}
	stopped := false
	stop := func() {
		if !stopped {
			cancel()
			<-done
			stopped = true
		}
	}
	defer stop()

	admin, err := hub.DialAdmin(hubDir, "")
	if err != nil {
		t.Fatal(err)
	}
	tn, err := admin.CreateTenant(ctx, "Doctor Test", msp.ModeFullyManaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, tn.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.Open(ctx, agentDir, agent.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Enroll(ctx, client.EnrollOptions{HubURL: info.URL, Token: tok.Token, CAPEM: caPEM}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	var out bytes.Buffer
	err = doctor(context.Background(), []string{"--data", agentDir}, &out)
	text := out.String()
	if !strings.Contains(text, "answers") || !strings.Contains(text, "clock difference") || !strings.Contains(text, "Doctor Test") {
		t.Fatalf("with the hub up, doctor said:\n%s", text)
	}
	// The agent is not running in this test, which doctor counts as a problem.
	if err == nil || !strings.Contains(text, "the agent is not running") {
		t.Fatalf("doctor did not report the stopped agent: %v\n%s", err, text)
	}

	stop()
	out.Reset()
	err = doctor(context.Background(), []string{"--data", agentDir}, &out)
	if err == nil || !strings.Contains(out.String(), "cannot be reached") {
		t.Fatalf("with the hub down, doctor said (%v):\n%s", err, out.String())
	}
}
