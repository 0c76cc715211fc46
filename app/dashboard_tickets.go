package app

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// searchDelay is how long the search box waits after the last key before
// it asks the agent, so typing a word costs one query, not one per letter.
const searchDelay = 150 * time.Millisecond

// ticketsTab is the staff queue: filters, the list sorted by SLA due time,
// and the detail of the chosen ticket with reply, internal note,
// escalation, hand-back and resolve.
type ticketsTab struct {
	d *Dashboard

	search   *widget.Entry
	debounce *time.Timer
	status   *widget.Select
	owner    *widget.Select
	pillar   *widget.Select
	sort     *widget.Select
	count    *widget.Label
	more     *widget.Button // "Show 200 more" under a list longer than a page
	cols     *columns
	header   *fyne.Container
	list     *widget.List
	empty    *widget.Label

	rows     []localapi.StaffTicket
	total    int
	query    localapi.TicketQuery // of rows
	gen      int                  // the newest query asked; older answers are dropped
	selected string
	current  localapi.StaffTicket
	loaded   bool // current holds the selected ticket

	pick       *widget.Label
	detail     *fyne.Container
	head       *widget.Label
	meta       *widget.Label
	undeliv    *widget.Label
	deviceLine *widget.Label
	deviceBtn  *widget.Button
	deviceBox  *fyne.Container
	conv       *fyne.Container
	thumbs     map[string]*thumb // previews of image attachments, by SHA-256
	convScroll *container.Scroll
	compose    *keyEntry
	composeMsg *message
	composeBox *fyne.Container // the box and buttons, hidden while a hand-off note is written
	replyBtn   *widget.Button
	noteBtn    *widget.Button
	resolveBtn *widget.Button
	escalate   *widget.Button
	handBack   *widget.Button
	moveTo     *widget.Select
	handoff    *fyne.Container
	handTitle  *widget.Label
	handNote   *keyEntry
	handMsg    *message
	handGo     *widget.Button
	handTo     msp.Party
	busy       bool

	dispatchUI
}

// ticket list columns: SLA, priority, number and title (flexible),
// requester (the person, or the OS account nobody has), organisation,
// status, owner, updated.
const (
	colPick = iota // the box that selects the row for bulk actions
	colSLA
	colPri
	colTitle
	colRequester
	colOrg
	colStatus
	colOwner
	colUpdated
)

var ticketColumnWidths = []float32{28, 136, 40, 0, 100, 92, 80, 76, 64}

func newTicketsTab(d *Dashboard) *ticketsTab {
	v := &ticketsTab{d: d, thumbs: map[string]*thumb{}}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search by #number, title, requester, device or words in the thread")
	v.search.OnChanged = func(string) { v.searchChanged() }
	v.status = widget.NewSelect(statusFilterLabels(), func(string) { v.reload() })
	v.status.SetSelectedIndex(0)
	v.owner = widget.NewSelect(nil, func(string) { v.reload() })
	v.pillar = widget.NewSelect(pillarFilterLabels(), func(string) { v.reload() })
	v.pillar.SetSelectedIndex(0)
	v.sort = widget.NewSelect([]string{"Sort: SLA due", "Sort: updated", "Sort: priority"}, func(string) {
		if v.header != nil {
			v.fitColumns()
		}
		v.reload()
	})
	v.sort.SetSelectedIndex(0)
	v.count = widget.NewLabel("")
	v.count.SizeName = theme.SizeNameCaptionText
	v.more = widget.NewButtonWithIcon("", theme.MoreVerticalIcon(), v.ShowMore)
	v.more.Hide()

	v.cols = &columns{widths: slices.Clone(ticketColumnWidths), flex: colTitle}
	v.header = v.cols.header("", "SLA", "Pri", "Ticket", "Requester", "Organisation", "Status", "With", "Updated")
	v.list = widget.NewList(func() int { return len(v.rows) }, v.newRow, v.updateRow)
	v.list.OnSelected = func(i widget.ListItemID) {
		if i < len(v.rows) {
			v.show(v.rows[i].ID)
		}
	}
	v.empty = widget.NewLabel("")
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.buildDispatch()
	v.buildDetail()
	v.sessionChanged()
	return v
}

func statusFilterLabels() []string {
	out := []string{"Not resolved", "All statuses"}
	for _, s := range msp.Statuses() {
		out = append(out, capitalise(s.Label()))
	}
	return out
}

func statusFilterValue(i int) string {
	switch i {
	case 0, -1:
		return localapi.StatusFilterOpen
	case 1:
		return localapi.StatusFilterAll
	}
	if ss := msp.Statuses(); i-2 < len(ss) {
		return string(ss[i-2])
	}
	return localapi.StatusFilterOpen
}

func pillarFilterLabels() []string {
	out := []string{"All pillars"}
	for _, p := range msp.Pillars() {
		out = append(out, p.Name)
	}
	return out
}

func pillarFilterValue(i int) string {
	if ps := msp.Pillars(); i >= 1 && i-1 < len(ps) {
		return string(ps[i-1].ID)
	}
	return ""
}

var ownerFilterValues = []string{"", string(msp.PartyMSP), string(msp.PartyInternal), string(msp.PartyShared)}

func (v *ticketsTab) content() fyne.CanvasObject {
	filters := container.NewGridWithColumns(5, v.status, v.owner, v.mine, v.pillar, v.sort)
	top := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), container.NewHBox(v.count, v.phoneBtn), v.search),
		filters, v.bulkBar, v.header, widget.NewSeparator())
	left := container.NewBorder(top, container.NewCenter(v.more), nil, nil, container.NewStack(v.list, container.NewPadded(v.empty)))
	right := container.NewStack(container.NewPadded(v.pick), container.NewPadded(v.detail))
	split := container.NewHSplit(left, right)
	split.Offset = 0.66
	return split
}

// sessionChanged follows the person and organisation: the owner filter
// names the MSP; the organisation column shows only across organisations.
func (v *ticketsTab) sessionChanged() {
	i := v.owner.SelectedIndex()
	v.owner.Options = []string{"With anyone", "With " + v.d.supportName(), "With internal IT", "Shared"}
	if i < 0 {
		v.owner.SetSelectedIndex(0)
	} else {
		v.owner.Selected = v.owner.Options[i]
		v.owner.Refresh()
	}
	sla := "SLA"
	if z := v.d.zones(""); z.headed {
		sla = "SLA (" + v.d.env.Now().In(z.tenant).Format("MST") + ")"
	}
	if l := v.header.Objects[colSLA].(*widget.Label); l.Text != sla {
		l.SetText(sla)
	}
	w := float32(0)
	if v.d.multiOrg() && v.d.tenant == "" {
		w = ticketColumnWidths[colOrg]
	}
	v.loadAssignable(func() {
		if v.loaded {
			v.renderDispatch(v.current)
		}
		v.list.Refresh()
	})
	if v.cols.widths[colOrg] != w {
		v.cols.widths[colOrg] = w
		setVisible(v.header.Objects[colOrg], w > 0)
		v.header.Refresh()
		v.list.Refresh()
	}
	v.fitColumns()
}

// fitColumns shows the "Updated" column only when the queue is sorted by
// it: nine columns beside a ticket leave a title too little room at
// 1280 px.
func (v *ticketsTab) fitColumns() {
	w := float32(0)
	if v.sort.SelectedIndex() == 1 {
		w = ticketColumnWidths[colUpdated]
	}
	if v.cols.widths[colUpdated] != w {
		v.cols.widths[colUpdated] = w
		setVisible(v.header.Objects[colUpdated], w > 0)
		v.header.Refresh()
		v.list.Refresh()
	}
}

// queryNow is the query the filters describe.
func (v *ticketsTab) queryNow() localapi.TicketQuery {
	q := localapi.TicketQuery{
		Q:        strings.TrimSpace(v.search.Text),
		Status:   statusFilterValue(v.status.SelectedIndex()),
		Pillar:   pillarFilterValue(v.pillar.SelectedIndex()),
		Tenant:   v.d.tenant,
		Assignee: v.mineQuery(),
		Limit:    localapi.DefaultTicketLimit,
	}
	if i := v.owner.SelectedIndex(); i > 0 && i < len(ownerFilterValues) {
		q.Owner = ownerFilterValues[i]
	}
	switch v.sort.SelectedIndex() {
	case 1:
		q.Sort = localapi.SortUpdated
	case 2:
		q.Sort = localapi.SortPriority
	default:
		q.Sort = localapi.SortDue
	}
	return q
}

// searchChanged asks again searchDelay after the last key.
func (v *ticketsTab) searchChanged() { v.d.later(&v.debounce, v.reload) }

// filters is q without its paging.
func filters(q localapi.TicketQuery) localapi.TicketQuery {
	q.Limit, q.Offset = 0, 0
	return q
}

// showCount says how many tickets match and offers the next page.
func (v *ticketsTab) showCount() {
	if v.total <= len(v.rows) {
		v.count.SetText(plural(v.total, "ticket"))
		v.more.Hide()
		return
	}
	v.count.SetText(fmt.Sprintf("showing %d of %d", len(v.rows), v.total))
	v.more.Enable()
	v.more.SetText(fmt.Sprintf("Show %d more", min(localapi.DefaultTicketLimit, v.total-len(v.rows))))
	v.more.Show()
}

// ShowMore appends the next page of the same query to the list.
func (v *ticketsTab) ShowMore() {
	q := v.query
	q.Offset, q.Limit = len(v.rows), localapi.DefaultTicketLimit
	v.more.Disable()
	load(v.d, &v.gen, func(ctx context.Context) (localapi.TicketPage, error) { return v.d.staff.StaffTickets(ctx, q) }, func(page localapi.TicketPage) {
		v.more.Enable()
		if len(v.rows) != q.Offset {
			return // the list was reloaded meanwhile
		}
		v.rows = append(v.rows, page.Tickets...)
		v.total = page.Total
		v.list.Refresh()
		v.showCount()
	})
}

// reload asks the agent for the list the filters describe; an answer to
// an older question is dropped, so the list always matches the filters.
func (v *ticketsTab) reload() {
	if v.d == nil || v.list == nil || !v.d.signedIn {
		return
	}
	q := v.queryNow()
	if filters(q) == filters(v.query) {
		// A refresh of the same list keeps the pages shown so far.
		q.Limit = min(max(len(v.rows), q.Limit), localapi.MaxTicketLimit)
	}
	load(v.d, &v.gen, func(ctx context.Context) (localapi.TicketPage, error) { return v.d.staff.StaffTickets(ctx, q) }, func(page localapi.TicketPage) { v.setRows(q, page) })
}

func (v *ticketsTab) setRows(q localapi.TicketQuery, page localapi.TicketPage) {
	v.rows, v.total, v.query = page.Tickets, page.Total, q
	v.list.UnselectAll()
	v.list.Refresh()
	switch {
	case page.Total == 0 && (q.Q != "" || q.Owner != "" || q.Pillar != "" || q.Assignee != "" || q.Status != localapi.StatusFilterOpen):
		v.empty.SetText("No tickets match these filters.")
		v.empty.Show()
	case page.Total == 0 && v.d.session.SyncedAt.IsZero():
		v.empty.SetText("No tickets here yet: this computer has not finished fetching your organisations' tickets from the hub.")
		v.empty.Show()
	case page.Total == 0:
		v.empty.SetText("No open tickets. Nothing is waiting on anyone.")
		v.empty.Show()
	default:
		v.empty.Hide()
	}
	v.showCount()
	for i, t := range v.rows {
		if t.ID == v.selected {
			v.list.Select(i) // shows it
			return
		}
	}
	if v.selected != "" && v.loaded {
		v.show(v.selected) // still shown, though filtered out of the list
		return
	}
	if v.selected == "" && len(v.rows) > 0 {
		v.list.Select(0) // the most urgent, so the pane is never empty
	}
}

func (v *ticketsTab) clear() {
	v.rows, v.total, v.selected, v.loaded = nil, 0, "", false
	clear(v.thumbs)
	v.list.Refresh()
	v.detail.Hide()
	v.pick.Show()
}

func (v *ticketsTab) newRow() fyne.CanvasObject {
	row := v.cols.newRow()
	row.(*fyne.Container).Objects[colPick] = widget.NewCheck("", nil)
	return row
}

func (v *ticketsTab) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(v.rows) {
		return
	}
	t := v.rows[i]
	now := v.d.env.Now()
	set := v.cols.setter(o)
	v.bindPick(o, t)
	_, imp := slaCell(t, now)
	set(colSLA, shortSLA(t, now, v.d.zones(t.Tenant)), imp)
	pri := widget.MediumImportance
	if t.Priority == msp.P1 {
		pri = widget.DangerImportance
	}
	set(colPri, fmt.Sprintf("P%d", t.Priority), pri)
	title := TicketNumber(t.ID) + "  " + t.Title
	if !t.Delivered {
		title = "Not sent · " + title // not at the hub yet
	}
	set(colTitle, title, widget.MediumImportance)
	who := RequesterWords(t)
	if t.Alert != nil {
		who = "Monitoring" // Tandem's own alert: short, the column is narrow
	}
	set(colRequester, who, widget.MediumImportance)
	set(colOrg, t.TenantName, widget.MediumImportance)
	set(colStatus, capitalise(t.Status.Label()), widget.MediumImportance)
	set(colOwner, v.withWords(t), widget.MediumImportance)
	set(colUpdated, shortAgo(t.UpdatedAt, now), widget.MediumImportance)
}

// slaCell is the SLA column: breached in red, at risk in amber.
func slaCell(t localapi.StaffTicket, now time.Time) (string, widget.Importance) {
	text := staffSLAWords(t)
	switch {
	case !t.Status.IsOpen():
		return text, widget.LowImportance
	case t.SLA.State == msp.SLABreached || t.SLA.ResponseBreached || t.SLA.ResolutionBreached ||
		(!t.Due.IsZero() && !now.Before(t.Due)):
		return text, widget.DangerImportance
	case t.SLA.AtRisk:
		return text, widget.WarningImportance
	}
	return text, widget.MediumImportance
}

// shortSLA is the SLA column's few words: "Reply 15:20 SAST", "Fix Tue
// 17:00 SAST", "Reply 25 min late", "Paused", "Resolved in time".
func shortSLA(t localapi.StaffTicket, now time.Time, z zones) string {
	s := t.SLA
	late := s.ResponseBreached || s.ResolutionBreached
	if !t.Status.IsOpen() {
		switch {
		case s.IsZero():
			return capitalise(t.Status.Label())
		case late:
			return "Resolved late"
		}
		return "Resolved in time"
	}
	if s.State == msp.SLAPaused {
		return "Paused (requester)"
	}
	what, due := "Fix", s.ResolutionDue
	if s.RespondedAt.IsZero() && !s.ResponseDue.IsZero() {
		what, due = "Reply", s.ResponseDue
	}
	if due.IsZero() {
		due = t.Due
	}
	if due.IsZero() {
		if t.SLAText != "" {
			return capitalise(t.SLAText)
		}
		return "No clock yet"
	}
	if !now.Before(due) {
		return what + " " + lateWords(now.Sub(due)) + " late"
	}
	out := what + " " + dueClock(due, now, z, false)
	if s.AtRisk {
		out += " ⚠"
	}
	return out
}

// longSLA is the SLA line of the detail pane, in the same clock as the
// list: "First response due by 13:20 (in 5 min)".
func longSLA(t localapi.StaffTicket, now time.Time, z zones) string {
	s := t.SLA
	if !t.Status.IsOpen() || s.State == msp.SLAPaused {
		return staffSLAWords(t)
	}
	what, due := "Resolution", s.ResolutionDue
	if s.RespondedAt.IsZero() && !s.ResponseDue.IsZero() {
		what, due = "First response", s.ResponseDue
	}
	if due.IsZero() {
		return staffSLAWords(t)
	}
	if !now.Before(due) {
		return fmt.Sprintf("%s %s late (was due %s)", what, lateWords(now.Sub(due)), dueClock(due, now, z, true))
	}
	out := fmt.Sprintf("%s due by %s (in %s)", what, dueClock(due, now, z, true), lateWords(due.Sub(now)))
	if s.AtRisk {
		out += ", at risk"
	}
	return out
}

// shortAgo is Ago in few letters: "now", "5 min", "3 h", "2 days", "3 Nov".
func shortAgo(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return ""
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	case d < 7*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	}
	return t.Local().Format("2 Jan")
}

// lateWords says how late: "25 min", "3 h", "2 days".
func lateWords(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", max(1, int(d/time.Minute)))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// zones are the two zones a due time is said in: the organisation's, and
// the viewer's, shown beside it where the two differ.
// headed: the queue's SLA header names the zone (every organisation in
// scope shares it), so the column's short times leave it out.
type zones struct {
	tenant, viewer *time.Location
	headed         bool
}

// dueClock says a due time in the organisation's zone with its
// abbreviation: "15:20 SAST" today, "Tue 17:00 SAST" this week, "3 Dec"
// later. long adds the viewer's clock where their zone differs:
// "15:20 SAST (14:20 CET for you)".
func dueClock(t, now time.Time, z zones, long bool) string {
	one := func(loc *time.Location) string {
		t, now := t.In(loc), now.In(loc)
		switch {
		case msp.DateOf(t) == msp.DateOf(now):
			return t.Format("15:04 MST")
		case t.Sub(now) < 6*24*time.Hour:
			return t.Format("Mon 15:04 MST")
		}
		return t.Format("2 Jan")
	}
	s := one(z.tenant)
	if !long && z.headed {
		s = strings.TrimSuffix(s, " "+t.In(z.tenant).Format("MST"))
	}
	_, to := t.In(z.tenant).Zone()
	_, vo := t.In(z.viewer).Zone()
	if long && to != vo {
		s += " (" + one(z.viewer) + " for you)"
	}
	return s
}

// staffSLAWords is the SLA text in a technician's words: the agent's text,
// with "waiting for you" (the requester's words) said from staff's side.
func staffSLAWords(t localapi.StaffTicket) string {
	s := t.SLAText
	if t.SLA.State == msp.SLAPaused || strings.Contains(s, "waiting for you") {
		return "Paused: waiting on the requester"
	}
	if s == "" {
		if !t.Due.IsZero() {
			return "Due " + t.Due.Local().Format("2 Jan 15:04")
		}
		return "No SLA clock yet"
	}
	return capitalise(s)
}

// partyWords names a party for staff.
func (v *ticketsTab) partyWords(p msp.Party) string {
	switch p {
	case msp.PartyMSP:
		return v.d.supportName()
	case msp.PartyInternal:
		return "Internal IT"
	case msp.PartyShared:
		return "Shared"
	}
	return "Not routed yet"
}

// columns lays out a row of cells with fixed widths; the flex column takes
// what is left. A zero width hides a column.
// header makes a table's header row: one bold, truncating label per column.
func (c *columns) header(names ...string) *fyne.Container {
	row := container.New(c)
	for _, h := range names {
		l := widget.NewLabelWithStyle(h, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		row.Add(l)
	}
	return row
}

// newRow makes a table row: one truncating label per column, the flexible
// column (the row's name) in bold.
func (c *columns) newRow() fyne.CanvasObject {
	row := container.New(c)
	for i := range c.widths {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		l.TextStyle.Bold = i == c.flex
		row.Add(l)
	}
	return row
}

// setter returns the function that writes one cell of a row made by
// newRow; a column narrowed to nothing is hidden.
func (c *columns) setter(row fyne.CanvasObject) func(col int, text string, imp widget.Importance) {
	cells := row.(*fyne.Container).Objects
	return func(col int, text string, imp widget.Importance) {
		l := cells[col].(*widget.Label)
		l.Text, l.Importance = text, imp
		l.Hidden = col != c.flex && c.widths[col] == 0
		l.Refresh()
	}
}

type columns struct {
	widths []float32
	flex   int
}

// flexWidth is the flexible column's width in a row of width total.
func (c *columns) flexWidth(total float32) float32 {
	fixed := float32(0)
	for i, w := range c.widths {
		if i != c.flex && w > 0 {
			fixed += w + theme.Padding()
		}
	}
	return max(total-fixed, 80)
}

func (c *columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	x := float32(0)
	for i, o := range objs {
		if i >= len(c.widths) {
			break
		}
		w := c.widths[i]
		if i == c.flex {
			w = c.flexWidth(size.Width)
		}
		if w == 0 {
			o.Resize(fyne.NewSize(0, 0))
			continue
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

func (c *columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	w := float32(0)
	for i, cw := range c.widths {
		if i == c.flex {
			cw = 80
		}
		if cw > 0 {
			w += cw + theme.Padding()
		}
	}
	return fyne.NewSize(w, h)
}

func (v *ticketsTab) buildDetail() {
	v.pick = widget.NewLabel("Choose a ticket on the left to see its conversation and act on it.")
	v.pick.Wrapping = fyne.TextWrapWord
	v.head = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.head.Wrapping = fyne.TextWrapWord
	v.head.SizeName = theme.SizeNameSubHeadingText
	v.meta = widget.NewLabel("")
	v.meta.Wrapping = fyne.TextWrapWord
	v.undeliv = widget.NewLabel("")
	v.undeliv.Wrapping = fyne.TextWrapWord
	v.undeliv.Importance = widget.WarningImportance
	v.undeliv.Hide()
	v.deviceLine = widget.NewLabel("")
	v.deviceLine.Wrapping = fyne.TextWrapWord
	v.deviceBtn = widget.NewButtonWithIcon("Show in Devices", theme.ComputerIcon(), func() {
		if v.loaded && v.current.Device != "" {
			v.d.ShowDevice(v.current.Device)
		}
	})
	v.deviceBox = container.NewBorder(nil, nil, nil, container.NewCenter(v.deviceBtn), v.deviceLine)
	v.deviceBox.Hide()
	v.conv = container.NewVBox()
	v.convScroll = container.NewVScroll(container.NewPadded(v.conv))
	v.convScroll.SetMinSize(fyne.NewSize(300, 44))

	v.compose = newKeyEntry(true)
	v.compose.SetMinRowsVisible(2)
	v.compose.SetPlaceHolder("Write a reply to the requester, or an internal note… (Ctrl+Enter replies)")
	v.compose.onSubmit = v.Reply
	v.composeMsg = newMessage("")
	v.replyBtn = widget.NewButtonWithIcon("Reply", theme.MailReplyIcon(), v.Reply)
	v.replyBtn.Importance = widget.HighImportance
	v.noteBtn = widget.NewButtonWithIcon("Internal note", theme.DocumentCreateIcon(), v.Note)
	v.resolveBtn = widget.NewButtonWithIcon("Resolve", theme.ConfirmIcon(), v.Resolve)
	v.resolveBtn.Importance = widget.SuccessImportance
	v.escalate = widget.NewButtonWithIcon("Escalate…", theme.UploadIcon(), func() { v.openHandoff(msp.PartyMSP) })
	v.handBack = widget.NewButtonWithIcon("Hand to internal IT…", theme.DownloadIcon(), func() { v.openHandoff(msp.PartyInternal) })
	v.moveTo = widget.NewSelect(nil, nil)
	v.moveTo.PlaceHolder = "Set status…"
	v.moveTo.OnChanged = func(s string) {
		if s == "" {
			return
		}
		for _, st := range msp.Statuses() {
			if capitalise(st.Label()) == s {
				v.moveTo.ClearSelected()
				v.SetStatus(st)
				return
			}
		}
	}

	v.handTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.handTitle.Wrapping = fyne.TextWrapWord
	v.handNote = newKeyEntry(true)
	v.handNote.SetMinRowsVisible(3)
	v.handNote.onSubmit = v.Handoff
	v.handMsg = newMessage("")
	v.handGo = widget.NewButtonWithIcon("", theme.ConfirmIcon(), v.Handoff)
	v.handGo.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", v.closeHandoff)
	v.handoff = container.NewVBox(widget.NewSeparator(), v.handTitle, v.handNote, v.handMsg,
		container.NewBorder(nil, nil, nil, container.NewHBox(cancel, v.handGo)))
	v.handoff.Hide()

	// Two rows of actions under the reply box, so that a ticket's detail
	// fits a 1280×720 screen with room for the conversation.
	v.composeBox = container.NewVBox(v.compose, v.composeMsg,
		container.NewBorder(nil, nil, container.NewHBox(v.replyBtn, v.noteBtn), v.resolveBtn),
		v.assignRow(),
		container.NewBorder(nil, nil, container.NewHBox(v.escalate, v.handBack), nil, v.moveTo))
	compose := container.NewVBox(widget.NewSeparator(), v.composeBox, v.handoff)
	v.detail = container.NewBorder(container.NewVBox(v.head, v.meta, v.dispatchLine, v.deviceBox, v.undeliv, widget.NewSeparator()), compose, nil, nil, v.convScroll)
	v.detail.Hide()
}

// show shows ticket id: the list's copy at once, then the agent's full one.
func (v *ticketsTab) show(id string) {
	if id != v.selected {
		v.closeHandoff()
		v.composeMsg.clear()
		v.forgetFailedThumbs()
	}
	v.selected = id
	for _, t := range v.rows {
		if t.ID == id {
			v.render(t)
			break
		}
	}
	v.d.env.Async(func() {
		var t localapi.StaffTicket
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			t, err = v.d.staff.StaffTicket(ctx, id)
			return err
		})
		fyne.Do(func() {
			if v.selected != id {
				return
			}
			if err != nil {
				v.composeMsg.fail("This ticket cannot be shown: " + problem(err))
				return
			}
			v.render(t)
		})
	})
}

// render fills the detail pane with t.
func (v *ticketsTab) render(t localapi.StaffTicket) {
	v.current, v.loaded = t, true
	now := v.d.env.Now()
	v.pick.Hide()
	v.head.SetText(fmt.Sprintf("%s  %s", TicketNumber(t.ID), t.Title))
	lines := []string{}
	org := t.TenantName
	if org == "" {
		if ref, ok := v.d.tenantRef(t.Tenant); ok {
			org = ref.Name
		}
	}
	first := []string{}
	if org != "" {
		first = append(first, org)
	}
	first = append(first, "raised by "+RequesterWords(t)+" "+Ago(t.CreatedAt, now))
	lines = append(lines, capitalise(strings.Join(first, " · ")))
	if cb := CallBackWords(t); cb != "" {
		lines = append(lines, cb)
	}
	lines = append(lines, fmt.Sprintf("Status: %s · Priority: %s · With: %s",
		capitalise(t.Status.Label()), PriorityWords(t.Priority), v.partyWords(t.Owner)+assigneeWords(v.personName(t.Assignee))))
	if info, ok := msp.LookupPillar(t.Pillar); ok {
		cat := t.Category
		if c, ok := msp.LookupCategory(t.Pillar, t.Category); ok {
			cat = c.Name
		}
		lines = append(lines, fmt.Sprintf("Pillar: %s · %s", info.Name, cat))
	}
	lines = append(lines, "SLA: "+longSLA(t, now, v.d.zones(t.Tenant)))
	v.meta.SetText(strings.Join(lines, "\n"))
	if t.Delivered {
		v.undeliv.Hide()
	} else {
		v.undeliv.SetText("Your latest change to this ticket has not reached the hub yet; it is kept on this computer and sent when the hub can be reached.")
		v.undeliv.Show()
	}

	v.renderDevice(t, now)

	v.conv.Objects = nil
	withTicket, later := attachmentGroups(t.Comments, t.Attachments, func(c msp.Comment) bool { return c.Kind == msp.CommentKindReply })
	requester := requesterLabel(t)
	if t.Description != "" {
		v.conv.Add(staffBubble(requester, t.CreatedAt, now, t.Description, false))
	} else if len(withTicket) > 0 {
		v.conv.Add(attachedNote(requester, t.CreatedAt, now))
	}
	if len(withTicket) > 0 {
		v.conv.Add(v.attachmentBox(t, withTicket))
	}
	for i, c := range t.Comments {
		if c.Kind != msp.CommentKindReply {
			v.conv.Add(note(fmt.Sprintf("%s · %s", c.Body, Ago(c.CreatedAt, now))))
			continue
		}
		v.conv.Add(staffBubble(v.authorWords(t, c), c.CreatedAt, now, c.Body, c.Internal))
		if atts := later[i]; len(atts) > 0 {
			v.conv.Add(v.attachmentBox(t, atts))
		}
	}
	v.conv.Refresh()

	open := !t.Status.Terminal()
	msp_ := v.d.supportName()
	if v.d.session.Role == msp.RoleTechnician {
		v.escalate.SetText("Take for " + msp_ + "…") // a technician is the MSP
	} else {
		v.escalate.SetText("Escalate to " + msp_ + "…")
	}
	coManaged := true
	if ref, ok := v.d.tenantRef(t.Tenant); ok && ref.Mode == msp.ModeFullyManaged {
		coManaged = false
	}
	setVisible(v.escalate, open && t.Owner != msp.PartyMSP)
	setVisible(v.handBack, open && coManaged && t.Owner != msp.PartyInternal)
	next := msp.NextStatuses(t.Status, v.d.session.Role)
	setVisible(v.resolveBtn, slices.Contains(next, msp.StatusResolved))
	var opts []string
	for _, s := range next {
		if s != msp.StatusResolved {
			opts = append(opts, capitalise(s.Label()))
		}
	}
	v.moveTo.Options = opts
	setVisible(v.moveTo, len(opts) > 0)
	if open {
		v.compose.Enable()
		v.replyBtn.Enable()
		v.noteBtn.Enable()
		v.compose.SetPlaceHolder("Write a reply to the requester, or an internal note… (Ctrl+Enter replies)")
	} else {
		v.compose.Disable()
		v.replyBtn.Disable()
		v.noteBtn.Disable()
		v.compose.SetPlaceHolder("This ticket is closed.")
	}
	v.renderDispatch(t)
	v.detail.Show()
	v.detail.Refresh() // lays the pane out now, so the scroll knows its height
	v.convScroll.ScrollToBottom()
}

// renderDevice says which computer the ticket was raised on, with a way
// to its Devices entry: what the requester saw under "What we'll send with
// your ticket" is there.
func (v *ticketsTab) renderDevice(t localapi.StaffTicket, now time.Time) {
	switch {
	case t.DeviceInfo != nil:
		dv := t.DeviceInfo
		parts := []string{"Raised on " + dv.Hostname}
		if t.Caller != nil {
			parts[0] = "The caller's computer: " + dv.Hostname // logged from a call, not raised on it
		}
		if dv.OS != "" {
			parts = append(parts, dv.OS)
		}
		seen, imp := seenWords(*dv, now)
		parts = append(parts, "last seen: "+strings.ToLower(seen[:1])+seen[1:])
		if len(dv.PostureProblems) > 0 {
			parts = append(parts, "failing: "+strings.Join(dv.PostureProblems, ", "))
			imp = widget.WarningImportance
		}
		v.deviceLine.SetText(strings.Join(parts, " · "))
		v.deviceLine.Importance = imp
		v.deviceLine.Refresh()
		v.deviceBtn.Show()
		v.deviceBox.Show()
	case t.Device != "" && v.loaded:
		v.deviceLine.SetText("Raised on a computer this dashboard has not fetched yet; it shows once the device list is synced.")
		v.deviceLine.Importance = widget.LowImportance
		v.deviceLine.Refresh()
		v.deviceBtn.Hide()
		v.deviceBox.Show()
	default:
		v.deviceBox.Hide()
	}
}

func assigneeWords(a string) string {
	if a == "" {
		return ""
	}
	return " (" + a + ")"
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// authorWords names who wrote a comment, for staff.
func (v *ticketsTab) authorWords(t localapi.StaffTicket, c msp.Comment) string {
	switch {
	case c.Role == msp.RoleEndUser || c.Author == t.Requester:
		return requesterLabel(t)
	case c.Role == msp.RoleITLead:
		return "IT lead"
	case c.Role == msp.RoleTechnician:
		return v.d.supportName() + " technician"
	case c.Role == msp.RoleSystem:
		return "Tandem"
	}
	return c.Author
}

// staffBubble is one message; an internal note sits on an amber ground
// under a heading that says the requester never sees it.
func staffBubble(who string, at, now time.Time, body string, internal bool) fyne.CanvasObject {
	headText := fmt.Sprintf("%s · %s", who, Ago(at, now))
	if internal {
		headText = "Internal note · " + headText + " · not shown to the requester"
	}
	head := widget.NewLabelWithStyle(headText, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameCaptionText
	head.Wrapping = fyne.TextWrapWord
	text := widget.NewLabel(body)
	text.Wrapping = fyne.TextWrapWord
	text.Selectable = true
	box := container.NewVBox(head, text)
	if !internal {
		return box
	}
	head.Importance = widget.WarningImportance
	c := theme.Color(theme.ColorNameWarning)
	r, g, b, _ := c.RGBA()
	bg := canvas.NewRectangle(color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 40})
	bg.CornerRadius = 4
	return container.NewStack(bg, container.NewPadded(box))
}

// composed returns the box's text, or says what is wrong with it.
func (v *ticketsTab) composed(what string) (string, bool) {
	msg := strings.TrimSpace(v.compose.Text)
	if msg == "" {
		v.composeMsg.fail("Write the " + what + " first.")
		return "", false
	}
	if n := len([]rune(msg)); n > msp.MaxCommentRunes {
		v.composeMsg.fail(fmt.Sprintf("The %s is too long (%d characters; at most %d).", what, n, msp.MaxCommentRunes))
		return "", false
	}
	return msg, true
}

// Reply sends the box's text to the requester.
func (v *ticketsTab) Reply() {
	if v.busy || !v.loaded {
		return
	}
	msg, ok := v.composed("reply")
	if !ok {
		return
	}
	v.change(msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{ID: msp.NewID(), Body: msg}}, func() { v.compose.SetText("") })
}

// Note saves the box's text as an internal note.
func (v *ticketsTab) Note() {
	if v.busy || !v.loaded {
		return
	}
	msg, ok := v.composed("note")
	if !ok {
		return
	}
	v.change(msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{ID: msp.NewID(), Body: msg, Internal: true}}, func() { v.compose.SetText("") })
}

// SetStatus moves the shown ticket to s.
func (v *ticketsTab) SetStatus(s msp.Status) {
	if v.busy || !v.loaded {
		return
	}
	v.change(msp.Change{Kind: msp.ChangeStatus, Status: s}, nil)
}

// openHandoff shows the hand-off box for giving the ticket to party.
func (v *ticketsTab) openHandoff(to msp.Party) {
	v.handTo = to
	v.handMsg.clear()
	if to == msp.PartyMSP && v.d.session.Role == msp.RoleTechnician {
		v.handTitle.SetText("Take for " + v.d.supportName() + ": note for the team (what happened, what was tried)")
		v.handNote.SetPlaceHolder("e.g. Internal IT could not reach the switch; taking it remotely.")
		v.handGo.SetText("Take for " + v.d.supportName())
	} else if to == msp.PartyMSP {
		v.handTitle.SetText("Escalate to " + v.d.supportName() + ": hand-off note (what happened, what was tried, what they need)")
		v.handNote.SetPlaceHolder("e.g. Printer on 2nd floor offline since 09:00; power-cycled, driver reinstalled, still fails.")
		v.handGo.SetText("Escalate to " + v.d.supportName())
	} else {
		v.handTitle.SetText("Hand to internal IT: note for them (optional)")
		v.handNote.SetPlaceHolder("e.g. Needs someone on site to check the cabling.")
		v.handGo.SetText("Hand to internal IT")
	}
	v.composeBox.Hide()
	v.handoff.Show()
	v.detail.Refresh()
	v.convScroll.ScrollToBottom()
	v.d.win.Canvas().Focus(v.handNote)
}

func (v *ticketsTab) closeHandoff() {
	if v.handoff == nil {
		return
	}
	v.handNote.SetText("")
	v.handMsg.clear()
	v.handoff.Hide()
	v.composeBox.Show()
}

// Handoff gives the shown ticket to the party the hand-off box names, with
// its note as an internal comment. An escalation needs a note.
func (v *ticketsTab) Handoff() {
	if v.busy || !v.loaded || !v.handoff.Visible() {
		return
	}
	msg := strings.TrimSpace(v.handNote.Text)
	if msg == "" && v.handTo == msp.PartyMSP {
		v.handMsg.fail("Write a hand-off note first: what happened and what was tried, so " + v.d.supportName() + " does not start from zero.")
		return
	}
	if n := len([]rune(msg)); n > msp.MaxCommentRunes {
		v.handMsg.fail(fmt.Sprintf("The note is too long (%d characters; at most %d).", n, msp.MaxCommentRunes))
		return
	}
	ch := msp.Change{Kind: msp.ChangeAssign, Owner: v.handTo}
	if msg != "" {
		prefix := "Escalated to " + v.d.supportName() + ": "
		if v.handTo == msp.PartyInternal {
			prefix = "Handed to internal IT: "
		}
		ch.Comment = &msp.Comment{ID: msp.NewID(), Body: prefix + msg, Internal: true}
	}
	v.change(ch, v.closeHandoff)
}

// change sends ch for the shown ticket, then shows the ticket as the agent
// saved it and reloads the list (its order may change).
func (v *ticketsTab) change(ch msp.Change, done func()) {
	id := v.selected
	ch.ID, ch.TicketID, ch.At = msp.NewID(), id, v.d.env.Now().UTC()
	v.busy = true
	v.composeMsg.clear()
	buttons := []*widget.Button{v.replyBtn, v.noteBtn, v.resolveBtn, v.escalate, v.handBack, v.handGo, v.priorityBtn, v.mergeBtn}
	for _, b := range buttons {
		b.Disable()
	}
	v.d.env.Async(func() {
		var t localapi.StaffTicket
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			t, err = v.d.staff.StaffChange(ctx, id, ch)
			return err
		})
		fyne.Do(func() {
			v.busy = false
			for _, b := range buttons {
				b.Enable()
			}
			if err != nil {
				if v.handoff.Visible() {
					v.handMsg.fail(problem(err))
				} else {
					v.composeMsg.fail(problem(err))
				}
				return
			}
			if done != nil {
				done()
			}
			if v.selected == id {
				v.render(t)
			}
			v.reload()
		})
	})
}
