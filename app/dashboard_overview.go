package app

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// overviewTab is the first view: open tickets by pillar and by owner, SLA
// attainment this month, tickets at risk and breached, and the fleet's
// health in counts.
type overviewTab struct {
	d   *Dashboard
	gen int

	openTotal *widget.Label
	byPillar  *barChart
	byOwner   *barChart
	sla       *meter
	atRisk    *fyne.Container
	breached  *fyne.Container
	online    *meter
	patched   *meter
	fleet     *widget.Label
	ov        localapi.Overview
}

func newOverviewTab(d *Dashboard) *overviewTab {
	v := &overviewTab{d: d,
		openTotal: widget.NewLabel(""),
		byPillar:  newBarChart("No open tickets."),
		byOwner:   newBarChart("No open tickets."),
		sla:       newMeter(),
		atRisk:    container.NewVBox(),
		breached:  container.NewVBox(),
		online:    newMeter(),
		patched:   newMeter(),
		fleet:     widget.NewLabel(""),
	}
	v.fleet.Wrapping = fyne.TextWrapWord
	return v
}

func (v *overviewTab) content() fyne.CanvasObject {
	row1 := container.NewGridWithColumns(2,
		card("Open tickets by pillar", "", v.byPillar.Object()),
		container.NewVBox(
			card("Open tickets by who has them", "", v.byOwner.Object()),
			card("SLA this month", "First responses within target", v.sla.Object())),
	)
	row2 := container.NewGridWithColumns(3,
		card("Breached", "Open tickets past an SLA target", v.breached),
		card("At risk", "Open tickets close to an SLA target", v.atRisk),
		card("Devices", "", container.NewVBox(v.online.Object(), v.patched.Object(), v.fleet)),
	)
	return container.NewVScroll(container.NewVBox(
		v.openTotal,
		row1, row2))
}

func (v *overviewTab) reload() {
	tenant := v.d.tenant
	load(v.d, &v.gen, func(ctx context.Context) (localapi.Overview, error) { return v.d.staff.Overview(ctx, tenant) }, v.set)
}

// set shows ov.
func (v *overviewTab) set(ov localapi.Overview) {
	v.ov = ov
	now := v.d.env.Now()
	open := ov.Open
	if open == 0 {
		for _, n := range ov.OpenByOwner {
			open += n
		}
	}
	v.openTotal.SetText(plural(open, "open ticket"))
	v.openTotal.TextStyle.Bold = true
	v.openTotal.Refresh()

	var pillars []bar
	for _, p := range msp.Pillars() {
		pillars = append(pillars, bar{Label: p.Name, Value: ov.OpenByPillar[p.ID]})
	}
	v.byPillar.Set(pillars)
	owners := []bar{
		{Label: v.d.supportName(), Value: ov.OpenByOwner[msp.PartyMSP]},
		{Label: "Internal IT", Value: ov.OpenByOwner[msp.PartyInternal], Color: theme.ColorNameSuccess},
		{Label: "Shared", Value: ov.OpenByOwner[msp.PartyShared], Color: theme.ColorNameWarning},
	}
	if n := ov.OpenByOwner[""]; n > 0 {
		owners = append(owners, bar{Label: "Not routed yet", Value: n, Color: theme.ColorNameDisabled})
	}
	v.byOwner.Set(owners)

	if ov.SLADecided == 0 {
		v.sla.Set(0, 0, "No first responses made or missed yet this month.", true)
	} else {
		pct := float64(ov.SLAMet) * 100 / float64(ov.SLADecided)
		v.sla.Set(ov.SLAMet, ov.SLADecided, fmt.Sprintf("%s of first responses on time: %d of %d", pctWords(pct), ov.SLAMet, ov.SLADecided), pct >= 90)
	}
	v.ticketLinks(v.breached, ov.Breached, "None. Every open ticket is within its targets.", now)
	v.ticketLinks(v.atRisk, ov.AtRisk, "None at risk.", now)

	if !ov.DevicesKnown && ov.Devices == 0 {
		v.online.Set(0, 0, "The hub has not shared the device list with this sign-in.", true)
		v.patched.Set(0, 0, "", true)
		v.fleet.SetText("")
		return
	}
	seen := ov.Devices - ov.DevicesSilent
	v.online.Set(seen, ov.Devices, fmt.Sprintf("Online: %d of %d devices checked in within the last %s; %d silent",
		seen, ov.Devices, durationWords(localapi.SilentAfter), ov.DevicesSilent), ov.DevicesSilent == 0)
	// One definition of patch compliance, the monthly report's and the
	// Service tab's: no security update waiting more than N days.
	current := ov.Devices - ov.PatchOverdue
	text := fmt.Sprintf("Patch compliance: %d of %d devices have no security update waiting more than %s",
		current, ov.Devices, plural(cmp.Or(ov.PatchAfterDays, msp.DefaultSecurityUpdatesDays), "day"))
	if ov.SecurityPending > 0 {
		have := "1 device has"
		if ov.SecurityPending != 1 {
			have = fmt.Sprintf("%d devices have", ov.SecurityPending)
		}
		text += fmt.Sprintf("; %s updates waiting, the oldest for %s", have, daysWords(ov.OldestPendingDays))
	}
	v.patched.Set(current, ov.Devices, text, ov.PatchOverdue == 0)
	v.fleet.SetText(fmt.Sprintf("Restart needed: %d\nFailing a security check (firewall, disk encryption, antivirus, automatic updates): %d",
		ov.RestartNeeded, ov.PostureFailures))
}

// ticketLinks lists tickets as buttons that open them in the Tickets tab.
func (v *overviewTab) ticketLinks(box *fyne.Container, ts []localapi.StaffTicket, none string, now time.Time) {
	box.Objects = nil
	if len(ts) == 0 {
		l := widget.NewLabel(none)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	for _, t := range ts {
		id := t.ID
		_, imp := slaCell(t, now)
		sla := longSLA(t, now, v.d.zones(t.Tenant))
		label := fmt.Sprintf("%s P%d %s", TicketNumber(t.ID), t.Priority, t.Title)
		if v.d.multiOrg() && v.d.tenant == "" && t.TenantName != "" {
			label += " · " + t.TenantName
		}
		b := widget.NewHyperlink(label, nil)
		b.OnTapped = func() { v.d.OpenTicket(id) }
		b.Truncation = fyne.TextTruncateEllipsis
		b.TextStyle.Bold = true
		s := widget.NewLabel(sla)
		s.Importance = imp
		s.SizeName = theme.SizeNameCaptionText
		s.Truncation = fyne.TextTruncateEllipsis
		box.Add(container.NewVBox(b, s))
	}
	box.Refresh()
}

// daysWords says an age in whole days: "under a day", "1 day", "12 days".
func daysWords(n int) string {
	if n <= 0 {
		return "under a day"
	}
	return plural(n, "day")
}

// durationWords says a whole number of hours or days.
func durationWords(d time.Duration) string {
	if d%(24*time.Hour) == 0 && d > 24*time.Hour {
		return plural(int(d/(24*time.Hour)), "day")
	}
	return plural(int(d/time.Hour), "hour")
}

// card is a titled panel of the overview: a bold title, an optional grey
// subtitle, the content, on a faint ground.
func card(title, sub string, content fyne.CanvasObject) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	box := container.NewVBox(head)
	if sub != "" {
		s := widget.NewLabel(sub)
		s.SizeName = theme.SizeNameCaptionText
		box.Add(s)
	}
	box.Add(content)
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = 6
	return container.NewPadded(container.NewStack(bg, container.NewPadded(box)))
}
