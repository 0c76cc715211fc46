package agent_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localapi"
	"tandem/msp"
)

// searchIDs returns the ids of the tickets the IT lead's search q finds,
// of every status.
func searchIDs(t *testing.T, f *fixture, q string) []string {
	t.Helper()
	page, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{Q: q, Status: localapi.StatusFilterAll})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var ids []string
	for _, tk := range page.Tickets {
		ids = append(ids, tk.ID)
	}
	return ids
}

// wantFound checks that each search finds exactly the ticket want.
func wantFound(t *testing.T, f *fixture, want string, searches ...string) {
	t.Helper()
	for _, q := range searches {
		if got := searchIDs(t, f, q); !slices.Equal(got, []string{want}) {
			t.Errorf("search %q found %v, want only %s", q, got, want)
		}
	}
}

// The number people see on the ticket (the last six characters of its
// id) finds it, as it is read out on the phone: with or without the '#',
// in either case, with punctuation around it, and by its first digits
// after a '#'. The start of the id, which the CLI shows, still finds it.
func TestStaffSearchByTicketNumber(t *testing.T) {
	f, printer := leadWithTicket(t, "Printer on the first floor shows offline")
	other := newTicket("VPN drops every hour")
	if _, err := f.agent.Submit(context.Background(), "thandi", other); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(context.Background(), f.conn); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(context.Background(), "sipho"); err != nil {
		t.Fatal(err)
	}
	id := printer.TicketID
	number := msp.TicketNumber(id) // "#69DC5E", as the windows show it
	if len(number) != 1+msp.TicketNumberLen || strings.ToUpper(number) != number {
		t.Fatalf("the number of %s is %q", id, number)
	}
	bare := number[1:]
	wantFound(t, f, id,
		number, bare, strings.ToLower(number), strings.ToLower(bare),
		number+",", "("+bare+")", // pasted from an e-mail: the punctuation goes
		number[:4], // "#69D": the start of a number after a '#'
		bare[:4],   // four characters without '#' are enough to be a number
		id,         // the id, as the CLI shows it
	)
	if got := searchIDs(t, f, number+" vpn"); len(got) != 0 {
		t.Errorf("every word must match: %q found %v", number+" vpn", got)
	}
	if got := searchIDs(t, f, "#"); len(got) != 2 {
		t.Errorf("a lone '#' should not filter: found %d tickets, want 2", len(got))
	}
}

// A search finds a ticket by who raised it, by the name of the computer it
// was raised on (as the fleet knows it now, after a rename), and by words
// in its thread: the description, the requester's replies, the staff's
// replies and internal notes. The notes the hub writes itself (routing)
// do not make every ticket match.
func TestStaffSearchByRequesterDeviceAndThread(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	printer := newTicket("Printer on the first floor shows offline")
	id := printer.TicketID
	// Another person's ticket, so that each search has something to leave out.
	other := newTicket("Outlook asks for my password")
	other.Ticket.Description = "Since the update yesterday."
	for _, c := range []struct {
		user string
		ch   msp.Change
	}{{"thandi", printer}, {"thandi", comment(id, "The display now says PC LOAD LETTER.")}, {"lerato", other}} {
		if _, err := f.agent.Submit(ctx, c.user, c.ch); err != nil {
			t.Fatal(err)
		}
	}
	// The computer is renamed: the fleet now calls it front-desk-pc, while
	// the ticket still names its requester thandi@reception-pc.
	if err := f.agent.QueueInventory(ctx, renamedInventory("front-desk-pc")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.StaffSignIn(ctx, "sipho", signInCode(t, f, msp.RoleITLead, "Sipho Dlamini")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	if devs, err := f.agent.StaffDevices("sipho", "", ""); err != nil || len(devs) != 1 || devs[0].Hostname != "front-desk-pc" {
		t.Fatalf("the fleet: %+v (%v), want the renamed computer", devs, err)
	}
	if _, err := f.agent.StaffChange(ctx, "sipho", id, msp.Change{Kind: msp.ChangeComment,
		Comment: &msp.Comment{Body: "Fuser unit ordered from Konica", Internal: true}}); err != nil {
		t.Fatal(err)
	}

	wantFound(t, f, id,
		"thandi", "THANDI@reception", // the requester
		"Front-Desk-PC printer", // the device, by its name in the fleet now
		"morning",               // the description
		"load letter", "LOAD",   // the requester's reply
		"konica", "fuser", // an internal note
	)
	// Both tickets were raised on the renamed computer.
	if got := searchIDs(t, f, "front-desk"); len(got) != 2 {
		t.Errorf("search %q found %v, want both tickets of the computer", "front-desk", got)
	}
	wantFound(t, f, other.TicketID, "lerato", "outlook")

	// The words of the hub's routing note, where nothing people wrote has
	// them, find nothing.
	st, err := f.agent.StaffTicket("sipho", id)
	if err != nil {
		t.Fatal(err)
	}
	written := strings.ToLower(strings.Join([]string{st.Title, st.Description, st.Requester, "front-desk-pc",
		"the display now says pc load letter.", "fuser unit ordered from konica", "outlook asks for my password", "lerato"}, " "))
	routing := 0
	for _, c := range st.Comments {
		if c.Kind != msp.CommentKindRouting {
			continue
		}
		for _, w := range strings.Fields(strings.ToLower(c.Body)) {
			w = strings.Trim(w, ".,;:()")
			if len(w) < 5 || strings.Contains(written, w) {
				continue
			}
			routing++
			if got := searchIDs(t, f, w); len(got) != 0 {
				t.Errorf("the hub's routing note is searched: %q found %v", w, got)
			}
		}
	}
	if routing == 0 {
		t.Fatalf("no routing note with words of its own to search for: %+v", st.Comments)
	}

	// After a restart the index is built again from the store, and finds
	// the same.
	dir := filepath.Dir(f.agent.DB().Dir())
	if err := f.agent.Close(); err != nil {
		t.Fatal(err)
	}
	if f.agent, err = agent.Open(ctx, dir, agent.Options{Logger: quiet, Hostname: "front-desk-pc", Conn: fastConn}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.agent.Close() })
	wantFound(t, f, id, "front-desk printer", "konica", "load letter", msp.TicketNumber(id))
}

// renamedInventory is a device report that names the computer host.
func renamedInventory(host string) msp.Inventory {
	unknown := msp.Check{State: msp.CheckUnknown}
	return msp.Inventory{Hostname: host, CollectedAt: time.Now().UTC(),
		Posture: msp.Posture{Firewall: unknown, DiskEncryption: unknown, AutomaticUpdates: unknown, Antivirus: unknown}}
}
