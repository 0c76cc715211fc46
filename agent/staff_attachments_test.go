package agent_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// attaching is a new ticket raised with a file of data named name.
func attaching(title, name, mediaType string, data []byte) (msp.Change, localapi.File) {
	s := sha256.Sum256(data)
	sum := hex.EncodeToString(s[:])
	c := newTicket(title)
	c.Ticket.Attachments = []msp.Attachment{{ID: msp.NewID(), Name: name, MediaType: mediaType,
		Size: int64(len(data)), SHA256: sum, CreatedAt: c.At}}
	return c, localapi.File{SHA256: sum, Data: data}
}

// staffKeys counts the keys under the OS user's staff keyspace whose name
// (after the keyspace) starts with what.
func staffKeys(t *testing.T, f *fixture, user, what string) int {
	t.Helper()
	prefix := "staff/" + hex.EncodeToString([]byte(user)) + "/" + what
	n := 0
	if err := f.agent.DB().View(func(tx *localdb.Tx) error {
		return tx.ScanKeys([]byte(prefix), nil, func([]byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// The IT lead opens the files a requester attached: the first time they
// are fetched from the hub (the requester's computer no longer keeps
// them), then they open again with the hub gone. A file never opened
// cannot be fetched offline, and says so; a file the ticket does not name
// and another OS user are refused; sign-out removes what was kept.
func TestStaffAttachmentFetchedOnceAndKeptForOffline(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	shot := bytes.Repeat([]byte("\x89PNG screenshot "), 4096)
	printer, file := attaching("Printer shows an error", "error.png", "image/png", shot)
	if _, err := f.agent.Submit(ctx, "thandi", printer, file); err != nil {
		t.Fatal(err)
	}
	logs, logFile := attaching("VPN drops every hour", "vpn.log", "text/plain", []byte("tunnel down at 09:14\n"))
	if _, err := f.agent.Submit(ctx, "thandi", logs, logFile); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.Blob(file.SHA256); !errors.Is(err, localdb.ErrNotFound) {
		t.Fatalf("the requester's computer still keeps the sent file (%v): the test would not show a fetch from the hub", err)
	}
	if _, err := f.agent.StaffSignIn(ctx, "sipho", signInCode(t, f, msp.RoleITLead, "Sipho Dlamini")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	st, err := f.agent.StaffTicket("sipho", printer.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Attachments) != 1 || st.Attachments[0].Name != "error.png" || st.Attachments[0].Size != int64(len(shot)) {
		t.Fatalf("the IT lead's ticket names the files %+v", st.Attachments)
	}
	if st.DeviceInfo == nil || st.DeviceInfo.Hostname != "reception-pc" || st.DeviceInfo.ID != st.Device {
		t.Errorf("the ticket's device: %+v, want the reception PC's Devices entry", st.DeviceInfo)
	}
	att := st.Attachments[0].ID

	got, err := f.agent.StaffAttachment(ctx, "sipho", printer.TicketID, att)
	if err != nil {
		t.Fatalf("opening the file online: %v", err)
	}
	if !bytes.Equal(got.Data, shot) || got.Name != "error.png" || got.MediaType != "image/png" {
		t.Fatalf("the file opened is %q (%s), %d bytes; want error.png, %d bytes", got.Name, got.MediaType, len(got.Data), len(shot))
	}

	f.hub.stop()
	got, err = f.agent.StaffAttachment(ctx, "sipho", printer.TicketID, att)
	if err != nil || !bytes.Equal(got.Data, shot) {
		t.Fatalf("opening the file again offline: %d bytes, %v; want it from this computer", len(got.Data), err)
	}
	vpn, err := f.agent.StaffTicket("sipho", logs.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.agent.StaffAttachment(ctx, "sipho", logs.TicketID, vpn.Attachments[0].ID)
	if !errors.Is(err, localapi.ErrHubUnreachable) || !strings.Contains(err.Error(), "vpn.log") {
		t.Errorf("a file never opened, offline: %v; want it named, and the hub unreachable", err)
	}
	if _, err := f.agent.StaffAttachment(ctx, "sipho", logs.TicketID, att); !errors.Is(err, msp.ErrNotFound) {
		t.Errorf("the printer's file asked for through the VPN ticket: %v, want not found", err)
	}
	if _, err := f.agent.StaffAttachment(ctx, "thandi", printer.TicketID, att); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Errorf("another OS user: %v, want not signed in", err)
	}

	if n := staffKeys(t, f, "sipho", "blob/"); n != 1 {
		t.Fatalf("%d files kept for the IT lead, want 1", n)
	}
	if err := f.agent.StaffSignOut(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	if n := staffKeys(t, f, "sipho", "blob"); n != 0 {
		t.Errorf("%d keys of kept files are left after sign-out", n)
	}
}
