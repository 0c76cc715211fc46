package agent_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// staffReplica is the IT lead's side in this test: a replica that keeps
// the hub's tickets, queues its own changes while offline and shows them
// applied on top — the same rules the agent follows, over a user credential.
type staffReplica struct {
	conn    *client.Conn
	actor   msp.Actor
	tickets map[string]*msp.Ticket
	pending []protocol.Mutation
	seq     uint64
	cursor  uint64
}

func (r *staffReplica) change(t *testing.T, c msp.Change) {
	t.Helper()
	next, err := msp.Apply(r.tickets[c.TicketID], c, r.actor, time.Now())
	if err != nil {
		t.Fatalf("IT lead's offline change refused locally: %v", err)
	}
	r.tickets[c.TicketID] = next
	r.seq++
	r.pending = append(r.pending, protocol.Mutation{Seq: r.seq, Kind: protocol.KindTicket, Change: &c})
}

func (r *staffReplica) sync(t *testing.T, ctx context.Context) {
	t.Helper()
	if len(r.pending) > 0 {
		resp, err := r.conn.Push(ctx, r.pending)
		if err != nil {
			t.Fatalf("IT lead push: %v", err)
		}
		for _, res := range resp.Results {
			if res.Outcome == protocol.Rejected {
				t.Fatalf("the hub refused the IT lead's change %d: %s", res.Seq, res.Error.Message)
			}
		}
		kept := r.pending[:0]
		for _, m := range r.pending {
			if m.Seq > resp.HighWater {
				kept = append(kept, m)
			}
		}
		r.pending = kept
	}
	for {
		page, err := r.conn.Pull(ctx, r.cursor, 0)
		if err != nil {
			t.Fatalf("IT lead pull: %v", err)
		}
		for _, c := range page.Changes {
			if c.Ticket != nil {
				r.tickets[c.Ticket.ID] = c.Ticket
			}
		}
		r.cursor = page.Cursor
		if !page.More {
			return
		}
	}
}

// Two replicas edit the same ticket while offline — the requester on the
// device and the IT lead — and converge after sync: comments are the
// union, the first edit of the title to arrive wins, and the other is kept
// as a visible conflicting-edit note. Nothing is lost.
func TestReplicasConvergeAfterOfflineEdits(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	c := newTicket("Laptop slow")
	if _, err := f.agent.Submit(ctx, "thandi", c); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}

	// The IT lead signs in with a code from the operator.
	u, err := f.admin.AddUser(ctx, f.tenant.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(f.hub.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	anon, err := client.NewConn(f.hub.info.URL, caPEM, nil, client.ConnOptions{RetryMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	signIn, err := anon.SignIn(ctx, strings.ToLower(u.Code)) // typed in lower case
	anon.Close()
	if err != nil {
		t.Fatal(err)
	}
	lead, err := client.NewConn(f.hub.info.URL, caPEM, nil, client.ConnOptions{RetryMax: 1, Token: signIn.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer lead.Close()
	b := &staffReplica{conn: lead, tickets: map[string]*msp.Ticket{},
		actor: msp.Actor{ID: signIn.UserID, Role: msp.RoleITLead, Tenant: f.tenant.ID}}
	b.sync(t, ctx)
	base := b.tickets[c.TicketID]
	if base == nil {
		t.Fatal("the IT lead's pull does not hold the tenant's ticket")
	}

	// Both go offline and edit the same ticket from the same revision.
	f.hub.stop()
	at := time.Now().UTC()
	leadTitle, userTitle := "Laptop slow: disk 98% full", "Laptop very slow since the update"
	b.change(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeEdit, TicketID: c.TicketID, At: at, Title: &leadTitle, BaseRevision: base.Revision})
	b.change(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: c.TicketID, At: at,
		Comment: &msp.Comment{ID: msp.NewID(), Body: "I will clear the temp folders this afternoon."}})
	if _, err := f.agent.Submit(ctx, "thandi", msp.Change{ID: msp.NewID(), Kind: msp.ChangeEdit, TicketID: c.TicketID, At: at, Title: &userTitle, BaseRevision: base.Revision}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.Submit(ctx, "thandi", comment(c.TicketID, "It takes five minutes to open Excel.")); err != nil {
		t.Fatal(err)
	}

	// Back online: the IT lead's changes arrive first, then the device's.
	startHub(t, f.hub.dir, f.hub.listen)
	b.sync(t, ctx)
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	b.sync(t, ctx)
	if dead, _ := f.agent.DeadLetters(); len(dead) != 0 {
		t.Fatalf("a change was refused: %+v", dead)
	}

	hubT := hubTickets(t, f)[0]
	device, err := f.agent.Ticket(c.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	lead2 := b.tickets[c.TicketID]
	for name, got := range map[string]*msp.Ticket{"device": device, "IT lead": lead2} {
		if !reflect.DeepEqual(canonical(got), canonical(&hubT)) {
			t.Errorf("the %s replica differs from the hub:\n%s\nhub:\n%s", name, canonical(got), canonical(&hubT))
		}
	}
	if hubT.Title != leadTitle {
		t.Errorf("title %q, want the first edit to arrive (%q)", hubT.Title, leadTitle)
	}
	var replies, conflicts int
	for _, cm := range hubT.Comments {
		switch cm.Kind {
		case msp.CommentKindReply:
			replies++
		case msp.CommentKindConflict:
			conflicts++
			if !strings.Contains(cm.Body, userTitle) {
				t.Errorf("the conflict note does not quote the edit that lost: %q", cm.Body)
			}
		}
	}
	if replies != 2 || conflicts != 1 {
		t.Errorf("%d replies and %d conflict notes, want 2 and 1", replies, conflicts)
	}
}

// canonical is a ticket as indented JSON, for comparing replicas field by field.
func canonical(t *msp.Ticket) string {
	b, _ := json.MarshalIndent(t, "", " ") // a Ticket always encodes
	return string(b)
}
