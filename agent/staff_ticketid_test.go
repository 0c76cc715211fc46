package agent

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// A hub older than unique ticket ids may send a technician two tenants'
// tickets under one id. The replica keeps the one it had and says so in
// the log, and the person's reply to it names that ticket's tenant, so the
// hub applies it there and nowhere else.
func TestStaffReplicaKeepsTicketOfItsTenant(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	a, err := Open(ctx, t.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const user = "sam"
	acme, bolt := msp.NewID(), msp.NewID()
	s := staffSession{OSUser: user, UserID: msp.NewID(), Name: "Sam Tech", Role: msp.RoleTechnician, Tenants: []string{acme, bolt},
		Token: "tdm_ut_test", HubURL: "https://127.0.0.1:1", SignedInAt: time.Now().UTC()}
	now := time.Now().UTC()
	mine := &msp.Ticket{
		ID: msp.NewTicketID(), Tenant: acme, Requester: "jane@PC-1", Title: "Acme's payroll export", Pillar: msp.PillarHelpdesk,
		Category: msp.CategoryOther, Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3, Status: msp.StatusOpen,
		Owner: msp.PartyMSP, CreatedAt: now, UpdatedAt: now, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
	}
	if err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := tx.PutJSON(staffKey(user, "session"), s); err != nil {
			return err
		}
		return putStaffTicket(tx, user, mine)
	}); err != nil {
		t.Fatal(err)
	}
	other := *mine
	other.Tenant, other.Title, other.Requester = bolt, "Bolt's ticket under the same id", "lee@PC-9"
	page := []protocol.Change{{Seq: 1, Kind: protocol.ChangeTicket, Ticket: &other}}
	if err := a.staffApplyChunk(ctx, &s, bolt, s.actor(bolt), page, true, 1); err != nil {
		t.Fatal(err)
	}
	var held msp.Ticket
	if err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "ticket/"+mine.ID), &held) }); err != nil {
		t.Fatal(err)
	}
	if held.Tenant != acme || held.Title != mine.Title {
		t.Fatalf("the replica holds %s's %q; want Acme's ticket kept", held.Tenant, held.Title)
	}
	if !strings.Contains(logs.String(), "two organisations hold a ticket with the same id") {
		t.Errorf("nothing in the log about the id two tenants hold:\n%s", logs.String())
	}

	if _, err := a.StaffChange(ctx, user, mine.ID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: "For Acme only"}}); err != nil {
		t.Fatal(err)
	}
	var queued []protocol.Mutation
	if err := a.db.View(func(tx *localdb.Tx) error {
		return outbox.New(localdb.ErrStop).Pending(newStaffKV(tx, &s), func(m protocol.Mutation) error {
			queued = append(queued, m)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(queued) != 1 || queued[0].Tenant != acme || queued[0].Change.TicketID != mine.ID {
		t.Fatalf("queued = %+v; want one reply naming Acme's tenant", queued)
	}
}
