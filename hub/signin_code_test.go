package hub_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// An IT lead signs in on a laptop and, with a second code, on a desktop.
// Each sign-in pushes its own numbered stream: both computers' change 1 is
// applied, neither is taken for the other's replay.
func TestSecondComputerSignsInWithANewCode(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	d1 := h.enroll(t, t1.ID, "pc-1")
	tk := draft("Printer on the first floor shows offline")
	wantResults(t, d1.push(t, createM(d1.next(), tk)), 1, protocol.Applied)

	u, err := h.admin.AddUser(ctx, t1.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.admin.NewSignInCode(ctx, u.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Code == u.Code || again.User.ID != u.User.ID {
		t.Fatalf("second code: %+v (first %q)", again, u.Code)
	}
	var apiErr *client.HTTPError
	if _, err := h.admin.NewSignInCode(ctx, msp.NewID()); err == nil {
		t.Fatal("a code for an unknown user was given")
	}

	var bodies []string
	for i, code := range []string{u.Code, again.Code} {
		si, err := d1.conn.SignIn(ctx, code)
		if err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		conn, err := client.NewConn(h.info.URL, h.caPEM, nil, client.ConnOptions{RetryMax: 1, Token: si.Token})
		if err != nil {
			t.Fatal(err)
		}
		body := []string{"Looking at it from the laptop.", "Power-cycled it from the desktop."}[i]
		bodies = append(bodies, body)
		c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: time.Now().UTC(),
			Comment: &msp.Comment{ID: msp.NewID(), Body: body}}
		resp, err := conn.Push(ctx, []protocol.Mutation{{Seq: 1, Kind: protocol.KindTicket, Change: &c}})
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		wantResults(t, resp, 1, protocol.Applied)
	}
	// A used code does not sign in twice.
	if _, err := d1.conn.SignIn(ctx, again.Code); !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("a used code: %v, want 401", err)
	}
	ts, err := h.admin.Tickets(ctx, t1.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, c := range ts[0].Comments {
		found[c.Body] = true
	}
	for _, b := range bodies {
		if !found[b] {
			t.Errorf("the hub lost %q; comments: %+v", b, ts[0].Comments)
		}
	}
}

// A technician's internal note leaves a new ticket waiting to be picked up;
// their first reply to the requester opens it.
func TestFirstStaffReplyOpensTheTicket(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	d1 := h.enroll(t, t1.ID, "pc-1")
	tk := draft("Outlook keeps asking for my password")
	wantResults(t, d1.push(t, createM(d1.next(), tk)), 1, protocol.Applied)
	u, err := h.admin.AddUser(ctx, t1.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	si, err := d1.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := client.NewConn(h.info.URL, h.caPEM, nil, client.ConnOptions{RetryMax: 1, Token: si.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	status := func() msp.Status {
		t.Helper()
		ts, err := h.admin.Tickets(ctx, t1.ID)
		if err != nil || len(ts) != 1 {
			t.Fatalf("tickets: %v %d", err, len(ts))
		}
		return ts[0].Status
	}
	for i, cm := range []msp.Comment{
		{ID: msp.NewID(), Body: "Probably the MFA token expired.", Internal: true},
		{ID: msp.NewID(), Body: "Please sign out of Outlook and in again; I reset your token."},
	} {
		c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: time.Now().UTC(), Comment: &cm}
		resp, err := conn.Push(ctx, []protocol.Mutation{{Seq: uint64(i + 1), Kind: protocol.KindTicket, Change: &c}})
		if err != nil {
			t.Fatal(err)
		}
		wantResults(t, resp, uint64(i+1), protocol.Applied)
		want := msp.StatusNew
		if !cm.Internal {
			want = msp.StatusOpen
		}
		if got := status(); got != want {
			t.Fatalf("after %q: status %s, want %s", cm.Body, got, want)
		}
	}
}
