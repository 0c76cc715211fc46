package agent_test

import (
	"context"
	"testing"

	"tandem/hub"
	"tandem/localapi"
	"tandem/msp"
)

// The IT lead's replica names a ticket's requester by the person whose OS
// account on that device raised it, with their call-back number, in the
// list and the ticket; an account nobody has keeps showing as the account,
// and a person removed on the hub is dropped at the next pull.
func TestStaffTicketNamesTheRequester(t *testing.T) {
	ctx := context.Background()
	f, tk := leadWithTicket(t, "Printer on the first floor shows offline")
	other := newTicket("Outlook asks for my password")
	if _, err := f.agent.Submit(ctx, "temp", other); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	resp, err := f.admin.AddPeople(ctx, f.tenant.ID, []hub.PersonInput{
		{Name: "Thandi Nkosi", Email: "thandi@example.co.za", Phone: "+27 82 555 0101", Accounts: []msp.PersonAccount{{Device: "RECEPTION-PC", Account: "Thandi"}}},
		{Name: "Somebody Else", Phone: "+27 82 555 0999", Accounts: []msp.PersonAccount{{Device: "other-pc", Account: "temp"}}},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	check := func(wantName, wantPhone string) {
		t.Helper()
		got, err := f.agent.StaffTicket("sipho", tk.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RequesterName != wantName || got.RequesterPhone != wantPhone || got.Requester != "thandi@reception-pc" {
			t.Errorf("the ticket's requester = %q %q (%s); want %q %q", got.RequesterName, got.RequesterPhone, got.Requester, wantName, wantPhone)
		}
		page, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range page.Tickets {
			switch row.ID {
			case tk.TicketID:
				if row.RequesterName != wantName {
					t.Errorf("the queue names the requester %q, want %q", row.RequesterName, wantName)
				}
			case other.TicketID:
				if row.RequesterName != "" || row.Requester != "temp@reception-pc" {
					t.Errorf("temp on reception-pc is nobody's account (only on other-pc); the queue names %q", row.RequesterName)
				}
			}
		}
	}
	check("Thandi Nkosi", "+27 82 555 0101")
	// A search by the person's name finds their ticket, not the other.
	found, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{Q: "nkosi"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Tickets) != 1 || found.Tickets[0].ID != tk.TicketID {
		t.Errorf("a search for nkosi found %d tickets, want Thandi's one", len(found.Tickets))
	}

	// A fresh index (as after a restart of the agent) reads the people back.
	if err := f.agent.StaffResetIndex("sipho"); err != nil {
		t.Fatal(err)
	}
	check("Thandi Nkosi", "+27 82 555 0101")

	if _, err := f.admin.RemovePerson(ctx, f.tenant.ID, resp.People[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	check("", "")
}
