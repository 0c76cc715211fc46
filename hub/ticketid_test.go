package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tandem/msp"
	"tandem/sync/protocol"
)

// A device of tenant B offers a new ticket with the id of tenant A's
// ticket. The hub refuses it, so a technician who serves both and replies
// to A's ticket by its id replies to A's ticket alone, and B's user never
// reads it. (On a hub that allowed the id twice, B's user read the reply.)
func TestTicketIDTakenInAnotherTenant(t *testing.T) {
	ctx := context.Background()
	o := startOpsHub(t)
	a, b := o.tenant(t, "Acme", msp.ModeFullyManaged), o.tenant(t, "Bolt", msp.ModeFullyManaged)
	a1, b1 := o.enroll(t, a.ID, "acme-pc"), o.enroll(t, b.ID, "bolt-pc")

	ta := draft("Payroll export fails")
	wantResults(t, a1.push(t, createM(a1.next(), ta)), 1, protocol.Applied)
	squat := draft("Bolt's ticket under Acme's id")
	squat.ID = ta.ID
	resp := b1.push(t, createM(b1.next(), squat))
	wantResults(t, resp, 1, protocol.Rejected)
	if r := resp.Results[0]; r.Error == nil || r.Error.Code != protocol.CodeConflict || !strings.Contains(r.Error.Message, "raise it again") {
		t.Fatalf("B's create under A's id: %+v, want a conflict telling the person to raise it again", r.Error)
	}

	u, err := o.admin.AddUser(ctx, a.ID, msp.RoleTechnician, "Sam Tech")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.admin.SetScope(ctx, u.User.ID, []string{a.ID, b.ID}); err != nil {
		t.Fatal(err)
	}
	si, err := a1.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	tech := o.staffConn(t, si.Token)
	// An older agent's change names no tenant; a current one names A.
	staffPush(t, tech, 1, msp.Change{Kind: msp.ChangeComment, TicketID: ta.ID, Comment: &msp.Comment{ID: msp.NewID(), Body: "Confidential for Acme, without a tenant"}})
	c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: ta.ID, At: time.Now().UTC(), Comment: &msp.Comment{ID: msp.NewID(), Body: "Confidential for Acme, naming it"}}
	resp, err = tech.Push(ctx, []protocol.Mutation{{Seq: 2, Kind: protocol.KindTicket, Tenant: a.ID, Change: &c}})
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 2, protocol.Applied)
	// A change that names B for A's ticket finds no ticket: it never
	// lands anywhere.
	c = msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: ta.ID, At: time.Now().UTC(), Comment: &msp.Comment{ID: msp.NewID(), Body: "Confidential, sent to the wrong organisation"}}
	resp, err = tech.Push(ctx, []protocol.Mutation{{Seq: 3, Kind: protocol.KindTicket, Tenant: b.ID, Change: &c}})
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 3, protocol.Rejected)
	if r := resp.Results[0]; r.Error == nil || r.Error.Code != protocol.CodeNotFound {
		t.Errorf("a change naming B for A's ticket: %+v, want not found", r.Error)
	}

	got := o.ticket(t, a.ID, ta.ID)
	var bodies []string
	for _, cm := range got.Comments {
		if strings.HasPrefix(cm.Body, "Confidential") {
			bodies = append(bodies, cm.Body)
		}
	}
	if len(bodies) != 2 || !strings.Contains(bodies[0], "without a tenant") || !strings.Contains(bodies[1], "naming it") {
		t.Errorf("A's ticket's comments = %q, want the two replies meant for it", bodies)
	}
	if bt, err := o.admin.Tickets(ctx, b.ID); err != nil || len(bt) != 0 {
		t.Errorf("B's tickets = %+v, %v; want none", bt, err)
	}
	for _, ch := range b1.pullAll(t, 0) {
		if ch.Ticket == nil {
			continue
		}
		for _, cm := range ch.Ticket.Comments {
			if strings.Contains(cm.Body, "Confidential") {
				t.Errorf("B's device pulled A's reply %q", cm.Body)
			}
		}
	}
}

// A device names the OS account that raised a ticket, and the hub adds the
// device's own name; an account name with an @ of its own (which would
// pass for a person on another computer) is refused.
func TestDeviceCannotNameAnotherComputersPerson(t *testing.T) {
	h := startHub(t)
	tn := h.tenant(t, "Acme", msp.ModeFullyManaged)
	d := h.enroll(t, tn.ID, "acme-pc")
	m := createM(d.next(), draft("Raised as someone elsewhere"))
	m.User = "ceo@boardroom-pc"
	resp := d.push(t, m)
	wantResults(t, resp, 1, protocol.Rejected)
	if r := resp.Results[0]; r.Error == nil || r.Error.Code != protocol.CodeInvalid || !strings.Contains(r.Error.Message, "holds no @") {
		t.Errorf("a user with an @: %+v, want invalid", r.Error)
	}
	ok := createM(d.next(), draft("Raised as myself"))
	ok.User = "thandi"
	wantResults(t, d.push(t, ok), 2, protocol.Applied)
	tk := h.adminTicket(t, tn.ID, ok.Change.TicketID)
	if tk == nil || tk.Requester != "thandi@acme-pc" {
		t.Errorf("requester = %+v, want thandi@acme-pc", tk)
	}
}
