package msp

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// mustZone loads an IANA zone or fails the test.
func mustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// mustCalendar builds a calendar or fails the test.
func mustCalendar(tb testing.TB, zone string, hours BusinessHours, h Holidays) *Calendar {
	tb.Helper()
	c, err := NewCalendar(zone, hours, h)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// at returns the wall-clock time y-m-d h:min in loc.
func at(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

func TestCalendarAddAndBetween(t *testing.T) {
	t.Parallel()
	jnb := mustZone(t, "Africa/Johannesburg")
	lon := mustZone(t, "Europe/London")
	nyc := mustZone(t, "America/New_York")

	za := mustCalendar(t, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays())
	zaWorksFamilyDay := mustCalendar(t, "Africa/Johannesburg", DefaultBusinessHours(),
		Holidays{Region: RegionSouthAfrica, Removed: []Date{{2026, time.April, 6}}})
	london := mustCalendar(t, "Europe/London", DefaultBusinessHours(), Holidays{})
	newYork := mustCalendar(t, "America/New_York", DefaultBusinessHours(),
		Holidays{Extra: []Holiday{{Date: Date{2026, time.July, 3}, Name: "Independence Day (observed)"}}})
	// A shop open every day, round the clock on Sundays, to see a
	// 23-hour day when British Summer Time starts.
	shop := DefaultBusinessHours().
		SetDay(time.Saturday, &Span{Clock(9, 0), Clock(13, 0)}).
		SetDay(time.Sunday, &Span{Clock(0, 0), Clock(24, 0)})
	londonShop := mustCalendar(t, "Europe/London", shop, Holidays{})
	allHours, err := AllHoursCalendar("Europe/London")
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within a day", za, at(jnb, 2025, 3, 3, 9, 0), time.Hour, at(jnb, 2025, 3, 3, 10, 0)},
		{"runs out exactly at closing", za, at(jnb, 2025, 3, 3, 9, 0), 8 * time.Hour, at(jnb, 2025, 3, 3, 17, 0)},
		{"whole business day", za, at(jnb, 2025, 3, 3, 8, 0), 9 * time.Hour, at(jnb, 2025, 3, 3, 17, 0)},
		{"over the night", za, at(jnb, 2025, 3, 3, 16, 0), 2 * time.Hour, at(jnb, 2025, 3, 4, 9, 0)},
		{"over the weekend", za, at(jnb, 2025, 3, 7, 16, 30), time.Hour, at(jnb, 2025, 3, 10, 8, 30)},
		{"created before opening", za, at(jnb, 2025, 3, 3, 6, 0), time.Hour, at(jnb, 2025, 3, 3, 9, 0)},
		{"created in the evening", za, at(jnb, 2025, 3, 3, 20, 0), 9 * time.Hour, at(jnb, 2025, 3, 4, 17, 0)},
		{"created on a Saturday", za, at(jnb, 2025, 3, 8, 10, 0), time.Hour, at(jnb, 2025, 3, 10, 9, 0)},
		{"Easter 2026: Good Friday 3 Apr and Family Day 6 Apr", za, at(jnb, 2026, 4, 2, 16, 0), 2 * time.Hour, at(jnb, 2026, 4, 7, 9, 0)},
		{"Easter 2027: Good Friday 26 Mar and Family Day 29 Mar", za, at(jnb, 2027, 3, 25, 16, 0), 2 * time.Hour, at(jnb, 2027, 3, 30, 9, 0)},
		{"Human Rights Day 2027 on a Sunday moves to Monday 22 Mar", za, at(jnb, 2027, 3, 19, 16, 0), 2 * time.Hour, at(jnb, 2027, 3, 23, 9, 0)},
		{"Youth Day 2024 on a Sunday moves to Monday 17 Jun", za, at(jnb, 2024, 6, 14, 16, 0), 2 * time.Hour, at(jnb, 2024, 6, 18, 9, 0)},
		{"Christmas week 2022 with the proclaimed 27 Dec", za, at(jnb, 2022, 12, 23, 16, 0), 2 * time.Hour, at(jnb, 2022, 12, 28, 9, 0)},
		{"five business days", za, at(jnb, 2025, 3, 3, 9, 0), 5 * 9 * time.Hour, at(jnb, 2025, 3, 10, 9, 0)},
		{"holiday removed: Family Day worked", zaWorksFamilyDay, at(jnb, 2026, 4, 2, 16, 0), 2 * time.Hour, at(jnb, 2026, 4, 6, 9, 0)},
		{"London: BST starts over the weekend", london, at(lon, 2026, 3, 27, 16, 30), time.Hour, at(lon, 2026, 3, 30, 8, 30)},
		{"London: BST ends over the weekend", london, at(lon, 2026, 10, 23, 16, 30), time.Hour, at(lon, 2026, 10, 26, 8, 30)},
		{"London: a Sunday of 23 hours", londonShop, at(lon, 2026, 3, 29, 0, 0), 23 * time.Hour, at(lon, 2026, 3, 30, 0, 0)},
		{"London: a Sunday of 25 hours", londonShop, at(lon, 2026, 10, 25, 0, 0), 24 * time.Hour, at(lon, 2026, 10, 25, 23, 0)},
		{"London: Saturday half day", londonShop, at(lon, 2026, 3, 27, 16, 0), 2 * time.Hour, at(lon, 2026, 3, 28, 10, 0)},
		{"London 24/7 across the change", allHours, at(lon, 2026, 3, 28, 12, 0), 24 * time.Hour, at(lon, 2026, 3, 29, 13, 0)},
		{"New York: EDT starts over the weekend", newYork, at(nyc, 2026, 3, 6, 16, 0), 2 * time.Hour, at(nyc, 2026, 3, 9, 9, 0)},
		{"New York: extra holiday", newYork, at(nyc, 2026, 7, 2, 16, 0), 2 * time.Hour, at(nyc, 2026, 7, 6, 9, 0)},
		{"zero duration", za, at(jnb, 2025, 3, 8, 10, 0), 0, at(jnb, 2025, 3, 8, 10, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := c.cal.Add(c.start, c.d)
			if !got.Equal(c.want) {
				t.Errorf("Add(%s, %s) = %s, want %s", c.start, c.d, got.In(c.want.Location()), c.want)
			}
			if b := c.cal.Between(c.start, c.want); b != c.d {
				t.Errorf("Between(%s, %s) = %s, want %s", c.start, c.want, b, c.d)
			}
			if b := c.cal.Between(c.want, c.start); c.d > 0 && b != 0 {
				t.Errorf("Between backwards = %s, want 0", b)
			}
		})
	}
}

func TestCalendarOpenHours(t *testing.T) {
	t.Parallel()
	jnb := mustZone(t, "Africa/Johannesburg")
	za := mustCalendar(t, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays())
	cases := []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{at(jnb, 2025, 3, 3, 9, 0), true, at(jnb, 2025, 3, 3, 9, 0)},
		{at(jnb, 2025, 3, 3, 8, 0), true, at(jnb, 2025, 3, 3, 8, 0)},
		{at(jnb, 2025, 3, 3, 17, 0), false, at(jnb, 2025, 3, 4, 8, 0)},
		{at(jnb, 2025, 3, 3, 7, 59), false, at(jnb, 2025, 3, 3, 8, 0)},
		{at(jnb, 2025, 3, 8, 12, 0), false, at(jnb, 2025, 3, 10, 8, 0)},
		{at(jnb, 2026, 4, 3, 10, 0), false, at(jnb, 2026, 4, 7, 8, 0)},   // Good Friday
		{at(jnb, 2026, 8, 10, 10, 0), false, at(jnb, 2026, 8, 11, 8, 0)}, // Women's Day observed
		// The same instant read in another zone: 07:30 UTC is 09:30 SAST.
		{time.Date(2025, 3, 3, 7, 30, 0, 0, time.UTC), true, time.Date(2025, 3, 3, 7, 30, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := za.InBusinessHours(c.at); got != c.open {
			t.Errorf("InBusinessHours(%s) = %v, want %v", c.at, got, c.open)
		}
		if got := za.NextOpen(c.at); !got.Equal(c.next) {
			t.Errorf("NextOpen(%s) = %s, want %s", c.at, got, c.next)
		}
	}
	// The calendar and the tenant agree on business hours away from holidays.
	tn := NewTenant("acme", "Acme", ModeCoManaged)
	tc, err := TenantCalendar(tn, Holidays{})
	if err != nil {
		t.Fatal(err)
	}
	for h := range 24 * 7 {
		instant := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
		if tc.InBusinessHours(instant) != tn.InBusinessHours(instant) {
			t.Errorf("%s: calendar says %v, tenant says %v", instant, tc.InBusinessHours(instant), tn.InBusinessHours(instant))
		}
	}
}

func TestCalendarAllHours(t *testing.T) {
	t.Parallel()
	za := mustCalendar(t, "", DefaultBusinessHours(), DefaultHolidays())
	if za.Location().String() != DefaultTimeZone {
		t.Errorf("zone %s, want %s", za.Location(), DefaultTimeZone)
	}
	all := za.AllHours()
	if za.IsAllHours() || !all.IsAllHours() || all.AllHours() != all {
		t.Error("AllHours flag wrong")
	}
	goodFriday := time.Date(2026, 4, 3, 1, 0, 0, 0, time.UTC)
	if !all.InBusinessHours(goodFriday) || za.InBusinessHours(goodFriday) {
		t.Error("24/7 calendar closed, or business calendar open, on Good Friday at night")
	}
	if all.IsHoliday(Date{2026, time.April, 3}) || !za.IsHoliday(Date{2026, time.April, 3}) {
		t.Error("IsHoliday wrong for Good Friday")
	}
	if got := all.Between(goodFriday, goodFriday.Add(90*time.Minute)); got != 90*time.Minute {
		t.Errorf("24/7 Between = %s", got)
	}
	if !all.NextOpen(goodFriday).Equal(goodFriday) {
		t.Error("24/7 NextOpen moved")
	}
	if za.Holidays().Region != RegionSouthAfrica {
		t.Error("Holidays() lost the region")
	}
}

func TestNewCalendarRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		zone  string
		hours BusinessHours
		h     Holidays
		field string
	}{
		{"unknown zone", "Mars/Olympus_Mons", DefaultBusinessHours(), Holidays{}, ""},
		{"machine's local zone", "Local", DefaultBusinessHours(), Holidays{}, ""},
		{"never open", "", BusinessHours{}, Holidays{}, "business_hours"},
		{"closes before it opens", "", DefaultBusinessHours().SetDay(time.Monday, &Span{Clock(17, 0), Clock(8, 0)}), Holidays{}, "business_hours.monday"},
		{"bad holiday", "", DefaultBusinessHours(), Holidays{Removed: []Date{{2026, time.February, 29}}}, "holidays.removed[0]"},
	}
	for _, c := range cases {
		_, err := NewCalendar(c.zone, c.hours, c.h)
		if err == nil {
			t.Errorf("%s: NewCalendar succeeded", c.name)
			continue
		}
		if c.field != "" {
			wantField(t, err, c.field)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v does not wrap ErrInvalid", c.name, err)
			}
		}
	}
	if _, err := AllHoursCalendar("Nowhere/Town"); err == nil {
		t.Error("AllHoursCalendar accepted an unknown zone")
	}
	bad := NewTenant("acme", "Acme", ModeCoManaged)
	bad.TimeZone = "Nowhere/Town"
	if _, err := TenantCalendar(bad, Holidays{}); err == nil {
		t.Error("TenantCalendar accepted an unknown zone")
	}
}

// fuzzCalendars are the calendars the fuzz test draws from.
func fuzzCalendars(tb testing.TB) []*Calendar {
	shop := DefaultBusinessHours().
		SetDay(time.Saturday, &Span{Clock(9, 0), Clock(13, 0)}).
		SetDay(time.Sunday, &Span{Clock(0, 0), Clock(24, 0)})
	// Open 01:30–02:30 on Sundays: in London that hour is skipped in March
	// and repeated in October.
	gap := BusinessHours{}.SetDay(time.Sunday, &Span{Clock(1, 30), Clock(2, 30)}).
		SetDay(time.Wednesday, &Span{Clock(23, 59), Clock(24, 0)})
	all, err := AllHoursCalendar("America/New_York")
	if err != nil {
		tb.Fatal(err)
	}
	return []*Calendar{
		mustCalendar(tb, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays()),
		mustCalendar(tb, "Europe/London", shop, Holidays{}),
		mustCalendar(tb, "America/New_York", DefaultBusinessHours(), Holidays{Extra: []Holiday{{Date: Date{2026, time.July, 3}}}}),
		mustCalendar(tb, "Europe/London", gap, Holidays{}),
		all,
	}
}

// FuzzCalendarAddBetween checks that Add and Between are inverse: the
// business time between start and Add(start, d) is d, and Add(start,
// Between(start, end)) reaches end with no business time left over.
func FuzzCalendarAddBetween(f *testing.F) {
	f.Add(uint8(0), int64(0), uint32(60), uint32(0))
	f.Add(uint8(1), int64(7_300_000), uint32(23*60), uint32(5000))
	f.Add(uint8(3), int64(7_200_000), uint32(61), uint32(100_000))
	f.Add(uint8(4), int64(-3), uint32(1), uint32(1))
	cals := fuzzCalendars(f)
	// Starts range over 2025–2028 so DST changes and Easter are in reach.
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const span = 4 * 365 * 24 * 60 * 60 // seconds
	f.Fuzz(func(t *testing.T, which uint8, startSec int64, dMin uint32, endMin uint32) {
		cal := cals[int(which)%len(cals)]
		off := startSec % span
		if off < 0 {
			off += span
		}
		start := base.Add(time.Duration(off)*time.Second + time.Duration(dMin%1000)*time.Millisecond)
		d := time.Duration(dMin%(40*24*60)) * time.Minute // up to 40 days of business time
		end := cal.Add(start, d)
		if end.Before(start) {
			t.Fatalf("Add(%s, %s) = %s, before the start", start, d, end)
		}
		if got := cal.Between(start, end); got != d {
			t.Fatalf("Between(%s, Add(start, %s) = %s) = %s", start, d, end, got)
		}
		if d > 0 && !cal.InBusinessHours(end.Add(-time.Nanosecond)) {
			t.Fatalf("Add(%s, %s) = %s: the last nanosecond before it is not business time", start, d, end)
		}
		stop := start.Add(time.Duration(endMin%(60*24*60)) * time.Minute)
		b := cal.Between(start, stop)
		back := cal.Add(start, b)
		if back.After(stop) || cal.Between(back, stop) != 0 {
			t.Fatalf("Add(%s, Between(start, %s) = %s) = %s", start, stop, b, back)
		}
	})
}

func BenchmarkCalendarAdd(b *testing.B) {
	za := mustCalendar(b, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays())
	start := time.Date(2026, 4, 1, 14, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{time.Hour, 5 * BusinessDay} {
		b.Run(fmt.Sprint(d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if za.Add(start, d).IsZero() {
					b.Fatal("zero")
				}
			}
		})
	}
}
