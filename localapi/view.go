package localapi

import (
	"strings"
	"time"

	"tandem/msp"
)

// viewer turns the replica's tickets into what a person sees: who has the
// ticket, the SLA clock in words, whether it reached the hub, and what the
// hub refused. It is built once per request.
type viewer struct {
	tenant      msp.Tenant
	haveTenant  bool
	undelivered map[string]int
	refused     map[string][]DeadLetter
	now         time.Time
}

func (v viewer) view(t *msp.Ticket) TicketView {
	out := TicketView{Ticket: *t, Delivered: v.undelivered[t.ID] == 0, Refused: v.refused[t.ID]}
	loc := time.UTC
	if v.haveTenant {
		if l, err := v.tenant.Location(); err == nil {
			loc = l
		}
	}
	out.OwnerText = v.ownerText(t, loc)
	out.SLAText, out.FirstResponseDue = v.sla(t, loc)
	return out
}

// partyName names a party for the person: internal IT is "Your IT lead",
// the MSP is its brand name.
func (v viewer) partyName(p msp.Party, first bool) string {
	switch p {
	case msp.PartyInternal:
		if first {
			return "Your IT lead"
		}
		return "your IT lead"
	case msp.PartyShared:
		if first {
			return "Your IT lead and " + v.supportName()
		}
		return "your IT lead and " + v.supportName()
	}
	return v.supportName()
}

func (v viewer) supportName() string {
	if v.haveTenant && strings.TrimSpace(v.tenant.Branding.Name) != "" {
		return v.tenant.Branding.Name
	}
	return "IT support"
}

// ownerText says who has the ticket: the hub's owner once it has routed
// it, with the hand-over at the end of business hours when the matrix has
// one and internal IT holds it now; before the hub routed it, the same
// from msp.Route at this moment.
func (v viewer) ownerText(t *msp.Ticket, loc *time.Location) string {
	if !v.haveTenant {
		if t.Owner != "" {
			return v.partyName(t.Owner, true)
		}
		return "IT support, once this computer reaches it"
	}
	if !t.Status.IsOpen() {
		if t.Owner != "" {
			return v.partyName(t.Owner, true)
		}
		return v.supportName()
	}
	d := msp.Route(v.tenant, t, v.now)
	if t.Owner != "" && t.Owner != d.Owner {
		return v.partyName(t.Owner, true) // routed by hand or at another hour
	}
	s := v.partyName(d.Owner, true)
	if d.Owner != msp.PartyMSP && !d.Until.IsZero() && d.Then != "" && d.Then != d.Owner {
		s += " until " + msp.ClockWords(d.Until, v.now, loc) + ", then " + v.partyName(d.Then, false)
	}
	return s
}

// sla returns the SLA clock in words and when a first response is (or
// was) due: from the hub's SLA state when the hub has computed one that
// fits the ticket's status here, else a preview computed on this computer
// from the tenant's calendar and SLA policy (a ticket raised offline).
func (v viewer) sla(t *msp.Ticket, loc *time.Location) (string, time.Time) {
	if hubStateFits(t) {
		return describeState(t, v.now, loc)
	}
	if !t.Priority.Valid() || t.CreatedAt.IsZero() {
		return "", time.Time{}
	}
	policy, cal := msp.DefaultSLAPolicy(), (*msp.Calendar)(nil)
	if v.haveTenant {
		policy, cal = v.tenant.SLAPolicy(), v.tenant.SLACalendar()
	} else if c, err := msp.NewCalendar(msp.DefaultTimeZone, msp.DefaultBusinessHours(), msp.DefaultHolidays()); err == nil {
		cal = c
	}
	if cal == nil {
		return "", time.Time{}
	}
	tl := msp.SLATimeline{Priority: t.Priority, CreatedAt: t.CreatedAt, FirstResponseAt: firstResponse(t)}
	switch t.Status {
	case msp.StatusNew, "":
	case msp.StatusResolved:
		tl.Statuses = append(tl.Statuses, msp.StatusChange{At: t.ResolvedAt, Status: t.Status})
	case msp.StatusClosed:
		if !t.ResolvedAt.IsZero() {
			tl.Statuses = append(tl.Statuses, msp.StatusChange{At: t.ResolvedAt, Status: msp.StatusResolved})
		}
		tl.Statuses = append(tl.Statuses, msp.StatusChange{At: t.ClosedAt, Status: t.Status})
	default:
		tl.Statuses = append(tl.Statuses, msp.StatusChange{At: t.UpdatedAt, Status: t.Status})
	}
	for i := range tl.Statuses {
		if tl.Statuses[i].At.IsZero() {
			tl.Statuses[i].At = t.UpdatedAt
		}
	}
	st, err := msp.ComputeSLA(tl, policy, cal, v.now)
	if err != nil {
		return "", time.Time{}
	}
	due := time.Time{}
	if !st.Response.Done || st.Response.Breached {
		due = st.Response.Due
	}
	return st.Describe(v.now, loc), due
}

// hubStateFits reports whether the hub's SLA state agrees with the
// ticket's status here (a change made on this computer and not yet
// delivered can have moved the ticket on).
func hubStateFits(t *msp.Ticket) bool {
	s := t.SLA
	if s.IsZero() {
		return false
	}
	done := t.Status == msp.StatusResolved || t.Status == msp.StatusClosed
	switch s.State {
	case msp.SLAMet:
		return done
	case msp.SLAPaused:
		return t.Status == msp.StatusWaiting
	case msp.SLARunning:
		return !done && t.Status != msp.StatusWaiting
	}
	return true // breached stays breached
}

// describeState says the hub's SLA state (msp.SLAState.Describe) and when
// a first response is still due.
func describeState(t *msp.Ticket, now time.Time, loc *time.Location) (string, time.Time) {
	s := t.SLA
	respDue := time.Time{}
	if s.RespondedAt.IsZero() || s.ResponseBreached {
		respDue = s.ResponseDue
	}
	return s.Describe(t.Status, now, loc), respDue
}

// firstResponse is when staff first answered the requester.
func firstResponse(t *msp.Ticket) time.Time {
	for _, c := range t.Comments {
		if c.Kind == msp.CommentKindReply && !c.Internal && c.Role.IsStaff() {
			return c.CreatedAt
		}
	}
	return time.Time{}
}
