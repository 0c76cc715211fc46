package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"tandem/msp"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// tenantShow prints a tenant's service settings: SLA targets, business
// hours and holidays, overflow and alert thresholds.
func tenantShow(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("tenant show")
	dial := operatorFlags(fs)
	id := fs.String("id", "", "tenant id")
	asJSON := fs.Bool("json", false, "print the tenant as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return usageError{"tenant show: --id ID is required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	t, err := c.Tenant(ctx, *id)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, t)
	}
	return describeTenant(stdout, t, time.Now())
}

func describeTenant(out io.Writer, t msp.Tenant, now time.Time) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	zone := t.TimeZone
	if zone == "" {
		zone = msp.DefaultTimeZone
	}
	fmt.Fprintf(w, "%s (%s), %s\n", t.Name, t.ID, t.Mode.Label())
	fmt.Fprintf(w, "Time zone:\t%s\n", zone)
	fmt.Fprintf(w, "Business hours:\t%s\n", hoursText(t.BusinessHours))
	h := t.HolidayRules()
	region := h.Region
	switch name := msp.RegionName(region); {
	case region == "" || region == msp.RegionNone:
		region = "none"
	case name != "":
		region += " " + name
	}
	fmt.Fprintf(w, "Public holidays:\t%s (%d extra days, %d worked)\n", region, len(h.Extra), len(h.Removed))
	var next []string
	today := msp.DateOf(now)
	for _, y := range []int{now.Year(), now.Year() + 1} {
		for _, x := range h.InYear(y) {
			if x.Date.Compare(today) >= 0 && len(next) < 4 {
				next = append(next, fmt.Sprintf("%s %s", x.Date, x.Name))
			}
		}
	}
	if len(next) > 0 {
		fmt.Fprintf(w, "Next holidays:\t%s\n", strings.Join(next, "; "))
	}
	fmt.Fprintf(w, "Overflow to the MSP:\tafter %s without an answer\n", dur(t.Overflow()))
	p := t.SLAPolicy()
	custom := ""
	if t.SLA == (msp.SLAPolicy{}) {
		custom = " (defaults)"
	}
	risk := p.AtRiskPercent
	if risk == 0 {
		risk = msp.DefaultAtRiskPercent
	}
	fmt.Fprintf(w, "SLA%s:\tat risk with %d%% of a target left\n", custom, risk)
	fmt.Fprintln(w, "  PRIORITY\tFIRST RESPONSE\tRESOLUTION\tCLOCK")
	for i, tg := range []msp.SLATarget{p.P1, p.P2, p.P3, p.P4} {
		clock := "business hours"
		if tg.AllHours {
			clock = "24/7"
		}
		fmt.Fprintf(w, "  P%d\t%s\t%s\t%s\n", i+1, dur(tg.Response), dur(tg.Resolution), clock)
	}
	a := t.AlertRules()
	fmt.Fprintln(w, "Alerts:")
	fmt.Fprintf(w, "  device silent\t%s\n", offOr(a.SilentAfter > 0, "after "+dur(a.SilentAfter)))
	fmt.Fprintf(w, "  disk full\t%s\n", offOr(a.DiskFullPercent > 0, fmt.Sprintf("above %d%%", a.DiskFullPercent)))
	fmt.Fprintf(w, "  security updates\t%s\n", offOr(a.SecurityUpdatesDays > 0, fmt.Sprintf("pending over %d days", a.SecurityUpdatesDays)))
	fmt.Fprintf(w, "  restart\t%s\n", offOr(a.RestartDays > 0, fmt.Sprintf("pending over %d days", a.RestartDays)))
	fmt.Fprintf(w, "  security baseline\t%s\n", offOr(!a.NoPosture, "any check failing"))
	fmt.Fprintf(w, "  new devices\t%s\n", offOr(a.EnrollGrace > 0, "no inventory alert for "+dur(a.EnrollGrace)+" after enrolling"))
	quota := sizeText(t.AttachmentLimit())
	if t.AttachmentQuota == 0 {
		quota += " (default)"
	}
	fmt.Fprintf(w, "Attached files:\tup to %s kept on the hub\n", quota)
	fmt.Fprintf(w, "Billing:\t%s\n", billingText(t))
	return w.Flush()
}

// sizeUnits are the units parseSize reads (powers of 1024, as the limits
// are kept).
var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"TB", 40}, {"GB", 30}, {"MB", 20}, {"KB", 10}, {"B", 0}}

// parseSize reads a size such as "500MB", "2GB" or "1.5 GB" (units of
// 1024) into bytes.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	for _, u := range sizeUnits {
		num, ok := strings.CutSuffix(t, u.suffix)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || f < 0 || f*float64(int64(1)<<u.shift) > 1<<62 {
			return 0, fmt.Errorf("%q is not a size such as 500MB or 2GB", s)
		}
		return int64(f * float64(int64(1)<<u.shift)), nil
	}
	return 0, fmt.Errorf("%q has no unit; write it as 500MB or 2GB", s)
}

// sizeText writes a byte count as parseSize reads it: "20GB", "1.5GB".
func sizeText(n int64) string {
	for _, u := range sizeUnits {
		if n >= int64(1)<<u.shift {
			return strings.TrimSuffix(strconv.FormatFloat(float64(n)/float64(int64(1)<<u.shift), 'f', 1, 64), ".0") + u.suffix
		}
	}
	return "0B"
}

func offOr(on bool, s string) string {
	if !on {
		return "off"
	}
	return s
}

var dayNames = []struct {
	key string
	day time.Weekday
}{{"mon", time.Monday}, {"tue", time.Tuesday}, {"wed", time.Wednesday}, {"thu", time.Thursday}, {"fri", time.Friday}, {"sat", time.Saturday}, {"sun", time.Sunday}}

func hoursText(b msp.BusinessHours) string {
	var parts []string
	for _, d := range dayNames {
		if s := b.Day(d.day); s != nil {
			parts = append(parts, fmt.Sprintf("%s %s-%s", d.key, s.Open, s.Close))
		}
	}
	if len(parts) == 0 {
		return "none (every hour is after hours)"
	}
	return strings.Join(parts, ", ")
}

// parseHours reads "mon-fri=08:00-17:00,sat=09:00-13:00": the days named
// are open those hours, the others closed.
func parseHours(s string) (msp.BusinessHours, error) {
	var b msp.BusinessHours
	if strings.TrimSpace(s) == "" || s == "none" {
		return b, nil
	}
	index := func(k string) (int, error) {
		for i, d := range dayNames {
			if d.key == strings.ToLower(strings.TrimSpace(k)) {
				return i, nil
			}
		}
		return 0, fmt.Errorf("%q is not a day; use mon, tue, wed, thu, fri, sat or sun", k)
	}
	for _, part := range strings.Split(s, ",") {
		days, span, ok := strings.Cut(part, "=")
		if !ok {
			return b, fmt.Errorf("%q must read DAYS=HH:MM-HH:MM, as in mon-fri=08:00-17:00", part)
		}
		from, to, ranged := strings.Cut(days, "-")
		i, err := index(from)
		if err != nil {
			return b, err
		}
		j := i
		if ranged {
			if j, err = index(to); err != nil {
				return b, err
			}
		}
		open, close, ok := strings.Cut(span, "-")
		var o, c msp.ClockTime
		if !ok || o.UnmarshalText([]byte(strings.TrimSpace(open))) != nil || c.UnmarshalText([]byte(strings.TrimSpace(close))) != nil {
			return b, fmt.Errorf("%q must be two times HH:MM-HH:MM, as in 08:00-17:00", span)
		}
		for k := i; ; k = (k + 1) % len(dayNames) {
			b = b.SetDay(dayNames[k].day, &msp.Span{Open: o, Close: c})
			if k == j {
				break
			}
		}
	}
	return b, nil
}

// tenantSet changes a tenant's service settings; flags not given keep
// their value.
func tenantSet(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("tenant set")
	dial := operatorFlags(fs)
	id := fs.String("id", "", "tenant id")
	zone := fs.String("time-zone", "", "IANA time zone, such as Africa/Johannesburg")
	hours := fs.String("hours", "", "business hours, such as mon-fri=08:00-17:00,sat=09:00-12:00 (or none)")
	region := fs.String("holidays-region", "", "public holidays: a country or region code, such as ZA, GB (England and Wales), US (federal), DE-BY or AU-NSW; or none")
	var addHoliday, workHoliday listFlag
	fs.Var(&addHoliday, "holiday-add", "an extra closed day, YYYY-MM-DD[=Name] (repeatable)")
	fs.Var(&workHoliday, "holiday-work", "a public holiday the business works, YYYY-MM-DD (repeatable)")
	overflow := fs.Duration("overflow", 0, "how long internal IT may leave a ticket unanswered before the MSP takes it")
	slaReset := fs.Bool("sla-reset", false, "go back to the default SLA before applying the other --sla flags")
	atRisk := fs.Int("sla-at-risk-percent", 0, "a clock is at risk with less than this share of its target left")
	type target struct {
		resp, res *time.Duration
		all       *string
	}
	var targets [4]target
	for i := range targets {
		p := fmt.Sprintf("sla-p%d-", i+1)
		targets[i] = target{
			resp: fs.Duration(p+"response", 0, "first-response target"),
			res:  fs.Duration(p+"resolution", 0, "resolution target"),
			all:  fs.String(p+"clock", "", "business or 24x7"),
		}
	}
	silent := fs.Duration("alert-silent", 0, "raise an alert when a device is silent this long (negative: off)")
	disk := fs.Int("alert-disk-percent", 0, "raise an alert above this disk use (negative: off)")
	secDays := fs.Int("alert-security-days", 0, "raise an alert when security updates wait this many days (negative: off)")
	restartDays := fs.Int("alert-restart-days", 0, "raise an alert when a restart waits this many days (negative: off)")
	posture := fs.String("alert-posture", "", "on or off: raise an alert when a security check fails")
	attachQuota := fs.String("attachment-quota", "", "how much of attached files the hub keeps for the tenant, such as 50GB (default: 20GB)")
	grace := fs.String("alert-grace", "", "a newly enrolled device raises no inventory alert for this long, such as 24h (default), or none")
	price := fs.String("price", "", "the monthly price, excl. VAT, of one of what --billing counts, such as 450 or 450.50")
	currency := fs.String("currency", "", "the currency of --price: ZAR, USD, EUR, GBP, ...")
	billing := fs.String("billing", "", "what is billed: seats (the organisation's people), devices (enrolled) or active-users (people on a device that checked in that month)")
	contract := fs.Int("contract-months", -1, "the length of the contract in months (0: month to month)")
	contractStart := fs.String("contract-start", "", "the first day of the contract, YYYY-MM-DD (or none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return usageError{"tenant set: --id ID is required"}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	c, err := dial()
	if err != nil {
		return err
	}
	t, err := c.Tenant(ctx, *id)
	if err != nil {
		return err
	}
	if set["time-zone"] {
		t.TimeZone = *zone
	}
	if set["hours"] {
		b, err := parseHours(*hours)
		if err != nil {
			return usageError{"tenant set: --hours: " + err.Error()}
		}
		t.BusinessHours = b
	}
	if set["holidays-region"] || len(addHoliday) > 0 || len(workHoliday) > 0 {
		h := t.HolidayRules()
		if set["holidays-region"] {
			code := strings.ToUpper(strings.TrimSpace(*region))
			switch {
			case code == "" || code == strings.ToUpper(msp.RegionNone):
				h.Region = msp.RegionNone
			case msp.RegionName(code) != "":
				h.Region = code
			default:
				// Validate's message names the known regions.
				msg := msp.Holidays{Region: strings.TrimSpace(*region)}.Validate().Error()
				msg, _ = strings.CutPrefix(msg, "region: ")
				return usageError{"tenant set: --holidays-region: " + msg}
			}
		}
		for _, s := range addHoliday {
			day, name, _ := strings.Cut(s, "=")
			var d msp.Date
			if err := d.UnmarshalText([]byte(day)); err != nil {
				return usageError{"tenant set: --holiday-add: " + err.Error()}
			}
			h.Extra = append(h.Extra, msp.Holiday{Date: d, Name: name})
		}
		for _, s := range workHoliday {
			var d msp.Date
			if err := d.UnmarshalText([]byte(s)); err != nil {
				return usageError{"tenant set: --holiday-work: " + err.Error()}
			}
			h.Removed = append(h.Removed, d)
		}
		t.Holidays = h
	}
	if set["overflow"] {
		t.OverflowAfter = *overflow
	}
	slaTouched := *slaReset || set["sla-at-risk-percent"]
	p := t.SLAPolicy()
	if *slaReset {
		p = msp.DefaultSLAPolicy()
	}
	for i, tg := range targets {
		cur := [4]*msp.SLATarget{&p.P1, &p.P2, &p.P3, &p.P4}[i]
		pre := fmt.Sprintf("sla-p%d-", i+1)
		if set[pre+"response"] {
			cur.Response, slaTouched = *tg.resp, true
		}
		if set[pre+"resolution"] {
			cur.Resolution, slaTouched = *tg.res, true
		}
		if set[pre+"clock"] {
			switch strings.ToLower(*tg.all) {
			case "24x7", "24/7", "all-hours":
				cur.AllHours = true
			case "business", "business-hours":
				cur.AllHours = false
			default:
				return usageError{fmt.Sprintf("tenant set: --%sclock %q: use business or 24x7", pre, *tg.all)}
			}
			slaTouched = true
		}
	}
	if set["sla-at-risk-percent"] {
		p.AtRiskPercent = *atRisk
	}
	if slaTouched {
		t.SLA = p
	}
	if set["alert-silent"] {
		t.Alerts.SilentAfter = *silent
	}
	if set["alert-disk-percent"] {
		t.Alerts.DiskFullPercent = *disk
	}
	if set["alert-security-days"] {
		t.Alerts.SecurityUpdatesDays = *secDays
	}
	if set["alert-restart-days"] {
		t.Alerts.RestartDays = *restartDays
	}
	if set["alert-posture"] {
		switch strings.ToLower(*posture) {
		case "on":
			t.Alerts.NoPosture = false
		case "off":
			t.Alerts.NoPosture = true
		default:
			return usageError{fmt.Sprintf("tenant set: --alert-posture %q: use on or off", *posture)}
		}
	}
	if set["alert-grace"] {
		switch g := strings.ToLower(*grace); g {
		case "none", "off", "0":
			t.Alerts.EnrollGrace = -1
		case "default":
			t.Alerts.EnrollGrace = 0
		default:
			d, err := time.ParseDuration(g)
			if err != nil || d <= 0 {
				return usageError{fmt.Sprintf("tenant set: --alert-grace %q: give a duration such as 24h or 2h30m, or none", *grace)}
			}
			t.Alerts.EnrollGrace = d
		}
	}
	switch {
	case set["price"]:
		m, err := msp.ParseMoney(*price, cmp.Or(*currency, t.PricePerUser.Currency, "ZAR"))
		if err != nil {
			return usageError{fmt.Sprintf("tenant set: --price %q: %v", *price, err)}
		}
		t.PricePerUser = m
	case set["currency"]:
		cur := strings.ToUpper(*currency)
		if t.PricePerUser.Minor != 0 && cur != t.PricePerUser.Currency {
			return usageError{fmt.Sprintf("tenant set: --currency %s alone would bill %s as %s; give the price in %s too with --price", cur, t.PricePerUser, cur, cur)}
		}
		t.PricePerUser.Currency = cur
	}
	if set["billing"] {
		b := msp.BillingBasis(strings.ToLower(*billing))
		if !b.Valid() {
			return usageError{fmt.Sprintf("tenant set: --billing %q: use seats, devices or active-users", *billing)}
		}
		t.Billing.Basis = b
	}
	if set["contract-months"] {
		t.Billing.ContractMonths = *contract
	}
	if set["contract-start"] {
		t.Billing.ContractStart = *contractStart
		if strings.EqualFold(*contractStart, "none") {
			t.Billing.ContractStart = ""
		}
	}
	if set["attachment-quota"] {
		n := int64(0)
		if *attachQuota != "default" {
			var err error
			if n, err = parseSize(*attachQuota); err != nil || n == 0 {
				return usageError{fmt.Sprintf("tenant set: --attachment-quota %q: give a size such as 500MB or 50GB, or default", *attachQuota)}
			}
		}
		t.AttachmentQuota = n
	}
	changes := 0
	for name := range set {
		if name != "id" && name != "data" && name != "hub" {
			changes++
		}
	}
	if changes == 0 {
		return usageError{"tenant set: nothing to change; give a setting such as --sla-p1-response 1h (see tandem-hub help)"}
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("tenant set: the new settings are not valid, nothing was changed: %w", err)
	}
	saved, err := c.UpdateTenant(ctx, t)
	if err != nil {
		return err
	}
	return describeTenant(stdout, saved, time.Now())
}

// slaText is the SLA column of `tandem-hub tickets`.
func slaText(t msp.Ticket, now time.Time) string {
	s := t.SLA
	if s.IsZero() {
		return "-"
	}
	switch s.State {
	case msp.SLAMet:
		return "met"
	case msp.SLAPaused:
		return "paused"
	case msp.SLABreached:
		which := "resolution"
		if s.ResponseBreached {
			which = "response"
		}
		return "BREACHED (" + which + ")"
	}
	due, what := s.ResolutionDue, "resolve"
	if s.RespondedAt.IsZero() && !s.ResponseDue.IsZero() {
		due, what = s.ResponseDue, "respond"
	}
	out := what + " in " + left(due.Sub(now))
	if s.AtRisk {
		out += " AT RISK"
	}
	return out
}

func left(d time.Duration) string {
	switch {
	case d < 0:
		return "0m"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// slaSweep asks the hub to run its SLA sweep now and prints what it did.
func slaSweep(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("sla sweep")
	dial := operatorFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := dial()
	if err != nil {
		return err
	}
	st, err := c.SweepSLA(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d tenants, %d open tickets, %d changed, %d events, %d devices checked, %d failures\n",
		st.Tenants, st.Open, st.Changed, st.Events, st.Devices, st.Failures)
	if st.Preexisting > 0 {
		fmt.Fprintf(stdout, "%d breaches predate the SLA clocks (tickets from before the upgrade): recorded, not escalated\n", st.Preexisting)
	}
	return nil
}

// dur writes a duration without zero units: "30m", "4h", "1h30m".
func dur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// billingText says how the tenant is billed: "R450.00 per user per month
// excl. VAT (seats: the organisation's people), 12-month contract".
func billingText(t msp.Tenant) string {
	basis := t.BillingBasis()
	what := map[msp.BillingBasis]string{
		msp.BillSeats:       "seats: the organisation's people",
		msp.BillDevices:     "devices: enrolled, not retired",
		msp.BillActiveUsers: "active users: people on a device that checked in that month",
	}[basis]
	if t.PricePerUser.Minor == 0 {
		return fmt.Sprintf("no price set (%s); set one with --price 450 --currency ZAR", what)
	}
	return fmt.Sprintf("%s per %s per month excl. VAT (%s), %s", t.PricePerUser, basis.Unit(), what, t.Billing.ContractText())
}
