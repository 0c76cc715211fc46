package agent_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/msp"
)

// The child process of TestKill9DuringWritesAndDelivery. It runs only when
// the parent starts it with AGENT_CHILD=writer.
func TestChildWriter(t *testing.T) {
	if os.Getenv("AGENT_CHILD") != "writer" {
		t.Skip("runs only as the child of TestKill9DuringWritesAndDelivery")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := agent.Open(ctx, os.Getenv("AGENT_CHILD_DIR"), agent.Options{Logger: quiet, Hostname: "reception-pc",
		Conn: fastConn, OfflineMin: 10 * time.Millisecond, OfflineMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	fmt.Println("ready")
	var last string
	for i := 0; ; i++ {
		c := newTicket(fmt.Sprintf("Ticket %d from a process about to be killed", i))
		if i%4 == 3 {
			c = comment(last, fmt.Sprintf("Reply %d", i))
		}
		if _, err := a.Submit(ctx, "thandi", c); err != nil {
			t.Fatal(err)
		}
		// Said only once Submit has returned: from here the change must
		// survive the kill. os.Stdout is not buffered, so the line is out.
		if c.Kind == msp.ChangeCreate {
			last = c.TicketID
			fmt.Printf("acked ticket %s\n", c.TicketID)
		} else {
			fmt.Printf("acked comment %s %s\n", c.TicketID, c.Comment.ID)
		}
	}
}

// An agent killed with SIGKILL again and again while it writes tickets and
// delivers them loses nothing it acknowledged and delivers nothing twice.
func TestKill9DuringWritesAndDelivery(t *testing.T) {
	if os.Getenv("AGENT_CHILD") != "" {
		t.Skip("not in the child")
	}
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	e := enrollDir(t, msp.ModeCoManaged)
	tickets := map[string]bool{}
	comments := map[string]string{} // comment id → ticket id
	for round := range rounds {
		tk, cm := runChildWriter(t, e.dir, 200*time.Millisecond+rand.N(600*time.Millisecond))
		t.Logf("round %d: %d tickets and %d comments acknowledged before the kill", round+1, len(tk), len(cm))
		for _, id := range tk {
			tickets[id] = true
		}
		for c, tid := range cm {
			comments[c] = tid
		}
	}
	if len(tickets) == 0 || len(comments) == 0 {
		t.Fatalf("the children acknowledged %d tickets and %d comments: nothing was tested", len(tickets), len(comments))
	}

	ctx := context.Background()
	before, err := e.admin.Tickets(ctx, e.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 {
		t.Fatal("the children delivered nothing before they were killed: the kills did not land during delivery")
	}
	t.Logf("the children delivered %d tickets before the final sync", len(before))
	a := reopenAndDrain(t, e)
	defer a.Close()
	if st := a.Status(); st.Dead != 0 {
		dead, _ := a.DeadLetters()
		t.Fatalf("%d changes became dead letters after the kills: %+v", st.Dead, dead)
	}

	// The hub may also hold tickets and comments that were written but not
	// yet acknowledged on stdout when the kill came: that is allowed. What
	// was acknowledged must be there exactly once.
	ts, err := e.admin.Tickets(ctx, e.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	onHub := map[string]int{}
	replies := map[string]int{}
	for _, tk := range ts {
		onHub[tk.ID]++
		for _, c := range tk.Comments {
			if c.Kind == msp.CommentKindReply {
				replies[c.ID]++
			}
		}
	}
	for id := range tickets {
		if onHub[id] != 1 {
			t.Errorf("acknowledged ticket %s is on the hub %d times, want 1", id, onHub[id])
		}
	}
	for id := range onHub {
		if onHub[id] > 1 {
			t.Errorf("ticket %s is on the hub %d times", id, onHub[id])
		}
	}
	for id, tid := range comments {
		if replies[id] != 1 {
			t.Errorf("acknowledged comment %s on ticket %s is on the hub %d times, want 1", id, tid, replies[id])
		}
	}
	t.Logf("%d rounds: %d tickets and %d comments acknowledged; the hub holds %d tickets and %d replies", rounds, len(tickets), len(comments), len(ts), len(replies))
}

// runChildWriter runs TestChildWriter in a child process on dir, kills it
// with SIGKILL after it has written for d, and returns what it acknowledged.
func runChildWriter(t *testing.T, dir string, d time.Duration) (tickets []string, comments map[string]string) {
	t.Helper()
	comments = map[string]string{}
	runKilledChild(t, "TestChildWriter", "writer", dir, d, func(f []string) {
		switch {
		case len(f) == 3 && f[0] == "acked" && f[1] == "ticket":
			tickets = append(tickets, f[2])
		case len(f) == 4 && f[0] == "acked" && f[1] == "comment":
			comments[f[3]] = f[2]
		}
	})
	return tickets, comments
}

// runKilledChild runs the test named test in a child process with
// AGENT_CHILD=child on dir, waits for its "ready" line, lets it work for d,
// kills it with SIGKILL, and hands every whole line it printed before (as
// fields) to line. A line cut by the kill is not handed on: the child
// prints an acknowledgement only once it holds.
func runKilledChild(t *testing.T, test, child, dir string, d time.Duration, line func(fields []string)) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), "AGENT_CHILD="+child, "AGENT_CHILD_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready, read := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(read)
		r := bufio.NewReader(out)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return // at the kill; a line without its newline is not an acknowledgement
			}
			if f := strings.Fields(l); len(f) == 1 && f[0] == "ready" {
				close(ready)
			} else {
				line(f)
			}
		}
	}()
	select {
	case <-ready:
		time.Sleep(d)
	case <-read:
		// The child ended before it was ready; Wait reports why.
	case <-time.After(30 * time.Second):
		t.Error("the child did not open the store within 30 s")
	}
	// Kill says whether the child was still running: on Windows a killed
	// process has an exit code like any other, so Wait cannot tell.
	killErr := cmd.Process.Kill()
	<-read
	err = cmd.Wait()
	if errors.Is(killErr, os.ErrProcessDone) {
		t.Fatalf("the child ended on its own before the kill: %v", err)
	}
	if killErr != nil {
		t.Fatalf("killing the child: %v", killErr)
	}
}

// reopenAndDrain opens the agent of e after the kills and delivers all it
// holds; the caller closes it.
func reopenAndDrain(t *testing.T, e *enrolledDir) *agent.Agent {
	t.Helper()
	a, err := agent.Open(context.Background(), e.dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
	if err != nil {
		t.Fatalf("opening the store after the kills: %v", err)
	}
	conn, err := a.Identity().Conn(fastConn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	drain(t, a, conn, 20, time.Now().Add(time.Minute))
	return a
}
