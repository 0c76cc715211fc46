//go:build linux || darwin

package agent_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"tandem/localapi"
	"tandem/msp"
)

// The dashboard's routes over the agent's real socket, through the client
// the dashboard uses: not signed in is a 404, sign-in with a real code,
// tickets, a filter, an internal note, the overview, the devices, sign-out.
func TestStaffLocalAPIOverSocket(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := setUp(t, msp.ModeCoManaged)
	tk := newTicket("Teams keeps logging me out")
	if _, err := f.agent.Submit(ctx, "thandi", tk); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(f.agent.DB().Dir())
	served, ran := make(chan error, 1), make(chan error, 1)
	go func() { served <- f.agent.ServeLocalAPI(ctx, quiet) }()
	go func() { ran <- f.agent.Run(ctx) }() // the service's loops, the dashboard's among them
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServeLocalAPI: %v", err)
		}
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	c := localapi.NewClient(dir)
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, err = c.Session(ctx)
		var apiErr *localapi.APIError
		if errors.As(err, &apiErr) || err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var apiErr *localapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("session before sign-in: %v, want 404", err)
	}
	if _, err := c.SignIn(ctx, "WRONG-CODE"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("a wrong code: %v, want 401", err)
	}

	ss, err := c.SignIn(ctx, signInCode(t, f, msp.RoleITLead, "Sipho Dlamini"))
	if err != nil {
		t.Fatal(err)
	}
	if ss.Role != msp.RoleITLead || len(ss.Tenants) != 1 {
		t.Fatalf("session: %+v", ss)
	}
	// The tray reads the role from the status to offer "Open dashboard".
	if st, err := c.Status(ctx); err != nil || st.Role != msp.RoleITLead {
		t.Fatalf("status after sign-in: role %q (%v), want it-lead", st.Role, err)
	}
	// Run runs the sign-in's sync loop: the ticket arrives by itself.
	var page localapi.TicketPage
	for deadline := time.Now().Add(20 * time.Second); ; {
		if page, err = c.StaffTickets(ctx, localapi.TicketQuery{Q: "teams"}); err != nil {
			t.Fatal(err)
		}
		if page.Total == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if page.Total != 1 || page.Tickets[0].ID != tk.TicketID || page.Tickets[0].TenantName != "Demo Accounting" {
		t.Fatalf("tickets over the socket: %+v", page)
	}
	if _, err := c.StaffTickets(ctx, localapi.TicketQuery{Sort: "alphabetical"}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		t.Fatalf("an unknown sort: %v, want 400", err)
	}
	got, err := c.StaffChange(ctx, tk.TicketID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: "User is on the old client.", Internal: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !hasComment(got.Ticket, "User is on the old client.", true) {
		t.Fatalf("the internal note is not on the ticket: %+v", got.Comments)
	}
	one, err := c.StaffTicket(ctx, tk.TicketID)
	if err != nil || one.ID != tk.TicketID {
		t.Fatalf("one ticket: %+v, %v", one, err)
	}
	if _, err := c.StaffTicket(ctx, msp.NewID()); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("an unknown ticket: %v, want 404", err)
	}
	o, err := c.Overview(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Open != 1 || o.OpenByPillar[msp.PillarHelpdesk] != 1 {
		t.Errorf("overview: %+v", o)
	}
	// The loop pulls the fleet after the tickets: wait for it too.
	var devs []localapi.DeviceRow
	for deadline := time.Now().Add(20 * time.Second); ; {
		if devs, err = c.StaffDevices(ctx, "", "reception"); err != nil {
			t.Fatal(err)
		}
		if len(devs) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(devs) != 1 {
		t.Fatalf("devices matching reception: %+v", devs)
	}
	if d, err := c.StaffDevice(ctx, devs[0].ID); err != nil || d.Hostname != "reception-pc" {
		t.Fatalf("one device: %+v, %v", d, err)
	}

	if err := c.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StaffTickets(ctx, localapi.TicketQuery{}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("tickets after sign-out: %v, want 404", err)
	}
}
