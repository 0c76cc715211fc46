package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOneWindowProcessPerPerson: a second "tandem open" of a window that
// is open (a second menu click, a notification click) hands its request to
// the running process and ends; the window stays one. Another kind of
// window opens in the same process.
func TestOneWindowProcessPerPerson(t *testing.T) {
	d := startDesktop(t)
	p := startProduct(t, d)
	tandem := filepath.Join(d.bin, "tandem")
	d.startProgram("tandem open tickets", tandem, "open", "tickets", "--data", p.agentDir)
	win := d.waitWindow("My tickets — Tandem", 30*time.Second)
	pid := strings.TrimSpace(d.must("xdotool", "getwindowpid", win))

	// The second and third opens end on their own, having handed over.
	for _, args := range [][]string{{"open", "tickets"}, {"open", "new-ticket"}} {
		out, err := d.run(append(append([]string{tandem}, args...), "--data", p.agentDir)...)
		if err != nil {
			t.Fatalf("tandem %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	nw := d.waitWindow("Raise a ticket — Tandem", 30*time.Second)
	if got := strings.TrimSpace(d.must("xdotool", "getwindowpid", nw)); got != pid {
		t.Errorf("the new-ticket window is in process %s, the first window in %s: want one process", got, pid)
	}
	d.shot("one-process-two-windows")
	if ids := d.windows("My tickets — Tandem"); len(ids) != 1 {
		t.Errorf("%d \"My tickets\" windows after a second open, want 1", len(ids))
	}
	// Asked again, the new-ticket window is focused, not doubled.
	d.must("xdotool", "windowfocus", "--sync", win)
	if _, err := d.run(tandem, "open", "new-ticket", "--data", p.agentDir); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the new-ticket window to take the focus", 10*time.Second, func() bool {
		out, err := d.run("xdotool", "getwindowfocus")
		return err == nil && strings.TrimSpace(out) == nw
	})
	if ids := d.windows("Raise a ticket — Tandem"); len(ids) != 1 {
		t.Errorf("%d new-ticket windows after a second open, want 1", len(ids))
	}
}

// windows lists the visible windows whose title contains name.
func (d *desktop) windows(name string) []string {
	d.t.Helper()
	out, _ := d.run("xdotool", "search", "--onlyvisible", "--name", name)
	return strings.Fields(out)
}
