package msp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// storedTicket is a valid resolved ticket with a reply, an internal note
// and an attachment, as the hub would hold it.
func storedTicket() *Ticket {
	return &Ticket{
		ID: tid(1), Tenant: tenantAcme, Device: "dev-jane", Requester: jane.ID,
		Title: "Printer on floor 2 jams", Description: "Since this morning.",
		Pillar: PillarHelpdesk, Category: "printing",
		Impact: LevelMedium, Urgency: LevelHigh, Priority: P2,
		Status: StatusResolved, Owner: PartyInternal, Assignee: lead.ID,
		Comments: []Comment{
			{ID: tid(2), Author: tech.ID, Role: RoleTechnician, Body: "Replaced the fuser.", CreatedAt: t0},
			{ID: tid(3), Author: tech.ID, Role: RoleTechnician, Body: "Fuser cost R800.", Internal: true, CreatedAt: t0},
		},
		Attachments: []Attachment{{ID: tid(4), Name: "jam.jpg", MediaType: "image/jpeg", Size: 123456,
			SHA256: strings.Repeat("ab", 32), CreatedAt: t0}},
		CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0.Add(time.Hour), ResolvedAt: t0.Add(time.Hour),
		Revision: 5, TitleRevision: 1, DescriptionRevision: 3,
	}
}

func TestTicketValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Ticket)
		field string
	}{
		{"stored", func(*Ticket) {}, ""},
		{"unrouted", func(tk *Ticket) { tk.Owner, tk.Assignee = "", "" }, ""},
		{"closed after resolved", func(tk *Ticket) { tk.Status, tk.ClosedAt = StatusClosed, tk.UpdatedAt }, ""},
		{"closed without resolution", func(tk *Ticket) {
			tk.Status, tk.ClosedAt, tk.ResolvedAt = StatusClosed, tk.UpdatedAt, time.Time{}
		}, ""},
		{"title of 200 runes", func(tk *Ticket) { tk.Title = strings.Repeat("é", 200) }, ""},
		{"description with newlines", func(tk *Ticket) { tk.Description = "line 1\r\nline 2\n\tindented" }, ""},
		{"id v4", func(tk *Ticket) { tk.ID = uuid.NewString() }, "id"},
		{"no id", func(tk *Ticket) { tk.ID = "" }, "id"},
		{"no tenant", func(tk *Ticket) { tk.Tenant = "" }, "tenant"},
		{"no requester", func(tk *Ticket) { tk.Requester = "" }, "requester"},
		{"device with space", func(tk *Ticket) { tk.Device = "my laptop" }, "device"},
		{"empty title", func(tk *Ticket) { tk.Title = "" }, "title"},
		{"blank title", func(tk *Ticket) { tk.Title = " \u00a0 " }, "title"},
		{"title of 201 runes", func(tk *Ticket) { tk.Title = strings.Repeat("é", 201) }, "title"},
		{"title with newline", func(tk *Ticket) { tk.Title = "a\nb" }, "title"},
		{"title not utf-8", func(tk *Ticket) { tk.Title = "caf\xe9" }, "title"},
		{"description too long", func(tk *Ticket) { tk.Description = strings.Repeat("x", MaxDescriptionRunes+1) }, "description"},
		{"description with NUL", func(tk *Ticket) { tk.Description = "a\x00b" }, "description"},
		{"unknown pillar", func(tk *Ticket) { tk.Pillar = "finance" }, "pillar"},
		{"category of another pillar", func(tk *Ticket) { tk.Category = "wifi" }, "category"},
		{"impact zero", func(tk *Ticket) { tk.Impact = 0 }, "impact"},
		{"urgency four", func(tk *Ticket) { tk.Urgency = 4 }, "urgency"},
		{"priority inconsistent", func(tk *Ticket) { tk.Priority = P1 }, "priority"},
		{"priority zero", func(tk *Ticket) { tk.Priority = 0 }, "priority"},
		{"unknown status", func(tk *Ticket) { tk.Status = "done" }, "status"},
		{"unknown owner", func(tk *Ticket) { tk.Owner = "vendor" }, "owner"},
		{"assignee with space", func(tk *Ticket) { tk.Assignee = "Sipho M" }, "assignee"},
		{"comment without body", func(tk *Ticket) { tk.Comments[1].Body = "" }, "comments[1].body"},
		{"comment id repeated", func(tk *Ticket) { tk.Comments[1].ID = tk.Comments[0].ID }, "comments[1].id"},
		{"internal note by end user", func(tk *Ticket) {
			tk.Comments[1].Role, tk.Comments[1].Author = RoleEndUser, jane.ID
		}, "comments[1].internal"},
		{"comment of unknown kind", func(tk *Ticket) { tk.Comments[0].Kind = "gossip" }, "comments[0].kind"},
		{"comment without time", func(tk *Ticket) { tk.Comments[0].CreatedAt = time.Time{} }, "comments[0].created_at"},
		{"comment with unknown role", func(tk *Ticket) { tk.Comments[0].Role = "boss" }, "comments[0].role"},
		{"comment without author", func(tk *Ticket) { tk.Comments[0].Author = "" }, "comments[0].author"},
		{"attachment too big", func(tk *Ticket) { tk.Attachments[0].Size = MaxAttachmentBytes + 1 }, "attachments[0].size"},
		{"attachment of negative size", func(tk *Ticket) { tk.Attachments[0].Size = -1 }, "attachments[0].size"},
		{"attachment path", func(tk *Ticket) { tk.Attachments[0].Name = "../../etc/passwd" }, "attachments[0].name"},
		{"attachment windows path", func(tk *Ticket) { tk.Attachments[0].Name = `C:\x.txt` }, "attachments[0].name"},
		{"attachment without name", func(tk *Ticket) { tk.Attachments[0].Name = "" }, "attachments[0].name"},
		{"attachment dot-dot", func(tk *Ticket) { tk.Attachments[0].Name = ".." }, "attachments[0].name"},
		{"attachment hash upper case", func(tk *Ticket) { tk.Attachments[0].SHA256 = strings.Repeat("AB", 32) }, "attachments[0].sha256"},
		{"attachment hash short", func(tk *Ticket) { tk.Attachments[0].SHA256 = "abc" }, "attachments[0].sha256"},
		{"attachment media type", func(tk *Ticket) { tk.Attachments[0].MediaType = "jpeg" }, "attachments[0].media_type"},
		{"attachment id repeated", func(tk *Ticket) { tk.Attachments = append(tk.Attachments, tk.Attachments[0]) }, "attachments[1].id"},
		{"attachment without time", func(tk *Ticket) { tk.Attachments[0].CreatedAt = time.Time{} }, "attachments[0].created_at"},
		{"no created_at", func(tk *Ticket) { tk.CreatedAt = time.Time{} }, "created_at"},
		{"updated before created", func(tk *Ticket) { tk.UpdatedAt = tk.CreatedAt.Add(-time.Second) }, "updated_at"},
		{"resolved without resolved_at", func(tk *Ticket) { tk.ResolvedAt = time.Time{} }, "resolved_at"},
		{"open with resolved_at", func(tk *Ticket) { tk.Status = StatusOpen }, "resolved_at"},
		{"resolved after update", func(tk *Ticket) { tk.ResolvedAt = tk.UpdatedAt.Add(time.Second) }, "resolved_at"},
		{"closed without closed_at", func(tk *Ticket) { tk.Status = StatusClosed }, "closed_at"},
		{"resolved with closed_at", func(tk *Ticket) { tk.ClosedAt = tk.UpdatedAt }, "closed_at"},
		{"closed before created", func(tk *Ticket) { tk.Status, tk.ClosedAt = StatusClosed, tk.CreatedAt.Add(-time.Hour) }, "closed_at"},
		{"revision zero", func(tk *Ticket) { tk.Revision, tk.TitleRevision, tk.DescriptionRevision = 0, 0, 0 }, "revision"},
		{"title_rev ahead", func(tk *Ticket) { tk.TitleRevision = 6 }, "title_rev"},
		{"description_rev negative", func(tk *Ticket) { tk.DescriptionRevision = -1 }, "description_rev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tk := storedTicket()
			tt.edit(tk)
			err := tk.Validate()
			if tt.field == "" {
				wantErrIs(t, err, nil)
				return
			}
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, tt.field)
		})
	}
	var nilTicket *Ticket
	wantErrIs(t, nilTicket.Validate(), ErrInvalid)
	wantErrIs(t, nilTicket.ValidateDraft(), ErrInvalid)
}

func TestTicketValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	tk := storedTicket()
	tk.Title, tk.Tenant, tk.Impact = "", "", 0
	ps := FieldProblems(tk.Validate())
	fields := map[string]bool{}
	for _, p := range ps {
		fields[p.Field] = true
	}
	for _, f := range []string{"title", "tenant", "impact"} {
		if !fields[f] {
			t.Errorf("problem with %s not reported; got %v", f, ps)
		}
	}
}

func TestValidateDraftChecksOnlyWhatAPersonFillsIn(t *testing.T) {
	t.Parallel()
	d := draft(NewTicketID())
	if err := d.ValidateDraft(); err != nil {
		t.Fatalf("draft: %v", err)
	}
	if err := d.Validate(); err == nil {
		t.Fatal("a draft without tenant, requester, status and revision passed Validate")
	}
	d.Title = ""
	wantField(t, d.ValidateDraft(), "title")
}

func TestCloneAndVisibleTo(t *testing.T) {
	t.Parallel()
	tk := storedTicket()
	c := tk.Clone()
	c.Comments[0].Body = "changed"
	c.Attachments[0].Name = "changed"
	if tk.Comments[0].Body == "changed" || tk.Attachments[0].Name == "changed" {
		t.Fatal("Clone shares slices")
	}
	if (*Ticket)(nil).Clone() != nil || (*Ticket)(nil).VisibleTo(RoleEndUser) != nil {
		t.Fatal("nil clone")
	}
	forUser := tk.VisibleTo(RoleEndUser)
	if len(forUser.Comments) != 1 || forUser.Comments[0].Internal {
		t.Fatalf("end user sees %+v", forUser.Comments)
	}
	if len(tk.Comments) != 2 {
		t.Fatal("VisibleTo changed its receiver")
	}
	for _, r := range []Role{RoleITLead, RoleTechnician, RoleSystem} {
		if len(tk.VisibleTo(r).Comments) != 2 {
			t.Errorf("%s does not see internal notes", r)
		}
	}
}

func TestTicketJSONFieldNames(t *testing.T) {
	t.Parallel()
	tk := storedTicket()
	tk.Status, tk.ResolvedAt = StatusOpen, time.Time{}
	b, err := json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"title_rev":1`, `"description_rev":3`, `"revision":5`, `"priority":2`, `"status":"open"`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s: %s", want, s)
		}
	}
	if strings.Contains(s, "resolved_at") || strings.Contains(s, "closed_at") {
		t.Errorf("zero times in JSON: %s", s)
	}
	var back Ticket
	if err := json.Unmarshal(b, &back); err != nil || back.Validate() != nil {
		t.Fatalf("round trip: %v, %v", err, back.Validate())
	}
}
