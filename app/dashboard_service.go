package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// serviceTab is the dashboard's Service tab: for the organisation chosen,
// the service it is owed (mode, hours, holidays, SLA targets; from the
// replica, so it shows offline) and how it got it (the hub's monthly
// report, kept by the agent for offline use, with "Save as PDF…"). It is
// a widget so the dashboard's tab holds it as its content.
type serviceTab struct {
	widget.BaseWidget
	d   *Dashboard
	gen int

	view    localapi.ServiceView
	loaded  bool   // view holds an answer
	month   string // YYYY-MM asked for; "" for this month
	tenant  string // the organisation view is of
	months  []string
	saving  bool
	root    *fyne.Container
	choose  *fyne.Container // "choose an organisation" (all organisations chosen)
	body    *fyne.Container // promise and report
	problem *widget.Label   // why nothing can be shown

	// the promise
	title    *widget.Label
	mode     *widget.Label
	contact  *widget.Label
	openNow  *widget.Label
	overflow *widget.Label
	hours    *fyne.Container
	holidays *fyne.Container
	targets  *fyne.Container
	atRisk   *widget.Label

	// the report
	monthSel   *widget.Select
	refreshBtn *widget.Button // fetch the month's report again
	saveBtn    *widget.Button
	asOf       *widget.Label
	repBox     *fyne.Container // the report's cards, or a note when there is none
	slaAll     *meter
	slaRows    *fyne.Container
	late       *fyne.Container
	tickets    *widget.Label
	byPillar   *barChart
	byOwner    *barChart
	patch      *fyne.Container
	devices    *widget.Label
	alerts     *barChart
	alertsSum  *widget.Label
	billing    *widget.Label
	repCards   fyne.CanvasObject
	repNote    *widget.Label
}

// addServiceTab appends the Service tab to the dashboard's tabs and
// reloads it when it is chosen or the organisation changes. build calls it
// once, after the other tabs.
func (d *Dashboard) addServiceTab() *serviceTab {
	v := newServiceTab(d)
	item := container.NewTabItemWithIcon("Service", theme.InfoIcon(), v)
	d.tabs.Append(item)
	selected := d.tabs.OnSelected
	d.tabs.OnSelected = func(ti *container.TabItem) {
		if selected != nil {
			selected(ti)
		}
		if ti == item {
			v.reload()
		}
	}
	chosen := d.orgSelect.OnChanged
	d.orgSelect.OnChanged = func(s string) {
		if chosen != nil {
			chosen(s)
		}
		if d.tabs.Selected() == item {
			v.reload()
		}
	}
	return v
}

func newServiceTab(d *Dashboard) *serviceTab {
	wrap := func(l *widget.Label) *widget.Label { l.Wrapping = fyne.TextWrapWord; return l }
	v := &serviceTab{d: d,
		title:     widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		mode:      wrap(widget.NewLabel("")),
		contact:   wrap(widget.NewLabel("")),
		openNow:   wrap(widget.NewLabel("")),
		overflow:  wrap(widget.NewLabel("")),
		hours:     container.NewVBox(),
		holidays:  container.NewVBox(),
		targets:   container.NewVBox(),
		atRisk:    wrap(widget.NewLabel("")),
		asOf:      wrap(widget.NewLabel("")),
		slaAll:    newMeter(),
		slaRows:   container.NewVBox(),
		late:      container.NewVBox(),
		tickets:   wrap(widget.NewLabel("")),
		byPillar:  newBarChart("No tickets this month."),
		byOwner:   newBarChart("No tickets this month."),
		patch:     container.NewVBox(),
		devices:   wrap(widget.NewLabel("")),
		alerts:    newBarChart("No alerts this month."),
		alertsSum: wrap(widget.NewLabel("")),
		billing:   wrap(widget.NewLabel("")),
		repNote:   wrap(widget.NewLabel("")),
		problem:   wrap(widget.NewLabel("")),
	}
	v.title.SizeName = theme.SizeNameHeadingText
	v.monthSel = widget.NewSelect(nil, func(string) { v.chooseMonth() })
	v.saveBtn = widget.NewButtonWithIcon("Save as PDF…", theme.DocumentSaveIcon(), v.savePDF)
	v.refreshBtn = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), v.reload)
	v.build()
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer draws the tab's content.
func (v *serviceTab) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.root) }

func (v *serviceTab) build() {
	hoursCard := card("Business hours", "", container.NewVBox(v.openNow, v.hours, widget.NewSeparator(),
		widget.NewLabelWithStyle("Next public holidays (closed)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), v.holidays))
	promise := container.NewGridWithColumns(2,
		container.NewVBox(
			card("Your service", "", container.NewVBox(v.mode, v.overflow, v.contact)),
			card("Response and resolution targets", "How soon a ticket is first answered and solved, by priority", container.NewVBox(v.targets, v.atRisk)),
		),
		hoursCard,
	)

	v.repCards = container.NewVBox(
		container.NewGridWithColumns(2,
			card("First responses on time", "Tickets answered within their target, by priority", container.NewVBox(v.slaAll.Object(), v.slaRows)),
			card("Late first responses", "Tickets answered after their target, oldest first", v.late),
		),
		container.NewGridWithColumns(2,
			card("Tickets", "", container.NewVBox(v.tickets,
				widget.NewLabelWithStyle("By pillar", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), v.byPillar.Object(),
				widget.NewLabelWithStyle("By owner", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), v.byOwner.Object())),
			container.NewVBox(
				card("Devices and patching", "", container.NewVBox(v.devices, v.patch)),
				card("Alerts", "Problems the monitoring raised on its own", container.NewVBox(v.alertsSum, v.alerts.Object())),
				card("Billing preview", "", v.billing),
			),
		),
	)
	v.repBox = container.NewVBox(v.repNote, v.repCards)
	monthHead := widget.NewLabelWithStyle("Monthly report", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	monthHead.SizeName = theme.SizeNameSubHeadingText
	reportHead := container.NewBorder(nil, nil, monthHead, container.NewHBox(widget.NewLabel("Month:"), container.New(&maxWidth{width: 230}, v.monthSel), v.refreshBtn, v.saveBtn))

	v.body = container.NewVBox(v.title, promise, widget.NewSeparator(), reportHead, v.asOf, v.repBox)
	v.choose = container.NewVBox()
	v.root = container.NewStack(container.NewVScroll(container.NewPadded(container.NewVBox(v.problem, v.choose, v.body))))
	v.body.Hide()
	v.choose.Hide()
	v.problem.Hide()
}

// reload asks the agent for the chosen organisation's service and the
// chosen month's report.
func (v *serviceTab) reload() {
	d := v.d
	if !d.signedIn {
		return
	}
	if d.tenant == "" && d.multiOrg() {
		v.showChooser()
		return
	}
	tenant, month := d.tenant, v.month
	if tenant != v.tenant && v.tenant != "" {
		month = "" // another organisation: start at its this month
	}
	v.choose.Hide()
	if v.loaded && tenant == v.tenant {
		v.asOf.SetText("Fetching the report of " + monthWords(cmpOr(month, v.view.Month), v.months) + " from the hub…")
	}
	type answer struct {
		view localapi.ServiceView
		err  error // an answer of the agent that concerns this tab only
	}
	load(d, &v.gen, func(ctx context.Context) (answer, error) {
		sv, err := d.staff.StaffService(ctx, tenant, month)
		var api *localapi.APIError
		if errors.As(err, &api) && (api.Status == http.StatusNotFound || api.Status == http.StatusBadRequest) {
			return answer{err: err}, nil
		}
		return answer{view: sv}, err
	}, func(a answer) {
		if a.err != nil {
			v.showProblem(problem(a.err))
			return
		}
		v.tenant = tenant
		v.set(a.view)
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// showChooser asks a person with several organisations to pick one.
func (v *serviceTab) showChooser() {
	v.body.Hide()
	v.problem.Hide()
	v.d.fillOrgChooser(v.choose, "The service an organisation is owed, and its monthly report, are shown one organisation at a time. Choose one:")
}

func (v *serviceTab) showProblem(text string) {
	v.body.Hide()
	v.choose.Hide()
	v.problem.SetText(text)
	v.problem.Importance = widget.WarningImportance
	v.problem.Show()
	v.problem.Refresh()
}

// chooseMonth loads the report of the month picked.
func (v *serviceTab) chooseMonth() {
	i := indexOf(v.monthSel.Options, v.monthSel.Selected)
	if i < 0 || i >= len(v.months) || v.months[i] == v.view.Month {
		return
	}
	v.month = v.months[i]
	v.reload()
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// monthWords says "2026-11" as "November 2026", with " (so far)" for the
// newest of months (this month).
func monthWords(month string, months []string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	s := t.Format("January 2006")
	if len(months) > 0 && months[0] == month {
		s += " (so far)"
	}
	return s
}

// set shows sv.
func (v *serviceTab) set(sv localapi.ServiceView) {
	v.view, v.loaded = sv, true
	v.months = sv.Months
	v.month = sv.Month
	v.problem.Hide()
	v.choose.Hide()
	v.body.Show()
	v.setPromise(sv)
	opts := make([]string, len(sv.Months))
	for i, m := range sv.Months {
		opts[i] = monthWords(m, sv.Months)
	}
	v.monthSel.Options = opts
	v.monthSel.Selected = monthWords(sv.Month, sv.Months) // not SetSelected: that would load again
	v.monthSel.Refresh()
	v.setReport(sv)
	v.Refresh()
}

func (v *serviceTab) supportName() string {
	if n := strings.TrimSpace(v.view.Promise.MSPName); n != "" {
		return n
	}
	return v.d.supportName()
}

func (v *serviceTab) setPromise(sv localapi.ServiceView) {
	p := sv.Promise
	support := v.supportName()
	v.title.SetText("Service for " + sv.Tenant.Name)
	v.mode.SetText(modeWords(p.Mode, support))
	if p.Overflow > 0 {
		v.overflow.SetText(fmt.Sprintf("If internal IT has not answered a ticket within %s, %s takes it.", spanWords(p.Overflow), support))
		v.overflow.Show()
	} else {
		v.overflow.Hide()
	}
	var how []string
	if p.MSPPhone != "" {
		how = append(how, "phone "+p.MSPPhone)
	}
	if p.MSPEmail != "" {
		how = append(how, "email "+p.MSPEmail)
	}
	if len(how) > 0 {
		v.contact.SetText("To reach " + support + ": " + strings.Join(how, " or ") + ".")
	} else {
		v.contact.SetText("")
	}

	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	now := v.d.env.Now()
	zone := p.TimeZone
	if _, off := now.In(loc).Zone(); off != 0 || zone != "UTC" {
		zone = fmt.Sprintf("%s time (UTC%s)", strings.ReplaceAll(p.TimeZone, "_", " "), now.In(loc).Format("-07:00"))
	}
	switch {
	case p.OpenNow && !p.NextChange.IsZero():
		v.openNow.SetText(fmt.Sprintf("Open now, until %s. Times are %s.", msp.ClockWords(p.NextChange, now, loc), zone))
		v.openNow.Importance = widget.SuccessImportance
	case p.OpenNow:
		v.openNow.SetText("Open now. Times are " + zone + ".")
		v.openNow.Importance = widget.SuccessImportance
	case !p.NextChange.IsZero():
		v.openNow.SetText(fmt.Sprintf("Closed now; opens %s. Times are %s.", msp.ClockWords(p.NextChange, now, loc), zone))
		v.openNow.Importance = widget.MediumImportance
	default:
		v.openNow.SetText("Times are " + zone + ".")
		v.openNow.Importance = widget.MediumImportance
	}
	v.openNow.Refresh()

	v.hours.Objects = nil
	for _, h := range groupDays(p.Hours) {
		v.hours.Add(container.NewGridWithColumns(2, widget.NewLabel(h[0]), widget.NewLabel(h[1])))
	}
	v.hours.Refresh()

	v.holidays.Objects = nil
	if len(p.Holidays) == 0 {
		v.holidays.Add(widget.NewLabel("None: this organisation keeps no public holidays."))
	}
	for _, h := range p.Holidays {
		day, err := h.Day()
		if err != nil {
			continue
		}
		name := h.Name
		if h.Observed {
			name += " (observed)"
		}
		v.holidays.Add(container.NewGridWithColumns(2, widget.NewLabel(day.Format("Mon 2 Jan 2006")), widget.NewLabel(name)))
	}
	v.holidays.Refresh()

	v.targets.Objects = nil
	head := func(s string) fyne.CanvasObject {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	grid := container.NewGridWithColumns(3, head("Priority"), head("First response"), head("Solved"))
	for _, t := range p.Targets {
		grid.Add(widget.NewLabel(priorityShort(t.Priority)))
		grid.Add(widget.NewLabel(targetWords(t.Response, t.AllHours)))
		grid.Add(widget.NewLabel(targetWords(t.Resolution, t.AllHours)))
	}
	v.targets.Add(grid)
	v.targets.Refresh()
	v.atRisk.SetText(fmt.Sprintf("Business-hours targets count only the hours the organisation is open "+
		"(weekends and public holidays do not count). A ticket is flagged at risk once %d%% of its time is used.", 100-p.AtRiskPercent))
}

// modeWords explains a service mode to the customer's IT lead.
func modeWords(m msp.ServiceMode, support string) string {
	if m == msp.ModeFullyManaged {
		return "Fully managed: " + support + " is your whole IT department. Every ticket, device and update is theirs, " +
			"in business hours and after hours."
	}
	return "Co-managed: " + support + " runs monitoring, patching, backup, security and after-hours cover beside your " +
		"internal IT team, who keep business projects. The helpdesk is shared; who owns each function is in the responsibility matrix."
}

// priorityShort names a priority as the hub's PDF report does: "P1 critical".
func priorityShort(p msp.Priority) string { return p.String() }

// targetWords says a target: "1 hour, day or night", "4 business hours",
// "2 business days (16 h)".
func targetWords(d time.Duration, allHours bool) string {
	if allHours {
		return spanWords(d) + ", day or night"
	}
	if d >= 2*msp.BusinessDay && d%msp.BusinessDay == 0 {
		return fmt.Sprintf("%d business days (%d h)", int(d/msp.BusinessDay), int(d/time.Hour))
	}
	if d%time.Hour == 0 {
		return plural(int(d/time.Hour), "business hour")
	}
	return spanWords(d) + " of business hours"
}

// spanWords says a duration: "30 minutes", "1 hour", "1 h 30 min", "2 days".
func spanWords(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d <= 0:
		return "no time"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d days %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// groupDays says the week's hours in rows, joining neighbouring days with
// the same hours: {"Monday – Friday", "08:00 – 17:00"}, {"Saturday, Sunday", "Closed"}.
func groupDays(days []localapi.DayHours) [][2]string {
	same := func(a, b localapi.DayHours) bool {
		return a.Closed == b.Closed && (a.Closed || (a.Open == b.Open && a.Close == b.Close))
	}
	var out [][2]string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && same(days[i], days[j+1]) {
			j++
		}
		name := days[i].Day.String()
		switch {
		case j == i+1:
			name += ", " + days[j].Day.String()
		case j > i+1:
			name += " – " + days[j].Day.String()
		}
		hours := "Closed"
		if !days[i].Closed {
			hours = days[i].Open.String() + " – " + days[i].Close.String()
		}
		out = append(out, [2]string{name, hours})
		i = j + 1
	}
	return out
}

// setReport shows the report of sv, or why there is none.
func (v *serviceTab) setReport(sv localapi.ServiceView) {
	now := v.d.env.Now()
	month := monthWords(sv.Month, sv.Months)
	switch {
	case sv.Report != nil && sv.ReportFresh:
		v.asOf.SetText("As of " + sv.ReportAsOf.Local().Format("15:04") + " today, from the hub.")
		v.asOf.Importance = widget.MediumImportance
	case sv.Report != nil:
		v.asOf.SetText(fmt.Sprintf("As of %s (%s). %s; the figures may have changed since.",
			sv.ReportAsOf.Local().Format("2 Jan 15:04"), Ago(sv.ReportAsOf, now), reportWhy(sv)))
		v.asOf.Importance = widget.WarningImportance
	default:
		v.asOf.SetText("")
	}
	v.asOf.Refresh()
	v.saveBtn.Enable()
	if sv.Report == nil {
		v.repCards.Hide()
		text := "The report of " + month + " cannot be shown: "
		if sv.ReportOffline {
			text += "it has not been fetched on this computer before, and the hub cannot be reached right now. " +
				"Press Refresh once this computer is back online."
		} else {
			text += plainError(sv.ReportProblem) + "."
		}
		v.repNote.SetText(text)
		v.repNote.Importance = widget.WarningImportance
		v.repNote.Show()
		v.repNote.Refresh()
		return
	}
	v.repNote.Hide()
	v.repCards.Show()
	r := sv.Report
	when := "in " + strings.TrimSuffix(month, " (so far)")
	if strings.HasSuffix(month, "(so far)") {
		when = "so far in " + strings.TrimSuffix(month, " (so far)")
	}

	// SLA attainment
	if pct, ok := r.SLAOverall.Percent(); ok {
		v.slaAll.Set(r.SLAOverall.Met, r.SLAOverall.Met+r.SLAOverall.Breached,
			fmt.Sprintf("%s of tickets answered on time %s: %d of %d.", pctWords(pct), when, r.SLAOverall.Met, r.SLAOverall.Met+r.SLAOverall.Breached),
			pct >= 90)
	} else {
		v.slaAll.Set(0, 0, "No first response was due "+when+".", true)
	}
	v.slaRows.Objects = nil
	for _, row := range r.SLA {
		m := newMeter()
		target := targetWords(row.Target, row.AllHours)
		if pct, ok := row.Percent(); ok {
			text := fmt.Sprintf("%s: %s on time (%d of %d within %s)", priorityShort(row.Priority), pctWords(pct), row.Met, row.Met+row.Breached, target)
			if row.Pending > 0 {
				text += fmt.Sprintf("; %d waiting for a first answer, not late yet", row.Pending)
			}
			m.Set(row.Met, row.Met+row.Breached, text, pct >= 90)
		} else if row.Tickets > 0 {
			m.Set(0, 0, fmt.Sprintf("%s: %s waiting for a first answer, not late yet (target %s)", priorityShort(row.Priority), plural(row.Tickets, "ticket"), target), true)
		} else {
			m.Set(0, 0, fmt.Sprintf("%s: no tickets (target %s)", priorityShort(row.Priority), target), true)
		}
		v.slaRows.Add(m.Object())
	}
	v.slaRows.Refresh()

	// late tickets
	v.late.Objects = nil
	if len(r.Late) == 0 {
		v.late.Add(widget.NewLabel("None: every first response due " + when + " came in time."))
	}
	zone := reportZone(r)
	for _, l := range r.Late {
		head := widget.NewLabelWithStyle(fmt.Sprintf("%s %s · %s", TicketNumber(l.ID), priorityShort(l.Priority), l.Title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Truncation = fyne.TextTruncateEllipsis
		var what string
		if l.RespondedAt.IsZero() {
			what = fmt.Sprintf("Raised %s, not answered yet: %s past target", l.CreatedAt.In(zone).Format("2 Jan 15:04"), overWords(l.Over, l.AllHours))
		} else {
			what = fmt.Sprintf("Raised %s, answered %s late", l.CreatedAt.In(zone).Format("2 Jan 15:04"), overWords(l.Over, l.AllHours))
		}
		if l.Owner != "" {
			what += " · " + l.Owner
		}
		s := widget.NewLabel(what)
		s.SizeName = theme.SizeNameCaptionText
		s.Importance = widget.WarningImportance
		v.late.Add(container.NewVBox(head, s))
	}
	if r.LateMore > 0 {
		v.late.Add(widget.NewLabel(fmt.Sprintf("and %d more (see the PDF).", r.LateMore)))
	}
	v.late.Refresh()

	// tickets
	text := fmt.Sprintf("%s opened, %s resolved %s; %d still open at the end of the month.",
		plural(r.Opened, "ticket"), fmt.Sprint(r.Resolved), when, r.OpenAtEnd)
	if strings.HasSuffix(month, "(so far)") {
		text = fmt.Sprintf("%s opened, %d resolved %s; %d open now.", plural(r.Opened, "ticket"), r.Resolved, when, r.OpenAtEnd)
	}
	if r.MTTRCount > 0 {
		text += fmt.Sprintf("\nTime to resolve, on average: %s (%s), over %s.", spanWords(r.MTTR), businessWords(r.MTTRBusiness), plural(r.MTTRCount, "ticket"))
	}
	v.tickets.SetText(text)
	v.byPillar.Set(barsOf(r.ByPillar, ""))
	owners := barsOf(r.ByOwner, "")
	for i, c := range r.ByOwner {
		owners[i].Color = ownerColour(msp.Party(c.Key))
	}
	v.byOwner.Set(owners)

	// devices and patching
	dev := fmt.Sprintf("%s; %d silent (no check-in for %s).", plural(r.Devices, "device"), r.Silent, spanWords(r.SilentAfter))
	dev += fmt.Sprintf("\nSecurity updates waiting: %s. Restart needed: %s.", plural(r.SecurityPendingNow, "device"), plural(r.RebootPendingNow, "device"))
	v.devices.SetText(dev)
	v.patch.Objects = nil
	if len(r.Patch) > 0 {
		l := widget.NewLabelWithStyle(fmt.Sprintf("Patch compliance by week (no security update waiting more than %s)", plural(r.PatchAfterDays, "day")),
			fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Wrapping = fyne.TextWrapWord
		v.patch.Add(l)
	}
	for _, w := range r.Patch {
		label := w.Label
		if !w.At.Before(r.AsOf) && r.AsOf.Before(r.To) {
			label += " (so far)"
		}
		m := newMeter()
		if w.Devices == 0 {
			m.Set(0, 0, label+": no devices enrolled yet", true)
		} else {
			m.Set(w.Compliant, w.Devices, fmt.Sprintf("%s: %s (%d of %d devices)", label, pctWords(w.Percent()), w.Compliant, w.Devices), w.Percent() >= 90)
		}
		v.patch.Add(m.Object())
	}
	v.patch.Refresh()

	// alerts
	if r.AlertsTotal == 0 {
		v.alertsSum.SetText("No alerts " + when + ".")
	} else {
		v.alertsSum.SetText(fmt.Sprintf("%s %s.", capitalise(plural(r.AlertsTotal, "alert")), when))
	}
	v.alerts.Set(barsOf(r.Alerts, theme.ColorNameWarning))

	// billing
	unit := r.Unit
	if unit == "" {
		unit = "user"
	}
	if r.PricePerUser.Minor == 0 {
		v.billing.SetText(fmt.Sprintf("%s (%s); no price is set for this organisation yet.", plural(r.Users, unit), r.UsersSource))
	} else {
		text := fmt.Sprintf("%s excl. VAT: %s × %s per %s per month (%s)", r.Total, plural(r.Users, unit), r.PricePerUser, unit, r.UsersSource)
		if r.Contract != "" {
			text += ", " + r.Contract
		}
		v.billing.SetText(text + ". The PDF lists each by name.")
	}
}

// reportWhy says why a newer report could not be fetched.
func reportWhy(sv localapi.ServiceView) string {
	if sv.ReportOffline || sv.ReportProblem == "" {
		return "This computer cannot reach the hub right now"
	}
	return "A newer one could not be fetched: " + plainError(sv.ReportProblem)
}

// reportZone is the time zone of the report's times.
func reportZone(r *localapi.MonthReport) *time.Location {
	if loc, err := time.LoadLocation(r.TimeZone); err == nil {
		return loc
	}
	return time.Local
}

// pctWords says a percentage to one decimal as the PDF report does
// ("97.2%"), and a whole 100 as "100%".
func pctWords(p float64) string {
	if p >= 100 {
		return "100%"
	}
	return fmt.Sprintf("%.1f%%", p)
}

// overWords says how late: on a 24/7 clock in time, else in business hours.
func overWords(d time.Duration, allHours bool) string {
	if allHours || d < time.Hour {
		return spanWords(d)
	}
	return businessWords(d)
}

// businessWords says a span of business time in whole hours.
func businessWords(d time.Duration) string {
	if d < time.Hour {
		return spanWords(d) + " of business hours"
	}
	return plural(int(d.Round(time.Hour)/time.Hour), "business hour")
}

// ownerColour colours an owner's bar as the Overview tab does.
func ownerColour(p msp.Party) fyne.ThemeColorName {
	switch p {
	case msp.PartyInternal:
		return theme.ColorNameSuccess
	case msp.PartyShared:
		return theme.ColorNameWarning
	}
	return ""
}

func barsOf(cs []localapi.ReportCount, c fyne.ThemeColorName) []bar {
	out := make([]bar, 0, len(cs))
	for _, x := range cs {
		out = append(out, bar{Label: x.Label, Value: x.N, Color: c})
	}
	return out
}

// savePDF asks where to save the chosen month's report and saves the PDF
// the hub renders there. Offline it says so instead: only the hub makes
// the PDF.
func (v *serviceTab) savePDF() {
	if !v.loaded || v.saving {
		return
	}
	sv := v.view
	if sv.ReportOffline {
		dialog.ShowInformation("The PDF needs the hub",
			"Saving the report as a PDF needs the hub, and this computer cannot reach it right now. "+
				"Try again when this computer is back online.", v.d.win)
		return
	}
	name := fmt.Sprintf("Service report %s %s.pdf", safeName(sv.Tenant.Name), sv.Month)
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("choosing where to save the report: %w", err), v.d.win)
			return
		}
		if w == nil {
			return // cancelled
		}
		v.saveTo(w)
	}, v.d.win)
	fd.SetFileName(name)
	fd.SetFilter(storage.NewExtensionFileFilter([]string{".pdf"}))
	showFileDialog(fd, v.d.win)
}

// safeName keeps a name fit for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '-'
		}
		return r
	}, s)
}

// saveTo fetches the PDF of the month shown and writes it to w, which it
// closes; on failure the file is removed and the reason shown.
func (v *serviceTab) saveTo(w fyne.URIWriteCloser) {
	sv := v.view
	v.saving = true
	v.saveBtn.Disable()
	v.d.env.Async(func() {
		var pdf []byte
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			pdf, err = v.d.staff.StaffReportPDF(ctx, sv.Tenant.ID, sv.Month)
			return err
		})
		if err == nil {
			_, err = w.Write(pdf)
			if cerr := w.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("saving the file: %w", cerr)
			}
		} else {
			_ = w.Close() // nothing was written; the file is removed below
		}
		if err != nil {
			if derr := storage.Delete(w.URI()); derr != nil {
				fyne.LogError("removing an unfinished report file", derr)
			}
		}
		fyne.Do(func() {
			v.saving = false
			v.saveBtn.Enable()
			if err != nil {
				dialog.ShowInformation("The report was not saved", pdfProblem(err), v.d.win)
				return
			}
			dialog.ShowInformation("Report saved",
				fmt.Sprintf("The report of %s is saved as %s.", monthWords(sv.Month, nil), savedWhere(w.URI())), v.d.win)
		})
	})
}

// savedWhere names a saved file: its path when it is on disk.
func savedWhere(u fyne.URI) string {
	if u.Scheme() == "file" && u.Path() != "" {
		return u.Path()
	}
	return u.Name()
}

// pdfProblem says why the PDF could not be saved.
func pdfProblem(err error) string {
	var api *localapi.APIError
	if errors.As(err, &api) && api.Status == http.StatusServiceUnavailable {
		return "Saving the report as a PDF needs the hub, and this computer cannot reach it right now. " +
			"Try again when this computer is back online."
	}
	return problem(err)
}
