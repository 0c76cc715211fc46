package msp

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Date is a day on the calendar, without a time or a zone. In JSON it is
// "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t on t's own wall clock; convert t with In
// first to read it in another zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// MakeDate returns the date y-m-d, normalised as time.Date does: 31 April
// becomes 1 May.
func MakeDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
}

// Valid reports whether d names a real day (not 30 February).
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December && MakeDate(d.Year, d.Month, d.Day) == d
}

// AddDays returns the date n days after d (before, if n is negative).
func (d Date) AddDays(n int) Date { return MakeDate(d.Year, d.Month, d.Day+n) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// At returns the instant at clock time c of d in loc. A ClockTime of 24:00
// is midnight at the start of the next day.
func (d Date) At(c ClockTime, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(c)/60, int(c)%60, 0, 0, loc)
}

// String returns d as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText writes "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() || d.Year < 1 || d.Year > 9999 {
		return nil, fmt.Errorf("date %d-%d-%d is not a day on the calendar: %w", d.Year, int(d.Month), d.Day, ErrInvalid)
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads "YYYY-MM-DD".
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return fmt.Errorf("date %q must be a real day written YYYY-MM-DD, such as 2026-04-03: %w", clip(string(b)), ErrInvalid)
	}
	*d = DateOf(t)
	return nil
}

// Holiday is a day a calendar keeps closed all day.
type Holiday struct {
	Date Date   `json:"date"`
	Name string `json:"name,omitempty"`
	// Observed marks the day that stands in for a public holiday that
	// fell on a weekend: in South Africa the Monday after a Sunday; in
	// England the Monday or Tuesday after; in the United States the Friday
	// before a Saturday or the Monday after a Sunday.
	Observed bool `json:"observed,omitempty"`
	// Proclaimed marks a one-off holiday declared by the head of state
	// (an election day, for example) rather than one fixed by statute.
	Proclaimed bool `json:"proclaimed,omitempty"`
}

// RegionSouthAfrica names South Africa's public holidays in Holidays.Region.
const RegionSouthAfrica = "ZA"

// RegionNone in Holidays.Region means no public holidays. It differs from
// "" only in a Tenant, where zero Holidays mean DefaultHolidays.
const RegionNone = "none"

// MaxHolidayEdits caps Holidays.Extra and Holidays.Removed each.
const MaxHolidayEdits = 1000

// Holidays says which dates a calendar keeps closed besides its closed
// weekdays: the public holidays of a region, plus extra days (a year-end
// shutdown, a holiday proclaimed after this code was written), minus days
// the business works although they are public holidays. Removed wins over
// Extra.
type Holidays struct {
	// Region is the code of one of Regions (RegionSouthAfrica, "GB",
	// "US", "DE-BY", "AU-NSW", ...), or "" or RegionNone for no public
	// holidays. South Africa's holidays are Tandem's own; the others come
	// from github.com/rickar/cal/v2.
	Region  string    `json:"region,omitempty"`
	Extra   []Holiday `json:"extra,omitempty"`
	Removed []Date    `json:"removed,omitempty"`
}

// DefaultHolidays is South Africa's public holidays with no edits.
func DefaultHolidays() Holidays { return Holidays{Region: RegionSouthAfrica} }

// Validate checks that the region is one of Regions (or none), and that
// every edit is a real date, at most MaxHolidayEdits of each. An unknown
// region's error names the known ones.
func (h Holidays) Validate() error {
	var errs []error
	if h.Region != "" && h.Region != RegionNone && regions[h.Region] == nil {
		errs = append(errs, invalid("region", "%q is not a country or region whose public holidays Tandem knows%s. Known are %s; or %q, with the days listed under extra",
			clip(h.Region), regionHint(h.Region), knownRegions(), RegionNone))
	}
	if len(h.Extra) > MaxHolidayEdits {
		errs = append(errs, invalid("extra", "lists %d days; the most allowed is %d", len(h.Extra), MaxHolidayEdits))
	}
	if len(h.Removed) > MaxHolidayEdits {
		errs = append(errs, invalid("removed", "lists %d days; the most allowed is %d", len(h.Removed), MaxHolidayEdits))
	}
	for i, x := range h.Extra {
		if !x.Date.Valid() {
			errs = append(errs, invalid(fmt.Sprintf("extra[%d].date", i), "%d-%d-%d is not a day on the calendar", x.Date.Year, int(x.Date.Month), x.Date.Day))
		}
		if err := checkText(fmt.Sprintf("extra[%d].name", i), x.Name, false, MaxNameRunes, false); err != nil {
			errs = append(errs, err)
		}
	}
	for i, d := range h.Removed {
		if !d.Valid() {
			errs = append(errs, invalid(fmt.Sprintf("removed[%d]", i), "%d-%d-%d is not a day on the calendar", d.Year, int(d.Month), d.Day))
		}
	}
	return errors.Join(errs...)
}

// InYear returns the holidays of year in date order: the region's, less
// Removed, plus Extra. A date listed twice appears once, under its first name.
func (h Holidays) InYear(year int) []Holiday {
	var out []Holiday
	if r := regions[h.Region]; r != nil {
		out = r.inYear(year)
	}
	for _, x := range h.Extra {
		if x.Date.Year == year {
			out = append(out, x)
		}
	}
	out = slices.DeleteFunc(out, func(x Holiday) bool { return slices.Contains(h.Removed, x.Date) })
	slices.SortStableFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return slices.CompactFunc(out, func(a, b Holiday) bool { return a.Date == b.Date })
}

// Easter returns Easter Sunday of year in the Gregorian calendar, by the
// anonymous Gregorian computus (Meeus/Jones/Butcher).
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// saFixed are the public holidays on fixed dates in the Public Holidays Act
// 36 of 1994, schedule 1.
var saFixed = []struct {
	month time.Month
	day   int
	name  string
}{
	{time.January, 1, "New Year's Day"},
	{time.March, 21, "Human Rights Day"},
	{time.April, 27, "Freedom Day"},
	{time.May, 1, "Workers' Day"},
	{time.June, 16, "Youth Day"},
	{time.August, 9, "National Women's Day"},
	{time.September, 24, "Heritage Day"},
	{time.December, 16, "Day of Reconciliation"},
	{time.December, 25, "Christmas Day"},
	{time.December, 26, "Day of Goodwill"},
}

// saProclaimed are one-off public holidays declared under section 2A of the
// Act that were known when this table was written: election days, the
// 27 December that made up for Christmas on a Sunday, and the Springbok
// celebration of 2023. Later proclamations go in Holidays.Extra.
var saProclaimed = []Holiday{
	{Date: Date{2009, time.April, 22}, Name: "General election"},
	{Date: Date{2011, time.May, 18}, Name: "Local government elections"},
	{Date: Date{2011, time.December, 27}, Name: "Public holiday (Christmas Day on a Sunday)"},
	{Date: Date{2014, time.May, 7}, Name: "General election"},
	{Date: Date{2016, time.August, 3}, Name: "Local government elections"},
	{Date: Date{2016, time.December, 27}, Name: "Public holiday (Christmas Day on a Sunday)"},
	{Date: Date{2019, time.May, 8}, Name: "General election"},
	{Date: Date{2021, time.November, 1}, Name: "Local government elections"},
	{Date: Date{2022, time.December, 27}, Name: "Public holiday (Christmas Day on a Sunday)"},
	{Date: Date{2023, time.December, 15}, Name: "Rugby World Cup celebration"},
	{Date: Date{2024, time.May, 29}, Name: "General election"},
}

// SouthAfricanHolidays returns South Africa's public holidays in year, in
// date order, under the Public Holidays Act 36 of 1994: New Year's Day
// (1 Jan), Human Rights Day (21 Mar), Good Friday, Family Day (Easter
// Monday), Freedom Day (27 Apr), Workers' Day (1 May), Youth Day (16 Jun),
// National Women's Day (9 Aug), Heritage Day (24 Sep), Day of
// Reconciliation (16 Dec), Christmas Day (25 Dec) and Day of Goodwill
// (26 Dec). A holiday on a Sunday makes the Monday after it a holiday
// (section 2(1)), marked Observed; when that Monday is a holiday already
// (Christmas on a Sunday) the Act adds nothing. The one-off days declared
// under section 2A that were known when this was written (elections,
// 27 December 2011, 2016 and 2022, 15 December 2023) are included, marked
// Proclaimed; later ones must be added with Holidays.Extra.
//
// The rules are applied to every year, including years before 1995 when
// the Act took effect.
func SouthAfricanHolidays(year int) []Holiday {
	out := make([]Holiday, 0, 16)
	for _, f := range saFixed {
		d := Date{year, f.month, f.day}
		out = append(out, Holiday{Date: d, Name: f.name})
		if d.Weekday() == time.Sunday {
			mon := d.AddDays(1)
			if _, already := saStatutory(mon); !already {
				out = append(out, Holiday{Date: mon, Name: f.name + " (observed)", Observed: true})
			}
		}
	}
	easter := Easter(year)
	out = append(out,
		Holiday{Date: easter.AddDays(-2), Name: "Good Friday"},
		Holiday{Date: easter.AddDays(1), Name: "Family Day"})
	for _, p := range saProclaimed {
		if p.Date.Year == year {
			p.Proclaimed = true
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// saStatutory reports whether d is one of the twelve holidays of the Act
// itself (not an observed Monday nor a proclaimed day), and its name.
func saStatutory(d Date) (string, bool) {
	for _, f := range saFixed {
		if d.Month == f.month && d.Day == f.day {
			return f.name, true
		}
	}
	if d.Month == time.March || d.Month == time.April {
		e := Easter(d.Year)
		switch d {
		case e.AddDays(-2):
			return "Good Friday", true
		case e.AddDays(1):
			return "Family Day", true
		}
	}
	return "", false
}

// isSouthAfricanHoliday reports whether d is a South African public
// holiday; it answers without building the year's list.
func isSouthAfricanHoliday(d Date) bool {
	if _, ok := saStatutory(d); ok {
		return true
	}
	if d.Weekday() == time.Monday {
		if _, ok := saStatutory(d.AddDays(-1)); ok {
			return true
		}
	}
	for _, p := range saProclaimed {
		if p.Date == d {
			return true
		}
	}
	return false
}
