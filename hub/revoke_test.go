package hub_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// wantRevoked checks that err is the hub's 401 with code revoked and a
// message that says what happened.
func wantRevoked(t *testing.T, what string, err error, says string) {
	t.Helper()
	var he *client.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusUnauthorized || he.Body == nil || he.Body.Code != protocol.CodeRevoked || !strings.Contains(he.Body.Message, says) {
		t.Errorf("%s: %v; want 401 %s saying %q", what, err, protocol.CodeRevoked, says)
	}
}

// The operator retires a device, signs a person out everywhere and then
// removes them; each takes effect on the very next request of every
// credential concerned, and on no other.
func TestRevocationIsImmediate(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	tn := h.tenant(t, "Acme", msp.ModeCoManaged)
	lost, kept := h.enroll(t, tn.ID, "acme-laptop-7"), h.enroll(t, tn.ID, "acme-pc-1")
	wantResults(t, lost.push(t, createM(lost.next(), draft("Before it was stolen"))), 1, protocol.Applied)

	if _, err := h.admin.RevokeDevice(ctx, tn.ID, lost.id.DeviceID); err != nil {
		t.Fatal(err)
	}
	_, err := lost.conn.Push(ctx, []protocol.Mutation{createM(lost.next(), draft("After"))})
	wantRevoked(t, "a push from the retired device", err, "retired this computer (acme-laptop-7)")
	_, err = lost.conn.Pull(ctx, 0, 10)
	wantRevoked(t, "a pull from the retired device", err, "enroll it again")
	_, err = client.Enroll(ctx, t.TempDir(), client.EnrollOptions{HubURL: h.info.URL, Token: h.token(t, tn.ID, 0), CAPEM: h.caPEM,
		Hostname: "acme-laptop-7", Replaces: lost.id.DeviceID, Conn: fastRetry})
	if err != nil {
		t.Fatalf("enrolling the computer again with a new token: %v", err)
	}
	if again, err := h.admin.Devices(ctx, tn.ID); err != nil || len(again) != 3 {
		t.Errorf("devices after enrolling again = %d, %v; want 3 (the retired one, the kept one and a new one)", len(again), err)
	}
	wantResults(t, kept.push(t, createM(kept.next(), draft("Still working"))), 1, protocol.Applied)
	ds, err := h.admin.Devices(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if (d.ID == lost.id.DeviceID) == d.RevokedAt.IsZero() {
			t.Errorf("device %s (%s): revoked_at %v", d.ID, d.Hostname, d.RevokedAt)
		}
	}
	if tk, err := h.admin.Tickets(ctx, tn.ID); err != nil || len(tk) != 2 {
		t.Errorf("tickets = %d, %v; want the retired device's ticket kept beside the other", len(tk), err)
	}

	// A person signed in on two computers, with a code not yet used.
	u, err := h.admin.AddUser(ctx, tn.ID, msp.RoleITLead, "Thandi")
	if err != nil {
		t.Fatal(err)
	}
	first, err := kept.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	code2, err := h.admin.NewSignInCode(ctx, u.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	second, err := kept.conn.SignIn(ctx, code2.Code)
	if err != nil {
		t.Fatal(err)
	}
	unused, err := h.admin.NewSignInCode(ctx, u.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	conns := []*client.Conn{staffConnTo(t, h, first.Token), staffConnTo(t, h, second.Token)}
	for i, c := range conns {
		if _, err := c.Session(ctx); err != nil {
			t.Fatalf("sign-in %d before: %v", i+1, err)
		}
	}
	// The IT lead's fleet lists the retired device, marked as such.
	var fleet []hub.StaffDevice
	if status := getStaff(t, h.rawClient(t, nil), h.info.URL+hub.PathStaffDevices, first.Token, &fleet); status != http.StatusOK {
		t.Fatalf("the fleet: %d", status)
	}
	retired := 0
	for _, d := range fleet {
		if d.ID == lost.id.DeviceID && !d.RevokedAt.IsZero() {
			retired++
		} else if !d.RevokedAt.IsZero() {
			t.Errorf("device %s (%s) is shown retired", d.ID, d.Hostname)
		}
	}
	if len(fleet) != 3 || retired != 1 {
		t.Errorf("the fleet holds %d devices, %d of them shown retired; want 3 and the stolen laptop", len(fleet), retired)
	}

	if _, err := h.admin.SignOutUser(ctx, u.User.ID); err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		_, err := c.Session(ctx)
		wantRevoked(t, "a sign-in made before the sign-out", err, "ended this sign-in")
		if _, err := c.PullTenant(ctx, tn.ID, 0, 10); err == nil {
			t.Errorf("sign-in %d still pulls after the sign-out", i+1)
		}
	}
	_, err = kept.conn.SignIn(ctx, unused.Code)
	wantRevoked(t, "a code made before the sign-out", err, "ended this sign-in")
	fresh, err := h.admin.NewSignInCode(ctx, u.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	after, err := kept.conn.SignIn(ctx, fresh.Code)
	if err != nil {
		t.Fatalf("a code made after the sign-out: %v", err)
	}
	third := staffConnTo(t, h, after.Token)
	if _, err := third.Session(ctx); err != nil {
		t.Fatalf("the sign-in after the sign-out: %v", err)
	}

	removed, err := h.admin.RemoveUser(ctx, u.User.ID)
	if err != nil || removed.RemovedAt.IsZero() {
		t.Fatalf("RemoveUser = %+v, %v", removed, err)
	}
	_, err = third.Session(ctx)
	wantRevoked(t, "a removed person's sign-in", err, "removed Thandi's access")
	if _, err := h.admin.NewSignInCode(ctx, u.User.ID); err == nil || !strings.Contains(err.Error(), "was removed") {
		t.Errorf("a new code for a removed person = %v; want it refused in words", err)
	}

	// None of these refusals was a guess: a wrong token from the same
	// address is still answered 401, not 429.
	for range 12 {
		_, _ = lost.conn.Pull(ctx, 0, 10)
	}
	if _, err := staffConnTo(t, h, "tdm_ut_wrong").Session(ctx); httpStatus(err) != http.StatusUnauthorized {
		t.Errorf("a wrong token after a dozen refusals of revoked credentials: %v, want 401", err)
	}
}

// staffConnTo is a connection with a signed-in person's token.
func staffConnTo(t *testing.T, h *testHub, token string) *client.Conn {
	t.Helper()
	conn, err := client.NewConn(h.info.URL, h.caPEM, nil, client.ConnOptions{Token: token, RetryMax: 1, RetryWaitMin: fastRetry.RetryWaitMin, RetryWaitMax: fastRetry.RetryWaitMax, Timeout: fastRetry.Timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return conn
}
