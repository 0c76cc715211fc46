package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// One person signed in on two computers pushes two numbered streams: each
// computer's change 1 is applied, neither is taken for the other's replay.
func TestEachSignInPushesItsOwnStream(t *testing.T) {
	ctx := context.Background()
	st, err := OpenBadgerStore(ctx, t.TempDir(), localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenant := msp.NewTenant("acme", "Acme Attorneys", msp.ModeCoManaged)
	user := User{ID: "u-sipho", Name: "Sipho Dlamini", Role: msp.RoleITLead, Tenants: []string{tenant.ID}, CreatedAt: time.Now().UTC()}
	tokens := []string{"tdm_ut_laptop", "tdm_ut_desktop"}
	err = st.Update(ctx, func(tx Tx) error {
		if err := tx.PutTenant(tenant); err != nil {
			return err
		}
		if err := tx.PutUser(user); err != nil {
			return err
		}
		for _, tok := range tokens {
			if err := tx.PutSecret(Secret{Hash: hashSecret(tok), Kind: SecretUserToken, User: user.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(st, nil, hashSecret("op"), slog.New(slog.DiscardHandler))
	api := httptest.NewServer(srv.Handler())
	defer api.Close()

	for i, tok := range tokens {
		tk := &msp.Ticket{ID: msp.NewTicketID(), Title: "Raised from computer " + string(rune('A'+i)), Description: "On behalf of reception.",
			Pillar: msp.PillarHelpdesk, Category: "printing", Impact: msp.LevelMedium, Urgency: msp.LevelMedium}
		body, err := json.Marshal(protocol.PushRequest{Mutations: []protocol.Mutation{{Seq: 1, Kind: protocol.KindTicket, Change: &msp.Change{
			ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: tk.ID, Ticket: tk, At: time.Now().UTC()}}}})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodPost, api.URL+protocol.PathPush, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(protocol.Header, protocol.Version)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var pr protocol.PushResponse
		err = json.NewDecoder(resp.Body).Decode(&pr)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("push from computer %d: %d %v", i, resp.StatusCode, err)
		}
		if len(pr.Results) != 1 || pr.Results[0].Outcome != protocol.Applied {
			t.Fatalf("computer %d's change 1: %+v, want applied", i, pr.Results)
		}
	}
	n := 0
	if err := st.View(ctx, func(tx Tx) error {
		return tx.Tickets(tenant.ID, func(*msp.Ticket) bool { n++; return true })
	}); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("the hub holds %d tickets, want both computers' (2)", n)
	}
}
