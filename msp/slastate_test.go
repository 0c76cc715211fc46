package msp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStateOf(t *testing.T) {
	t.Parallel()
	jnb := mustZone(t, "Africa/Johannesburg")
	lon := mustZone(t, "Europe/London")
	nyc := mustZone(t, "America/New_York")
	za := mustCalendar(t, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays())
	london := mustCalendar(t, "Europe/London", DefaultBusinessHours(), Holidays{})
	newYork := mustCalendar(t, "America/New_York", DefaultBusinessHours(), Holidays{})
	mon := func(h, m int) time.Time { return at(jnb, 2026, 3, 2, h, m) } // Monday 2 March 2026
	cases := []struct {
		name          string
		cal           *Calendar
		tl            SLATimeline
		now           time.Time
		state         SLAStateKind
		atRisk        bool
		respDue       time.Time
		resDue        time.Time
		responded     time.Time
		respBreached  bool
		resolBreached bool
	}{
		{"P3 running", za, SLATimeline{Priority: P3, CreatedAt: mon(9, 0)}, mon(10, 0), SLARunning, false, mon(17, 0), at(jnb, 2026, 3, 4, 15, 0), time.Time{}, false, false},
		// 75% of 8 h is 6 h: 15:00 is at risk, 14:59 is not.
		{"P3 at 74.8%", za, SLATimeline{Priority: P3, CreatedAt: mon(9, 0)}, mon(14, 59), SLARunning, false, mon(17, 0), at(jnb, 2026, 3, 4, 15, 0), time.Time{}, false, false},
		{"P3 at 75.2%", za, SLATimeline{Priority: P3, CreatedAt: mon(9, 0)}, mon(15, 1), SLARunning, true, mon(17, 0), at(jnb, 2026, 3, 4, 15, 0), time.Time{}, false, false},
		{"P3 answered in time", za, SLATimeline{Priority: P3, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 30)}, mon(10, 0), SLARunning, false, time.Time{}, at(jnb, 2026, 3, 4, 15, 0), mon(9, 30), false, false},
		{"P3 paused", za, SLATimeline{Priority: P3, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 30), Statuses: []StatusChange{{mon(9, 30), StatusWaiting}}}, mon(16, 0), SLAPaused, false, time.Time{}, time.Time{}, mon(9, 30), false, false},
		{"P3 response breached", za, SLATimeline{Priority: P3, CreatedAt: mon(9, 0)}, at(jnb, 2026, 3, 3, 8, 1), SLABreached, false, mon(17, 0), at(jnb, 2026, 3, 4, 15, 0), time.Time{}, true, false},
		{"P3 met", za, SLATimeline{Priority: P3, CreatedAt: mon(9, 0), Statuses: []StatusChange{{mon(11, 0), StatusResolved}}}, mon(12, 0), SLAMet, false, time.Time{}, time.Time{}, mon(11, 0), false, false},
		{"P2 over a ZA holiday (Good Friday 3 April 2026)", za, SLATimeline{Priority: P2, CreatedAt: at(jnb, 2026, 4, 2, 16, 0)}, at(jnb, 2026, 4, 2, 16, 30), SLARunning, false, at(jnb, 2026, 4, 7, 11, 0), at(jnb, 2026, 4, 7, 15, 0), time.Time{}, false, false},
		{"P1 runs 24/7 in London across BST", london, SLATimeline{Priority: P1, CreatedAt: at(lon, 2026, 3, 29, 0, 30)}, at(lon, 2026, 3, 29, 0, 45), SLARunning, false, at(lon, 2026, 3, 29, 2, 30), at(lon, 2026, 3, 29, 5, 30), time.Time{}, false, false},
		{"P4 in New York over a weekend and the DST change (Fri 1 h, Mon 9 h, Tue 6 h)", newYork, SLATimeline{Priority: P4, CreatedAt: at(nyc, 2026, 3, 6, 16, 0)}, at(nyc, 2026, 3, 7, 12, 0), SLARunning, false, at(nyc, 2026, 3, 10, 14, 0), at(nyc, 2026, 3, 13, 11, 0), time.Time{}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs, err := ComputeSLA(tc.tl, DefaultSLAPolicy(), tc.cal, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			s := StateOf(cs, tc.now)
			if s.State != tc.state || s.AtRisk != tc.atRisk || !s.ResponseDue.Equal(tc.respDue) || !s.ResolutionDue.Equal(tc.resDue) ||
				!s.RespondedAt.Equal(tc.responded) || s.ResponseBreached != tc.respBreached || s.ResolutionBreached != tc.resolBreached {
				t.Errorf("StateOf = %+v\nwant state %s at risk %v response due %s resolution due %s responded %s breached %v/%v",
					s, tc.state, tc.atRisk, tc.respDue, tc.resDue, tc.responded, tc.respBreached, tc.resolBreached)
			}
			if (s.State == SLAPaused) != (s.PausedReason != "") {
				t.Errorf("paused reason %q in state %s", s.PausedReason, s.State)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !s.ComputedAt.Equal(tc.now) || s.ComputedAt.Location() != time.UTC {
				t.Errorf("ComputedAt = %v, want %v in UTC", s.ComputedAt, tc.now)
			}
		})
	}
}

func TestChangeSLA(t *testing.T) {
	t.Parallel()
	tk := createdTicket(t)
	st := SLAState{State: SLARunning, Priority: P3, ResponseDue: t0.Add(8 * time.Hour), ComputedAt: t0}
	c := Change{ID: NewID(), Kind: ChangeSLA, TicketID: tk.ID, SLA: &st, At: t0}
	for _, a := range []Actor{jane, lead, tech} {
		_, err := Apply(tk, c, a, t0)
		wantErrIs(t, err, ErrForbidden)
	}
	out := mustApply(t, tk, c, hub, t0)
	if out.Revision != tk.Revision+1 || !out.SLA.SameAs(st) {
		t.Fatalf("after the SLA change: revision %d, SLA %+v", out.Revision, out.SLA)
	}
	// The same state computed later is a no-op.
	later := st
	later.ComputedAt = t0.Add(time.Minute)
	c2 := Change{ID: NewID(), Kind: ChangeSLA, TicketID: tk.ID, SLA: &later, At: t0}
	if again := mustApply(t, out, c2, hub, t0.Add(time.Minute)); again.Revision != out.Revision {
		t.Errorf("an unchanged SLA state bumped the revision to %d", again.Revision)
	}
	// A bad state is refused.
	bad := SLAState{State: "late", ComputedAt: t0}
	_, err := Apply(out, Change{ID: NewID(), Kind: ChangeSLA, TicketID: tk.ID, SLA: &bad, At: t0}, hub, t0)
	wantErrIs(t, err, ErrInvalid)
	// An SLA field in another kind of change is refused.
	cm := commentChange(tk, "hello")
	cm.SLA = &st
	_, err = Apply(tk, cm, jane, t0)
	wantErrIs(t, err, ErrInvalid)
	// A draft's SLA is not taken: the hub computes it.
	id := NewTicketID()
	d := draft(id)
	d.SLA = st
	created := mustApply(t, nil, Change{ID: NewID(), Kind: ChangeCreate, TicketID: id, Ticket: d, At: t0}, jane, t0)
	if !created.SLA.IsZero() {
		t.Errorf("a created ticket kept the draft's SLA %+v", created.SLA)
	}
}

func TestAssignWithNote(t *testing.T) {
	t.Parallel()
	tk := createdTicket(t)
	empty := ""
	c := Change{ID: NewID(), Kind: ChangeAssign, TicketID: tk.ID, Owner: PartyMSP, Assignee: &empty,
		Comment: &Comment{ID: NewID(), Kind: CommentKindEscalation, Body: "Nobody answered within 30 min."}, At: t0}
	out := mustApply(t, tk, c, hub, t0)
	if out.Owner != PartyMSP || len(out.Comments) != len(tk.Comments)+1 || out.Comments[len(out.Comments)-1].Kind != CommentKindEscalation {
		t.Fatalf("assign with a note: owner %q, comments %+v", out.Owner, out.Comments)
	}
	// Replayed: nothing changes.
	if again := mustApply(t, out, c, hub, t0); again.Revision != out.Revision {
		t.Error("a replayed assignment with a note changed the ticket")
	}
	// A technician may explain an assignment with a reply, not an escalation note.
	c2 := Change{ID: NewID(), Kind: ChangeAssign, TicketID: tk.ID, Owner: PartyInternal,
		Comment: &Comment{ID: NewID(), Kind: CommentKindEscalation, Body: "Mine now"}, At: t0}
	_, err := Apply(out, c2, tech, t0)
	wantErrIs(t, err, ErrForbidden)
	c2.Comment.Kind = CommentKindReply
	if got := mustApply(t, out, c2, tech, t0); got.Owner != PartyInternal {
		t.Errorf("owner = %q, want internal", got.Owner)
	}
}

func TestAlertTickets(t *testing.T) {
	t.Parallel()
	id := NewTicketID()
	d := draft(id)
	d.Pillar, d.Category = PillarMonitoring, "disk-full"
	d.Alert = &AlertRef{Condition: AlertDiskFull, Key: AlertKey("dev-1", AlertDiskFull)}
	create := Change{ID: NewID(), Kind: ChangeCreate, TicketID: id, Ticket: d, At: t0}
	for _, a := range []Actor{jane, lead, tech} {
		_, err := Apply(nil, create, a, t0)
		wantErrIs(t, err, ErrForbidden)
	}
	alerts := Actor{ID: "hub-alerts", Role: RoleSystem, Tenant: tenantAcme}
	tk := mustApply(t, nil, create, alerts, t0)
	if tk.Alert == nil || tk.Alert.Key != "dev-1/disk-full" || tk.Requester != "hub-alerts" {
		t.Fatalf("alert ticket = %+v", tk)
	}
	// Clone copies the reference.
	c := tk.Clone()
	c.Alert.Key = "changed"
	if tk.Alert.Key != "dev-1/disk-full" {
		t.Error("Clone shares the alert reference")
	}
	// The hub resolves it when the condition clears.
	res := mustApply(t, tk, Change{ID: NewID(), Kind: ChangeStatus, TicketID: id, Status: StatusResolved,
		Comment: &Comment{ID: NewID(), Kind: CommentKindStatus, Body: "Resolved by itself: the disk has space again."}, At: t0}, alerts, t0.Add(time.Hour))
	if res.Status != StatusResolved || res.ResolvedAt.IsZero() {
		t.Errorf("resolved alert: status %s resolved at %v", res.Status, res.ResolvedAt)
	}
	// An unknown condition is refused.
	bad := tk.Clone()
	bad.Alert.Condition = "cosmic-rays"
	wantField(t, bad.Validate(), "alert.condition")
}

// A tenant stored before SLA, holidays, overflow and alerts existed reads
// with the defaults, and writes back without the new keys.
func TestTenantJSONBackwardCompatible(t *testing.T) {
	t.Parallel()
	old := `{"id":"acme","name":"Acme","mode":"co-managed","time_zone":"Africa/Johannesburg",
		"business_hours":{"monday":{"open":"08:00","close":"17:00"}},
		"price_per_user":{"minor":45000,"currency":"ZAR"},
		"branding":{"name":"Blue Fern IT","support_phone":"+27 21 555 0100","support_email":"help@bluefern.example"}}`
	var tn Tenant
	if err := json.Unmarshal([]byte(old), &tn); err != nil {
		t.Fatal(err)
	}
	if err := tn.Validate(); err != nil {
		t.Fatalf("an old tenant does not validate: %v", err)
	}
	if tn.SLAPolicy() != DefaultSLAPolicy() || tn.HolidayRules().Region != RegionSouthAfrica || tn.Overflow() != DefaultOverflowAfter || tn.AlertRules() != (AlertPolicy{}).WithDefaults() {
		t.Errorf("defaults not applied: %+v", tn)
	}
	b, err := json.Marshal(tn)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"sla"`, `"holidays"`, `"overflow_after"`, `"alerts"`} {
		if strings.Contains(string(b), key) {
			t.Errorf("an old tenant written back has %s: %s", key, b)
		}
	}
	// Set values round-trip.
	tn.SLA = DefaultSLAPolicy()
	tn.SLA.P1.Response = 30 * time.Minute
	tn.OverflowAfter = time.Hour
	tn.Alerts.DiskFullPercent = 85
	tn.Holidays = Holidays{Region: RegionNone, Extra: []Holiday{{Date: MakeDate(2026, 12, 28), Name: "Shutdown"}}}
	b, err = json.Marshal(tn)
	if err != nil {
		t.Fatal(err)
	}
	var back Tenant
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.SLA != tn.SLA || back.OverflowAfter != time.Hour || back.Alerts != tn.Alerts || back.HolidayRules().Region != RegionNone || len(back.Holidays.Extra) != 1 {
		t.Errorf("round trip: %+v", back)
	}
	cal, err := back.Calendar()
	if err != nil {
		t.Fatal(err)
	}
	if !cal.IsHoliday(MakeDate(2026, 12, 28)) || cal.IsHoliday(MakeDate(2026, 12, 16)) {
		t.Error("the tenant calendar ignores its holidays")
	}
}

func TestSLAStateDescribe(t *testing.T) {
	t.Parallel()
	jnb := mustZone(t, "Africa/Johannesburg")
	za := mustCalendar(t, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays())
	mon := func(h, m int) time.Time { return at(jnb, 2026, 3, 2, h, m) }
	cases := []struct {
		name string
		tl   SLATimeline
		now  time.Time
		show time.Time // when it is shown
		st   Status
		want string
	}{
		{"running", SLATimeline{Priority: P2, CreatedAt: mon(9, 0)}, mon(10, 0), mon(10, 5), StatusNew, "first response due by 13:00"},
		{"at risk", SLATimeline{Priority: P2, CreatedAt: mon(9, 0)}, mon(12, 30), mon(12, 31), StatusNew, "first response due by 13:00 (at risk)"},
		{"past due since computed", SLATimeline{Priority: P2, CreatedAt: mon(9, 0)}, mon(12, 30), mon(13, 25), StatusNew, "first response breached 25 min ago"},
		{"breached", SLATimeline{Priority: P2, CreatedAt: mon(9, 0)}, mon(13, 30), mon(13, 30), StatusNew, "first response breached 30 min ago"},
		{"answered", SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 10)}, mon(10, 0), mon(10, 0), StatusOpen, "resolution due by 17:00"},
		{"paused", SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 10), Statuses: []StatusChange{{mon(9, 10), StatusWaiting}}}, mon(10, 0), mon(10, 0), StatusWaiting, "paused: waiting for you"},
		{"resolved in time", SLATimeline{Priority: P2, CreatedAt: mon(9, 0), Statuses: []StatusChange{{mon(10, 0), StatusResolved}}}, mon(10, 0), mon(11, 0), StatusResolved, "resolved within target"},
		{"closed late", SLATimeline{Priority: P2, CreatedAt: mon(9, 0), Statuses: []StatusChange{{at(jnb, 2026, 3, 3, 10, 0), StatusClosed}}}, at(jnb, 2026, 3, 3, 10, 0), at(jnb, 2026, 3, 3, 10, 0), StatusClosed, "closed late"},
	}
	for _, tc := range cases {
		cs, err := ComputeSLA(tc.tl, DefaultSLAPolicy(), za, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := StateOf(cs, tc.now).Describe(tc.st, tc.show, jnb); got != tc.want {
			t.Errorf("%s: Describe = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := (SLAState{}).Describe(StatusNew, mon(9, 0), jnb); got != "" {
		t.Errorf("a state never computed says %q", got)
	}
}
