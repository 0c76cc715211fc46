package app

import (
	"strings"
	"testing"

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
