package msp

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// sc is a status change at t.
func sc(t time.Time, s Status) StatusChange { return StatusChange{At: t, Status: s} }

func TestDefaultSLAPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultSLAPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[Priority]SLATarget{
		P1: {time.Hour, 4 * time.Hour, true},
		P2: {4 * time.Hour, 8 * time.Hour, false},
		P3: {8 * time.Hour, 24 * time.Hour, false},
		P4: {16 * time.Hour, 40 * time.Hour, false},
	}
	for pr, w := range want {
		got, err := p.Target(pr)
		if err != nil || got != w {
			t.Errorf("Target(%s) = %+v, %v; want %+v", pr, got, err, w)
		}
	}
	if _, err := p.Target(5); !errors.Is(err, ErrInvalid) {
		t.Errorf("Target(5) error = %v", err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"p1":{"response":"1h0m0s","resolution":"4h0m0s","all_hours":true}`) {
		t.Errorf("JSON = %s", b)
	}
	var back SLAPolicy
	if err := json.Unmarshal(b, &back); err != nil || back != p {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	var edited SLAPolicy
	if err := json.Unmarshal([]byte(`{"p1":{"response":"30m","resolution":"2h"},"p2":{"response":"4h","resolution":"8h"},"p3":{"response":"8h","resolution":"24h"},"p4":{"response":"16h","resolution":"40h"},"at_risk_percent":25}`), &edited); err != nil {
		t.Fatal(err)
	}
	if edited.P1.Response != 30*time.Minute || edited.P1.AllHours || edited.AtRiskPercent != 25 {
		t.Errorf("edited = %+v", edited)
	}
	if err := json.Unmarshal([]byte(`{"p1":{"response":"one hour","resolution":"2h"}}`), &edited); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad duration: %v", err)
	}
}

func TestSLAPolicyValidate(t *testing.T) {
	t.Parallel()
	p := DefaultSLAPolicy()
	p.P1.Response = 0
	p.P2.Resolution = time.Hour // shorter than its 4h response
	p.P3.Resolution = 100 * 24 * time.Hour
	p.AtRiskPercent = 100
	err := p.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate() = %v", err)
	}
	for _, f := range []string{"p1.response", "p2.resolution", "p3.resolution", "at_risk_percent"} {
		wantField(t, err, f)
	}
}

// TestComputeSLA runs tickets through the SLA clocks. Unless a case says
// otherwise the calendar is Johannesburg, Mon–Fri 08:00–17:00 with South
// African public holidays, and the policy is DefaultSLAPolicy.
func TestComputeSLA(t *testing.T) {
	t.Parallel()
	jnb := mustZone(t, "Africa/Johannesburg")
	lon := mustZone(t, "Europe/London")
	nyc := mustZone(t, "America/New_York")
	za := mustCalendar(t, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays())
	london := mustCalendar(t, "Europe/London", DefaultBusinessHours(), Holidays{})
	newYork := mustCalendar(t, "America/New_York", DefaultBusinessHours(), Holidays{})
	j := func(m time.Month, d, h, min int) time.Time { return at(jnb, 2025, m, d, h, min) }
	mon := func(h, min int) time.Time { return j(3, 3, h, min) } // Monday 3 March 2025
	tue := func(h, min int) time.Time { return j(3, 4, h, min) }
	noP1AllHours := DefaultSLAPolicy()
	noP1AllHours.P1.AllHours = false

	type clock struct {
		due       time.Time
		elapsed   time.Duration
		remaining time.Duration
		running   bool
		done      bool
		atRisk    bool
		breached  bool
	}
	cases := []struct {
		name       string
		tl         SLATimeline
		policy     *SLAPolicy // nil: default
		cal        *Calendar  // nil: za
		now        time.Time
		loc        *time.Location // for Describe; nil: jnb
		paused     bool
		response   clock
		resolution clock
		describe   string
	}{
		{
			name:       "P2 just raised",
			tl:         SLATimeline{Priority: P2, CreatedAt: mon(9, 0)},
			now:        mon(10, 0),
			response:   clock{due: mon(13, 0), elapsed: time.Hour, remaining: 3 * time.Hour, running: true},
			resolution: clock{due: mon(17, 0), elapsed: time.Hour, remaining: 7 * time.Hour, running: true},
			describe:   "first response due by 13:00",
		},
		{
			name:       "P2 response at risk with 30 of 240 minutes left",
			tl:         SLATimeline{Priority: P2, CreatedAt: mon(9, 0)},
			now:        mon(12, 30),
			response:   clock{due: mon(13, 0), elapsed: 210 * time.Minute, remaining: 30 * time.Minute, running: true, atRisk: true},
			resolution: clock{due: mon(17, 0), elapsed: 210 * time.Minute, remaining: 270 * time.Minute, running: true},
			describe:   "first response due by 13:00 (at risk)",
		},
		{
			name:       "P2 response due exactly now is not yet breached",
			tl:         SLATimeline{Priority: P2, CreatedAt: mon(9, 0)},
			now:        mon(13, 0),
			response:   clock{due: mon(13, 0), elapsed: 4 * time.Hour, running: true, atRisk: true},
			resolution: clock{due: mon(17, 0), elapsed: 4 * time.Hour, remaining: 4 * time.Hour, running: true},
			describe:   "first response due by 13:00 (at risk)",
		},
		{
			name:       "P2 response breached",
			tl:         SLATimeline{Priority: P2, CreatedAt: mon(9, 0)},
			now:        mon(13, 25),
			response:   clock{due: mon(13, 0), elapsed: 265 * time.Minute, remaining: -25 * time.Minute, running: true, breached: true},
			resolution: clock{due: mon(17, 0), elapsed: 265 * time.Minute, remaining: 215 * time.Minute, running: true},
			describe:   "first response breached 25 min ago",
		},
		{
			name:       "breached at closing time although no business time passes after it",
			tl:         SLATimeline{Priority: P2, CreatedAt: mon(13, 0)},
			now:        mon(17, 30),
			response:   clock{due: mon(17, 0), elapsed: 4 * time.Hour, running: true, breached: true},
			resolution: clock{due: tue(12, 0), elapsed: 4 * time.Hour, remaining: 4 * time.Hour, running: true},
			describe:   "first response breached 30 min ago",
		},
		{
			name:       "responded; resolution runs",
			tl:         SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 40)},
			now:        mon(11, 0),
			response:   clock{elapsed: 40 * time.Minute, remaining: 200 * time.Minute, done: true},
			resolution: clock{due: mon(17, 0), elapsed: 2 * time.Hour, remaining: 6 * time.Hour, running: true},
			describe:   "resolution due by 17:00",
		},
		{
			name:       "created on a Saturday: clocks start on Monday",
			tl:         SLATimeline{Priority: P2, CreatedAt: j(3, 8, 9, 0)},
			now:        j(3, 9, 20, 0),
			response:   clock{due: mon(12, 0).AddDate(0, 0, 7), remaining: 4 * time.Hour, running: true},
			resolution: clock{due: mon(16, 0).AddDate(0, 0, 7), remaining: 8 * time.Hour, running: true},
			describe:   "first response due by tomorrow 12:00",
		},
		{
			name:       "created before opening",
			tl:         SLATimeline{Priority: P3, CreatedAt: mon(6, 15)},
			now:        mon(7, 0),
			response:   clock{due: mon(16, 0), remaining: 8 * time.Hour, running: true},
			resolution: clock{due: j(3, 5, 14, 0), remaining: 24 * time.Hour, running: true},
			describe:   "first response due by 16:00",
		},
		{
			name:       "P1 runs 24/7 on a Saturday night",
			tl:         SLATimeline{Priority: P1, CreatedAt: j(3, 8, 22, 0)},
			now:        j(3, 8, 22, 30),
			response:   clock{due: j(3, 8, 23, 0), elapsed: 30 * time.Minute, remaining: 30 * time.Minute, running: true},
			resolution: clock{due: j(3, 9, 2, 0), elapsed: 30 * time.Minute, remaining: 210 * time.Minute, running: true},
			describe:   "first response due by 23:00",
		},
		{
			name:       "P1 in business hours only when the tenant has no after-hours cover",
			tl:         SLATimeline{Priority: P1, CreatedAt: j(3, 8, 22, 0)},
			policy:     &noP1AllHours,
			now:        j(3, 8, 22, 30),
			response:   clock{due: j(3, 10, 9, 0), remaining: time.Hour, running: true},
			resolution: clock{due: j(3, 10, 12, 0), remaining: 4 * time.Hour, running: true},
			describe:   "first response due by Mon 09:00",
		},
		{
			name: "waiting on the customer over a weekend: paused",
			tl: SLATimeline{Priority: P3, CreatedAt: j(3, 7, 15, 0), FirstResponseAt: j(3, 7, 15, 10),
				Statuses: []StatusChange{sc(j(3, 7, 15, 30), StatusWaiting), sc(j(3, 10, 10, 0), StatusOpen)}},
			now:        j(3, 8, 10, 0),
			paused:     true,
			response:   clock{elapsed: 10 * time.Minute, remaining: 470 * time.Minute, done: true},
			resolution: clock{elapsed: 30 * time.Minute, remaining: 23*time.Hour + 30*time.Minute},
			describe:   "paused: waiting for you",
		},
		{
			name: "waiting over a weekend, then the customer replies",
			tl: SLATimeline{Priority: P3, CreatedAt: j(3, 7, 15, 0), FirstResponseAt: j(3, 7, 15, 10),
				Statuses: []StatusChange{sc(j(3, 7, 15, 30), StatusWaiting), sc(j(3, 10, 10, 0), StatusOpen)}},
			now:        j(3, 10, 12, 0),
			response:   clock{elapsed: 10 * time.Minute, remaining: 470 * time.Minute, done: true},
			resolution: clock{due: j(3, 12, 15, 30), elapsed: 150 * time.Minute, remaining: 21*time.Hour + 30*time.Minute, running: true},
			describe:   "resolution due by Wed 15:30",
		},
		{
			name: "a pause overnight, resumed late, breaches at closing",
			tl: SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 5),
				Statuses: []StatusChange{sc(mon(16, 0), StatusWaiting), sc(tue(16, 0), StatusOpen)}},
			now:        j(3, 5, 8, 30),
			response:   clock{elapsed: 5 * time.Minute, remaining: 235 * time.Minute, done: true},
			resolution: clock{due: tue(17, 0), elapsed: 8*time.Hour + 30*time.Minute, remaining: -30 * time.Minute, running: true, breached: true},
			describe:   "resolution breached 15 h 30 min ago",
		},
		{
			name: "resolved within target",
			tl: SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 30),
				Statuses: []StatusChange{sc(mon(9, 30), StatusProgress), sc(mon(11, 0), StatusResolved)}},
			now:        tue(9, 0),
			response:   clock{elapsed: 30 * time.Minute, remaining: 210 * time.Minute, done: true},
			resolution: clock{elapsed: 2 * time.Hour, remaining: 6 * time.Hour, done: true},
			describe:   "resolved within target",
		},
		{
			name: "reopened: resolution resumes with the time already counted",
			tl: SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 30),
				Statuses: []StatusChange{sc(mon(11, 0), StatusResolved), sc(tue(9, 0), StatusReopened)}},
			now:        tue(10, 0),
			response:   clock{elapsed: 30 * time.Minute, remaining: 210 * time.Minute, done: true},
			resolution: clock{due: tue(15, 0), elapsed: 3 * time.Hour, remaining: 5 * time.Hour, running: true},
			describe:   "resolution due by 15:00",
		},
		{
			name:       "resolving without a reply counts as the first response",
			tl:         SLATimeline{Priority: P3, CreatedAt: mon(9, 0), Statuses: []StatusChange{sc(mon(10, 0), StatusResolved)}},
			now:        mon(12, 0),
			response:   clock{elapsed: time.Hour, remaining: 7 * time.Hour, done: true},
			resolution: clock{elapsed: time.Hour, remaining: 23 * time.Hour, done: true},
			describe:   "resolved within target",
		},
		{
			name: "closed late",
			tl: SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(9, 1),
				Statuses: []StatusChange{sc(tue(10, 0), StatusClosed)}},
			now:        j(3, 6, 9, 0),
			response:   clock{elapsed: time.Minute, remaining: 239 * time.Minute, done: true},
			resolution: clock{due: mon(17, 0), elapsed: 10 * time.Hour, remaining: -2 * time.Hour, done: true, breached: true},
			describe:   "closed late",
		},
		{
			name: "status changes out of order and before creation",
			tl: SLATimeline{Priority: P2, CreatedAt: mon(9, 0), FirstResponseAt: mon(8, 0),
				Statuses: []StatusChange{sc(mon(12, 0), StatusOpen), sc(mon(10, 0), StatusWaiting), sc(mon(7, 0), StatusOpen), sc(tue(9, 0), StatusResolved)}},
			now:        mon(13, 0),
			response:   clock{remaining: 4 * time.Hour, done: true},
			resolution: clock{due: tue(10, 0), elapsed: 2 * time.Hour, remaining: 6 * time.Hour, running: true},
			describe:   "resolution due by tomorrow 10:00",
		},
		{
			name:       "Good Friday 2026 and Family Day pause business time",
			tl:         SLATimeline{Priority: P2, CreatedAt: at(jnb, 2026, 4, 2, 15, 0)},
			now:        at(jnb, 2026, 4, 6, 12, 0),
			response:   clock{due: at(jnb, 2026, 4, 7, 10, 0), elapsed: 2 * time.Hour, remaining: 2 * time.Hour, running: true},
			resolution: clock{due: at(jnb, 2026, 4, 7, 14, 0), elapsed: 2 * time.Hour, remaining: 6 * time.Hour, running: true},
			describe:   "first response due by tomorrow 10:00",
		},
		{
			name:       "London: a P3 over the weekend BST starts",
			tl:         SLATimeline{Priority: P3, CreatedAt: at(lon, 2026, 3, 27, 16, 0)},
			cal:        london,
			loc:        lon,
			now:        at(lon, 2026, 3, 30, 9, 0),
			response:   clock{due: at(lon, 2026, 3, 30, 15, 0), elapsed: 2 * time.Hour, remaining: 6 * time.Hour, running: true},
			resolution: clock{due: at(lon, 2026, 4, 1, 13, 0), elapsed: 2 * time.Hour, remaining: 22 * time.Hour, running: true},
			describe:   "first response due by 15:00",
		},
		{
			name:       "New York: a P4 over the weekend EDT starts",
			tl:         SLATimeline{Priority: P4, CreatedAt: at(nyc, 2026, 3, 6, 16, 0)},
			cal:        newYork,
			loc:        nyc,
			now:        at(nyc, 2026, 3, 7, 12, 0),
			response:   clock{due: at(nyc, 2026, 3, 10, 14, 0), elapsed: time.Hour, remaining: 15 * time.Hour, running: true},
			resolution: clock{due: at(nyc, 2026, 3, 13, 11, 0), elapsed: time.Hour, remaining: 39 * time.Hour, running: true},
			describe:   "first response due by Tue 14:00",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := DefaultSLAPolicy()
			if c.policy != nil {
				p = *c.policy
			}
			cal := za
			if c.cal != nil {
				cal = c.cal
			}
			loc := jnb
			if c.loc != nil {
				loc = c.loc
			}
			st, err := ComputeSLA(c.tl, p, cal, c.now)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, got SLATimer, want clock) {
				t.Helper()
				if !got.Due.Equal(want.due) {
					t.Errorf("%s due = %s, want %s", what, got.Due.In(loc), want.due.In(loc))
				}
				g := clock{elapsed: got.Elapsed, remaining: got.Remaining, running: got.Running, done: got.Done, atRisk: got.AtRisk, breached: got.Breached, due: want.due}
				if !reflect.DeepEqual(g, want) {
					t.Errorf("%s = %+v\nwant %+v", what, g, want)
				}
				if got.Remaining != got.Target-got.Elapsed {
					t.Errorf("%s remaining %s != target %s - elapsed %s", what, got.Remaining, got.Target, got.Elapsed)
				}
				if got.Met() != (got.Done && !got.Breached) {
					t.Errorf("%s Met() wrong", what)
				}
			}
			check("response", st.Response, c.response)
			check("resolution", st.Resolution, c.resolution)
			if st.Paused != c.paused || st.Resolution.Paused != c.paused {
				t.Errorf("paused = %v/%v, want %v", st.Paused, st.Resolution.Paused, c.paused)
			}
			if st.Breached() != (c.response.breached || c.resolution.breached) || st.AtRisk() != (c.response.atRisk || c.resolution.atRisk) {
				t.Errorf("Breached() = %v, AtRisk() = %v", st.Breached(), st.AtRisk())
			}
			if got := st.Describe(c.now, loc); got != c.describe {
				t.Errorf("Describe = %q, want %q", got, c.describe)
			}
			// Pure: the same inputs give the same answer, and the caller's
			// status list is left as it was.
			before := slices.Clone(c.tl.Statuses)
			again, err := ComputeSLA(c.tl, p, cal, c.now)
			if err != nil || !reflect.DeepEqual(again, st) || !slices.Equal(before, c.tl.Statuses) {
				t.Error("ComputeSLA is not deterministic or changed its input")
			}
		})
	}
}

func TestComputeSLAAllHoursFlag(t *testing.T) {
	t.Parallel()
	za := mustCalendar(t, "", DefaultBusinessHours(), DefaultHolidays())
	created := time.Date(2025, 3, 3, 7, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		p    Priority
		want bool
	}{{P1, true}, {P2, false}, {P4, false}} {
		st, err := ComputeSLA(SLATimeline{Priority: c.p, CreatedAt: created}, DefaultSLAPolicy(), za, created)
		if err != nil {
			t.Fatal(err)
		}
		if st.AllHours != c.want || st.Priority != c.p || st.Status != StatusNew {
			t.Errorf("%s: AllHours = %v, Priority %s, Status %s", c.p, st.AllHours, st.Priority, st.Status)
		}
	}
	// now before creation (a skewed clock) counts nothing.
	st, err := ComputeSLA(SLATimeline{Priority: P2, CreatedAt: created}, DefaultSLAPolicy(), za, created.Add(-time.Hour))
	if err != nil || st.Response.Elapsed != 0 || st.Response.Breached {
		t.Errorf("now before creation: %+v, %v", st.Response, err)
	}
}

func TestComputeSLARejects(t *testing.T) {
	t.Parallel()
	za := mustCalendar(t, "", DefaultBusinessHours(), DefaultHolidays())
	created := time.Date(2025, 3, 3, 7, 0, 0, 0, time.UTC)
	good := SLATimeline{Priority: P2, CreatedAt: created}
	bad := DefaultSLAPolicy()
	bad.P4.Response = -time.Hour
	cases := []struct {
		name   string
		tl     SLATimeline
		p      SLAPolicy
		cal    *Calendar
		field  string
		phrase string
	}{
		{"no calendar", good, DefaultSLAPolicy(), nil, "calendar", "NewCalendar"},
		{"bad policy", good, bad, za, "p4.response", "longer than zero"},
		{"zero policy", good, SLAPolicy{}, za, "p1.response", "longer than zero"},
		{"bad priority", SLATimeline{Priority: 0, CreatedAt: created}, DefaultSLAPolicy(), za, "priority", "1 to 4"},
		{"no creation time", SLATimeline{Priority: P2}, DefaultSLAPolicy(), za, "created_at", "missing"},
		{"status change without time", SLATimeline{Priority: P2, CreatedAt: created, Statuses: []StatusChange{{Status: StatusOpen}}}, DefaultSLAPolicy(), za, "statuses[0].at", "missing"},
		{"unknown status", SLATimeline{Priority: P2, CreatedAt: created, Statuses: []StatusChange{sc(created, "parked")}}, DefaultSLAPolicy(), za, "statuses[0].status", "parked"},
	}
	for _, c := range cases {
		_, err := ComputeSLA(c.tl, c.p, c.cal, created.Add(time.Hour))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v does not wrap ErrInvalid", c.name, err)
			continue
		}
		wantField(t, err, c.field)
		if !strings.Contains(err.Error(), c.phrase) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.phrase)
		}
	}
}

func TestDescribeWords(t *testing.T) {
	t.Parallel()
	jnb := mustZone(t, "Africa/Johannesburg")
	now := at(jnb, 2026, 4, 1, 10, 0) // a Wednesday
	cases := []struct {
		due  time.Time
		want string
	}{
		{at(jnb, 2026, 4, 1, 11, 2), "first response due by 11:02"},
		{at(jnb, 2026, 4, 2, 8, 30), "first response due by tomorrow 08:30"},
		{at(jnb, 2026, 4, 7, 9, 0), "first response due by Tue 09:00"},
		{at(jnb, 2026, 4, 8, 9, 0), "first response due by 8 Apr 09:00"},
		{at(jnb, 2027, 1, 5, 9, 0), "first response due by 5 Jan 2027 09:00"},
	}
	for _, c := range cases {
		st := ClockState{Status: StatusNew, Response: SLATimer{Due: c.due, Running: true}}
		if got := st.Describe(now, jnb); got != c.want {
			t.Errorf("due %s: %q, want %q", c.due, got, c.want)
		}
	}
	agos := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "resolution breached just now"},
		{25 * time.Minute, "resolution breached 25 min ago"},
		{2 * time.Hour, "resolution breached 2 h ago"},
		{26 * time.Hour, "resolution breached 1 day ago"},
		{80 * time.Hour, "resolution breached 3 days ago"},
	}
	for _, c := range agos {
		st := ClockState{Status: StatusOpen, Response: SLATimer{Done: true}, Resolution: SLATimer{Due: now.Add(-c.d), Breached: true, Running: true}}
		if got := st.Describe(now, nil); got != c.want {
			t.Errorf("breached %s ago: %q, want %q", c.d, got, c.want)
		}
	}
	// Times show on the wall clock of the zone asked for.
	st := ClockState{Status: StatusNew, Response: SLATimer{Due: time.Date(2026, 4, 1, 9, 2, 0, 0, time.UTC), Running: true}}
	if got := st.Describe(now, jnb); got != "first response due by 11:02" {
		t.Errorf("in Johannesburg: %q", got)
	}
	if got := st.Describe(now, nil); got != "first response due by 09:02" {
		t.Errorf("in UTC: %q", got)
	}
}

// busyTimeline is a P3 ticket with a week of back-and-forth.
func busyTimeline(loc *time.Location) SLATimeline {
	d := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, loc) }
	return SLATimeline{
		Priority:        P3,
		CreatedAt:       d(27, 15, 0),
		FirstResponseAt: d(27, 15, 40),
		Statuses: []StatusChange{
			sc(d(27, 15, 40), StatusProgress),
			sc(d(27, 16, 30), StatusWaiting),
			sc(d(30, 9, 10), StatusOpen),
			sc(d(30, 11, 0), StatusProgress),
			sc(d(31, 14, 0), StatusResolved),
			sc(d(31, 16, 0), StatusReopened),
			sc(d(31, 16, 5), StatusProgress),
		},
	}
}

func BenchmarkComputeSLA(b *testing.B) {
	jnb := mustZone(b, "Africa/Johannesburg")
	za := mustCalendar(b, "Africa/Johannesburg", DefaultBusinessHours(), DefaultHolidays())
	tl := busyTimeline(jnb)
	now := time.Date(2026, 4, 2, 10, 0, 0, 0, jnb)
	p := DefaultSLAPolicy()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ComputeSLA(tl, p, za, now); err != nil {
			b.Fatal(err)
		}
	}
}
