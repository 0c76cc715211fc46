package tray

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// fakeDaemon owns org.freedesktop.Notifications on a private bus and
// records the Notify calls, as a desktop's notification daemon would
// receive them.
type fakeDaemon struct {
	mu    sync.Mutex
	calls []notifyCall
}

type notifyCall struct {
	app, icon, summary, body string
	actions                  []string
	timeout                  int32
}

func (f *fakeDaemon) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, notifyCall{app, icon, summary, body, actions, timeout})
	return uint32(len(f.calls)), nil
}

// privateBus starts dbus-daemon on a socket in a temporary directory and
// returns its address; the test skips when dbus-daemon is not installed.
func privateBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed (apt-get install dbus-daemon); the real D-Bus path is not tested")
	}
	sock := filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command(bin, "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path="+sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("dbus-daemon --session did not start (%v); the real D-Bus path is not tested", err)
	}
	t.Cleanup(func() {
		if err := cmd.Process.Kill(); err != nil {
			t.Errorf("stopping dbus-daemon: %v", err)
		}
		_ = cmd.Wait() // killed: its exit status says so
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Skip("dbus-daemon printed no address; the real D-Bus path is not tested")
		}
		return a
	case <-time.After(10 * time.Second):
		t.Skip("dbus-daemon did not print its address in 10 s; the real D-Bus path is not tested")
	}
	return ""
}

func TestDBusNotifier(t *testing.T) {
	addr := privateBus(t)
	daemonConn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting the fake daemon: %v", err)
	}
	defer daemonConn.Close()
	daemon := &fakeDaemon{}
	if err := daemonConn.Export(daemon, notifyPath, notifyInterface); err != nil {
		t.Fatal(err)
	}
	if reply, err := daemonConn.RequestName(notifyName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v (%v)", notifyName, reply, err)
	}

	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan string, 1)
	n, err := newDBusNotifier(conn, func(s State) string { return s.String() + ".png" }, func(id string) { opened <- id })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- n.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	if err := n.Notify(ctx, Notification{Summary: "Call Acme IT on 012 345 6789"}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if err := n.Notify(ctx, Notification{TicketID: "t-1", Summary: "Acme IT replied on “Printer”", Body: "Is it jammed?", Icon: StateReply}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	daemon.mu.Lock()
	calls := append([]notifyCall(nil), daemon.calls...)
	daemon.mu.Unlock()
	if len(calls) != 2 {
		t.Fatalf("the daemon got %d calls, want 2", len(calls))
	}
	if c := calls[0]; c.app != "Tandem" || c.icon != "all-well.png" || c.summary != "Call Acme IT on 012 345 6789" || len(c.actions) != 0 || c.timeout != -1 {
		t.Errorf("first call %+v", c)
	}
	if c := calls[1]; c.summary != "Acme IT replied on “Printer”" || c.body != "Is it jammed?" || c.icon != "reply.png" || strings.Join(c.actions, ",") != "default,Open" {
		t.Errorf("second call %+v", c)
	}

	// A click on the first (no ticket) opens nothing; on the second, its
	// ticket. Signals arrive in order, so a wrong open of the first would
	// be seen first.
	for id := uint32(1); id <= 2; id++ {
		if err := daemonConn.Emit(notifyPath, notifyInterface+".ActionInvoked", id, "default"); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case id := <-opened:
		if id != "t-1" {
			t.Errorf("the click opened %q, want t-1", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("clicking the notification opened nothing within 10 s")
	}
}
