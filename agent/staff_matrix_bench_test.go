package agent

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// BenchmarkStaffResponsibilities is reading the Responsibilities tab's
// answer from a replica whose history is full (msp.MaxMatrixHistory
// entries), and queueing one row edit on it.
func BenchmarkStaffResponsibilities(b *testing.B) {
	ctx := context.Background()
	a, err := Open(ctx, b.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	const user = "thandi"
	tn := msp.NewTenant(msp.NewID(), "Karoo Logistics", msp.ModeCoManaged)
	s := staffSession{OSUser: user, UserID: msp.NewID(), Name: "Thandi", Role: msp.RoleITLead, Tenants: []string{tn.ID},
		Token: "tdm_ut_bench", HubURL: "https://hub.example.com", SignedInAt: time.Now().UTC()}
	history := make([]msp.MatrixEvent, msp.MaxMatrixHistory)
	for i := range history {
		before, _ := tn.Matrix.Lookup(msp.FuncPatching)
		after := before
		after.Note = "agreed in meeting " + time.Duration(i).String()
		history[i] = msp.MatrixEvent{ID: msp.NewID(), Tenant: tn.ID, At: time.Now().UTC(), By: s.UserID, ByName: s.Name,
			ByRole: s.Role, Function: msp.FuncPatching, Before: &before, After: &after, Reason: "because"}
	}
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := tx.PutJSON(staffKey(user, "session"), s); err != nil {
			return err
		}
		if err := tx.PutJSON(staffKey(user, "tenant/"+tn.ID), tn); err != nil {
			return err
		}
		return tx.PutJSON(staffKey(user, "history/"+tn.ID), history)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.StaffResponsibilities(user, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("edit", func(b *testing.B) {
		b.ReportAllocs()
		parties := []msp.Party{msp.PartyInternal, msp.PartyShared}
		i := 0
		for b.Loop() {
			row := msp.Responsibility{Function: msp.FuncNetwork, BusinessHours: parties[i%2], AfterHours: msp.PartyMSP}
			i++
			if _, err := a.StaffMatrixEdit(ctx, user, msp.MatrixEdit{Row: &row}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
