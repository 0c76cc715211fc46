package report

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tandem/msp"
)

// Defaults of Input's thresholds.
const (
	DefaultPatchAfterDays = 14
	DefaultSilentAfter    = 24 * time.Hour
)

// ConditionPatch is the alert condition whose open alerts make a device
// non-compliant for patching ("security updates pending > N days").
const ConditionPatch = "security-updates"

// Input is everything a report is computed from. Package hub fills it from
// its store (see hub.ReportInput); tests fill it by hand.
type Input struct {
	Tenant msp.Tenant
	// Month is any instant in the month reported on; the month is read in
	// the tenant's time zone.
	Month time.Time
	// Now is when the report is made. SLA clocks of the month's tickets
	// are evaluated at Now; device figures at the earlier of Now and the
	// end of the month.
	Now time.Time
	// Policy is the SLA policy; the zero value means the tenant's
	// (Tenant.SLAPolicy).
	Policy msp.SLAPolicy
	// Calendar is the tenant's business calendar; nil means
	// msp.TenantCalendar(Tenant, Tenant.HolidayRules()).
	Calendar *msp.Calendar
	// Tickets are the tenant's tickets; those neither created nor
	// resolved in the month are ignored.
	Tickets []*msp.Ticket
	// Statuses is the status history of tickets by ticket id, when the
	// hub keeps one. A ticket without an entry is taken to have moved to
	// resolved at ResolvedAt and to closed at ClosedAt.
	Statuses map[string][]msp.StatusChange
	// FirstResponses is when staff first answered each ticket, by ticket
	// id, when the hub records it; a ticket without an entry is read
	// from its comments (see FirstResponse).
	FirstResponses map[string]time.Time
	Devices        []Device
	Alerts         []Alert
	// PatchAfterDays is the N of "security updates pending for more than
	// N days"; 0 means the tenant's alert threshold. It labels the patch
	// chart; the alerts carry the rule.
	PatchAfterDays int
	// SilentAfter is how long without a check-in makes a device silent;
	// 0 means the tenant's alert threshold.
	SilentAfter time.Duration
	// People are the organisation's people (tandem-hub person add and
	// import): the seats billed, and the active users when they used a
	// device that checked in during the month.
	People []msp.Person
	// Users, when positive, overrides the count billed and UsersSource says
	// where it came from (a licence count kept elsewhere); the report then
	// lists nobody by name. Otherwise what is billed follows the tenant's
	// billing basis (msp.Tenant.Billing): its people, its enrolled devices
	// or its active users.
	Users       int
	UsersSource string
}

// Device is an enrolled device with its latest inventory, if any.
type Device struct {
	ID         string
	Hostname   string
	EnrolledAt time.Time
	LastSeen   time.Time
	Revoked    bool
	Inventory  *msp.Inventory
}

// Alert is one proactive alert: a condition on a device from OpenedAt
// until ResolvedAt (zero while open).
type Alert struct {
	Device     string
	Condition  string // "device-silent", "disk-full", ConditionPatch, ...
	Ticket     string
	OpenedAt   time.Time
	ResolvedAt time.Time
}

// Report is the computed figures of one month, ready to render.
type Report struct {
	TenantName string
	Mode       string // "co-managed", "fully managed"
	MSPName    string
	MSPPhone   string
	MSPEmail   string
	LogoPNG    []byte
	Month      string    // "November 2026"
	From, To   time.Time // the month: [From, To)
	AsOf       time.Time // device figures are as of this instant
	Generated  time.Time
	// TimeZone is the tenant's IANA zone, in which times are shown.
	TimeZone string
	// Location is TimeZone loaded; a Report decoded from JSON has none
	// until Zone is called.
	Location *time.Location `json:"-"`

	// SLA is first-response attainment by priority, P1 to P4.
	SLA        []SLARow
	SLAOverall SLARow

	// Late lists every ticket of the month whose first response missed
	// its target, oldest first.
	Late []LateTicket

	Opened, Resolved, OpenAtEnd int
	ByPillar                    []Count
	ByOwner                     []Count
	// MTTR is the mean wall-clock time from creation to resolution of the
	// tickets resolved in the month (MTTRCount of them); MTTRBusiness is
	// the same in business hours of the tenant's calendar.
	MTTR, MTTRBusiness time.Duration
	MTTRCount          int

	PatchAfterDays int
	Patch          []WeekPoint
	// SecurityPendingNow counts devices whose latest inventory lists
	// security updates; RebootPendingNow those that need a restart.
	SecurityPendingNow int
	RebootPendingNow   int

	Devices     int
	Silent      int
	SilentAfter time.Duration

	Alerts      []Count // opened in the month, by condition
	AlertsTotal int

	// Users is how many were billed: seats, devices or active users, as
	// Basis says; UsersSource says it in words. Billed lists every one of
	// them, by name, in name order.
	Users        int
	UsersSource  string
	Basis        msp.BillingBasis
	Unit         string // "user", "device", "active user"
	Billed       []Billed
	Contract     string // "12-month contract from 1 January 2026 to ..."
	PricePerUser msp.Money
	Total        msp.Money
}

// Billed is one seat, device or active user of the bill.
type Billed struct {
	Name   string // the person's name or the device's hostname
	Detail string // e-mail and phone; the device's system; the devices used
}

// SLARow is the first-response attainment of one priority.
type SLARow struct {
	Priority msp.Priority
	Label    string        // "P1 critical", or "All" for the overall row
	Target   time.Duration // the response target (0 on the overall row)
	AllHours bool
	Tickets  int // created in the month
	Met      int // answered within target
	Breached int // answered late, or unanswered past the target
	Pending  int // not answered yet, still within target
}

// Percent is Met as a share of the tickets decided (met or breached), and
// false when none is decided yet.
func (r SLARow) Percent() (float64, bool) {
	n := r.Met + r.Breached
	if n == 0 {
		return 0, false
	}
	return 100 * float64(r.Met) / float64(n), true
}

// PercentText is Percent as "95.0%", or "–" when nothing is decided.
func (r SLARow) PercentText() string {
	p, ok := r.Percent()
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", p)
}

// MaxLate is how many late tickets the first page of the PDF lists; the
// others follow on the next page. Report.Late holds them all.
const MaxLate = 6

// LateTicket is a ticket whose first response missed its target.
type LateTicket struct {
	ID        string
	Title     string
	Priority  msp.Priority
	Owner     string    // as in ByOwner
	CreatedAt time.Time // in the tenant's zone
	// RespondedAt is the first response; zero if there is none yet.
	RespondedAt time.Time
	// Over is how far past the target the response came (or is, at the
	// report's time), in the clock's hours: business hours unless
	// AllHours.
	Over     time.Duration
	AllHours bool
}

// OverText is Over for people: "1 h 30 min" on a 24/7 clock, "126
// business hours" on a business-hours one.
func (l LateTicket) OverText() string {
	if l.AllHours || l.Over < time.Hour {
		return FormatDuration(l.Over)
	}
	h := int(l.Over.Round(time.Hour) / time.Hour)
	return fmt.Sprintf("%d business %s", h, plural(h, "hour"))
}

// Count is one bar of a chart.
type Count struct {
	Key   string
	Label string
	N     int
}

// WeekPoint is patch compliance at the end of one week of the month.
type WeekPoint struct {
	Label     string    // "1–7 Nov"
	At        time.Time // the instant measured
	Devices   int       // enrolled and not revoked at At
	Compliant int       // of those, without an open ConditionPatch alert at At
}

// Percent is Compliant as a share of Devices (100 when there are none).
func (w WeekPoint) Percent() float64 {
	if w.Devices == 0 {
		return 100
	}
	return 100 * float64(w.Compliant) / float64(w.Devices)
}

// Zone returns the time zone times are shown in: Location, else
// TimeZone loaded (and kept in Location), else UTC.
func (r *Report) Zone() *time.Location {
	if r.Location == nil {
		loc, err := time.LoadLocation(r.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		r.Location = loc
	}
	return r.Location
}

// BillingText is the billing preview: "R450.00 excl. VAT".
func (r *Report) BillingText() string { return r.Total.String() + " excl. VAT" }

// BillingDetail explains BillingText: "26 users × R450.00 per user per
// month (the organisation's people), 12-month contract.", or says that
// the tenant has no price.
func (r *Report) BillingDetail() string {
	unit := cmp.Or(r.Unit, "user")
	count := fmt.Sprintf("%d %s", r.Users, plural(r.Users, unit))
	if r.PricePerUser.Minor == 0 {
		return fmt.Sprintf("%s (%s); no price is set for this organisation yet.", count, r.UsersSource)
	}
	s := fmt.Sprintf("%s × %s per %s per month (%s)", count, r.PricePerUser, unit, r.UsersSource)
	if r.Contract != "" {
		s += ", " + r.Contract
	}
	return s + "."
}

// ErrInput is wrapped by Build's errors about its input.
var ErrInput = errors.New("report input")

// MonthRange returns the first instant of the month that holds t, in loc,
// and the first instant of the next month.
func MonthRange(t time.Time, loc *time.Location) (from, to time.Time) {
	t = t.In(loc)
	from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0)
}

// ParseMonth reads "2026-11" as an instant in the middle of that month
// (the 15th, 12:00 UTC), which lies in the same month in every time zone;
// pass it to Build as Input.Month.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("month %q: give it as YYYY-MM, such as 2026-11: %w", s, ErrInput)
	}
	return t.AddDate(0, 0, 14).Add(12 * time.Hour), nil
}

// Build computes the report of in.
func Build(in Input) (*Report, error) {
	if in.Tenant.ID == "" {
		return nil, fmt.Errorf("%w: the tenant is missing", ErrInput)
	}
	if in.Month.IsZero() || in.Now.IsZero() {
		return nil, fmt.Errorf("%w: the month and the time of the report are required", ErrInput)
	}
	loc, err := in.Tenant.Location()
	if err != nil {
		return nil, fmt.Errorf("%w: tenant %s: %v", ErrInput, in.Tenant.ID, err)
	}
	policy := in.Policy
	if policy == (msp.SLAPolicy{}) {
		policy = in.Tenant.SLAPolicy()
	}
	if err := policy.Validate(); err != nil {
		return nil, fmt.Errorf("%w: SLA policy: %v", ErrInput, err)
	}
	cal := in.Calendar
	if cal == nil {
		if cal, err = msp.TenantCalendar(in.Tenant, in.Tenant.HolidayRules()); err != nil {
			return nil, fmt.Errorf("%w: the calendar of tenant %s: %v", ErrInput, in.Tenant.ID, err)
		}
	}
	from, to := MonthRange(in.Month, loc)
	if !in.Now.After(from) {
		return nil, fmt.Errorf("%w: %s has not begun yet", ErrInput, from.Format("January 2006"))
	}
	rules := in.Tenant.AlertRules()
	asOf := in.Now
	if asOf.After(to) {
		asOf = to
	}
	r := &Report{
		TenantName:     in.Tenant.Name,
		Mode:           in.Tenant.Mode.Label(),
		MSPName:        in.Tenant.Branding.Name,
		MSPPhone:       in.Tenant.Branding.SupportPhone,
		MSPEmail:       in.Tenant.Branding.SupportEmail,
		LogoPNG:        in.Tenant.Branding.LogoPNG,
		Month:          from.Format("January 2006"),
		From:           from,
		To:             to,
		AsOf:           asOf,
		Generated:      in.Now,
		TimeZone:       loc.String(),
		Location:       loc,
		PatchAfterDays: cmp.Or(in.PatchAfterDays, rules.SecurityUpdatesDays, DefaultPatchAfterDays),
		SilentAfter:    cmp.Or(in.SilentAfter, rules.SilentAfter, DefaultSilentAfter),
		PricePerUser:   in.Tenant.PricePerUser,
	}
	if err := r.tickets(in, policy, cal); err != nil {
		return nil, err
	}
	r.devices(in)
	r.alerts(in)
	r.billing(in)
	return r, nil
}

func inMonth(t, from, to time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }

// FirstResponse is when staff (an IT lead or technician) first replied to
// the requester on t: a reply, not an internal note; zero if nobody has.
func FirstResponse(t *msp.Ticket) time.Time {
	var first time.Time
	for _, c := range t.Comments {
		if c.Kind != msp.CommentKindReply || c.Internal {
			continue
		}
		if c.Role != msp.RoleITLead && c.Role != msp.RoleTechnician {
			continue
		}
		if first.IsZero() || c.CreatedAt.Before(first) {
			first = c.CreatedAt
		}
	}
	return first
}

func firstResponseOf(in Input, t *msp.Ticket) time.Time {
	if at, ok := in.FirstResponses[t.ID]; ok {
		return at
	}
	return FirstResponse(t)
}

// statusesOf is the ticket's status history: the hub's if it has one,
// otherwise what ResolvedAt and ClosedAt tell.
func statusesOf(in Input, t *msp.Ticket) []msp.StatusChange {
	if h, ok := in.Statuses[t.ID]; ok {
		return h
	}
	var out []msp.StatusChange
	if !t.ResolvedAt.IsZero() {
		out = append(out, msp.StatusChange{At: t.ResolvedAt, Status: msp.StatusResolved})
	}
	if !t.ClosedAt.IsZero() {
		out = append(out, msp.StatusChange{At: t.ClosedAt, Status: msp.StatusClosed})
	}
	if len(out) == 0 && (t.Status == msp.StatusWaiting) {
		// Waiting since the last update: the best a ticket alone tells.
		out = append(out, msp.StatusChange{At: t.UpdatedAt, Status: msp.StatusWaiting})
	}
	return out
}

var owners = []struct {
	party msp.Party
	label string
}{
	{msp.PartyMSP, "MSP"},
	{msp.PartyInternal, "Internal IT"},
	{msp.PartyShared, "Shared"},
}

func (r *Report) tickets(in Input, policy msp.SLAPolicy, cal *msp.Calendar) error {
	for _, p := range []msp.Priority{msp.P1, msp.P2, msp.P3, msp.P4} {
		tg, _ := policy.Target(p)
		r.SLA = append(r.SLA, SLARow{Priority: p, Label: p.String(), Target: tg.Response, AllHours: tg.AllHours})
	}
	pillars := map[msp.Pillar]int{}
	byOwner := map[msp.Party]int{}
	var total, totalBiz time.Duration
	for _, t := range in.Tickets {
		if t == nil || t.Tenant != in.Tenant.ID || t.Alert != nil {
			continue // alert tickets count under Alerts
		}
		if inMonth(t.ResolvedAt, r.From, r.To) {
			r.Resolved++
			r.MTTRCount++
			total += t.ResolvedAt.Sub(t.CreatedAt)
			totalBiz += cal.Between(t.CreatedAt, t.ResolvedAt)
		}
		if t.CreatedAt.Before(r.To) && (t.ResolvedAt.IsZero() || !t.ResolvedAt.Before(r.AsOf)) &&
			(t.ClosedAt.IsZero() || !t.ClosedAt.Before(r.AsOf)) && t.CreatedAt.Before(r.AsOf) {
			r.OpenAtEnd++
		}
		if !inMonth(t.CreatedAt, r.From, r.To) {
			continue
		}
		r.Opened++
		pillars[t.Pillar]++
		byOwner[cmp.Or(t.Owner, msp.PartyMSP)]++
		if !t.Priority.Valid() {
			continue
		}
		st, err := msp.ComputeSLA(msp.SLATimeline{
			Priority:        t.Priority,
			CreatedAt:       t.CreatedAt,
			FirstResponseAt: firstResponseOf(in, t),
			Statuses:        statusesOf(in, t),
		}, policy, cal, in.Now)
		if err != nil {
			return fmt.Errorf("SLA of ticket %s: %w", t.ID, err)
		}
		row := &r.SLA[t.Priority-1]
		row.Tickets++
		switch {
		case st.Response.Breached:
			row.Breached++
			lt := LateTicket{ID: t.ID, Title: t.Title, Priority: t.Priority, Owner: r.ownerLabel(cmp.Or(t.Owner, msp.PartyMSP)),
				CreatedAt: t.CreatedAt.In(r.Location), Over: -st.Response.Remaining, AllHours: st.AllHours}
			if st.Response.Done {
				lt.RespondedAt = st.Response.DoneAt.In(r.Location)
			}
			r.Late = append(r.Late, lt)
		case st.Response.Done:
			row.Met++
		default:
			row.Pending++
		}
	}
	r.SLAOverall = SLARow{Label: "All"}
	for _, row := range r.SLA {
		r.SLAOverall.Tickets += row.Tickets
		r.SLAOverall.Met += row.Met
		r.SLAOverall.Breached += row.Breached
		r.SLAOverall.Pending += row.Pending
	}
	if r.MTTRCount > 0 {
		r.MTTR = total / time.Duration(r.MTTRCount)
		r.MTTRBusiness = totalBiz / time.Duration(r.MTTRCount)
	}
	for _, info := range msp.Pillars() {
		r.ByPillar = append(r.ByPillar, Count{Key: string(info.ID), Label: info.Name, N: pillars[info.ID]})
		delete(pillars, info.ID)
	}
	for _, p := range slices.Sorted(maps.Keys(pillars)) { // pillars the hub no longer knows
		r.ByPillar = append(r.ByPillar, Count{Key: string(p), Label: p.Name(), N: pillars[p]})
	}
	for _, o := range owners {
		r.ByOwner = append(r.ByOwner, Count{Key: string(o.party), Label: r.ownerLabel(o.party), N: byOwner[o.party]})
	}
	slices.SortStableFunc(r.Late, func(a, b LateTicket) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return nil
}

func (r *Report) ownerLabel(p msp.Party) string {
	if p == msp.PartyMSP && r.MSPName != "" {
		return r.MSPName
	}
	for _, o := range owners {
		if o.party == p {
			return o.label
		}
	}
	return string(p)
}

func (r *Report) devices(in Input) {
	live := func(d Device, at time.Time) bool {
		return !d.Revoked && !d.EnrolledAt.IsZero() && !d.EnrolledAt.After(at)
	}
	for _, d := range in.Devices {
		if !live(d, r.AsOf) {
			continue
		}
		r.Devices++
		seen := d.LastSeen
		if seen.IsZero() {
			seen = d.EnrolledAt
		}
		if r.AsOf.Sub(seen) > r.SilentAfter {
			r.Silent++
		}
		if inv := d.Inventory; inv != nil {
			if inv.Patches.SecurityPending() > 0 {
				r.SecurityPendingNow++
			}
			if inv.Patches.RebootRequired {
				r.RebootPendingNow++
			}
		}
	}
	// Patch compliance at the end of each week of the month, up to AsOf.
	for start := r.From; start.Before(r.To) && !start.After(r.AsOf); start = start.AddDate(0, 0, 7) {
		end := start.AddDate(0, 0, 7)
		if end.After(r.To) {
			end = r.To
		}
		at := end
		if at.After(r.AsOf) {
			at = r.AsOf
		}
		last := end.Add(-time.Nanosecond)
		w := WeekPoint{Label: weekLabel(start, last), At: at}
		for _, d := range in.Devices {
			if !live(d, at) {
				continue
			}
			w.Devices++
			if !openAlert(in.Alerts, d.ID, ConditionPatch, at) {
				w.Compliant++
			}
		}
		r.Patch = append(r.Patch, w)
	}
}

func weekLabel(a, b time.Time) string {
	if a.Day() == b.Day() {
		return a.Format("2 Jan")
	}
	return fmt.Sprintf("%d–%s", a.Day(), b.Format("2 Jan"))
}

func openAlert(alerts []Alert, device, condition string, at time.Time) bool {
	for _, a := range alerts {
		if a.Device == device && a.Condition == condition && !a.OpenedAt.After(at) &&
			(a.ResolvedAt.IsZero() || a.ResolvedAt.After(at)) {
			return true
		}
	}
	return false
}

func (r *Report) alerts(in Input) {
	n := map[string]int{}
	for _, a := range in.Alerts {
		if inMonth(a.OpenedAt, r.From, r.To) {
			n[a.Condition]++
			r.AlertsTotal++
		}
	}
	for _, c := range slices.Sorted(maps.Keys(n)) {
		r.Alerts = append(r.Alerts, Count{Key: c, Label: ConditionLabel(c), N: n[c]})
	}
	slices.SortStableFunc(r.Alerts, func(a, b Count) int { return b.N - a.N })
}

// ConditionLabel names an alert condition for people.
func ConditionLabel(c string) string {
	switch c {
	case "device-silent", "silent":
		return "Device not checking in"
	case "disk-full", "disk":
		return "Disk nearly full"
	case ConditionPatch, "patch":
		return "Security updates overdue"
	case "restart-pending", "reboot":
		return "Restart overdue"
	case "posture":
		return "Security baseline failing"
	}
	if c == "" {
		return "Other"
	}
	s := strings.ReplaceAll(c, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func (r *Report) billing(in Input) {
	r.Basis = in.Tenant.BillingBasis()
	r.Unit = r.Basis.Unit()
	r.Contract = in.Tenant.Billing.ContractText()
	if in.Users > 0 {
		r.Users = in.Users
		r.UsersSource = cmp.Or(in.UsersSource, "users on record")
		r.Total = msp.Money{Minor: r.PricePerUser.Minor * int64(r.Users), Currency: r.PricePerUser.Currency}
		return
	}
	person := func(p msp.Person) Billed {
		var d []string
		for _, x := range []string{p.Email, p.Phone} {
			if x != "" {
				d = append(d, x)
			}
		}
		return Billed{Name: p.Name, Detail: strings.Join(d, " · ")}
	}
	switch r.Basis {
	case msp.BillDevices:
		r.UsersSource = "enrolled devices, retired ones left out"
		for _, d := range in.Devices {
			if d.Revoked || d.EnrolledAt.IsZero() || d.EnrolledAt.After(r.AsOf) {
				continue
			}
			detail := "enrolled " + d.EnrolledAt.In(r.Location).Format("2 Jan 2006")
			if d.Inventory != nil && d.Inventory.OS.Summary() != "" {
				detail = d.Inventory.OS.Summary() + " · " + detail
			}
			r.Billed = append(r.Billed, Billed{Name: d.Hostname, Detail: detail})
		}
	case msp.BillActiveUsers:
		r.UsersSource = "people who used a device that checked in this month"
		for _, p := range in.People {
			var used []string
			for _, d := range in.Devices {
				if d.Revoked || d.LastSeen.Before(r.From) {
					continue
				}
				for _, a := range p.Accounts {
					if strings.EqualFold(a.Device, d.ID) || strings.EqualFold(a.Device, d.Hostname) {
						used = append(used, d.Hostname)
						break
					}
				}
			}
			if len(used) > 0 {
				slices.Sort(used)
				b := person(p)
				b.Detail = strings.TrimPrefix(b.Detail+" · on "+strings.Join(slices.Compact(used), ", "), " · ")
				r.Billed = append(r.Billed, b)
			}
		}
	default:
		r.UsersSource = "the organisation's people"
		for _, p := range in.People {
			r.Billed = append(r.Billed, person(p))
		}
		if len(in.People) == 0 {
			r.UsersSource = "nobody is on record yet: add the organisation's people with tandem-hub person add or person import"
		}
	}
	slices.SortStableFunc(r.Billed, func(a, b Billed) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.Detail, b.Detail))
	})
	r.Users = len(r.Billed)
	r.Total = msp.Money{Minor: r.PricePerUser.Minor * int64(r.Users), Currency: r.PricePerUser.Currency}
}

// FormatDuration writes d for people: "3 h 20 min", "2 days 4 h", "45 min".
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0 && h > 0:
		return fmt.Sprintf("%d %s %d h", days, plural(days, "day"), h)
	case days > 0:
		return fmt.Sprintf("%d %s", days, plural(days, "day"))
	case h > 0 && m > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d min", m)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// sortedCounts returns cs with the largest first, ties in input order.
func sortedCounts(cs []Count) []Count {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b Count) int { return b.N - a.N })
	return out
}
