package msp

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// holidayLines returns the holidays of h's holidays in year as "YYYY-MM-DD Name".
func holidayLines(h Holidays, year int) []string {
	var out []string
	for _, x := range h.InYear(year) {
		out = append(out, x.Date.String()+" "+x.Name)
	}
	return out
}

// The expected dates below are not copied from the library. They follow
// from each country's rules worked out by hand on the 2026 calendar
// (1 January 2026 is a Thursday; Easter Sunday is 5 April, see TestEaster),
// and agree with the governments' own lists: GOV.UK's "UK bank holidays"
// for England and Wales, and the Office of Personnel Management's federal
// holidays for the United States.

// England and Wales, 2026: the substitute rule of the Banking and
// Financial Dealings Act 1971 moves Boxing Day, a Saturday, to Monday
// 28 December.
func TestGBHolidays2026(t *testing.T) {
	t.Parallel()
	want := []string{
		"2026-01-01 New Year's Day",
		"2026-04-03 Good Friday",
		"2026-04-06 Easter Monday",
		"2026-05-04 Early May",           // first Monday of May (1 May is a Friday)
		"2026-05-25 Spring Bank Holiday", // last Monday of May (31 May is a Sunday)
		"2026-08-31 Summer Bank Holiday", // last Monday of August
		"2026-12-25 Christmas Day",
		"2026-12-26 Boxing Day", // a Saturday: closed on a calendar open on Saturdays
		"2026-12-28 Boxing Day (observed)",
	}
	if got := holidayLines(Holidays{Region: "GB"}, 2026); !slices.Equal(got, want) {
		t.Errorf("GB 2026 =\n%q\nwant\n%q", got, want)
	}
	c := mustCalendar(t, "Europe/London", DefaultBusinessHours(), Holidays{Region: "GB"})
	for _, d := range []Date{{2026, time.December, 28}, {2026, time.August, 31}} {
		if !c.IsHoliday(d) {
			t.Errorf("%s is not a holiday of the GB calendar", d)
		}
	}
	if c.IsHoliday(Date{2026, time.December, 29}) || c.IsHoliday(Date{2026, time.March, 17}) {
		t.Error("29 December or St Patrick's Day is a holiday in England")
	}
}

// Christmas on a weekend, in both ways: 2022 (Sunday 25, Monday 26) and
// 2027 (Saturday 25, Sunday 26). Either way the two days off are the next
// weekdays, as GOV.UK lists them.
func TestGBChristmasOnAWeekend(t *testing.T) {
	t.Parallel()
	c := mustCalendar(t, "Europe/London", DefaultBusinessHours(), Holidays{Region: "GB"})
	for _, d := range []Date{{2022, time.December, 26}, {2022, time.December, 27}, {2027, time.December, 27}, {2027, time.December, 28}} {
		if !c.IsHoliday(d) {
			t.Errorf("%s (%s) is not a holiday", d, d.Weekday())
		}
	}
	for _, d := range []Date{{2022, time.December, 28}, {2027, time.December, 29}} {
		if c.IsHoliday(d) {
			t.Errorf("%s is a holiday", d)
		}
	}
	// 26 December 2022 is Boxing Day itself, not Christmas's substitute.
	for _, h := range (Holidays{Region: "GB"}).InYear(2022) {
		if h.Date == (Date{2022, time.December, 26}) && (h.Name != "Boxing Day" || h.Observed) {
			t.Errorf("26 December 2022 listed as %+v, want Boxing Day", h)
		}
	}
}

// The United States' federal holidays, 2026: Independence Day is a
// Saturday, so Friday 3 July is the day off.
func TestUSHolidays2026(t *testing.T) {
	t.Parallel()
	want := []string{
		"2026-01-01", "2026-01-19", // third Monday of January
		"2026-02-16",                             // third Monday of February
		"2026-05-25",                             // last Monday of May
		"2026-06-19", "2026-07-03", "2026-07-04", // Juneteenth; 4 July and the Friday before
		"2026-09-07",               // first Monday of September (1 September is a Tuesday)
		"2026-10-12",               // second Monday of October
		"2026-11-11", "2026-11-26", // Veterans Day; fourth Thursday of November
		"2026-12-25",
	}
	var got []string
	for _, h := range (Holidays{Region: "US"}).InYear(2026) {
		got = append(got, h.Date.String())
		if h.Date == (Date{2026, time.July, 3}) && !h.Observed {
			t.Errorf("3 July 2026 is not marked observed: %+v", h)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("US 2026 = %q\nwant %q", got, want)
	}
	// New Year's Day 2022 fell on a Saturday: the day off was Friday
	// 31 December 2021, in the year before.
	nye := Date{2021, time.December, 31}
	if !slices.ContainsFunc((Holidays{Region: "US"}).InYear(2021), func(h Holiday) bool { return h.Date == nye && h.Observed }) {
		t.Error("31 December 2021 is missing from the US holidays of 2021")
	}
	if c := mustCalendar(t, "America/New_York", DefaultBusinessHours(), Holidays{Region: "US"}); !c.IsHoliday(nye) {
		t.Error("31 December 2021 is not a holiday of the US calendar")
	}
}

// Regional holidays: Bavaria keeps Epiphany (6 January) and Corpus
// Christi (60 days after Easter Sunday: Thursday 4 June 2026), which
// Germany as a whole and Berlin do not; Berlin keeps International
// Women's Day (8 March; a Monday in 2027), which Bavaria does not.
// Victoria keeps Melbourne Cup day, the first Tuesday of November
// (3 November 2026), which New South Wales does not.
func TestRegionalHolidays(t *testing.T) {
	t.Parallel()
	cases := []struct {
		day     Date
		in, out []string
	}{
		{Date{2026, time.January, 6}, []string{"DE-BY", "DE-BW", "AT"}, []string{"DE", "DE-BE", "DE-NW"}},
		{Date{2026, time.June, 4}, []string{"DE-BY", "DE-NW"}, []string{"DE", "DE-BE"}},
		{Date{2027, time.March, 8}, []string{"DE-BE"}, []string{"DE", "DE-BY"}},
		{Date{2026, time.November, 3}, []string{"AU-VIC"}, []string{"AU-NSW", "AU-QLD"}},
		{Date{2026, time.October, 3}, []string{"DE", "DE-BY", "DE-BE"}, nil}, // German Unity Day everywhere
	}
	for _, c := range cases {
		for _, code := range c.in {
			if !mustCalendar(t, "Europe/Berlin", DefaultBusinessHours(), Holidays{Region: code}).IsHoliday(c.day) {
				t.Errorf("%s is not a holiday in %s (%s)", c.day, code, RegionName(code))
			}
		}
		for _, code := range c.out {
			if mustCalendar(t, "Europe/Berlin", DefaultBusinessHours(), Holidays{Region: code}).IsHoliday(c.day) {
				t.Errorf("%s is a holiday in %s (%s)", c.day, code, RegionName(code))
			}
		}
	}
}

// Every region's list and the calendar's per-day lookup agree on every
// day of 2020 to 2030, and every region has a plausible number of
// holidays each year.
func TestRegionListsAgreeWithLookup(t *testing.T) {
	t.Parallel()
	for _, r := range Regions() {
		h := Holidays{Region: r.Code}
		if err := h.Validate(); err != nil {
			t.Errorf("%s: %v", r.Code, err)
			continue
		}
		c := mustCalendar(t, "UTC", DefaultBusinessHours(), h)
		for year := 2020; year <= 2030; year++ {
			list := h.InYear(year)
			if len(list) < 5 || len(list) > 30 {
				t.Errorf("%s has %d holidays in %d", r.Code, len(list), year)
			}
			n := 0
			for d := (Date{year, time.January, 1}); d.Year == year; d = d.AddDays(1) {
				if c.IsHoliday(d) {
					n++
				}
			}
			if n != len(list) {
				t.Errorf("%s %d: the list has %d days, the calendar %d", r.Code, year, len(list), n)
			}
			for _, x := range list {
				if x.Date.Year != year || x.Name == "" {
					t.Errorf("%s %d lists %+v", r.Code, year, x)
				}
			}
		}
	}
}

func TestRegions(t *testing.T) {
	t.Parallel()
	rs := Regions()
	if !slices.IsSortedFunc(rs, func(a, b Region) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Regions() is not in order of code")
	}
	for _, code := range []string{"ZA", "GB", "US", "DE", "DE-BY", "AU-NSW", "CH-ZH", "NL", "IE", "NZ"} {
		if RegionName(code) == "" {
			t.Errorf("%s is not a known region", code)
		}
	}
	for _, code := range []string{"AU", "US-CA", "UK", "gb", "none", ""} {
		if RegionName(code) != "" {
			t.Errorf("%q is a known region", code)
		}
	}
	if RegionName("GB") != "England and Wales" || RegionName("DE-BY") != "Germany: Bavaria" {
		t.Errorf("names: %q, %q", RegionName("GB"), RegionName("DE-BY"))
	}
	rs[0].Code = "changed"
	if Regions()[0].Code == "changed" {
		t.Error("Regions() hands out its own slice")
	}
}

// An unknown region is refused with the known ones named, and a word on
// what was probably meant.
func TestUnknownRegionNamesTheKnownOnes(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"US-CA": "US has no regional rules in Tandem: use US",
		"AU":    "differ by state and territory: choose one such as AU-ACT",
		"UK":    "the United Kingdom is GB",
		"gb":    "write it GB",
		"DE-XX": "use DE for the whole country",
		"Mars":  "",
	}
	for code, hint := range cases {
		err := Holidays{Region: code}.Validate()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", code, err)
			continue
		}
		wantField(t, err, "region")
		msg := err.Error()
		for _, want := range []string{"ZA South Africa", "GB England and Wales", "US United States", "DE Germany (or a part of it: DE-BB", "DE-BY", "AU-NSW", `"none"`, hint} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: the error does not say %q:\n%s", code, want, msg)
			}
		}
	}
}

// An SLA clock on a London tenant with the holidays of England and Wales
// stops over Christmas 2026: Friday 25 December, the weekend and Monday
// 28 December (Boxing Day's substitute) are closed.
func TestSLASkipsGBHoliday(t *testing.T) {
	t.Parallel()
	lon := mustZone(t, "Europe/London")
	tn := NewTenant("t1", "Fernhill Surveyors", ModeCoManaged)
	tn.TimeZone = "Europe/London"
	tn.Holidays = Holidays{Region: "GB"}
	c, err := tn.Calendar()
	if err != nil {
		t.Fatal(err)
	}
	created := at(lon, 2026, time.December, 24, 15, 0) // Thursday, two business hours before closing
	tl := SLATimeline{Priority: P2, CreatedAt: created}
	st, err := ComputeSLA(tl, tn.SLAPolicy(), c, at(lon, 2026, time.December, 28, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	// P2's first response is due in 4 business hours: 2 on Thursday and 2
	// from Tuesday's opening.
	if want := at(lon, 2026, time.December, 29, 10, 0); !st.Response.Due.Equal(want) {
		t.Errorf("response due %s, want %s", st.Response.Due.In(lon), want)
	}
	if st.Response.Breached || st.Response.Elapsed != 2*time.Hour {
		t.Errorf("on the substitute Monday: elapsed %s, breached %v; want 2h, not breached", st.Response.Elapsed, st.Response.Breached)
	}
	// Without the region's holidays the same ticket was due on Christmas Day.
	plain := mustCalendar(t, "Europe/London", tn.BusinessHours, Holidays{Region: RegionNone})
	st, err = ComputeSLA(tl, tn.SLAPolicy(), plain, created)
	if err != nil {
		t.Fatal(err)
	}
	if want := at(lon, 2026, time.December, 25, 10, 0); !st.Response.Due.Equal(want) {
		t.Errorf("without holidays: response due %s, want %s", st.Response.Due.In(lon), want)
	}
}

// TestREADMENamesEveryRegion keeps the README's list of holiday regions
// in step with Regions.
func TestREADMENamesEveryRegion(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Public holidays\n")
	if !ok {
		t.Fatal("README.md has no section Public holidays")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, r := range Regions() {
		if !strings.Contains(section, "`"+r.Code+"`") {
			t.Errorf("README.md's Public holidays do not name %s (%s)", r.Code, r.Name)
		}
	}
}
