package msp

import (
	"errors"
	"time"
)

// SLAStateKind is where a ticket's SLA stands, in one word.
type SLAStateKind string

// SLA states.
const (
	SLARunning  SLAStateKind = "running"  // a clock counts (or waits for business hours)
	SLAPaused   SLAStateKind = "paused"   // the ticket waits on the customer
	SLAMet      SLAStateKind = "met"      // resolved or closed within both targets
	SLABreached SLAStateKind = "breached" // a target was missed
)

// Valid reports whether k is one of the four states.
func (k SLAStateKind) Valid() bool {
	switch k {
	case SLARunning, SLAPaused, SLAMet, SLABreached:
		return true
	}
	return false
}

// SLAState is where a ticket's SLA clocks stood when the hub last computed
// them, stored on the ticket so every replica can show it without the
// status history. The hub keeps it current: after every change and, for
// open tickets, in its SLA sweep. Times are the hub's.
type SLAState struct {
	State SLAStateKind `json:"state"`
	// Priority is the priority the targets were taken from.
	Priority Priority `json:"priority,omitempty"`
	// ResponseDue is when the first response falls due while its clock
	// runs, or when it fell due once breached; zero once answered in time
	// or while paused.
	ResponseDue time.Time `json:"response_due,omitzero"`
	// RespondedAt is when staff first answered (or the ticket was
	// resolved first); zero until then.
	RespondedAt time.Time `json:"responded_at,omitzero"`
	// ResolutionDue is like ResponseDue for the resolution clock.
	ResolutionDue time.Time `json:"resolution_due,omitzero"`
	// AtRisk: a running clock has used more than its at-risk share.
	AtRisk bool `json:"at_risk,omitempty"`
	// ResponseBreached and ResolutionBreached say which target was missed.
	ResponseBreached   bool `json:"response_breached,omitempty"`
	ResolutionBreached bool `json:"resolution_breached,omitempty"`
	// AllHours: the clocks run 24/7, not in business hours.
	AllHours bool `json:"all_hours,omitempty"`
	// PausedReason says why the clocks are paused, for people.
	PausedReason string `json:"paused_reason,omitempty"`
	// ComputedAt is when the hub computed this state.
	ComputedAt time.Time `json:"computed_at,omitzero"`
}

// StateOf condenses clock state cs, computed at now, into an SLAState.
func StateOf(cs ClockState, now time.Time) SLAState {
	s := SLAState{
		Priority:           cs.Priority,
		AtRisk:             cs.AtRisk(),
		ResponseBreached:   cs.Response.Breached,
		ResolutionBreached: cs.Resolution.Breached,
		AllHours:           cs.AllHours,
		ComputedAt:         now.UTC(),
	}
	if cs.Response.Done {
		s.RespondedAt = cs.Response.DoneAt.UTC()
	}
	if !cs.Response.Done || cs.Response.Breached {
		s.ResponseDue = utcOrZero(cs.Response.Due)
	}
	if !cs.Resolution.Done || cs.Resolution.Breached {
		s.ResolutionDue = utcOrZero(cs.Resolution.Due)
	}
	switch {
	case cs.Breached():
		s.State = SLABreached
		s.AtRisk = false
	case cs.Resolution.Done:
		s.State = SLAMet
	case cs.Paused:
		s.State = SLAPaused
		s.PausedReason = "waiting on the customer's answer"
	default:
		s.State = SLARunning
	}
	return s
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// SameAs reports whether s and o say the same, ignoring when they were
// computed.
func (s SLAState) SameAs(o SLAState) bool {
	s.ComputedAt, o.ComputedAt = time.Time{}, time.Time{}
	return s.equal(o)
}

func (s SLAState) equal(o SLAState) bool {
	return s.State == o.State && s.Priority == o.Priority &&
		s.ResponseDue.Equal(o.ResponseDue) && s.RespondedAt.Equal(o.RespondedAt) &&
		s.ResolutionDue.Equal(o.ResolutionDue) && s.AtRisk == o.AtRisk &&
		s.ResponseBreached == o.ResponseBreached && s.ResolutionBreached == o.ResolutionBreached &&
		s.AllHours == o.AllHours && s.PausedReason == o.PausedReason && s.ComputedAt.Equal(o.ComputedAt)
}

// IsZero reports whether s was never computed.
func (s SLAState) IsZero() bool { return s.equal(SLAState{}) }

// Validate checks a stored SLA state: a known state and priority, and a
// computation time, unless the state is zero (never computed).
func (s SLAState) Validate() error {
	if s.IsZero() {
		return nil
	}
	var errs []error
	if !s.State.Valid() {
		errs = append(errs, invalid("state", "must be running, paused, met or breached, not %q", clip(string(s.State))))
	}
	if s.Priority != 0 && !s.Priority.Valid() {
		errs = append(errs, invalid("priority", "must be 1 to 4, not %d", int(s.Priority)))
	}
	if s.ComputedAt.IsZero() {
		errs = append(errs, invalid("computed_at", "is missing"))
	}
	if err := checkText("paused_reason", s.PausedReason, false, MaxNameRunes, false); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Alert conditions: what a proactive alert ticket is about.
const (
	AlertDeviceSilent    = "device-silent"    // the device stopped checking in
	AlertDiskFull        = "disk-full"        // a disk is nearly full
	AlertSecurityUpdates = "security-updates" // security updates pending too long
	AlertRestartPending  = "restart-pending"  // a restart pending too long
	AlertPosture         = "posture"          // a security baseline check failing
)

// AlertConditions lists the conditions in display order.
func AlertConditions() []string {
	return []string{AlertDeviceSilent, AlertDiskFull, AlertSecurityUpdates, AlertRestartPending, AlertPosture}
}

// AlertRef marks a ticket the hub raised for a proactive alert.
type AlertRef struct {
	// Condition is one of the Alert* conditions.
	Condition string `json:"condition"`
	// Key is stable for a device and condition, so the hub keeps one
	// open alert ticket per key: "<device>/<condition>".
	Key string `json:"key"`
}

// AlertKey returns the stable key of condition on device.
func AlertKey(device, condition string) string { return device + "/" + condition }

// Validate checks a known condition and a key present.
func (a AlertRef) Validate() error {
	var errs []error
	known := false
	for _, c := range AlertConditions() {
		known = known || c == a.Condition
	}
	if !known {
		errs = append(errs, invalid("condition", "%q is not an alert condition", clip(a.Condition)))
	}
	if err := checkText("key", a.Key, true, MaxNameRunes*2, false); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Describe says in a few words where the clocks stand at now for a ticket
// in status st, with times shown in loc (UTC if nil), in the words of
// ClockState.Describe: "first response due by 11:02 (at risk)",
// "resolution breached 2 h 5 min ago", "paused: waiting for you",
// "resolved within target", "closed late". It reads only the stored state,
// so a replica without the status history can show it; the due times are
// as the hub last computed them. A state never computed gives "".
func (s SLAState) Describe(st Status, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	if s.IsZero() {
		return ""
	}
	if st == StatusResolved || st == StatusClosed {
		verb := "resolved"
		if st == StatusClosed {
			verb = "closed"
		}
		if s.ResponseBreached || s.ResolutionBreached {
			return verb + " late"
		}
		return verb + " within target"
	}
	switch {
	case s.ResponseBreached && s.RespondedAt.IsZero():
		return "first response breached " + ago(now.Sub(s.ResponseDue))
	case s.ResolutionBreached:
		return "resolution breached " + ago(now.Sub(s.ResolutionDue))
	case s.State == SLAPaused:
		return "paused: waiting for you"
	}
	what, due := "resolution", s.ResolutionDue
	if s.RespondedAt.IsZero() && !s.ResponseDue.IsZero() {
		what, due = "first response", s.ResponseDue
	}
	if due.IsZero() {
		return ""
	}
	if !now.Before(due) {
		// Past due since the hub last looked: the next sweep marks it.
		return what + " breached " + ago(now.Sub(due))
	}
	out := what + " due by " + ClockWords(due, now, loc)
	if s.AtRisk {
		out += " (at risk)"
	}
	return out
}
