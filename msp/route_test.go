package msp

import (
	"strings"
	"testing"
	"time"
)

func TestRoute(t *testing.T) {
	t.Parallel()
	co := validTenant() // co-managed, Johannesburg, Mon–Fri 08:00–17:00, ZA holidays
	full := validTenant()
	full.Mode = ModeFullyManaged
	full.Matrix = DefaultMatrix(ModeFullyManaged)
	london := validTenant()
	london.TimeZone = "Europe/London"
	ny := validTenant()
	ny.TimeZone = "America/New_York"
	ny.Holidays = Holidays{Region: RegionNone}
	noHolidays := validTenant()
	noHolidays.Holidays = Holidays{Region: RegionNone}
	slowOverflow := validTenant()
	slowOverflow.OverflowAfter = 90 * time.Minute
	closed := validTenant()
	closed.BusinessHours = BusinessHours{}

	jhb := mustZone(t, "Africa/Johannesburg")
	lon := mustZone(t, "Europe/London")
	nyc := mustZone(t, "America/New_York")

	printing := &Ticket{Pillar: PillarHelpdesk, Category: "printing"}
	wifi := &Ticket{Pillar: PillarNetwork, Category: "wifi"}
	backup := &Ticket{Pillar: PillarBackup, Category: "restore-file"}
	updates := &Ticket{Pillar: PillarMonitoring, Category: "updates"}
	leaver := &Ticket{Pillar: PillarHelpdesk, Category: "new-starter-leaver"}
	otherHelp := &Ticket{Pillar: PillarHelpdesk, Category: CategoryOther}
	bogus := &Ticket{Pillar: "toys", Category: "lego"}

	tests := []struct {
		name   string
		tenant Tenant
		tk     *Ticket
		at     time.Time
		owner  Party
		until  time.Time
		then   Party
		reason string // a part of the reason
	}{
		{"fully managed, business hours", full, printing, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyMSP, time.Time{}, "", "Blue Fern IT handles all IT for Acme Attorneys."},
		{"fully managed, night", full, printing, time.Date(2025, 3, 4, 23, 0, 0, 0, jhb), PartyMSP, time.Time{}, "", "all IT"},
		{"co-managed printing in hours", co, printing, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyInternal, time.Date(2025, 3, 4, 17, 0, 0, 0, jhb), PartyMSP,
			"Your IT lead handles printing during business hours (until 17:00); after that Blue Fern IT. If nobody answers within 30 min, Blue Fern IT takes it."},
		{"co-managed printing at 16:59", co, printing, time.Date(2025, 3, 4, 16, 59, 0, 0, jhb), PartyInternal, time.Date(2025, 3, 4, 17, 0, 0, 0, jhb), PartyMSP, "until 17:00"},
		{"co-managed printing at 17:00 is after hours", co, printing, time.Date(2025, 3, 4, 17, 0, 0, 0, jhb), PartyMSP, time.Date(2025, 3, 5, 8, 0, 0, 0, jhb), PartyInternal,
			"Blue Fern IT handles printing after hours (until tomorrow 08:00); after that your IT lead."},
		{"friday evening hands over on monday", co, printing, time.Date(2025, 3, 7, 18, 0, 0, 0, jhb), PartyMSP, time.Date(2025, 3, 10, 8, 0, 0, 0, jhb), PartyInternal, "until Mon 08:00"},
		{"saturday", co, printing, time.Date(2025, 3, 8, 11, 0, 0, 0, jhb), PartyMSP, time.Date(2025, 3, 10, 8, 0, 0, 0, jhb), PartyInternal, "after hours"},
		{"early morning", co, printing, time.Date(2025, 3, 4, 7, 59, 0, 0, jhb), PartyMSP, time.Date(2025, 3, 4, 8, 0, 0, 0, jhb), PartyInternal, "until 08:00"},
		// 21 March 2025 (Friday) is Human Rights Day.
		{"public holiday is after hours", co, printing, time.Date(2025, 3, 21, 10, 0, 0, 0, jhb), PartyMSP, time.Date(2025, 3, 24, 8, 0, 0, 0, jhb), PartyInternal, "after hours"},
		{"public holiday worked when region none", noHolidays, printing, time.Date(2025, 3, 21, 10, 0, 0, 0, jhb), PartyInternal, time.Date(2025, 3, 21, 17, 0, 0, 0, jhb), PartyMSP, "during business hours"},
		{"shared in hours", co, wifi, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyShared, time.Date(2025, 3, 4, 17, 0, 0, 0, jhb), PartyMSP,
			"Your IT lead and Blue Fern IT share Wi-Fi problems; your IT lead answers first during business hours (until 17:00); after that Blue Fern IT."},
		{"shared row after hours is msp", co, wifi, time.Date(2025, 3, 4, 20, 0, 0, 0, jhb), PartyMSP, time.Date(2025, 3, 5, 8, 0, 0, 0, jhb), PartyShared, "after that your IT lead and Blue Fern IT."},
		{"msp at all hours", co, backup, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyMSP, time.Time{}, "", "Blue Fern IT handles restoring files at all hours."},
		{"category function overrides pillar", co, updates, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyMSP, time.Time{}, "", "at all hours"},
		{"onboarding is internal in hours", co, leaver, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyInternal, time.Date(2025, 3, 4, 17, 0, 0, 0, jhb), PartyMSP, "new starters and leavers"},
		{"catch-all category names the function", co, otherHelp, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyInternal, time.Date(2025, 3, 4, 17, 0, 0, 0, jhb), PartyMSP, "handles helpdesk tier 1 during"},
		{"unknown category goes to msp", co, bogus, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyMSP, time.Time{}, "", "so Blue Fern IT takes it"},
		{"nil ticket goes to msp", co, nil, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyMSP, time.Time{}, "", "Blue Fern IT"},
		{"overflow time in the reason", slowOverflow, printing, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyInternal, time.Date(2025, 3, 4, 17, 0, 0, 0, jhb), PartyMSP, "within 1 h 30 min"},
		{"no open day: after hours always", closed, printing, time.Date(2025, 3, 4, 10, 0, 0, 0, jhb), PartyMSP, time.Time{}, "", "no business hours"},
		// London: BST starts Sunday 30 March 2025; 08:00 BST is 07:00 UTC.
		{"london after DST start", london, printing, time.Date(2025, 3, 31, 7, 30, 0, 0, time.UTC), PartyInternal, time.Date(2025, 3, 31, 17, 0, 0, 0, lon), PartyMSP, "until 17:00"},
		{"london before DST start, same UTC time", london, printing, time.Date(2025, 3, 24, 7, 30, 0, 0, time.UTC), PartyMSP, time.Date(2025, 3, 24, 8, 0, 0, 0, lon), PartyInternal, "until 08:00"},
		// London keeps ZA holidays unless told otherwise; 28 April 2025 is Freedom Day (observed).
		{"london sunday before DST end", london, printing, time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC), PartyMSP, time.Date(2025, 10, 27, 8, 0, 0, 0, lon), PartyInternal, "until tomorrow 08:00"},
		{"new york in hours", ny, printing, time.Date(2025, 11, 3, 14, 0, 0, 0, time.UTC), PartyInternal, time.Date(2025, 11, 3, 17, 0, 0, 0, nyc), PartyMSP, "until 17:00"},
		{"new york 05:00 UTC is previous evening", ny, printing, time.Date(2025, 11, 4, 3, 0, 0, 0, time.UTC), PartyMSP, time.Date(2025, 11, 4, 8, 0, 0, 0, nyc), PartyInternal, "until tomorrow 08:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := Route(tc.tenant, tc.tk, tc.at)
			if d.Owner != tc.owner {
				t.Errorf("Owner = %q, want %q (reason %q)", d.Owner, tc.owner, d.Reason)
			}
			if !d.Until.Equal(tc.until) {
				t.Errorf("Until = %v, want %v", d.Until, tc.until)
			}
			if d.Then != tc.then {
				t.Errorf("Then = %q, want %q", d.Then, tc.then)
			}
			if !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("Reason = %q, want it to contain %q", d.Reason, tc.reason)
			}
			if d.Owner == PartyMSP && strings.Contains(d.Reason, "If nobody answers") {
				t.Errorf("Reason of an MSP-owned ticket promises overflow: %q", d.Reason)
			}
		})
	}
}

// A span that runs to midnight and a next day that opens at midnight is
// one stretch of business hours: the hand-over is at the real close.
func TestRouteAcrossMidnight(t *testing.T) {
	t.Parallel()
	tn := validTenant()
	tn.Holidays = Holidays{Region: RegionNone}
	allDay := &Span{Open: Clock(0, 0), Close: Clock(24, 0)}
	tn.BusinessHours = DefaultBusinessHours().SetDay(time.Monday, allDay).SetDay(time.Tuesday, &Span{Open: 0, Close: Clock(12, 0)})
	jhb := mustZone(t, "Africa/Johannesburg")
	d := Route(tn, &Ticket{Pillar: PillarHelpdesk, Category: "printing"}, time.Date(2025, 3, 3, 22, 0, 0, 0, jhb))
	if want := time.Date(2025, 3, 4, 12, 0, 0, 0, jhb); d.Owner != PartyInternal || !d.Until.Equal(want) {
		t.Fatalf("Route = %+v, want internal until %v", d, want)
	}
	tn.BusinessHours = BusinessHours{}
	for day := time.Sunday; day <= time.Saturday; day++ {
		tn.BusinessHours = tn.BusinessHours.SetDay(day, allDay)
	}
	d = Route(tn, &Ticket{Pillar: PillarHelpdesk, Category: "printing"}, time.Date(2025, 3, 3, 22, 0, 0, 0, jhb))
	if d.Owner != PartyInternal || !d.Until.IsZero() || d.Then != "" || !strings.HasSuffix(strings.Split(d.Reason, ".")[0], "during business hours") {
		t.Fatalf("Route on an always-open calendar = %+v, want internal with no hand-over", d)
	}
}

func TestTenantDefaultsAndValidate(t *testing.T) {
	t.Parallel()
	tn := validTenant()
	if got := tn.HolidayRules(); got.Region != RegionSouthAfrica {
		t.Errorf("HolidayRules of zero Holidays = %+v, want ZA", got)
	}
	if got := tn.SLAPolicy(); got != DefaultSLAPolicy() {
		t.Errorf("SLAPolicy of zero = %+v, want default", got)
	}
	if got := tn.Overflow(); got != DefaultOverflowAfter {
		t.Errorf("Overflow = %s, want %s", got, DefaultOverflowAfter)
	}
	if got := tn.AlertRules(); got.SilentAfter != 24*time.Hour || got.DiskFullPercent != 90 || got.SecurityUpdatesDays != 14 || got.RestartDays != 7 {
		t.Errorf("AlertRules = %+v, want defaults", got)
	}
	bad := []struct {
		field string
		edit  func(*Tenant)
	}{
		{"holidays.region", func(tn *Tenant) { tn.Holidays.Region = "XX" }},
		{"sla.p1.response", func(tn *Tenant) { tn.SLA = DefaultSLAPolicy(); tn.SLA.P1.Response = 0 }},
		{"overflow_after", func(tn *Tenant) { tn.OverflowAfter = -time.Minute }},
		{"overflow_after", func(tn *Tenant) { tn.OverflowAfter = 8 * 24 * time.Hour }},
		{"alerts.silent_after", func(tn *Tenant) { tn.Alerts.SilentAfter = time.Minute }},
		{"alerts.disk_full_percent", func(tn *Tenant) { tn.Alerts.DiskFullPercent = 101 }},
	}
	for _, b := range bad {
		tn := validTenant()
		b.edit(&tn)
		err := tn.Validate()
		found := false
		for _, p := range FieldProblems(err) {
			found = found || p.Field == b.field
		}
		if !found {
			t.Errorf("Validate after editing %s = %v, want a problem with that field", b.field, err)
		}
	}
}

// Every category of the catalogue has words for a routing reason.
func TestRouteSubjects(t *testing.T) {
	t.Parallel()
	for _, p := range Pillars() {
		for _, c := range p.Categories {
			if _, ok := subjects[c.ID]; !ok && c.ID != CategoryOther {
				t.Errorf("category %s/%s has no words in subjects", p.ID, c.ID)
			}
		}
	}
}
