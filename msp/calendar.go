package msp

import (
	"fmt"
	"time"
)

// Calendar is when SLA clocks run: the business hours of each weekday, read
// on the wall clock of an IANA time zone, less holidays; or, for a 24/7
// calendar (after-hours cover owned by the MSP), every instant.
//
// Business hours are wall-clock hours, so a day on which daylight saving
// starts or ends may be an hour shorter or longer than its span says, and
// opening hours that fall in the skipped hour start when the clock resumes.
// A 24/7 calendar counts elapsed real time.
//
// The zone database comes from the system, or from the copy embedded by
// the time/tzdata import in tenant.go where the system has none (Windows,
// slim containers); that import must stay.
//
// Make one with NewCalendar, TenantCalendar or AllHoursCalendar; the zero
// Calendar is not usable. A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	days     [7]*Span // by time.Weekday
	holidays Holidays
	extra    map[Date]bool
	removed  map[Date]bool
	allHours bool
}

// NewCalendar returns the calendar of business hours in the IANA zone
// ("" means DefaultTimeZone) with the given holidays. It refuses hours that
// BusinessHours.Validate refuses, holidays that Holidays.Validate refuses,
// and hours with no open day at all: SLA clocks on such a calendar would
// never run (use a 24/7 calendar instead).
func NewCalendar(zone string, hours BusinessHours, holidays Holidays) (*Calendar, error) {
	loc, err := loadZone(zone)
	if err != nil {
		return nil, fmt.Errorf("calendar: %q is not a time zone Tandem knows; use an IANA name such as %s: %w", clip(zone), DefaultTimeZone, err)
	}
	if err := hours.Validate(); err != nil {
		return nil, fmt.Errorf("calendar business hours: %w", prefixField("business_hours", err))
	}
	if err := holidays.Validate(); err != nil {
		return nil, fmt.Errorf("calendar holidays: %w", prefixField("holidays", err))
	}
	c := &Calendar{loc: loc, holidays: holidays, extra: map[Date]bool{}, removed: map[Date]bool{}}
	open := false
	for d := time.Sunday; d <= time.Saturday; d++ {
		if s := hours.Day(d); s != nil {
			span := *s
			c.days[d] = &span
			open = true
		}
	}
	if !open {
		return nil, fmt.Errorf("calendar: %w", invalid("business_hours", "has no open day, so SLA clocks would never run; open at least one day or use a 24/7 calendar"))
	}
	for _, x := range holidays.Extra {
		c.extra[x.Date] = true
	}
	for _, d := range holidays.Removed {
		c.removed[d] = true
	}
	return c, nil
}

// TenantCalendar returns the calendar of t's business hours in t's time
// zone, with the given holidays.
func TenantCalendar(t Tenant, holidays Holidays) (*Calendar, error) {
	c, err := NewCalendar(t.TimeZone, t.BusinessHours, holidays)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", clip(t.ID), err)
	}
	return c, nil
}

// AllHoursCalendar returns a 24/7 calendar in zone ("" means
// DefaultTimeZone). Its zone only matters for how times are shown.
func AllHoursCalendar(zone string) (*Calendar, error) {
	loc, err := loadZone(zone)
	if err != nil {
		return nil, fmt.Errorf("calendar: %q is not a time zone Tandem knows; use an IANA name such as %s: %w", clip(zone), DefaultTimeZone, err)
	}
	return &Calendar{loc: loc, allHours: true}, nil
}

// AllHours returns a 24/7 calendar in c's zone, for clocks that run on the
// MSP's after-hours cover.
func (c *Calendar) AllHours() *Calendar {
	if c.allHours {
		return c
	}
	out := *c
	out.allHours = true
	return &out
}

// IsAllHours reports whether c is a 24/7 calendar.
func (c *Calendar) IsAllHours() bool { return c.allHours }

// Location returns c's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Holidays returns the holidays c was made with (none for a calendar made
// by AllHoursCalendar).
func (c *Calendar) Holidays() Holidays { return c.holidays }

// IsHoliday reports whether d is a holiday of c: a public holiday of its
// region or an extra day, and not a removed one. A 24/7 calendar has none.
func (c *Calendar) IsHoliday(d Date) bool {
	switch {
	case c.allHours, c.removed[d]:
		return false
	case c.extra[d]:
		return true
	}
	r := regions[c.holidays.Region]
	return r != nil && r.isHoliday(d)
}

// hours returns the business interval [open, close) of local date d, or
// ok false if c is closed all day.
func (c *Calendar) hours(d Date) (open, close time.Time, ok bool) {
	s := c.days[d.Weekday()]
	if s == nil || c.IsHoliday(d) {
		return time.Time{}, time.Time{}, false
	}
	open, close = d.At(s.Open, c.loc), d.At(s.Close, c.loc)
	return open, close, open.Before(close)
}

// InBusinessHours reports whether t falls in business hours: always on a
// 24/7 calendar.
func (c *Calendar) InBusinessHours(t time.Time) bool {
	if c.allHours {
		return true
	}
	// A span lies within one local day (a close of 24:00 is the next
	// midnight, outside the half-open span), so only t's own day can hold t.
	open, close, ok := c.hours(DateOf(t.In(c.loc)))
	return ok && !t.Before(open) && t.Before(close)
}

// NextOpen returns t if it falls in business hours, or else the instant
// business hours next begin.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c.allHours {
		return t
	}
	for d := DateOf(t.In(c.loc)); ; d = d.AddDays(1) {
		open, close, ok := c.hours(d)
		if !ok || !close.After(t) {
			continue
		}
		if open.After(t) {
			return open
		}
		return t
	}
}

// Add returns the instant at which d of business time has elapsed since
// start. If the time runs out exactly at closing time, that is the answer,
// not the next opening. Add(start, 0) is start; a negative d counts as 0.
// Between(start, Add(start, d)) == d for every d ≥ 0.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	if c.allHours {
		return start.Add(d)
	}
	// SLA targets are a few days at most, so walk day by day.
	for day := DateOf(start.In(c.loc)); ; day = day.AddDays(1) {
		open, close, ok := c.hours(day)
		if !ok || !close.After(start) {
			continue
		}
		from := open
		if start.After(open) {
			from = start
		}
		avail := close.Sub(from)
		if d <= avail {
			return from.Add(d)
		}
		d -= avail
	}
}

// Between returns the business time that elapses from a to b; zero if b is
// not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.allHours {
		return b.Sub(a)
	}
	var sum time.Duration
	last := DateOf(b.In(c.loc))
	for day := DateOf(a.In(c.loc)); day.Compare(last) <= 0; day = day.AddDays(1) {
		open, close, ok := c.hours(day)
		if !ok {
			continue
		}
		if a.After(open) {
			open = a
		}
		if b.Before(close) {
			close = b
		}
		if close.After(open) {
			sum += close.Sub(open)
		}
	}
	return sum
}
