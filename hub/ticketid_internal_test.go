package hub

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// On a store an older hub wrote, two tenants may hold one ticket id. A
// person's change then goes to the tenant it names; one that names none
// (an older agent's) is refused in words rather than guessed.
func TestUserTenantWithAnIDTwoTenantsHold(t *testing.T) {
	ctx := context.Background()
	s, err := OpenBadgerStore(ctx, t.TempDir(), localdb.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	id := msp.NewTicketID()
	for _, tn := range []string{"acme", "bolt"} {
		tk := &msp.Ticket{
			ID: id, Tenant: tn, Requester: "jane", Title: "T", Pillar: msp.PillarHelpdesk, Category: "printing",
			Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3, Status: msp.StatusOpen, Owner: msp.PartyMSP,
			CreatedAt: t0, UpdatedAt: t0, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
		}
		if err := s.Update(ctx, func(tx Tx) error { return tx.PutTicket(tk) }); err != nil {
			t.Fatal(err)
		}
	}
	both := principal{user: &User{ID: "sam", Role: msp.RoleTechnician, Tenants: []string{"acme", "bolt"}}}
	onlyBolt := principal{user: &User{ID: "lee", Role: msp.RoleTechnician, Tenants: []string{"bolt"}}}
	reply := msp.Change{Kind: msp.ChangeComment, TicketID: id}
	for _, tc := range []struct {
		name    string
		p       principal
		named   string
		want    string
		wantErr error
	}{
		{"names acme", both, "acme", "acme", nil},
		{"names bolt", both, "bolt", "bolt", nil},
		{"names none, two in scope", both, "", "", msp.ErrConflict},
		{"names none, one in scope", onlyBolt, "", "bolt", nil},
		{"names a tenant out of scope", onlyBolt, "acme", "", msp.ErrNotFound},
	} {
		if err := s.View(ctx, func(tx Tx) error {
			got, err := userTenant(tx, tc.p, tc.named, reply)
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("%s: userTenant = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.wantErr)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}
