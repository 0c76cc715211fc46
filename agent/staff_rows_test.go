package agent

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// rowV1 is a search row as agents before rowVersion 2 wrote it: no
// requester, device or thread.
func rowV1(t *msp.Ticket) []byte {
	b := []byte{1}
	for _, s := range []string{t.ID, t.Tenant, t.Title, string(t.Status), string(t.Owner), string(t.Pillar)} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for range 6 {
		b = binary.AppendVarint(b, 0)
	}
	return append(b, 0)
}

// A replica written by an older agent (search rows without the requester
// and the thread) is searched by both once the agent is updated, and its
// rows are rewritten in the new form.
func TestStaffIndexUpgradesOldRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a, err := Open(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	const user = "sipho"
	tenant := msp.NewID()
	s := staffSession{OSUser: user, UserID: msp.NewID(), Name: "Sipho Dlamini", Role: msp.RoleITLead, Tenants: []string{tenant},
		Token: "tdm_ut_test", HubURL: "https://hub.example.com", SignedInAt: time.Now().UTC()}
	tk := &msp.Ticket{ID: msp.NewTicketID(), Tenant: tenant, Requester: "thandi@reception-pc", Title: "Printer offline",
		Description: "The display says PC LOAD LETTER.", Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther,
		Status: msp.StatusOpen, Owner: msp.PartyInternal, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := tx.PutJSON(staffKey(user, "session"), s); err != nil {
			return err
		}
		if err := tx.PutJSON(staffKey(user, "ticket/"+tk.ID), tk); err != nil {
			return err
		}
		return tx.Put(staffKey(user, "row/"+tk.ID), rowV1(tk))
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, q := range []string{"thandi", "letter", msp.TicketNumber(tk.ID)} {
		page, err := a.StaffTickets(user, localapi.TicketQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 || page.Tickets[0].ID != tk.ID {
			t.Errorf("search %q over an old replica: %d tickets, want the one", q, page.Total)
		}
	}
	var raw []byte
	if err := a.db.View(func(tx *localdb.Tx) error {
		raw, err = tx.Get(staffKey(user, "row/"+tk.ID))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r, err := unmarshalRow(raw, map[string]string{})
	if err != nil || r.requester != "thandi@reception-pc" || r.thread == "" {
		t.Errorf("the old row was not rewritten: %+v (%v)", r, err)
	}
}
