package tray

import (
	"strings"
	"testing"
	"time"

	"tandem/localapi"
	"tandem/msp"
)

var acme = localapi.Support{Name: "Acme IT", Phone: "012 345 6789", Email: "help@acme.example"}

func online() localapi.Status {
	return localapi.Status{Enrolled: true, Online: true, User: "thandi", Support: acme}
}

func ticket(id, title string, st msp.Status, comments ...msp.Comment) localapi.TicketView {
	return localapi.TicketView{Ticket: msp.Ticket{ID: id, Title: title, Status: st, Comments: comments}, Delivered: true}
}

func reply(role msp.Role, body string) msp.Comment {
	return msp.Comment{ID: msp.NewID(), Role: role, Body: body, CreatedAt: time.Now()}
}

func TestStateAndWords(t *testing.T) {
	t.Parallel()
	disk := localapi.Health{Code: localapi.HealthDiskNearlyFull, Severity: localapi.SeverityCritical, Text: "Disk C: is 94% full"}
	restart := localapi.Health{Code: localapi.HealthRestartNeeded, Severity: localapi.SeverityWarning, Text: "Restart needed to finish updates"}
	encryption := localapi.Health{Code: localapi.HealthEncryptionOff, Severity: localapi.SeverityCritical, Text: "Disk encryption is off"}
	firewall := localapi.Health{Code: localapi.HealthFirewallOff, Severity: localapi.SeverityCritical, Text: "The firewall is off"}
	notYet := localapi.Health{Code: localapi.HealthNotCollected, Severity: localapi.SeverityWarning, Text: "Not checked yet"}
	offline := online()
	offline.Online, offline.Queued = false, 3
	dead := online()
	dead.Dead = 1
	unenrolled := online()
	unenrolled.Enrolled, unenrolled.Online = false, false
	copied := online()
	copied.Problems = []string{"This computer uses the enrollment of another computer."} // the local API gives one sentence

	for _, tc := range []struct {
		name     string
		snap     Snapshot
		state    State
		headline string
		tooltip  []string // lines the tooltip must contain, in order after the headline
	}{
		{"agent down, support known", Snapshot{Status: localapi.Status{Support: acme}}, StateNotRunning,
			"Tandem agent is not running", []string{"Call Acme IT on 012 345 6789"}},
		{"agent down, nothing known", Snapshot{}, StateNotRunning,
			"Tandem agent is not running", []string{"Restart the computer, or call your IT support"}},
		{"all well", Snapshot{Running: true, Status: online()}, StateAllWell, "Tandem — all well", nil},
		{"not collected yet is not a problem", Snapshot{Running: true, Status: online(), Device: localapi.Device{Health: []localapi.Health{notYet}}},
			StateAllWell, "Tandem — all well", nil},
		{"offline with changes waiting", Snapshot{Running: true, Status: offline}, StateOffline,
			"Offline — 3 changes will be sent when you're back online", nil},
		{"offline with nothing waiting", Snapshot{Running: true, Status: localapi.Status{Enrolled: true}}, StateOffline,
			"Offline — tickets you raise will be sent when you're back online", nil},
		{"the agent's own problem", Snapshot{Running: true, Status: copied}, StateAttention,
			"This computer needs attention — This computer uses the enrollment of another computer", nil},
		{"one problem", Snapshot{Running: true, Status: online(), Device: localapi.Device{Health: []localapi.Health{disk}}}, StateAttention,
			"This computer needs attention — Disk C: is 94% full", nil},
		{"two problems while offline: offline shows", Snapshot{Running: true, Status: offline, Device: localapi.Device{Health: []localapi.Health{disk, restart}}}, StateOffline,
			"Offline — 3 changes will be sent when you're back online", []string{"This computer needs attention: open “This device”"}},
		{"two problems", Snapshot{Running: true, Status: online(), Device: localapi.Device{Health: []localapi.Health{disk, restart}}}, StateAttention,
			"This computer needs attention: 2 things", nil},
		{"encryption off is the IT support's, not amber", Snapshot{Running: true, Status: online(), Device: localapi.Device{Health: []localapi.Health{encryption, firewall}}},
			StateAllWell, "Tandem — all well", nil},
		{"encryption off and a full disk: the disk", Snapshot{Running: true, Status: online(), Device: localapi.Device{Health: []localapi.Health{encryption, disk}}},
			StateAttention, "This computer needs attention — Disk C: is 94% full", nil},
		{"encryption off while offline", Snapshot{Running: true, Status: offline, Device: localapi.Device{Health: []localapi.Health{encryption}}}, StateOffline,
			"Offline — 3 changes will be sent when you're back online", nil},
		{"a refused change", Snapshot{Running: true, Status: dead}, StateAttention,
			"1 change could not be sent: open My tickets to see why", nil},
		{"not enrolled", Snapshot{Running: true, Status: unenrolled}, StateAttention,
			"This computer is not set up for support yet", nil},
		{"waiting on the customer", Snapshot{Running: true, Status: online(), Tickets: []localapi.TicketView{
			ticket("a", "Printer on the first floor shows offline", msp.StatusWaiting)}, Device: localapi.Device{Health: []localapi.Health{disk}}},
			StateReply, "New reply on “Printer on the first floor shows offline”",
			[]string{"This computer needs attention: open “This device”"}},
		{"support had the last word", Snapshot{Running: true, Status: online(), Tickets: []localapi.TicketView{
			ticket("a", "Outlook keeps asking for my password", msp.StatusProgress,
				reply(msp.RoleEndUser, "It happens every hour."), reply(msp.RoleTechnician, "Please try signing out and in."))}},
			StateReply, "New reply on “Outlook keeps asking for my password”", nil},
		{"the person had the last word", Snapshot{Running: true, Status: online(), Tickets: []localapi.TicketView{
			ticket("a", "Outlook", msp.StatusProgress, reply(msp.RoleTechnician, "Try this."), reply(msp.RoleEndUser, "Did not help."))}},
			StateAllWell, "Tandem — all well", nil},
		{"an internal note is not a reply", Snapshot{Running: true, Status: online(), Tickets: []localapi.TicketView{
			ticket("a", "Outlook", msp.StatusProgress, msp.Comment{Role: msp.RoleTechnician, Body: "check MFA", Internal: true})}},
			StateAllWell, "Tandem — all well", nil},
		{"a resolved ticket waits for nobody", Snapshot{Running: true, Status: online(), Tickets: []localapi.TicketView{
			ticket("a", "Outlook", msp.StatusResolved, reply(msp.RoleTechnician, "Fixed."))}},
			StateAllWell, "Tandem — all well", nil},
		{"two waiting", Snapshot{Running: true, Status: online(), Tickets: []localapi.TicketView{
			ticket("a", "A", msp.StatusWaiting), ticket("b", "B", msp.StatusWaiting)}},
			StateReply, "New replies on 2 of your tickets", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.snap.State(); got != tc.state {
				t.Errorf("state %v, want %v", got, tc.state)
			}
			if got := tc.snap.Headline(); got != tc.headline {
				t.Errorf("headline %q, want %q", got, tc.headline)
			}
			want := strings.Join(append([]string{tc.headline}, tc.tooltip...), "\n")
			if got := tc.snap.Tooltip(); got != want {
				t.Errorf("tooltip\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"Printer", 10, "Printer"},
		{"The printer   on\nthe first floor", 40, "The printer on the first floor"},
		{"Scanner not sending to email again", 12, "Scanner not…"},
		{"Ünïcödé wörds", 5, "Ünïc…"},
	} {
		if got := shorten(tc.in, tc.n); got != tc.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
