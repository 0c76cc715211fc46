package hub_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

func TestTenantIsolation(t *testing.T) {
	h := startHub(t)
	ctx := context.Background()
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	b := h.tenant(t, "Bolt", msp.ModeFullyManaged)
	a1 := h.enroll(t, a.ID, "acme-pc-1")
	a2 := h.enroll(t, a.ID, "acme-pc-2")
	b1 := h.enroll(t, b.ID, "bolt-pc-1")

	ta := draft("Acme's payroll printer")
	wantResults(t, a1.push(t, createM(a1.next(), ta), commentM(a1.next(), ta.ID, "Still jammed")), 2, protocol.Applied, protocol.Applied)
	before := h.adminTicket(t, a.ID, ta.ID)
	if before == nil {
		t.Fatal("A's ticket is not in the operator's list")
	}

	// B's device names A's ticket: every kind of change is refused, and
	// the refusal does not say the ticket exists.
	withTenant := draft("Raised into another organisation")
	withTenant.Tenant = a.ID
	resp := b1.push(t,
		commentM(b1.next(), ta.ID, "I can see you"),
		statusM(b1.next(), ta.ID, msp.StatusClosed),
		protocol.Mutation{Seq: b1.next(), Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
			ID: msp.NewID(), Kind: msp.ChangeEdit, TicketID: ta.ID, Title: new("Defaced"), BaseRevision: 1, At: time.Now().UTC(),
		}},
		createM(b1.next(), withTenant),
	)
	wantResults(t, resp, 4, protocol.Rejected, protocol.Rejected, protocol.Rejected, protocol.Rejected)
	for _, r := range resp.Results[:3] {
		if r.Error == nil || r.Error.Code != protocol.CodeNotFound {
			t.Errorf("seq %d: error %+v, want code %s (another tenant's ticket must look missing)", r.Seq, r.Error, protocol.CodeNotFound)
		}
	}
	if r := resp.Results[3]; r.Error == nil || r.Error.Code != protocol.CodeForbidden {
		t.Errorf("create for another tenant: error %+v, want code %s", r.Error, protocol.CodeForbidden)
	}

	// A create in B that reuses A's ticket id is refused: ids are unique
	// across the hub, so that a technician serving both tenants never
	// replies into the wrong one. A's ticket is left alone.
	squat := draft("Same id, other tenant")
	squat.ID = ta.ID
	resp = b1.push(t, createM(b1.next(), squat))
	wantResults(t, resp, 5, protocol.Rejected)
	if r := resp.Results[0]; r.Error == nil || r.Error.Code != protocol.CodeConflict || !strings.Contains(r.Error.Message, "raise it again") {
		t.Errorf("create reusing another tenant's id: error %+v, want code %s saying to raise it again", r.Error, protocol.CodeConflict)
	}

	after := h.adminTicket(t, a.ID, ta.ID)
	if after == nil || after.Revision != before.Revision || after.Title != before.Title || len(after.Comments) != len(before.Comments) || after.Status != before.Status {
		t.Errorf("A's ticket changed through B's pushes:\nbefore %+v\nafter  %+v", before, after)
	}

	// B's pull holds nothing of A.
	for _, c := range b1.pullAll(t, 0) {
		switch c.Kind {
		case protocol.ChangeTenant:
			if c.Tenant == nil || c.Tenant.ID != b.ID {
				t.Errorf("B's pull holds tenant %+v", c.Tenant)
			}
		case protocol.ChangeTicket:
			if c.Ticket.Tenant != b.ID {
				t.Errorf("B's pull holds a ticket of tenant %s: %+v", c.Ticket.Tenant, c.Ticket)
			}
			if c.Ticket.Title == ta.Title {
				t.Errorf("B's pull holds A's ticket")
			}
		}
	}

	// Device scope: A's second device sees its tenant but not device 1's
	// ticket, and cannot act on it.
	pulled := a2.pullAll(t, 0)
	if _, ok := tickets(pulled)[ta.ID]; ok {
		t.Error("A's second device pulled device 1's ticket")
	}
	if !slices.ContainsFunc(pulled, func(c protocol.Change) bool { return c.Kind == protocol.ChangeTenant && c.Tenant.ID == a.ID }) {
		t.Error("A's second device did not pull its tenant's settings")
	}
	wantResults(t, a2.push(t, commentM(a2.next(), ta.ID, "Not my ticket")), 1, protocol.Rejected)
	if _, ok := tickets(a1.pullAll(t, 0))[ta.ID]; !ok {
		t.Error("device 1 does not pull its own ticket")
	}

	// The operator's lists of B hold nothing of A.
	bt, err := h.admin.Tickets(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range bt {
		if tk.Tenant != b.ID || tk.Title == ta.Title {
			t.Errorf("operator's tickets of B hold %+v", tk)
		}
	}
	if len(bt) != 0 {
		t.Errorf("operator's tickets of B = %d, want 0 (the squatting create is refused)", len(bt))
	}
	bd, err := h.admin.Devices(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(bd) != 1 || bd[0].ID != b1.id.DeviceID || bd[0].Tenant != b.ID {
		t.Errorf("operator's devices of B = %+v, want only B's device", bd)
	}
	ad, err := h.admin.Devices(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ad) != 2 {
		t.Errorf("operator's devices of A = %d, want 2", len(ad))
	}

	// An enrollment token of A makes a certificate that names A.
	certPEM, err := os.ReadFile(filepath.Join(a1.dataDir, "identity", "device.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(certPEM)
	if blk == nil {
		t.Fatal("device.pem is not PEM")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cert.Subject.Organization, []string{a.ID}) || cert.Subject.CommonName != a1.id.DeviceID {
		t.Errorf("A's device certificate names %v / %s, want tenant %s / device %s", cert.Subject.Organization, cert.Subject.CommonName, a.ID, a1.id.DeviceID)
	}
}

// TestDeviceScopeSameHostname: a second device of the tenant that reports
// the same hostname, and an OS account of the same name, still cannot act
// on the first device's tickets. The requester name the hub derives
// (user@hostname) comes partly from what the device says about itself.
func TestDeviceScopeSameHostname(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d1 := h.enroll(t, a.ID, "desktop-1")
	d2 := h.enroll(t, a.ID, "desktop-1")
	tk := draft("Mine")
	wantResults(t, d1.push(t, createM(d1.next(), tk)), 1, protocol.Applied)
	wantResults(t, d2.push(t,
		commentM(d2.next(), tk.ID, "Written from another machine"),
		protocol.Mutation{Seq: d2.next(), Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
			ID: msp.NewID(), Kind: msp.ChangeEdit, TicketID: tk.ID, Title: new("Changed from another machine"), BaseRevision: 1, At: time.Now().UTC(),
		}},
	), 2, protocol.Rejected, protocol.Rejected)
	got := h.adminTicket(t, a.ID, tk.ID)
	if got == nil || got.Title != tk.Title || len(got.Comments) != 1 { // the routing note
		t.Errorf("device 2 changed device 1's ticket: %+v", got)
	}
}

func TestEndUserCannotSetPriorityOrAssignee(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")

	owned := draft("With an owner")
	owned.Owner = msp.PartyMSP
	assigned := draft("With an assignee")
	assigned.Assignee = "tech-sipho"
	prioritised := draft("With its own priority")
	prioritised.Priority = 1 // medium × medium is 3
	ok := draft("Plain")
	assignee := "tech-sipho"
	resp := d.push(t,
		createM(d.next(), owned),
		createM(d.next(), assigned),
		createM(d.next(), ok),
		protocol.Mutation{Seq: d.next(), Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
			ID: msp.NewID(), Kind: msp.ChangeAssign, TicketID: ok.ID, Owner: msp.PartyInternal, Assignee: &assignee, At: time.Now().UTC(),
		}},
		protocol.Mutation{Seq: d.next(), Kind: protocol.KindTicket, User: "jane", Change: &msp.Change{
			ID: msp.NewID(), Kind: msp.ChangeReprioritise, TicketID: ok.ID, Impact: msp.LevelHigh, Urgency: msp.LevelHigh, At: time.Now().UTC(),
		}},
		createM(d.next(), prioritised),
	)
	if len(resp.Results) != 6 {
		t.Fatalf("results = %+v", resp.Results)
	}
	wantResults(t, protocol.PushResponse{HighWater: resp.HighWater, Results: resp.Results[:5]}, 6,
		protocol.Rejected, protocol.Rejected, protocol.Applied, protocol.Rejected, protocol.Rejected)
	for _, i := range []int{0, 1, 3, 4} {
		if e := resp.Results[i].Error; e == nil || e.Code != protocol.CodeForbidden {
			t.Errorf("seq %d: error %+v, want code %s", resp.Results[i].Seq, e, protocol.CodeForbidden)
		}
	}
	// A create that names a priority is either refused or gets the
	// priority its impact and urgency give.
	if resp.Results[5].Outcome == protocol.Applied {
		got := h.adminTicket(t, a.ID, prioritised.ID)
		want, _ := msp.PriorityFor(msp.LevelMedium, msp.LevelMedium)
		if got == nil || got.Priority != want {
			t.Errorf("an end user's create set priority: %+v, want priority %v", got, want)
		}
	}
	got := h.adminTicket(t, a.ID, ok.ID)
	if got == nil {
		t.Fatal("the plain ticket is missing")
	}
	if got.Assignee != "" || got.Impact != msp.LevelMedium || got.Revision != 1 {
		t.Errorf("an end user's assign or reprioritise changed the ticket: %+v", got)
	}
	if h.adminTicket(t, a.ID, owned.ID) != nil || h.adminTicket(t, a.ID, assigned.ID) != nil {
		t.Error("a refused create was stored")
	}
}

// comments counts the replies on ticket id as the operator sees it.
func (h *testHub) comments(t *testing.T, tenant, id string) int {
	t.Helper()
	tk := h.adminTicket(t, tenant, id)
	if tk == nil {
		t.Fatalf("ticket %s is missing", id)
	}
	n := 0
	for _, c := range tk.Comments {
		if c.Kind == msp.CommentKindReply {
			n++
		}
	}
	return n
}

func TestExactlyOnce(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	tk := draft("Printer")
	ms := []protocol.Mutation{createM(1, tk)}
	for seq := uint64(2); seq <= 7; seq++ {
		ms = append(ms, commentM(seq, tk.ID, "reply"))
	}

	wantResults(t, d.push(t, ms[:5]...), 5, protocol.Applied, protocol.Applied, protocol.Applied, protocol.Applied, protocol.Applied)
	if n := h.comments(t, a.ID, tk.ID); n != 4 {
		t.Fatalf("comments after seqs 1..5 = %d, want 4", n)
	}

	// A replay of the same batch is acknowledged and changes nothing.
	wantResults(t, d.push(t, ms[:5]...), 5, protocol.Duplicate, protocol.Duplicate, protocol.Duplicate, protocol.Duplicate, protocol.Duplicate)
	if n := h.comments(t, a.ID, tk.ID); n != 4 {
		t.Errorf("comments after a replay = %d, want 4", n)
	}
	rev := h.adminTicket(t, a.ID, tk.ID).Revision

	// Seq 7 after a gap waits: not applied, not mentioned.
	wantResults(t, d.push(t, ms[6]), 5)
	if n := h.comments(t, a.ID, tk.ID); n != 4 {
		t.Errorf("comments after a push across a gap = %d, want 4", n)
	}
	// A replay mixed with the gap: the duplicates are acknowledged, the
	// one after the gap waits.
	wantResults(t, d.push(t, ms[3], ms[4], ms[6]), 5, protocol.Duplicate, protocol.Duplicate)

	// 6 and 7 together apply both.
	wantResults(t, d.push(t, ms[5], ms[6]), 7, protocol.Applied, protocol.Applied)
	if n := h.comments(t, a.ID, tk.ID); n != 6 {
		t.Errorf("comments after seqs 6..7 = %d, want 6", n)
	}
	if got := h.adminTicket(t, a.ID, tk.ID).Revision; got != rev+2 {
		t.Errorf("revision = %d, want %d", got, rev+2)
	}

	// An empty push reports the high-water mark.
	wantResults(t, d.push(t), 7)
}

// TestHighWaterPerDevice: sequence numbers belong to one device; another
// device's seq 1 is new.
func TestHighWaterPerDevice(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d1 := h.enroll(t, a.ID, "pc-1")
	d2 := h.enroll(t, a.ID, "pc-2")
	wantResults(t, d1.push(t, createM(1, draft("One")), createM(2, draft("Two"))), 2, protocol.Applied, protocol.Applied)
	wantResults(t, d2.push(t, createM(1, draft("Three"))), 1, protocol.Applied)
}

func TestRejectedDoesNotBlock(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	tk := draft("Printer")
	refused := commentM(2, msp.NewTicketID(), "On a ticket that does not exist")
	resp := d.push(t,
		createM(1, tk),
		refused,
		commentM(3, tk.ID, "On the real one"),
	)
	wantResults(t, resp, 3, protocol.Applied, protocol.Rejected, protocol.Applied)
	if e := resp.Results[1].Error; e == nil || e.Message == "" {
		t.Errorf("a rejection carries no error for the dead-letter list: %+v", resp.Results[1])
	}
	if n := h.comments(t, a.ID, tk.ID); n != 1 {
		t.Errorf("comments = %d, want 1", n)
	}
	// The rejected seq is consumed: a replay of it is a duplicate.
	wantResults(t, d.push(t, refused), 3, protocol.Duplicate)
	// Another change under the consumed number is not a replay: it is a
	// conflict, and the hub applies nothing from it on.
	wantResults(t, d.push(t, commentM(2, tk.ID, "another change, same number"), commentM(4, tk.ID, "after it")), 3, protocol.Conflict)
}

// TestMalformedMutationDoesNotSwallowNext: a batch entry the hub cannot
// read (here one without a sequence number) must not use up the sequence
// number of the next real mutation. Whether the hub refuses the whole batch
// or answers per mutation, after the agent sends its outbox again the
// comment of seq 2 must be on the ticket.
func TestMalformedMutationDoesNotSwallowNext(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	tk := draft("Printer")
	m1, m2 := createM(1, tk), commentM(2, tk.ID, "must arrive")
	resp, err := d.conn.PushRaw(context.Background(), []json.RawMessage{mustJSON(t, m1), json.RawMessage(`{"kind":"ticket"}`), mustJSON(t, m2)})
	switch {
	case httpStatus(err) == 400:
	case err != nil:
		t.Fatalf("PushRaw: %v", err)
	default:
		for _, r := range resp.Results {
			if r.Seq == 2 && r.Outcome != protocol.Applied {
				t.Errorf("seq 2 = %s; the unreadable entry before it took its sequence number", r.Outcome)
			}
		}
	}
	d.push(t, m1, m2) // the agent retries what it has not seen acknowledged
	if n := h.comments(t, a.ID, tk.ID); n != 1 {
		t.Errorf("comments = %d, want 1: the comment of seq 2 was lost", n)
	}
}

// TestEnrollTokenOneTime: a token enrolls one device only.
func TestEnrollTokenOneTime(t *testing.T) {
	h := startHub(t)
	ctx := context.Background()
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	tok := h.token(t, a.ID, 0)
	opts := client.EnrollOptions{HubURL: h.info.URL, Token: tok, CAPEM: h.caPEM, Hostname: "pc-1", Conn: fastRetry}
	id, err := client.Enroll(ctx, t.TempDir(), opts)
	if err != nil {
		t.Fatalf("first Enroll: %v", err)
	}
	if id.Tenant.ID != a.ID {
		t.Errorf("enrolled into %s, want %s", id.Tenant.ID, a.ID)
	}
	opts.Hostname = "pc-2"
	_, err = client.Enroll(ctx, t.TempDir(), opts)
	if httpStatus(err) != 401 {
		t.Errorf("second Enroll with the same token = %v, want a 401", err)
	}
	opts.Token = "tdm_et_made-up"
	if _, err := client.Enroll(ctx, t.TempDir(), opts); httpStatus(err) != 401 {
		t.Errorf("Enroll with an unknown token = %v, want a 401", err)
	}
	devices, err := h.admin.Devices(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != 1 {
		t.Errorf("devices = %d, want 1", len(devices))
	}
}

func TestEnrollTokenExpired(t *testing.T) {
	h := startHub(t)
	ctx := context.Background()
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	tok, err := h.admin.CreateToken(ctx, a.ID, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(tok.ExpiresAt) + 50*time.Millisecond)
	_, err = client.Enroll(ctx, t.TempDir(), client.EnrollOptions{HubURL: h.info.URL, Token: tok.Token, CAPEM: h.caPEM, Hostname: "pc-1", Conn: fastRetry})
	if httpStatus(err) != 401 {
		t.Errorf("Enroll with an expired token = %v, want a 401", err)
	}
	if _, err := h.admin.CreateToken(ctx, msp.NewID(), 0); err == nil {
		t.Error("CreateToken for an unknown tenant succeeded")
	}
}

func TestRenew(t *testing.T) {
	h := startHub(t)
	ctx := context.Background()
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	oldConn := d.conn

	if err := d.id.Renew(ctx, d.conn); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	newConn, err := d.id.Conn(fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(newConn.Close)
	if _, err := newConn.Push(ctx, []protocol.Mutation{createM(1, draft("After renewal"))}); err != nil {
		t.Errorf("push with the renewed certificate: %v", err)
	}
	// The certificate before stays valid until the next renewal, in case
	// the answer was lost on the way.
	if _, err := oldConn.Pull(ctx, 0, 0); err != nil {
		t.Errorf("pull with the previous certificate: %v", err)
	}
	// A restart of the agent loads the renewed credential from disk.
	loaded, err := client.LoadIdentity(d.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	loadedConn, err := loaded.Conn(fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(loadedConn.Close)
	if resp, err := loadedConn.Push(ctx, nil); err != nil || resp.HighWater != 1 {
		t.Errorf("push with the reloaded identity = %+v, %v; want high water 1", resp, err)
	}

	// A second renewal retires the first certificate.
	if err := d.id.Renew(ctx, newConn); err != nil {
		t.Fatalf("second Renew: %v", err)
	}
	if _, err := oldConn.Pull(ctx, 0, 0); httpStatus(err) != 401 {
		t.Errorf("pull with a certificate two renewals old = %v, want a 401", err)
	}
	if _, err := newConn.Pull(ctx, 0, 0); err != nil {
		t.Errorf("pull with the certificate one renewal old: %v", err)
	}
}

func TestRouting(t *testing.T) {
	h := startHub(t)
	co := h.tenant(t, "Co", msp.ModeCoManaged)
	full := h.tenant(t, "Full", msp.ModeFullyManaged)
	dc := h.enroll(t, co.ID, "pc-co")
	df := h.enroll(t, full.ID, "pc-full")

	tc, tf := draft("Co-managed printer"), draft("Fully managed printer")
	openBefore := co.InBusinessHours(time.Now())
	wantResults(t, dc.push(t, createM(1, tc)), 1, protocol.Applied)
	openAfter := co.InBusinessHours(time.Now())
	wantResults(t, df.push(t, createM(1, tf)), 1, protocol.Applied)

	routing := func(tk *msp.Ticket) *msp.Comment {
		for i, c := range tk.Comments {
			if c.Kind == msp.CommentKindRouting {
				return &tk.Comments[i]
			}
		}
		return nil
	}
	got := h.adminTicket(t, co.ID, tc.ID)
	if got == nil {
		t.Fatal("the co-managed ticket is missing")
	}
	if got.Owner != msp.PartyMSP && got.Owner != msp.PartyInternal {
		t.Errorf("co-managed ticket owner = %q, want msp or internal", got.Owner)
	}
	if openBefore == openAfter {
		want, err := co.Responsibilities().OwnerFor(tc.Pillar, tc.Category, openBefore)
		if err != nil {
			t.Fatal(err)
		}
		if want == msp.PartyShared {
			want = msp.PartyInternal
			if !openBefore {
				want = msp.PartyMSP
			}
		}
		if got.Owner != want {
			t.Errorf("co-managed ticket owner = %q, want %q (business hours: %v)", got.Owner, want, openBefore)
		}
	}
	if c := routing(got); c == nil || c.Body == "" || c.Role != msp.RoleSystem || c.Internal {
		t.Errorf("co-managed ticket routing note = %+v, want a visible note by the hub", c)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the routed ticket is not valid: %v", err)
	}
	// The requester sees the routing note too.
	if pulled := tickets(dc.pullAll(t, 0))[tc.ID]; pulled == nil || routing(pulled) == nil || pulled.Owner != got.Owner {
		t.Errorf("the device's pull of its routed ticket = %+v", pulled)
	}

	gotF := h.adminTicket(t, full.ID, tf.ID)
	if gotF == nil || gotF.Owner != msp.PartyMSP || routing(gotF) == nil {
		t.Errorf("fully-managed ticket = %+v, want owner msp and a routing note", gotF)
	}
}
