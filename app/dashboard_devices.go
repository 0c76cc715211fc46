package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// devicesTab is the fleet: one row per device with last seen, OS, updates
// waiting and their age, restart and posture; the chosen device's full
// inventory with an "as of" time on each section.
type devicesTab struct {
	d   *Dashboard
	gen int

	search   *widget.Entry
	debounce *time.Timer
	count    *widget.Label
	cols     *columns
	header   *fyne.Container
	list     *widget.List
	empty    *widget.Label
	rows     []localapi.DeviceRow
	selected string

	pick   *widget.Label
	detail *fyne.Container
	scroll *container.Scroll
}

// device list columns: hostname (flexible), organisation, OS, last seen,
// updates, restart, posture.
const (
	dcolHost = iota
	dcolOrg
	dcolOS
	dcolSeen
	dcolUpdates
	dcolRestart
	dcolPosture
)

var deviceColumnWidths = []float32{0, 130, 150, 110, 150, 70, 170}

func newDevicesTab(d *Dashboard) *devicesTab {
	v := &devicesTab{d: d}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search hostnames and operating systems")
	v.search.OnChanged = func(string) { d.later(&v.debounce, v.reload) }
	v.count = widget.NewLabel("")
	v.count.SizeName = theme.SizeNameCaptionText
	v.cols = &columns{widths: slices.Clone(deviceColumnWidths), flex: dcolHost}
	v.header = v.cols.header("Device", "Organisation", "Operating system", "Last seen", "Updates waiting", "Restart", "Security checks")
	v.list = widget.NewList(func() int { return len(v.rows) }, v.newRow, v.updateRow)
	v.list.OnSelected = func(i widget.ListItemID) {
		if i < len(v.rows) {
			v.show(v.rows[i].ID)
		}
	}
	v.empty = widget.NewLabel("")
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.pick = widget.NewLabel("Choose a device to see its inventory, updates and security checks.")
	v.pick.Wrapping = fyne.TextWrapWord
	v.detail = container.NewVBox()
	v.scroll = container.NewVScroll(container.NewPadded(v.detail))
	v.scroll.Hide()
	return v
}

func (v *devicesTab) content() fyne.CanvasObject {
	top := container.NewVBox(container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), v.count, v.search), v.header, widget.NewSeparator())
	left := container.NewBorder(top, nil, nil, nil, container.NewStack(v.list, container.NewPadded(v.empty)))
	split := container.NewHSplit(left, container.NewStack(container.NewPadded(v.pick), v.scroll))
	split.Offset = 0.62
	return split
}

func (v *devicesTab) reload() {
	tenant, q := v.d.tenant, strings.TrimSpace(v.search.Text)
	load(v.d, &v.gen, func(ctx context.Context) ([]localapi.DeviceRow, error) { return v.d.staff.StaffDevices(ctx, tenant, q) }, func(rows []localapi.DeviceRow) { v.set(rows, q) })
}

func (v *devicesTab) set(rows []localapi.DeviceRow, q string) {
	// silent devices and those needing attention first, then by name
	slices.SortStableFunc(rows, func(a, b localapi.DeviceRow) int {
		if ar, br := !a.RevokedAt.IsZero(), !b.RevokedAt.IsZero(); ar != br {
			if ar {
				return 1 // retired devices last
			}
			return -1
		}
		if c := attention(b) - attention(a); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a.Hostname), strings.ToLower(b.Hostname))
	})
	v.rows = rows
	w := float32(0)
	if v.d.multiOrg() && v.d.tenant == "" {
		w = deviceColumnWidths[dcolOrg]
	}
	v.cols.widths[dcolOrg] = w
	setVisible(v.header.Objects[dcolOrg], w > 0)
	v.header.Refresh()
	v.list.UnselectAll()
	v.list.Refresh()
	silent, attn, retired := 0, 0, 0
	for _, r := range rows {
		if !r.RevokedAt.IsZero() {
			retired++
		}
		if r.Silent {
			silent++
		}
		if attention(r) > 0 {
			attn++
		}
	}
	count := fmt.Sprintf("%s · %d need attention · %d silent", plural(len(rows)-retired, "device"), attn, silent)
	if retired > 0 {
		count += fmt.Sprintf(" · %d retired", retired)
	}
	v.count.SetText(count)
	switch {
	case len(rows) == 0 && q != "":
		v.empty.SetText("No device matches \"" + q + "\".")
		v.empty.Show()
	case len(rows) == 0:
		v.empty.SetText("No devices yet. Devices appear here once Tandem is installed and enrolled on them, " +
			"and after this computer has fetched them from the hub.")
		v.empty.Show()
	default:
		v.empty.Hide()
	}
	for i, r := range rows {
		if r.ID == v.selected {
			v.list.Select(i)
		}
	}
}

// attention ranks how much a device needs a look: silent, then posture
// failures, security updates, restart.
func attention(r localapi.DeviceRow) int {
	n := 0
	if r.Silent {
		n += 8
	}
	if len(r.PostureProblems) > 0 {
		n += 4
	}
	if r.SecurityPending > 0 {
		n += 2
	}
	if r.RestartNeeded {
		n++
	}
	return n
}

func (v *devicesTab) newRow() fyne.CanvasObject { return v.cols.newRow() }

func (v *devicesTab) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(v.rows) {
		return
	}
	r := v.rows[i]
	now := v.d.env.Now()
	set := v.cols.setter(o)
	set(dcolHost, r.Hostname, widget.MediumImportance)
	set(dcolOrg, r.TenantName, widget.MediumImportance)
	set(dcolOS, r.OS, widget.MediumImportance)
	seen, imp := seenWords(r, now)
	set(dcolSeen, seen, imp)
	if !r.RevokedAt.IsZero() {
		// Retired: its last report is history, not a state to act on.
		for _, c := range []int{dcolUpdates, dcolRestart, dcolPosture} {
			set(c, "—", widget.LowImportance)
		}
		return
	}
	up, imp := updatesWords(r)
	set(dcolUpdates, up, imp)
	if r.RestartNeeded {
		set(dcolRestart, "Needed", widget.WarningImportance)
	} else {
		set(dcolRestart, "—", widget.LowImportance)
	}
	if len(r.PostureProblems) > 0 {
		set(dcolPosture, strings.Join(r.PostureProblems, ", "), widget.DangerImportance)
	} else {
		set(dcolPosture, "All passing", widget.SuccessImportance)
	}
}

func seenWords(r localapi.DeviceRow, now time.Time) (string, widget.Importance) {
	if !r.RevokedAt.IsZero() {
		at := r.RevokedAt.In(now.Location())
		if at.Year() == now.Year() {
			return "Retired " + at.Format("2 Jan"), widget.LowImportance
		}
		return "Retired " + at.Format("Jan 2006"), widget.LowImportance
	}
	if r.LastSeen.IsZero() {
		return "Never", widget.DangerImportance
	}
	s := capitalise(Ago(r.LastSeen, now))
	if r.Silent {
		return "Silent · " + s, widget.DangerImportance
	}
	return s, widget.MediumImportance
}

func updatesWords(r localapi.DeviceRow) (string, widget.Importance) {
	switch {
	case r.SecurityPending > 0:
		age := "< 1 day old"
		if r.OldestPendingDays > 0 {
			age = plural(r.OldestPendingDays, "day") + " old"
		}
		return fmt.Sprintf("%d security, %s", r.SecurityPending, age), widget.DangerImportance
	case r.Pending > 0:
		return fmt.Sprintf("%d, none for security", r.Pending), widget.MediumImportance
	}
	return "Up to date", widget.SuccessImportance
}

// reveal makes device id the chosen one, with the search cleared so that
// the next reload lists and selects it, and shows its detail.
func (v *devicesTab) reveal(id string) {
	v.search.OnChanged = nil // no search of its own: the caller reloads
	v.search.SetText("")
	v.search.OnChanged = func(string) { v.d.later(&v.debounce, v.reload) }
	v.show(id)
}

// show loads and shows device id's detail.
func (v *devicesTab) show(id string) {
	v.selected = id
	v.d.env.Async(func() {
		var dd localapi.DeviceDetail
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			dd, err = v.d.staff.StaffDevice(ctx, id)
			return err
		})
		fyne.Do(func() {
			if v.selected != id {
				return
			}
			v.pick.Hide()
			v.scroll.Show()
			if err != nil {
				v.detail.Objects = []fyne.CanvasObject{widget.NewLabel("This device cannot be shown: " + problem(err))}
				v.detail.Refresh()
				return
			}
			v.render(dd)
		})
	})
}

// render shows a device's detail, each section with its "as of" time.
func (v *devicesTab) render(dd localapi.DeviceDetail) {
	now := v.d.env.Now()
	inv := dd.Inventory
	asOf := func(t time.Time) string {
		if t.IsZero() {
			return "not reported yet"
		}
		return "as of " + t.Local().Format("2 Jan 15:04") + " (" + Ago(t, now) + ")"
	}
	section := func(title string, at time.Time) fyne.CanvasObject {
		h := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		a := widget.NewLabel(asOf(at))
		a.SizeName = theme.SizeNameCaptionText
		a.Importance = widget.LowImportance
		if at.IsZero() || now.Sub(at) > localapi.SilentAfter {
			a.Importance = widget.WarningImportance
		}
		return container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, h, a))
	}
	line := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		return l
	}
	var objs []fyne.CanvasObject
	head := widget.NewLabelWithStyle(dd.Hostname, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	objs = append(objs, head)
	seen, imp := seenWords(dd.DeviceRow, now)
	sl := line("Last seen: " + seen)
	sl.Importance = imp
	if !dd.RevokedAt.IsZero() {
		// Say what retired means, and that what follows is its last report.
		sl = line("Retired by your IT support provider on " + dd.RevokedAt.In(now.Location()).Format("2 January 2006 15:04") +
			": it no longer reports, and what follows is its last report. If it is back in use, it must be enrolled again.")
		sl.Importance = widget.WarningImportance
	}
	org := ""
	if dd.TenantName != "" {
		org = dd.TenantName + " · "
	}
	objs = append(objs, line(org+dd.OS), sl)

	objs = append(objs, section("System", dd.InventoryAsOf))
	sys := []string{}
	if inv.OS.Name != "" {
		sys = append(sys, "Operating system: "+inv.OS.Summary()+kernelWords(inv.OS.Kernel))
	}
	if inv.CPU.Model != "" {
		sys = append(sys, fmt.Sprintf("Processor: %s (%d cores)", inv.CPU.Model, inv.CPU.Cores))
	}
	if inv.Memory.TotalBytes > 0 {
		sys = append(sys, "Memory: "+bytesWords(inv.Memory.TotalBytes))
	}
	if !inv.BootTime.IsZero() {
		sys = append(sys, "Running since "+inv.BootTime.Local().Format("2 Jan 15:04")+" (up "+upWords(now.Sub(inv.BootTime))+")")
	}
	for _, dk := range inv.Disks {
		enc := "not encrypted"
		if dk.Encrypted {
			enc = "encrypted"
		}
		free := 0
		if dk.TotalBytes > 0 {
			free = int(100 * dk.FreeBytes / dk.TotalBytes)
		}
		sys = append(sys, fmt.Sprintf("Disk %s (%s): %s free of %s (%d %%), %s", dk.Mount, dk.FS,
			bytesWords(dk.FreeBytes), bytesWords(dk.TotalBytes), free, enc))
	}
	for _, n := range inv.Network {
		if !n.Up || len(n.Addresses) == 0 {
			continue
		}
		sys = append(sys, fmt.Sprintf("Network %s: %s", n.Name, strings.Join(n.Addresses, ", ")))
	}
	if len(sys) == 0 {
		sys = append(sys, "No inventory reported yet.")
	}
	objs = append(objs, line(strings.Join(sys, "\n")))

	objs = append(objs, section("Updates", dd.PatchesAsOf))
	p := inv.Patches
	var up []string
	switch {
	case len(p.Pending) == 0 && dd.PatchesAsOf.IsZero():
		up = append(up, "Not reported yet.")
	case len(p.Pending) == 0:
		up = append(up, "Up to date.")
	default:
		up = append(up, fmt.Sprintf("%d waiting, %d for security; the oldest has waited %s.",
			len(p.Pending), p.SecurityPending(), daysWords(dd.OldestPendingDays)))
		pend := slices.Clone(p.Pending)
		slices.SortStableFunc(pend, func(a, b msp.Patch) int {
			if a.Security != b.Security {
				if a.Security {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Name, b.Name)
		})
		for i, x := range pend {
			if i == 40 {
				up = append(up, fmt.Sprintf("…and %d more", len(pend)-40))
				break
			}
			sec := ""
			if x.Security {
				sec = " · security"
			}
			ver := x.CandidateVersion
			if x.InstalledVersion != "" && x.CandidateVersion != "" {
				ver = x.InstalledVersion + " to " + x.CandidateVersion
			}
			if ver != "" && !strings.Contains(x.Name, ver) {
				ver = " (" + ver + ")"
			} else {
				ver = ""
			}
			up = append(up, fmt.Sprintf("• %s%s%s", x.Name, ver, sec))
		}
	}
	if p.RebootRequired {
		up = append(up, "A restart is needed to finish installing updates.")
	}
	objs = append(objs, line(strings.Join(up, "\n")))

	objs = append(objs, section("Security checks", dd.PostureAsOf))
	for _, c := range inv.Posture.Checks() {
		state, imp := "unknown", widget.WarningImportance
		switch c.Check.State {
		case msp.CheckOK:
			state, imp = "passing", widget.SuccessImportance
		case msp.CheckFailing:
			state, imp = "FAILING", widget.DangerImportance
		}
		l := line(fmt.Sprintf("%s: %s", c.Name, state))
		l.Importance = imp
		ev := note(c.Check.Evidence)
		objs = append(objs, container.NewVBox(l, ev))
	}

	objs = append(objs, section(fmt.Sprintf("Software (%d)", len(inv.Software)), dd.InventoryAsOf))
	sw := slices.Clone(inv.Software)
	slices.SortFunc(sw, func(a, b msp.Software) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	if len(sw) == 0 {
		objs = append(objs, line("No software reported yet."))
	} else {
		list := widget.NewList(func() int { return len(sw) }, func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		}, func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(sw[i].Name + " " + sw[i].Version)
		})
		objs = append(objs, container.NewGridWrap(fyne.NewSize(300, 260), list))
	}
	v.detail.Objects = objs
	v.detail.Refresh()
	v.scroll.ScrollToTop()
}

func kernelWords(k string) string {
	if k == "" {
		return ""
	}
	return " (kernel " + k + ")"
}

// bytesWords says a size in GB (or MB below one GB), as disk and memory
// sizes are read.
func bytesWords(n uint64) string {
	const gb = 1 << 30
	if n >= gb {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/gb), ".0") + " GB"
	}
	return Size(int64(n))
}

// upWords says how long a computer has been running: "3 h", "9 days".
func upWords(d time.Duration) string {
	if d < 48*time.Hour {
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}
