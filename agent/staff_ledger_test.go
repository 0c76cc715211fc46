package agent_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/msp"
	"tandem/sync/client"
)

// An IT lead replies in the dashboard while the hub is down; then the
// computer's store is lost (moved aside, deleted), and their sign-in with
// it. The reply is not lost in silence: the agent names it as waiting, and
// when the same person signs in again it reaches the hub, once.
func TestDashboardChangesSurviveALostStore(t *testing.T) {
	ctx := context.Background()
	e := enrollDir(t, msp.ModeCoManaged)
	opts := agent.Options{Logger: quiet, Hostname: "reception-pc",
		Conn: client.ConnOptions{RetryMax: 1, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond, Timeout: 10 * time.Second}}
	a, err := agent.Open(ctx, e.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := a.Identity().Conn(opts.Conn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := newTicket("Payroll export fails")
	if _, err := a.Submit(ctx, "thandi", c); err != nil {
		t.Fatal(err)
	}
	if err := a.SyncOnce(ctx, conn); err != nil {
		t.Fatal(err)
	}
	u, err := e.admin.AddUser(ctx, e.tenant.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.StaffSignIn(ctx, "sipho", u.Code); err != nil {
		t.Fatal(err)
	}
	if err := a.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}

	e.hub.stop()
	const reply = "Sipho here: I have restarted the payroll service, try again"
	if _, err := a.StaffChange(ctx, "sipho", c.TicketID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: reply}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(e.dir, "store"), filepath.Join(e.dir, "store.damaged")); err != nil {
		t.Fatal(err)
	}
	if a, err = agent.Open(ctx, e.dir, opts); err != nil {
		t.Fatal(err)
	}
	defer func() { a.Close() }()
	waiting := ""
	for _, p := range a.Status().Problems {
		if strings.Contains(p, "dashboard sign-in of sipho") {
			waiting = p
		}
	}
	if !strings.Contains(waiting, `a reply on "Payroll export fails"`) || !strings.Contains(waiting, "signs in to the dashboard again") {
		t.Fatalf("the problems %q do not name the waiting reply and what to do", a.Status().Problems)
	}

	h := startHub(t, e.hub.dir, e.hub.listen)
	defer h.stop()
	again, err := e.admin.NewSignInCode(ctx, u.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.StaffSignIn(ctx, "sipho", again.Code); err != nil {
		t.Fatal(err)
	}
	if err := a.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	// And once more, as a second delivery attempt would.
	if err := a.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tk := range hubTickets(t, &fixture{admin: e.admin, tenant: e.tenant}) {
		for _, cm := range tk.Comments {
			if cm.Body == reply {
				n++
			}
		}
	}
	if n != 1 {
		t.Errorf("the reply is on the hub %d times, want once", n)
	}
	for _, p := range a.Status().Problems {
		if strings.Contains(p, "dashboard sign-in of sipho") {
			t.Errorf("still reported waiting after it was sent: %q", p)
		}
	}
}
