package app

import (
	"context"
	"strings"
	"testing"

	"tandem/hub"
	"tandem/localapi"
	"tandem/msp"
)

// A ticket names its requester by the person the hub matched, with a
// number to call back, and keeps the OS account when nobody matched.
func TestRequesterWords(t *testing.T) {
	t.Parallel()
	known := localapi.StaffTicket{Ticket: msp.Ticket{Requester: "thandi@reception-pc"},
		RequesterName: "Thandi Nkosi", RequesterPhone: "+27 82 555 0101", RequesterEmail: "thandi@example.co.za"}
	if got := RequesterWords(known); got != "Thandi Nkosi" {
		t.Errorf("RequesterWords = %q", got)
	}
	if got := CallBackWords(known); got != "Call back: +27 82 555 0101 · thandi@example.co.za (thandi on reception-pc)" {
		t.Errorf("CallBackWords = %q", got)
	}
	unknown := localapi.StaffTicket{Ticket: msp.Ticket{Requester: "root@vm"}}
	if got := RequesterWords(unknown); got != "root@vm" {
		t.Errorf("RequesterWords of an unmatched account = %q, want the account", got)
	}
	if got := CallBackWords(unknown); !strings.Contains(got, "no person on record for root@vm") {
		t.Errorf("CallBackWords of an unmatched account = %q", got)
	}
	alert := localapi.StaffTicket{Ticket: msp.Ticket{Requester: "system:alerts", Alert: &msp.AlertRef{Condition: msp.AlertPosture}}}
	if RequesterWords(alert) != "Tandem's monitoring" || CallBackWords(alert) != "" {
		t.Errorf("an alert: %q, %q", RequesterWords(alert), CallBackWords(alert))
	}
}

// The dashboard's queue and ticket name the requester by the person the
// MSP added for the OS account, with the number to call back.
func TestDashboardShowsThePerson(t *testing.T) {
	r := newRig(t)
	tk := raiseIn(t, r, "Cannot print the payroll report", msp.PillarHelpdesk, "printing", msp.LevelMedium)
	r.mustSync()
	if _, err := r.admin.AddPeople(context.Background(), r.tenant.ID, []hub.PersonInput{{Name: "Thandi Nkosi", Email: "thandi@example.co.za",
		Phone: "+27 82 555 0101", Accounts: []msp.PersonAccount{{Device: "reception-pc", Account: r.user}}}}, false); err != nil {
		t.Fatal(err)
	}
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleTechnician, "Sam Naidoo"))
	d.tabs.SelectIndex(1)
	v := d.tickets
	v.reload()
	if len(v.rows) != 1 || RequesterWords(v.rows[0]) != "Thandi Nkosi" {
		t.Fatalf("the queue's rows: %+v", v.rows)
	}
	d.OpenTicket(tk.ID)
	wantText(t, view(d), "raised by Thandi Nkosi", "Call back: +27 82 555 0101 · thandi@example.co.za ("+r.user+" on reception-pc)",
		"Thandi Nkosi (requester)", "Requester")
	wantNoText(t, view(d), r.user+"@reception-pc")
	shot(t, w, "dashboard-requester")
}
