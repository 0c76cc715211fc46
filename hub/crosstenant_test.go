package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/protocol"
)

// Tenant B's credentials (its device, its IT lead, a technician who serves
// only B) are offered every id tenant A has (its tickets, comment,
// attachment hash, device, person and the tenant itself) on every route the
// hub serves and in every kind of pushed change. Nothing of A comes back
// to B (no answer holds any of A's words), every request that names one of
// A's objects in its path is refused, every pushed change that reaches for
// A is rejected, and A's tickets, devices and file are as they were.
func TestCrossTenantSweep(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	a := h.tenant(t, "SECRET-ORG-Acme", msp.ModeCoManaged)
	b := h.tenant(t, "Bolt", msp.ModeFullyManaged)
	da, db := h.enroll(t, a.ID, "acme-pc"), h.enroll(t, b.ID, "bolt-pc")

	// A's secrets.
	blob := []byte("SECRET-BLOB payroll.xlsx bytes")
	sum := blobSum(blob)
	if status, _, body := sendBlob(t, h.rawClient(t, da), h.info.URL+protocol.BlobPath(sum), bytes.NewReader(blob), nil); status >= 300 {
		t.Fatalf("A's upload: %d %s", status, body)
	}
	ta := draft("SECRET-TITLE payroll export")
	ta.Description = "SECRET-DESCRIPTION the numbers"
	ta.Attachments = []msp.Attachment{{ID: msp.NewID(), Name: "SECRET-FILE.xlsx", MediaType: "image/png", Size: int64(len(blob)), SHA256: sum, CreatedAt: time.Now().UTC()}}
	wantResults(t, da.push(t, createM(da.next(), ta), commentM(da.next(), ta.ID, "SECRET-COMMENT still broken")), 2, protocol.Applied, protocol.Applied)
	leadA, err := h.admin.AddUser(ctx, a.ID, msp.RoleITLead, "SECRET-PERSON Thandi")
	if err != nil {
		t.Fatal(err)
	}
	peopleA, err := h.admin.AddPeople(ctx, a.ID, []hub.PersonInput{{Name: "SECRET-NAME Sipho", Email: "sipho@acme.example", Phone: "+27 82 555 0102",
		Accounts: []msp.PersonAccount{{Device: "acme-pc", Account: "jane"}}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	personA := peopleA.People[0]
	before := h.adminTicket(t, a.ID, ta.ID)
	if before == nil || len(before.Comments) == 0 {
		t.Fatal("A's ticket is not on the hub")
	}
	commentID := before.Comments[len(before.Comments)-1].ID
	ids := []string{ta.ID, commentID, sum, da.id.DeviceID, leadA.User.ID, a.ID, ta.Attachments[0].ID, personA.ID}
	markers := regexp.MustCompile(`SECRET-[A-Z]+`)

	// B's credentials.
	signIn := func(role msp.Role, name string) string {
		u, err := h.admin.AddUser(ctx, b.ID, role, name)
		if err != nil {
			t.Fatal(err)
		}
		si, err := db.conn.SignIn(ctx, u.Code)
		if err != nil {
			t.Fatal(err)
		}
		return si.Token
	}
	creds := []struct {
		name   string
		client *http.Client
		bearer string
	}{
		{"B's device", h.rawClient(t, db), ""},
		{"B's IT lead", h.rawClient(t, nil), signIn(msp.RoleITLead, "Bolt lead")},
		{"B's technician", h.rawClient(t, nil), signIn(msp.RoleTechnician, "Bolt tech")},
	}

	routes, _ := registeredRoutes(t)
	wildcard := regexp.MustCompile(`\{[^}]+\}`)
	requests, refusedByPath := 0, 0
	for _, route := range routes {
		method, pattern, ok := strings.Cut(route, " ")
		if !ok {
			continue
		}
		var paths []string
		if wildcard.MatchString(pattern) {
			for _, id := range ids {
				paths = append(paths, wildcard.ReplaceAllString(pattern, id))
			}
		} else {
			paths = []string{pattern}
		}
		for _, path := range paths {
			named := path != pattern
			for _, c := range creds {
				for _, query := range []string{"", "?tenant=" + a.ID + "&cursor=0"} {
					body := fmt.Appendf(nil, `{"tenant":%q,"tenants":[%q],"ticket_id":%q}`, a.ID, a.ID, ta.ID)
					req, err := http.NewRequestWithContext(ctx, method, h.info.URL+path+query, bytes.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set(protocol.Header, protocol.Version)
					if c.bearer != "" {
						req.Header.Set("Authorization", "Bearer "+c.bearer)
					}
					resp, err := c.client.Do(req)
					if err != nil {
						t.Fatalf("%s %s%s as %s: %v", method, path, query, c.name, err)
					}
					got, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						t.Fatal(err)
					}
					requests++
					if m := markers.FindAll(got, -1); len(m) > 0 {
						t.Errorf("%s %s%s as %s answered %d with A's %q", method, path, query, c.name, resp.StatusCode, m)
					}
					if named && resp.StatusCode < 300 {
						t.Errorf("%s %s%s as %s: %d, want a refusal for another tenant's object", method, path, query, c.name, resp.StatusCode)
					} else if named {
						refusedByPath++
					}
				}
			}
		}
	}

	// Pushed changes that reach for A's ticket, comment and file.
	now := time.Now().UTC()
	change := func(c msp.Change) *msp.Change {
		c.ID, c.TicketID, c.At = msp.NewID(), cmpOr(c.TicketID, ta.ID), now
		return &c
	}
	intoA := draft("Raised into A")
	intoA.Tenant = a.ID
	sameID := draft("Same id as A's")
	sameID.ID = ta.ID
	attach := ta.Attachments[0]
	attach.ID = msp.NewID()
	reaches := []*msp.Change{
		change(msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{ID: msp.NewID(), Body: "from B"}}),
		change(msp.Change{Kind: msp.ChangeStatus, Status: msp.StatusClosed}),
		change(msp.Change{Kind: msp.ChangeEdit, Title: new("Defaced"), BaseRevision: before.Revision}),
		change(msp.Change{Kind: msp.ChangeAttach, Attachment: &attach}),
		change(msp.Change{Kind: msp.ChangeAssign, Owner: msp.PartyInternal}),
		change(msp.Change{Kind: msp.ChangeReprioritise, Impact: msp.LevelHigh, Urgency: msp.LevelHigh}),
		{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: intoA.ID, Ticket: intoA, At: now},
		{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: sameID.ID, Ticket: sameID, At: now},
	}
	var ms []protocol.Mutation
	for _, c := range reaches {
		ms = append(ms, protocol.Mutation{Seq: db.next(), Kind: protocol.KindTicket, User: "jane", Change: c})
	}
	rejected := 0
	for _, r := range db.push(t, ms...).Results {
		if r.Outcome != protocol.Rejected {
			t.Errorf("B's device: change %d = %s, want rejected", r.Seq, r.Outcome)
		} else {
			rejected++
		}
	}
	for _, c := range creds[1:] {
		conn := staffConnTo(t, h, c.bearer)
		var staff []protocol.Mutation
		for i, ch := range reaches[:6] {
			for j, tenant := range []string{"", a.ID} {
				cc := *ch
				cc.ID = msp.NewID()
				staff = append(staff, protocol.Mutation{Seq: uint64(2*i + j + 1), Kind: protocol.KindTicket, Tenant: tenant, Change: &cc})
			}
		}
		resp, err := conn.Push(ctx, staff)
		if err != nil {
			t.Fatalf("%s push: %v", c.name, err)
		}
		for _, r := range resp.Results {
			if r.Outcome != protocol.Rejected {
				t.Errorf("%s: change %d = %s, want rejected", c.name, r.Seq, r.Outcome)
			} else {
				rejected++
			}
		}
	}

	// Dispatch reaching for A from B's own ticket: merged into A's ticket,
	// assigned to A's IT lead, a phoned-in ticket naming A's computer.
	tb := draft("Bolt's own ticket")
	if r := db.push(t, createM(db.next(), tb)).Results; len(r) != 1 || r[0].Outcome != protocol.Applied {
		t.Fatalf("B's own ticket: %+v", r)
	}
	phone := draft("Phoned in naming A's computer")
	phone.Device, phone.Caller = da.id.DeviceID, &msp.Caller{Name: "Caller"}
	dispatch := []*msp.Change{
		change(msp.Change{Kind: msp.ChangeMerge, TicketID: tb.ID, Into: ta.ID}),
		change(msp.Change{Kind: msp.ChangeMerge, Into: tb.ID}),
		change(msp.Change{Kind: msp.ChangeAssign, TicketID: tb.ID, Assignee: new(leadA.User.ID)}),
		{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: phone.ID, Ticket: phone, At: now},
	}
	for k, c := range creds[1:] {
		conn := staffConnTo(t, h, c.bearer)
		var staff []protocol.Mutation
		for i, ch := range dispatch {
			cc := *ch
			cc.ID = msp.NewID()
			if cc.Kind == msp.ChangeCreate {
				tk := *cc.Ticket
				tk.ID = msp.NewTicketID()
				cc.Ticket, cc.TicketID = &tk, tk.ID
			}
			staff = append(staff, protocol.Mutation{Seq: uint64(13 + i), Kind: protocol.KindTicket, Tenant: b.ID, Change: &cc})
		}
		resp, err := conn.Push(ctx, staff)
		if err != nil {
			t.Fatalf("%s push: %v", c.name, err)
		}
		for _, r := range resp.Results {
			if r.Outcome != protocol.Rejected {
				t.Errorf("%s (%d): dispatch change %d = %s, want rejected", c.name, k, r.Seq, r.Outcome)
			} else {
				rejected++
			}
		}
	}
	if got := h.adminTicket(t, b.ID, tb.ID); got == nil || got.Status == msp.StatusClosed || got.Assignee != "" {
		t.Errorf("B's ticket after reaching for A: %+v", got)
	}

	after := h.adminTicket(t, a.ID, ta.ID)
	bj, _ := json.Marshal(before)
	aj, _ := json.Marshal(after)
	if !bytes.Equal(bj, aj) {
		t.Errorf("A's ticket changed during the sweep:\nbefore %s\nafter  %s", bj, aj)
	}
	if bt, err := h.admin.Tickets(ctx, b.ID); err != nil || slices.ContainsFunc(bt, func(t msp.Ticket) bool { return t.ID == ta.ID }) {
		t.Errorf("B's tickets hold A's ticket id: %v", err)
	}
	ds, err := h.admin.Devices(ctx, a.ID)
	if err != nil || len(ds) != 1 || !ds[0].RevokedAt.IsZero() {
		t.Errorf("A's devices after the sweep: %+v, %v", ds, err)
	}
	if ps, err := h.admin.People(ctx, a.ID); err != nil || len(ps) != 1 || ps[0].Name != personA.Name {
		t.Errorf("A's people after the sweep: %+v, %v", ps, err)
	}
	if ps, err := h.admin.People(ctx, b.ID); err != nil || len(ps) != 0 {
		t.Errorf("B's people hold %+v, %v; want none", ps, err)
	}
	if status, got, _ := getBlob(t, h.rawClient(t, nil), h.info.URL+protocol.BlobPath(sum)+"?tenant="+a.ID, operatorToken(t, h)); status != http.StatusOK || !bytes.Equal(got, blob) {
		t.Errorf("A's file after the sweep: %d, %d bytes", status, len(got))
	}
	t.Logf("%d routes, %d requests with B's 3 credentials (%d naming one of A's %d ids in the path, all refused), %d pushed changes reaching for A, all rejected",
		len(routes), requests, refusedByPath, len(ids), rejected)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
