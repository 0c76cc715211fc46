package msp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// BusinessDay is the business time the default SLA policy counts as one
// business day: 8 hours. (The default business hours, 08:00–17:00, are 9
// hours long, so a one-day target set at 08:00 falls due at 16:00.)
const BusinessDay = 8 * time.Hour

// MaxSLATarget caps a target: 90 days of business time.
const MaxSLATarget = 90 * 24 * time.Hour

// DefaultAtRiskPercent is the share of a target left, in percent, below
// which a running clock is at risk.
const DefaultAtRiskPercent = 25

// SLATarget is what one priority promises, in business time of the
// tenant's calendar (or real time if AllHours).
type SLATarget struct {
	// Response is the time allowed until the first response by staff.
	Response time.Duration
	// Resolution is the time allowed until the ticket is resolved.
	Resolution time.Duration
	// AllHours makes both clocks run 24/7 on the MSP's after-hours
	// cover, instead of in business hours only.
	AllHours bool
}

// slaTargetJSON is SLATarget on the wire, with durations written as Go
// durations ("4h0m0s", "30m") so people can read and edit them.
type slaTargetJSON struct {
	Response   string `json:"response"`
	Resolution string `json:"resolution"`
	AllHours   bool   `json:"all_hours,omitempty"`
}

// MarshalJSON writes {"response":"1h0m0s","resolution":"4h0m0s","all_hours":true}.
func (t SLATarget) MarshalJSON() ([]byte, error) {
	return json.Marshal(slaTargetJSON{t.Response.String(), t.Resolution.String(), t.AllHours})
}

// UnmarshalJSON reads what MarshalJSON writes; durations are written as Go
// durations such as "90m" or "8h".
func (t *SLATarget) UnmarshalJSON(b []byte) error {
	var w slaTargetJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("sla target: %w", err)
	}
	resp, err := time.ParseDuration(w.Response)
	if err != nil {
		return fmt.Errorf("sla target response %q must be a duration such as 1h or 90m: %w", clip(w.Response), ErrInvalid)
	}
	res, err := time.ParseDuration(w.Resolution)
	if err != nil {
		return fmt.Errorf("sla target resolution %q must be a duration such as 8h or 24h: %w", clip(w.Resolution), ErrInvalid)
	}
	*t = SLATarget{Response: resp, Resolution: res, AllHours: w.AllHours}
	return nil
}

// Validate checks that both targets are positive, at most MaxSLATarget, and
// that resolution allows at least as long as response.
func (t SLATarget) Validate() error {
	var errs []error
	check := func(field string, d time.Duration) {
		switch {
		case d <= 0:
			errs = append(errs, invalid(field, "must be longer than zero, not %s", d))
		case d > MaxSLATarget:
			errs = append(errs, invalid(field, "is %s; the longest allowed is 90 days (%s)", d, MaxSLATarget))
		}
	}
	check("response", t.Response)
	check("resolution", t.Resolution)
	if len(errs) == 0 && t.Resolution < t.Response {
		errs = append(errs, invalid("resolution", "is %s, shorter than the response target %s; a ticket cannot be resolved before anyone answers it", t.Resolution, t.Response))
	}
	return errors.Join(errs...)
}

// SLAPolicy is a tenant's SLA: targets by priority and when a clock is at
// risk.
type SLAPolicy struct {
	P1 SLATarget `json:"p1"`
	P2 SLATarget `json:"p2"`
	P3 SLATarget `json:"p3"`
	P4 SLATarget `json:"p4"`
	// AtRiskPercent: a running clock with less than this share of its
	// target left is at risk; 0 means DefaultAtRiskPercent (25: at risk once 75% of the target is used).
	AtRiskPercent int `json:"at_risk_percent,omitempty"`
}

// DefaultSLAPolicy returns the default targets, in business time:
//
//	priority     first response           resolution              clock
//	P1 critical  1 hour                   4 hours                 24/7
//	P2 high      4 hours                  1 business day (8 h)    business hours
//	P3 medium    8 hours                  3 business days (24 h)  business hours
//	P4 low       2 business days (16 h)   5 business days (40 h)  business hours
//
// P1 runs on 24/7 time because the MSP owns after-hours cover in both
// service modes; a tenant without it sets P1.AllHours to false. A clock is
// at risk with less than 25% of its target left (75% used).
func DefaultSLAPolicy() SLAPolicy {
	return SLAPolicy{
		P1: SLATarget{Response: time.Hour, Resolution: 4 * time.Hour, AllHours: true},
		P2: SLATarget{Response: 4 * time.Hour, Resolution: BusinessDay},
		P3: SLATarget{Response: 8 * time.Hour, Resolution: 3 * BusinessDay},
		P4: SLATarget{Response: 2 * BusinessDay, Resolution: 5 * BusinessDay},
	}
}

// Target returns the target of priority pr.
func (p SLAPolicy) Target(pr Priority) (SLATarget, error) {
	switch pr {
	case P1:
		return p.P1, nil
	case P2:
		return p.P2, nil
	case P3:
		return p.P3, nil
	case P4:
		return p.P4, nil
	}
	return SLATarget{}, invalid("priority", "must be 1 to 4, not %d", int(pr))
}

// Validate checks every target and the at-risk share (0 to 99).
func (p SLAPolicy) Validate() error {
	var errs []error
	for i, t := range []SLATarget{p.P1, p.P2, p.P3, p.P4} {
		if err := t.Validate(); err != nil {
			errs = append(errs, prefixField(fmt.Sprintf("p%d", i+1), err))
		}
	}
	if p.AtRiskPercent < 0 || p.AtRiskPercent > 99 {
		errs = append(errs, invalid("at_risk_percent", "must be 0 to 99 (0 means %d), not %d", DefaultAtRiskPercent, p.AtRiskPercent))
	}
	return errors.Join(errs...)
}

func (p SLAPolicy) atRiskPercent() int {
	if p.AtRiskPercent == 0 {
		return DefaultAtRiskPercent
	}
	return p.AtRiskPercent
}

// StatusChange is one move of a ticket to a status, at the hub's time.
type StatusChange struct {
	At     time.Time `json:"at"`
	Status Status    `json:"status"`
}

// SLATimeline is what the SLA clocks of one ticket are computed from. The
// ticket starts in StatusNew at CreatedAt.
type SLATimeline struct {
	// Priority is the ticket's priority now. After a reprioritisation the
	// clocks measure the time since creation against the new targets.
	Priority  Priority  `json:"priority"`
	CreatedAt time.Time `json:"created_at"`
	// FirstResponseAt is when staff first replied to the requester; zero
	// if nobody has yet.
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	// Statuses are the ticket's status changes. Their order does not
	// matter (they are sorted by time); changes before CreatedAt count as
	// made at CreatedAt, and changes after now are ignored.
	Statuses []StatusChange `json:"statuses,omitempty"`
}

// SLATimer is one SLA clock, first response or resolution, at a moment.
// Durations are business time (real time on a 24/7 clock); in JSON they
// are nanoseconds.
type SLATimer struct {
	Target time.Duration `json:"target"`
	// Elapsed is the time counted so far.
	Elapsed time.Duration `json:"elapsed"`
	// Remaining is Target - Elapsed; negative once the clock has overrun.
	Remaining time.Duration `json:"remaining"`
	// Due is, while the clock runs, when the target runs out; once it is
	// breached, when it ran out. Otherwise (paused, or stopped within
	// target) it is zero: a paused clock has no due time until it resumes.
	Due time.Time `json:"due,omitzero"`
	// Running: the clock is counting now (it may be outside business
	// hours, where it counts nothing until the next opening).
	Running bool `json:"running,omitempty"`
	// Paused: the ticket waits on the customer, so the clock does not count.
	Paused bool `json:"paused,omitempty"`
	// Done: the clock has stopped for good, at DoneAt (first response
	// given; or the ticket resolved or closed).
	Done   bool      `json:"done,omitempty"`
	DoneAt time.Time `json:"done_at,omitzero"`
	// AtRisk: the clock is running, not breached, and has less than the
	// policy's at-risk share of its target left.
	AtRisk bool `json:"at_risk,omitempty"`
	// Breached: the clock was still running after Due.
	Breached bool `json:"breached,omitempty"`
}

// Met reports whether the clock stopped within its target.
func (t SLATimer) Met() bool { return t.Done && !t.Breached }

// ClockState is a ticket's two SLA clocks at a moment.
type ClockState struct {
	Priority Priority `json:"priority"`
	// Status is the ticket's status at the moment.
	Status Status `json:"status"`
	// AllHours: the clocks ran on 24/7 time, not business hours.
	AllHours bool `json:"all_hours,omitempty"`
	// Paused: the ticket waits on the customer and neither clock counts.
	Paused bool `json:"paused,omitempty"`
	// Response is the first-response clock; Response.Done means responded.
	Response SLATimer `json:"response"`
	// Resolution is the resolution clock; Resolution.Done means the ticket
	// is resolved or closed.
	Resolution SLATimer `json:"resolution"`
}

// Breached reports whether either clock is breached.
func (s ClockState) Breached() bool { return s.Response.Breached || s.Resolution.Breached }

// AtRisk reports whether either clock is at risk.
func (s ClockState) AtRisk() bool { return s.Response.AtRisk || s.Resolution.AtRisk }

// run is a stretch of time in which a clock counts.
type run struct{ from, to time.Time }

// ComputeSLA returns the SLA clocks of the ticket described by tl at now,
// under policy p and calendar cal (made 24/7 if the priority's target says
// AllHours). It is pure: the same inputs give the same answer.
//
// The rules:
//   - Both clocks start at CreatedAt. They count while the status is one in
//     which Status.SLARunning is true (new, open, in progress, reopened).
//   - Waiting on customer pauses both clocks; leaving it resumes them.
//   - The response clock stops for good at FirstResponseAt, or when the
//     ticket is first resolved or closed if that is earlier (resolving a
//     ticket answers it).
//   - Resolved stops the resolution clock; reopened resumes it with the time
//     already counted; closed stops it for good.
//   - A clock is breached once it runs past its due instant, even if no
//     business time has passed since (due 17:00, still unanswered at 17:30
//     is breached).
//
// It refuses (ErrInvalid) a nil calendar, an invalid policy or priority, a
// zero CreatedAt, and a status change with no time or an unknown status.
// A now before CreatedAt is taken as CreatedAt.
func ComputeSLA(tl SLATimeline, p SLAPolicy, cal *Calendar, now time.Time) (ClockState, error) {
	if cal == nil {
		return ClockState{}, fmt.Errorf("sla: %w", invalid("calendar", "is missing; build one with NewCalendar or TenantCalendar"))
	}
	if err := p.Validate(); err != nil {
		return ClockState{}, fmt.Errorf("sla policy: %w", err)
	}
	target, err := p.Target(tl.Priority)
	if err != nil {
		return ClockState{}, fmt.Errorf("sla: %w", err)
	}
	if tl.CreatedAt.IsZero() {
		return ClockState{}, fmt.Errorf("sla: %w", invalid("created_at", "is missing"))
	}
	for i, sc := range tl.Statuses {
		if sc.At.IsZero() {
			return ClockState{}, fmt.Errorf("sla: %w", invalid(fmt.Sprintf("statuses[%d].at", i), "is missing"))
		}
		if !sc.Status.Valid() {
			return ClockState{}, fmt.Errorf("sla: %w", invalid(fmt.Sprintf("statuses[%d].status", i), "%q is not a ticket status", clip(string(sc.Status))))
		}
	}
	if target.AllHours {
		cal = cal.AllHours()
	}
	created := tl.CreatedAt
	if now.Before(created) {
		now = created
	}

	changes := slices.Clone(tl.Statuses)
	slices.SortStableFunc(changes, func(a, b StatusChange) int { return a.At.Compare(b.At) })

	// Walk the status history, collecting the runs of the resolution
	// clock and the instant the response clock stops.
	var (
		runs      []run
		status    = StatusNew
		since     = created // when status began
		responded time.Time
	)
	if r := tl.FirstResponseAt; !r.IsZero() && !r.After(now) {
		responded = laterOf(r, created)
	}
	for _, sc := range changes {
		if sc.At.After(now) {
			break
		}
		at := laterOf(sc.At, created)
		if status.SLARunning() && at.After(since) {
			runs = append(runs, run{since, at})
		}
		status, since = sc.Status, at
		if (status == StatusResolved || status == StatusClosed) && (responded.IsZero() || at.Before(responded)) {
			responded = at
		}
	}
	running := status.SLARunning()
	if running {
		runs = append(runs, run{since, now})
	}

	risk := p.atRiskPercent()
	st := ClockState{Priority: tl.Priority, Status: status, AllHours: cal.allHours, Paused: status.SLAPaused()}

	resolvedDone := status == StatusResolved || status == StatusClosed
	st.Resolution = timer(cal, target.Resolution, risk, runs, running, now)
	st.Resolution.Paused = st.Paused
	if resolvedDone {
		st.Resolution.Done, st.Resolution.DoneAt = true, since
	}

	var respRuns []run
	for _, r := range runs {
		if !responded.IsZero() {
			if !r.from.Before(responded) {
				break
			}
			if r.to.After(responded) {
				r.to = responded
			}
		}
		respRuns = append(respRuns, r)
	}
	respDone := !responded.IsZero()
	st.Response = timer(cal, target.Response, risk, respRuns, running && !respDone, now)
	st.Response.Paused = st.Paused && !respDone
	if respDone {
		st.Response.Done, st.Response.DoneAt = true, responded
	}
	return st, nil
}

// timer counts runs against target. open says the last run ends at now
// with the clock still running.
func timer(cal *Calendar, target time.Duration, riskPercent int, runs []run, open bool, now time.Time) SLATimer {
	t := SLATimer{Target: target, Running: open}
	var elapsed time.Duration
	for _, r := range runs {
		b := cal.Between(r.from, r.to)
		if !t.Breached && elapsed+b >= target {
			// The target runs out in this run, at c; running on past c
			// breaches it.
			if c := cal.Add(r.from, target-elapsed); c.Before(r.to) {
				t.Breached, t.Due = true, c
			}
		}
		elapsed += b
	}
	t.Elapsed, t.Remaining = elapsed, target-elapsed
	if open && !t.Breached {
		t.Due = cal.Add(now, t.Remaining)
		t.AtRisk = t.Remaining*100 < target*time.Duration(riskPercent)
	}
	return t
}

func laterOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// Describe says in a few words where the clocks stand at now, with times
// shown in loc (UTC if nil), for the ticket's page on the desktop. It
// names the most pressing clock only:
//
//	"first response due by 11:02"           (today; "tomorrow 08:30", "Mon 09:00", "3 Apr 09:00" otherwise)
//	"first response due by 11:02 (at risk)"
//	"first response breached 25 min ago"
//	"resolution due by tomorrow 12:00"
//	"resolution breached 2 h 5 min ago"
//	"paused: waiting for you"
//	"resolved within target", "resolved late", "closed within target", "closed late"
func (s ClockState) Describe(now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	r, res := s.Response, s.Resolution
	switch {
	case res.Done:
		verb := "resolved"
		if s.Status == StatusClosed {
			verb = "closed"
		}
		if res.Breached || r.Breached {
			return verb + " late"
		}
		return verb + " within target"
	case s.Paused:
		return "paused: waiting for you"
	case !r.Done:
		return describeTimer("first response", r, now, loc)
	default:
		return describeTimer("resolution", res, now, loc)
	}
}

func describeTimer(what string, t SLATimer, now time.Time, loc *time.Location) string {
	if t.Breached {
		return what + " breached " + ago(now.Sub(t.Due))
	}
	s := what + " due by " + ClockWords(t.Due, now, loc)
	if t.AtRisk {
		s += " (at risk)"
	}
	return s
}

// when writes t relative to now, on loc's wall clock.
func ClockWords(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	day, today := DateOf(t), DateOf(now)
	switch {
	case day == today:
		return t.Format("15:04")
	case day == today.AddDays(1):
		return "tomorrow " + t.Format("15:04")
	case day.Compare(today) > 0 && day.Compare(today.AddDays(7)) < 0:
		return t.Format("Mon 15:04")
	case day.Year == today.Year:
		return t.Format("2 Jan 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// ago writes d as "just now", "25 min ago", "2 h 5 min ago", "3 days ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		var b strings.Builder
		fmt.Fprintf(&b, "%d h", h)
		if m > 0 {
			fmt.Fprintf(&b, " %d min", m)
		}
		return b.String() + " ago"
	case d < 48*time.Hour:
		return "1 day ago"
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}
