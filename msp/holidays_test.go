package msp

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	t.Parallel()
	// Gregorian Easter Sundays, including the earliest (22 March) and
	// latest (25 April) possible dates.
	cases := []struct {
		year  int
		month time.Month
		day   int
	}{
		{1818, time.March, 22}, {1943, time.April, 25}, {2000, time.April, 23},
		{2008, time.March, 23}, {2019, time.April, 21}, {2024, time.March, 31},
		{2025, time.April, 20}, {2026, time.April, 5}, {2027, time.March, 28},
		{2038, time.April, 25}, {2285, time.March, 22},
	}
	for _, c := range cases {
		got := Easter(c.year)
		if want := (Date{c.year, c.month, c.day}); got != want {
			t.Errorf("Easter(%d) = %s, want %s", c.year, got, want)
		}
		if got.Weekday() != time.Sunday {
			t.Errorf("Easter(%d) = %s is a %s", c.year, got, got.Weekday())
		}
	}
}

func TestSouthAfricanHolidays2026(t *testing.T) {
	t.Parallel()
	want := []string{
		"2026-01-01 New Year's Day",
		"2026-03-21 Human Rights Day",
		"2026-04-03 Good Friday",
		"2026-04-06 Family Day",
		"2026-04-27 Freedom Day",
		"2026-05-01 Workers' Day",
		"2026-06-16 Youth Day",
		"2026-08-09 National Women's Day",
		"2026-08-10 National Women's Day (observed)",
		"2026-09-24 Heritage Day",
		"2026-12-16 Day of Reconciliation",
		"2026-12-25 Christmas Day",
		"2026-12-26 Day of Goodwill",
	}
	var got []string
	for _, h := range SouthAfricanHolidays(2026) {
		got = append(got, h.Date.String()+" "+h.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("SouthAfricanHolidays(2026) =\n%q\nwant\n%q", got, want)
	}
}

func TestSouthAfricanSundayRuleAndProclamations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		date    Date
		holiday bool
		why     string
	}{
		{Date{2024, time.June, 17}, true, "Youth Day 2024 fell on a Sunday"},
		{Date{2025, time.April, 28}, true, "Freedom Day 2025 fell on a Sunday"},
		{Date{2023, time.September, 25}, true, "Heritage Day 2023 fell on a Sunday"},
		{Date{2021, time.March, 22}, true, "Human Rights Day 2021 fell on a Sunday"},
		{Date{2023, time.January, 2}, true, "New Year's Day 2023 fell on a Sunday"},
		{Date{2021, time.December, 27}, true, "Day of Goodwill 2021 fell on a Sunday"},
		{Date{2026, time.August, 10}, true, "National Women's Day 2026 falls on a Sunday"},
		{Date{2022, time.December, 27}, true, "proclaimed: Christmas 2022 fell on a Sunday"},
		{Date{2024, time.May, 29}, true, "proclaimed: general election"},
		{Date{2033, time.December, 27}, false, "Christmas 2033 is a Sunday but the Monday is already the Day of Goodwill; no proclamation is known"},
		{Date{2026, time.June, 17}, false, "Youth Day 2026 is a Tuesday"},
		{Date{2026, time.April, 5}, false, "Easter Sunday is not a public holiday"},
		{Date{2027, time.March, 26}, true, "Good Friday 2027"},
		{Date{2027, time.March, 29}, true, "Family Day 2027"},
		{Date{2027, time.March, 22}, true, "Human Rights Day 2027 falls on a Sunday"},
		{Date{2008, time.March, 21}, true, "Good Friday and Human Rights Day on the same day in 2008"},
	}
	for _, c := range cases {
		if got := isSouthAfricanHoliday(c.date); got != c.holiday {
			t.Errorf("isSouthAfricanHoliday(%s) = %v, want %v (%s)", c.date, got, c.holiday, c.why)
		}
		inList := slices.ContainsFunc(SouthAfricanHolidays(c.date.Year), func(h Holiday) bool { return h.Date == c.date })
		if inList != c.holiday {
			t.Errorf("SouthAfricanHolidays(%d) lists %s: %v, want %v (%s)", c.date.Year, c.date, inList, c.holiday, c.why)
		}
	}
	// 2022: 1 Jan fell on a Saturday, so no observed day; 2023 has 2 Jan.
	for _, h := range SouthAfricanHolidays(2022) {
		if h.Date == (Date{2022, time.December, 27}) && !h.Proclaimed {
			t.Errorf("27 Dec 2022 should be marked proclaimed: %+v", h)
		}
		if h.Observed && h.Date.Weekday() != time.Monday {
			t.Errorf("observed holiday %+v is not a Monday", h)
		}
	}
}

// TestHolidayListAgreesWithLookup checks that the list and the per-day
// lookup the calendar uses agree on every day of two centuries.
func TestHolidayListAgreesWithLookup(t *testing.T) {
	t.Parallel()
	for year := 1950; year < 2150; year++ {
		list := SouthAfricanHolidays(year)
		n := 0
		for d := (Date{year, time.January, 1}); d.Year == year; d = d.AddDays(1) {
			in := slices.ContainsFunc(list, func(h Holiday) bool { return h.Date == d })
			if in != isSouthAfricanHoliday(d) {
				t.Fatalf("%s: list says %v, lookup says %v", d, in, !in)
			}
			if in {
				n++
			}
		}
		if n < 12 || n > 15 {
			t.Errorf("%d has %d holidays", year, n)
		}
	}
}

func TestHolidaysEdits(t *testing.T) {
	t.Parallel()
	h := Holidays{
		Region:  RegionSouthAfrica,
		Extra:   []Holiday{{Date: Date{2026, time.December, 24}, Name: "Year-end shutdown"}, {Date: Date{2026, time.December, 25}, Name: "dup"}},
		Removed: []Date{{2026, time.April, 6}},
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	got := h.InYear(2026)
	var dates []string
	for _, x := range got {
		dates = append(dates, x.Date.String())
	}
	if slices.Contains(dates, "2026-04-06") {
		t.Error("removed Family Day still listed")
	}
	if !slices.Contains(dates, "2026-12-24") {
		t.Error("extra day missing")
	}
	if n := len(slices.Compact(slices.Clone(dates))); n != len(dates) {
		t.Errorf("duplicates in %v", dates)
	}
	if i := slices.Index(dates, "2026-12-25"); got[i].Name != "Christmas Day" {
		t.Errorf("25 Dec named %q, want the statutory name first", got[i].Name)
	}
	if !slices.IsSortedFunc(got, func(a, b Holiday) int { return a.Date.Compare(b.Date) }) {
		t.Errorf("not in date order: %v", dates)
	}
	if n := len(Holidays{}.InYear(2026)); n != 0 {
		t.Errorf("no region, no extras: %d holidays", n)
	}
}

func TestHolidaysValidate(t *testing.T) {
	t.Parallel()
	bad := Holidays{
		Region:  "UK",
		Extra:   []Holiday{{Date: Date{2026, time.February, 30}}},
		Removed: []Date{{2026, 13, 1}},
	}
	err := bad.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate() = %v, want ErrInvalid", err)
	}
	for _, f := range []string{"region", "extra[0].date", "removed[0]"} {
		wantField(t, err, f)
	}
	many := Holidays{Removed: make([]Date, MaxHolidayEdits+1)}
	for i := range many.Removed {
		many.Removed[i] = Date{2026, time.January, 1}
	}
	wantField(t, many.Validate(), "removed")
}

func TestDateText(t *testing.T) {
	t.Parallel()
	h := Holidays{Region: RegionSouthAfrica, Extra: []Holiday{{Date: Date{2026, time.April, 3}, Name: "x"}}, Removed: []Date{{2027, time.March, 29}}}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"region":"ZA","extra":[{"date":"2026-04-03","name":"x"}],"removed":["2027-03-29"]}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var back Holidays
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Extra[0].Date != h.Extra[0].Date || back.Removed[0] != h.Removed[0] {
		t.Errorf("round trip: %+v", back)
	}
	for _, s := range []string{`"2026-02-30"`, `"3 April"`, `""`, `"2026-4-3"`} {
		var d Date
		if err := json.Unmarshal([]byte(s), &d); !errors.Is(err, ErrInvalid) {
			t.Errorf("Unmarshal(%s) = %v, want ErrInvalid", s, err)
		}
	}
	if _, err := json.Marshal(Date{2026, time.February, 30}); err == nil {
		t.Error("Marshal of 30 February succeeded")
	}
	if d := MakeDate(2026, time.April, 31); d != (Date{2026, time.May, 1}) {
		t.Errorf("MakeDate(31 April) = %s", d)
	}
	if d := (Date{2024, time.December, 31}).AddDays(60); d != (Date{2025, time.March, 1}) {
		t.Errorf("AddDays = %s", d)
	}
}
