package localapi

import (
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

func tenantOf(t *testing.T, mode msp.ServiceMode) msp.Tenant {
	t.Helper()
	tn := msp.NewTenant("t1", "Demo Accounting", mode)
	tn.Branding = msp.Branding{Name: "Acme IT", SupportPhone: "+27 21 555 0100", SupportEmail: "help@acme.example"}
	return tn
}

// at returns a time on the tenant's wall clock (Africa/Johannesburg).
func at(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(msp.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ticketAt(created time.Time, impact, urgency msp.Level) *msp.Ticket {
	p, _ := msp.PriorityFor(impact, urgency)
	return &msp.Ticket{ID: msp.NewTicketID(), Title: "Printer", Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther,
		Impact: impact, Urgency: urgency, Priority: p, Status: msp.StatusNew, CreatedAt: created, UpdatedAt: created}
}

func TestOwnerText(t *testing.T) {
	t.Parallel()
	monday10 := at(t, "2026-11-23 10:00") // a Monday
	monday20 := at(t, "2026-11-23 20:00")
	cases := []struct {
		name  string
		mode  msp.ServiceMode
		now   time.Time
		owner msp.Party // what the hub set; "" before it routed
		want  string
	}{
		{"co-managed helpdesk in business hours", msp.ModeCoManaged, monday10, "", "Your IT lead until 17:00, then Acme IT"},
		{"co-managed helpdesk after hours", msp.ModeCoManaged, monday20, "", "Acme IT"},
		{"fully managed", msp.ModeFullyManaged, monday10, "", "Acme IT"},
		{"hub routed it as the preview does", msp.ModeCoManaged, monday10, msp.PartyInternal, "Your IT lead until 17:00, then Acme IT"},
		{"hub gave it to the MSP", msp.ModeCoManaged, monday10, msp.PartyMSP, "Acme IT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := viewer{tenant: tenantOf(t, c.mode), haveTenant: true, now: c.now}
			tk := ticketAt(c.now, msp.LevelLow, msp.LevelLow)
			tk.Owner = c.owner
			if got := v.view(tk).OwnerText; got != c.want {
				t.Fatalf("owner text %q, want %q", got, c.want)
			}
		})
	}
	// Not enrolled yet: no tenant to name.
	v := viewer{now: monday10}
	if got := v.view(ticketAt(monday10, msp.LevelLow, msp.LevelLow)).OwnerText; !strings.Contains(got, "IT support") {
		t.Fatalf("owner text without a tenant: %q", got)
	}
}

func TestSLAText(t *testing.T) {
	t.Parallel()
	tn := tenantOf(t, msp.ModeCoManaged)
	created := at(t, "2026-11-23 10:00")
	cases := []struct {
		name    string
		now     time.Time
		edit    func(*msp.Ticket)
		want    string
		wantDue string // "" for none
	}{
		// P2 (medium impact, high urgency): first response within 4
		// business hours.
		{"new P2", at(t, "2026-11-23 10:30"), nil, "first response due by 14:00", "14:00"},
		{"new P2 at risk", at(t, "2026-11-23 13:30"), nil, "first response due by 14:00 (at risk)", "14:00"},
		{"new P2 breached", at(t, "2026-11-23 14:25"), nil, "first response breached 25 min ago", "14:00"},
		{"waiting on the person", at(t, "2026-11-23 11:00"), func(tk *msp.Ticket) {
			tk.Status, tk.UpdatedAt = msp.StatusWaiting, at(t, "2026-11-23 10:45")
		}, "paused: waiting for you", ""},
		{"answered, resolution running", at(t, "2026-11-23 11:00"), func(tk *msp.Ticket) {
			tk.Status, tk.UpdatedAt = msp.StatusOpen, at(t, "2026-11-23 10:20")
			tk.Comments = []msp.Comment{{ID: msp.NewID(), Author: "sam", Role: msp.RoleTechnician, Body: "On it", CreatedAt: at(t, "2026-11-23 10:20")}}
		}, "resolution due by tomorrow 09:00", ""},
		{"resolved", at(t, "2026-11-23 12:00"), func(tk *msp.Ticket) {
			tk.Status, tk.ResolvedAt, tk.UpdatedAt = msp.StatusResolved, at(t, "2026-11-23 11:00"), at(t, "2026-11-23 11:00")
		}, "resolved within target", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tk := ticketAt(created, msp.LevelMedium, msp.LevelHigh)
			if c.edit != nil {
				c.edit(tk)
			}
			v := viewer{tenant: tn, haveTenant: true, now: c.now}
			got := v.view(tk)
			if got.SLAText != c.want {
				t.Fatalf("SLA text %q, want %q", got.SLAText, c.want)
			}
			due := ""
			if !got.FirstResponseDue.IsZero() {
				loc, _ := tn.Location()
				due = got.FirstResponseDue.In(loc).Format("15:04")
			}
			if due != c.wantDue {
				t.Fatalf("first response due %q, want %q", due, c.wantDue)
			}
		})
	}
}

func TestDeliveredAndRefused(t *testing.T) {
	t.Parallel()
	now := at(t, "2026-11-23 10:00")
	a, b := ticketAt(now, msp.LevelLow, msp.LevelLow), ticketAt(now, msp.LevelLow, msp.LevelLow)
	v := viewer{now: now, undelivered: map[string]int{a.ID: 2},
		refused: map[string][]DeadLetter{b.ID: {{Seq: 4, TicketID: b.ID, Kind: "reprioritise", Reason: "an end user cannot change priority"}}}}
	va, vb := v.view(a), v.view(b)
	if va.Delivered || !vb.Delivered || len(va.Refused) != 0 || len(vb.Refused) != 1 {
		t.Fatalf("a: delivered %v refused %v; b: delivered %v refused %v", va.Delivered, va.Refused, vb.Delivered, vb.Refused)
	}
}

// The hub's SLA state is used when it fits the ticket's status here; a
// running clock whose due time has passed since reads as breached; a
// status changed here and not yet delivered falls back to the preview.
func TestSLATextFromHub(t *testing.T) {
	t.Parallel()
	tn := tenantOf(t, msp.ModeCoManaged)
	created := at(t, "2026-11-23 10:00")
	due := at(t, "2026-11-23 14:00")
	running := msp.SLAState{State: msp.SLARunning, Priority: msp.P2, ResponseDue: due, ResolutionDue: at(t, "2026-11-24 09:00"), ComputedAt: created}
	cases := []struct {
		name   string
		now    time.Time
		status msp.Status
		state  msp.SLAState
		want   string
	}{
		{"running", at(t, "2026-11-23 11:00"), msp.StatusOpen, running, "first response due by 14:00"},
		{"due passed since the hub computed it", at(t, "2026-11-23 15:10"), msp.StatusOpen, running, "first response breached 1 h 10 min ago"},
		{"answered", at(t, "2026-11-23 11:00"), msp.StatusProgress, func() msp.SLAState {
			s := running
			s.RespondedAt = at(t, "2026-11-23 10:30")
			return s
		}(), "resolution due by tomorrow 09:00"},
		{"paused", at(t, "2026-11-23 11:00"), msp.StatusWaiting, msp.SLAState{State: msp.SLAPaused, Priority: msp.P2, ComputedAt: created}, "paused: waiting for you"},
		{"met", at(t, "2026-11-23 11:00"), msp.StatusResolved, msp.SLAState{State: msp.SLAMet, Priority: msp.P2, ComputedAt: created}, "resolved within target"},
		// Resolved here, not yet delivered: the hub still says running.
		{"resolved here", at(t, "2026-11-23 11:00"), msp.StatusResolved, running, "resolved within target"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tk := ticketAt(created, msp.LevelMedium, msp.LevelHigh)
			tk.Status, tk.SLA, tk.UpdatedAt = c.status, c.state, created.Add(30*time.Minute)
			if c.status == msp.StatusResolved {
				tk.ResolvedAt = tk.UpdatedAt
			}
			v := viewer{tenant: tn, haveTenant: true, now: c.now}
			if got := v.view(tk).SLAText; got != c.want {
				t.Fatalf("SLA text %q, want %q", got, c.want)
			}
		})
	}
}
