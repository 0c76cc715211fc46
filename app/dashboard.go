package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// Staff is what the dashboard needs from the local agent: the signed-in
// person's session and the replica of their scope. *localapi.Client
// satisfies it; every method is safe for concurrent use and is one round
// trip over the agent's socket. Changes are saved by the agent at once and
// delivered to the hub later, so they succeed offline.
type Staff interface {
	Status(ctx context.Context) (localapi.Status, error)
	// Events calls fn with each event until ctx ends or the stream breaks.
	Events(ctx context.Context, fn func(localapi.Event)) error

	SignIn(ctx context.Context, code string) (localapi.StaffSession, error)
	SignOut(ctx context.Context) error
	// Session fails with an *localapi.APIError of status 404 when nobody
	// is signed in.
	Session(ctx context.Context) (localapi.StaffSession, error)
	StaffTickets(ctx context.Context, q localapi.TicketQuery) (localapi.TicketPage, error)
	StaffTicket(ctx context.Context, id string) (localapi.StaffTicket, error)
	StaffChange(ctx context.Context, id string, ch msp.Change) (localapi.StaffTicket, error)
	// StaffAttachment is the bytes of a file attached to a ticket: kept by
	// the agent once fetched, 503 offline before that.
	StaffAttachment(ctx context.Context, id, att string) ([]byte, error)
	Overview(ctx context.Context, tenant string) (localapi.Overview, error)
	StaffDevices(ctx context.Context, tenant, q string) ([]localapi.DeviceRow, error)
	StaffDevice(ctx context.Context, id string) (localapi.DeviceDetail, error)
	// StaffAssignees is who may be assigned tenant's tickets, from the replica.
	StaffAssignees(ctx context.Context, tenant string) ([]localapi.Assignee, error)
	// StaffResponsibilities is the matrix of tenant ("" for the only one);
	// StaffMatrixEdit queues a change of a row or of the service mode (403
	// for a change the person's role may not make, 409 for a stale base).
	StaffResponsibilities(ctx context.Context, tenant string) (localapi.Responsibilities, error)
	StaffMatrixEdit(ctx context.Context, e msp.MatrixEdit) (localapi.Responsibilities, error)
	StaffDismissRefused(ctx context.Context, seq uint64) error
	// StaffService is the Service tab of tenant ("" for the only one) with
	// the report of month (YYYY-MM, "" for this month); StaffReportPDF is
	// that report's PDF, which needs the hub (503 offline).
	StaffService(ctx context.Context, tenant, month string) (localapi.ServiceView, error)
	StaffReportPDF(ctx context.Context, tenant, month string) ([]byte, error)
}

var _ Staff = (*localapi.Client)(nil)

// Dashboard is the window of an IT lead or MSP technician: a sign-in panel
// until someone signs in, then the Overview, Tickets, Devices,
// Responsibilities and Service tabs over the replica of their scope. Build it with DashboardWindow; all methods run on
// the UI goroutine.
type Dashboard struct {
	env   Env
	staff Staff
	win   fyne.Window

	session  localapi.StaffSession
	signedIn bool
	status   localapi.Status
	tenant   string // the organisation chosen ("" for all in scope)

	root *fyne.Container // the sign-in panel or the signed-in view

	// sign-in
	signInBox *fyne.Container
	code      *keyEntry
	codeMsg   *message
	signInBtn *widget.Button

	// signed in
	mainBox     *fyne.Container
	who         *widget.Label
	synced      *widget.Label
	orgSelect   *widget.Select
	orgLabel    *widget.Label
	signOutBtn  *widget.Button
	banner      *fyne.Container
	bannerIcon  *widget.Icon
	bannerMsg   *widget.Label
	tabs        *container.AppTabs
	devicesItem *container.TabItem

	overview *overviewTab
	tickets  *ticketsTab
	devices  *devicesTab
	matrix   *matrixTab

	loadErr error // the last failure to reach the agent, shown in the banner

	// debounce, when set, replaces the search boxes' timer: it gets the
	// query to run once typing pauses (tests run it when they choose).
	debounce func(run func())
}

// later runs fn on the UI goroutine searchDelay after the last call with
// the same timer, so typing a word costs one query, not one per letter.
func (d *Dashboard) later(t **time.Timer, fn func()) {
	if d.debounce != nil {
		d.debounce(fn)
		return
	}
	if *t != nil {
		(*t).Stop()
	}
	*t = time.AfterFunc(searchDelay, func() { fyne.Do(fn) })
}

// DashboardWindow fills w with the dashboard and loads the session; an
// open dashboard follows the agent with Follow.
func DashboardWindow(w fyne.Window, env Env, staff Staff) *Dashboard {
	d := &Dashboard{env: env.withDefaults(), staff: staff, win: w}
	d.build()
	w.SetContent(d.root)
	bindKeys(w, nil, nil)
	d.Reload()
	return d
}

func (d *Dashboard) build() {
	// sign-in panel
	d.code = newKeyEntry(false)
	d.code.SetPlaceHolder("Sign-in code")
	d.code.onSubmit = d.SignIn
	d.code.OnSubmitted = func(string) { d.SignIn() }
	d.codeMsg = newMessage("The code is single-use and comes from your IT support provider. Codes are not case-sensitive.")
	d.signInBtn = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), d.SignIn)
	d.signInBtn.Importance = widget.HighImportance
	title := widget.NewLabelWithStyle("Sign in to the Tandem dashboard", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel("The dashboard is for your organisation's IT lead and for your IT support provider's technicians: " +
		"every ticket, device and update in your care. Sign in with the code you were given; " +
		"this computer then keeps a copy of your organisations' tickets so the dashboard opens at once and works offline.")
	intro.Wrapping = fyne.TextWrapWord
	field := container.NewBorder(nil, nil, nil, d.signInBtn, d.code)
	form := container.NewVBox(title, intro, widget.NewSeparator(),
		widget.NewLabelWithStyle("Sign-in code", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), field, d.codeMsg)
	d.signInBox = container.NewCenter(container.New(&maxWidth{width: 560}, form))

	// signed in
	d.who = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.synced = widget.NewLabel("")
	d.synced.SizeName = theme.SizeNameCaptionText
	d.orgLabel = widget.NewLabel("")
	d.orgSelect = widget.NewSelect(nil, func(string) { d.chooseOrg() })
	d.signOutBtn = widget.NewButtonWithIcon("Sign out", theme.LogoutIcon(), d.confirmSignOut)

	d.bannerMsg = widget.NewLabel("")
	d.bannerMsg.Wrapping = fyne.TextWrapWord
	d.bannerMsg.Importance = widget.WarningImportance
	d.bannerIcon = widget.NewIcon(theme.WarningIcon())
	d.banner = container.NewBorder(nil, widget.NewSeparator(), d.bannerIcon, nil, d.bannerMsg)
	d.banner.Hide()

	d.overview = newOverviewTab(d)
	d.tickets = newTicketsTab(d)
	d.devices = newDevicesTab(d)
	d.matrix = newMatrixTab(d)
	d.devicesItem = container.NewTabItemWithIcon("Devices", theme.ComputerIcon(), d.devices.content())
	d.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Overview", theme.HomeIcon(), d.overview.content()),
		container.NewTabItemWithIcon("Tickets", theme.DocumentIcon(), d.tickets.content()),
		d.devicesItem,
		container.NewTabItemWithIcon("Responsibilities", theme.AccountIcon(), d.matrix.content()),
	)
	d.tabs.OnSelected = func(*container.TabItem) { d.reloadTab() }
	d.addServiceTab()

	org := container.NewHBox(widget.NewLabel("Organisation:"), container.New(&minWidth{width: 240}, d.orgSelect), d.orgLabel)
	head := container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(org, d.signOutBtn)),
		container.NewVBox(d.who, d.synced))
	top := container.NewVBox(container.NewPadded(head), widget.NewSeparator(), d.banner)
	d.mainBox = container.NewBorder(top, nil, nil, nil, d.tabs)
	d.mainBox.Hide()

	d.root = container.NewStack(d.signInBox, d.mainBox)
	d.signInBox.Hide()
}

// DashboardSize is the dashboard's size when it opens: it fits a
// 1280×720 screen with a title bar and a panel (TestDashboardFitsSmallScreen
// holds its content to that).
var DashboardSize = fyne.NewSize(1264, 650)

// stacked lays out its objects on top of each other, each filling the
// whole area; minWidth and maxWidth differ in the size they ask for.
type stacked struct{}

func (stacked) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// minWidth lays out its objects stacked, at least width wide while one
// is visible (a picker whose longest choice would otherwise be cut).
type minWidth struct {
	stacked
	width float32
}

func (m *minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if o.Visible() {
			s = s.Max(o.MinSize())
			s.Width = max(s.Width, m.width)
		}
	}
	return s
}

// maxWidth lays out its objects stacked, no wider than width.
type maxWidth struct {
	stacked
	width float32
}

func (m *maxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(m.width, h)
}

// Reload asks the agent who is signed in and refreshes what is shown.
func (d *Dashboard) Reload() {
	d.env.Async(func() {
		var s localapi.StaffSession
		var st localapi.Status
		var sterr error // the status only adds the MSP's name; the session decides
		serr := d.env.call(func(ctx context.Context) error {
			st, sterr = d.staff.Status(ctx)
			var err error
			s, err = d.staff.Session(ctx)
			return err
		})
		fyne.Do(func() {
			if sterr == nil {
				d.status = st
			}
			switch {
			case serr == nil:
				d.setSession(s)
			case notSignedIn(serr):
				d.showSignIn()
			default:
				d.showLoadProblem(serr)
				return
			}
			d.loadErr = nil
			d.updateBanner()
		})
	})
}

// notSignedIn reports whether err is the agent's "nobody is signed in".
func notSignedIn(err error) bool {
	var api *localapi.APIError
	return errors.As(err, &api) && api.Status == http.StatusNotFound
}

func (d *Dashboard) showSignIn() {
	d.signedIn = false
	d.session = localapi.StaffSession{}
	d.mainBox.Hide()
	d.signInBox.Show()
	d.win.SetTitle("Dashboard — Tandem")
	d.win.Canvas().Focus(d.code)
}

// setSession shows the signed-in view for s; the first time, it loads the
// tab on show.
func (d *Dashboard) setSession(s localapi.StaffSession) {
	first := !d.signedIn
	fresh := !s.SyncedAt.Equal(d.session.SyncedAt) // a sync finished: the tab may be stale
	d.session, d.signedIn = s, true
	d.signInBox.Hide()
	d.mainBox.Show()
	d.who.SetText(fmt.Sprintf("%s · %s", s.Name, roleWords(s.Role)))
	d.synced.SetText(d.syncWords())
	d.win.SetTitle(fmt.Sprintf("Dashboard — %s — Tandem", s.Name))

	names := []string{allOrgs}
	for _, t := range s.Tenants {
		names = append(names, t.Name)
	}
	if len(s.Tenants) > 1 {
		d.orgSelect.Options = names
		if d.orgSelect.Selected == "" {
			d.orgSelect.SetSelected(allOrgs) // calls chooseOrg
		}
		d.orgSelect.Show()
		d.orgLabel.Hide()
	} else {
		d.orgSelect.Hide()
		if len(s.Tenants) == 1 {
			d.orgLabel.SetText(s.Tenants[0].Name + " (" + s.Tenants[0].Mode.Label() + ")")
		} else {
			d.orgLabel.SetText("none yet")
		}
		d.orgLabel.Show()
	}
	d.tickets.sessionChanged()
	if first || fresh {
		d.reloadTab()
	}
}

const allOrgs = "All organisations"

// fillOrgChooser fills box with intro and a button per organisation in
// scope that chooses it at the top, and shows box: what a tab shows one
// organisation at a time says while all are chosen.
func (d *Dashboard) fillOrgChooser(box *fyne.Container, intro string) {
	box.Objects = nil
	l := widget.NewLabel(intro)
	l.Wrapping = fyne.TextWrapWord
	box.Add(l)
	for _, t := range d.session.Tenants {
		name := t.Name
		b := widget.NewButton(name+" ("+t.Mode.Label()+")", func() { d.orgSelect.SetSelected(name) })
		b.Alignment = widget.ButtonAlignLeading
		box.Add(b)
	}
	box.Show()
	box.Refresh()
}

// multiOrg reports whether the person works for more than one organisation.
func (d *Dashboard) multiOrg() bool { return len(d.session.Tenants) > 1 }

// tenantRef returns the organisation with the given id.
func (d *Dashboard) tenantRef(id string) (localapi.TenantRef, bool) {
	for _, t := range d.session.Tenants {
		if t.ID == id {
			return t, true
		}
	}
	return localapi.TenantRef{}, false
}

func (d *Dashboard) chooseOrg() {
	d.tenant = ""
	for _, t := range d.session.Tenants {
		if t.Name == d.orgSelect.Selected {
			d.tenant = t.ID
		}
	}
	d.tickets.sessionChanged()
	d.reloadTab()
}

func roleWords(r msp.Role) string {
	switch r {
	case msp.RoleITLead:
		return "IT lead"
	case msp.RoleTechnician:
		return "Technician"
	}
	return string(r)
}

// loc is the time zone due times are shown in: the person's own.
// load runs fetch off the UI goroutine and hands its answer to show on it,
// unless a newer load of the same view (a later *gen) started meanwhile; a
// failure is shown as the dashboard's load problem.
func load[T any](d *Dashboard, gen *int, fetch func(context.Context) (T, error), show func(T)) {
	*gen++
	mine := *gen
	d.env.Async(func() {
		var got T
		err := d.env.call(func(ctx context.Context) error {
			var err error
			got, err = fetch(ctx)
			return err
		})
		fyne.Do(func() {
			if mine != *gen {
				return
			}
			if err != nil {
				d.showLoadProblem(err)
				return
			}
			show(got)
		})
	})
}

// tenantLoc is the zone an organisation's due times are said in: its own
// (the hub's SLA clocks, the user's windows and the report use it too),
// never the viewer's alone.
func (d *Dashboard) tenantLoc(tenant string) *time.Location {
	zone := msp.DefaultTimeZone
	for _, t := range d.session.Tenants {
		if t.ID == tenant && t.TimeZone != "" {
			zone = t.TimeZone
		}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// zones are the organisation's zone and the viewer's, for due times.
// With tenant "", the zone is the first organisation's; headed says
// whether every organisation in scope has that zone.
func (d *Dashboard) zones(tenant string) zones {
	z := zones{viewer: time.Local, headed: true}
	first := ""
	for _, t := range d.session.Tenants {
		if first == "" {
			first = t.ID
		}
		if cmp.Or(t.TimeZone, msp.DefaultTimeZone) != cmp.Or(d.session.Tenants[0].TimeZone, msp.DefaultTimeZone) {
			z.headed = false
		}
	}
	z.tenant = d.tenantLoc(cmp.Or(tenant, first))
	return z
}

// supportName is the MSP's name from the tenant's branding.
func (d *Dashboard) supportName() string {
	if n := strings.TrimSpace(d.status.Support.Name); n != "" {
		return n
	}
	return "the MSP"
}

func (d *Dashboard) syncWords() string {
	s := d.session
	now := d.env.Now()
	switch {
	case s.Syncing && s.SyncedAt.IsZero():
		return "Fetching your organisations' tickets for the first time…"
	case s.SyncedAt.IsZero():
		return "Not fetched from the hub yet: what you see may be incomplete."
	}
	out := "Last synced with the hub " + Ago(s.SyncedAt, now) + " (" + s.SyncedAt.Local().Format("15:04") + ")"
	if s.Syncing {
		out += " · fetching changes…"
	}
	return out
}

// updateBanner shows why the data may be stale: the agent unreachable,
// this computer offline, changes waiting to be sent.
func (d *Dashboard) updateBanner() {
	if d.loadErr != nil {
		return
	}
	online := d.status.Online
	queued := d.session.Queued
	if d.signedIn && d.session.HubURL != "" {
		online = d.session.Online
	}
	if online || !d.signedIn {
		if queued > 0 && d.signedIn {
			d.bannerIcon.SetResource(theme.UploadIcon())
			d.bannerMsg.Importance = widget.MediumImportance
			d.bannerMsg.SetText(fmt.Sprintf("Sending %s to the hub…", plural(queued, "change")))
			d.banner.Show()
			return
		}
		d.banner.Hide()
		return
	}
	d.bannerIcon.SetResource(theme.WarningIcon())
	d.bannerMsg.Importance = widget.WarningImportance
	text := "This computer cannot reach the hub: you see the tickets as of the last sync, and your changes are kept here until it is back"
	if queued > 0 {
		text += fmt.Sprintf(" (%s waiting)", plural(queued, "change"))
	}
	text += "."
	if e := plainError(d.session.LastError); e != "" {
		text += " Last problem: " + e + "."
	}
	d.bannerMsg.SetText(text)
	d.banner.Show()
}

// httpDetail is the Go HTTP client's part of an error: `: Post "URL": dial tcp …`.
var httpDetail = regexp.MustCompile(`: (Get|Post|Put|Delete|Patch) "[^"]*": .*$`)

// plainError keeps the agent's words of an error and drops the HTTP
// client's detail, which helps nobody reading the banner.
func plainError(e string) string {
	e = strings.TrimSpace(httpDetail.ReplaceAllString(strings.TrimSpace(e), ""))
	return strings.TrimSuffix(e, ".")
}

// showLoadProblem says in the banner (or under the sign-in field) that
// the agent cannot be reached.
func (d *Dashboard) showLoadProblem(err error) {
	if err == nil {
		return
	}
	d.loadErr = err
	if !d.signedIn {
		d.mainBox.Hide()
		d.signInBox.Show()
		d.codeMsg.fail("The dashboard cannot be shown right now. " + problem(err) + " This window tries again by itself.")
		return
	}
	d.bannerIcon.SetResource(theme.ErrorIcon())
	d.bannerMsg.Importance = widget.DangerImportance
	d.bannerMsg.SetText("The dashboard cannot be updated right now. " + problem(err) + " This window tries again by itself.")
	d.banner.Show()
}

// SignIn sends the code in the field to the agent.
func (d *Dashboard) SignIn() {
	code := strings.TrimSpace(d.code.Text)
	if code == "" {
		d.codeMsg.fail("Enter the sign-in code first.")
		d.win.Canvas().Focus(d.code)
		return
	}
	d.signInBtn.Disable()
	d.code.Disable()
	d.codeMsg.clear()
	d.env.Async(func() {
		var s localapi.StaffSession
		err := d.env.call(func(ctx context.Context) error {
			var err error
			s, err = d.staff.SignIn(ctx, code)
			return err
		})
		fyne.Do(func() {
			d.signInBtn.Enable()
			d.code.Enable()
			if err != nil {
				d.codeMsg.fail(signInProblem(err))
				d.win.Canvas().Focus(d.code)
				return
			}
			d.code.SetText("")
			d.codeMsg.clear()
			d.loadErr = nil
			d.setSession(s)
			d.tabs.SelectIndex(0)
			d.Reload()
		})
	})
}

// signInProblem says why a sign-in failed and what to do.
func signInProblem(err error) string {
	var api *localapi.APIError
	if !errors.As(err, &api) {
		return problem(err)
	}
	msg := api.Body.Message
	_, hub, fromHub := strings.Cut(msg, "the hub answered 4")
	if fromHub {
		_, hub, fromHub = strings.Cut(hub, ": ")
	}
	switch {
	case api.Status == http.StatusUnauthorized && strings.Contains(msg, "429") && fromHub:
		// The hub says which limit and for how long (a code tried too
		// often, or too many wrong ones from this network).
		return capitalise(plainError(hub)) + "."
	case api.Status == http.StatusUnauthorized && strings.Contains(msg, "429"):
		return "Too many sign-in attempts. Wait a few minutes, then type the code again."
	case api.Status == http.StatusUnauthorized && fromHub && strings.HasPrefix(hub, "the MSP "):
		// The MSP removed the person or ended their sign-ins: say so.
		return capitalise(plainError(hub)) + "."
	case api.Status == http.StatusUnauthorized:
		return "This code was not accepted: it is not known, was already used, or has expired. " +
			"Check it for typos, or ask your IT support provider for a new one."
	}
	return capitalise(plainError(msg)) + "."
}

// confirmSignOut signs out, asking first when changes are still waiting
// to be sent (they would be lost).
func (d *Dashboard) confirmSignOut() {
	if d.session.Queued == 0 {
		d.SignOut()
		return
	}
	dialog.ShowConfirm("Sign out with unsent changes?",
		fmt.Sprintf("%s made on this computer have not reached the hub yet. Signing out tries once more to send them; "+
			"any the hub cannot take now are removed together with this computer's copy of your organisations' tickets.", capitalise(plural(d.session.Queued, "change"))),
		func(ok bool) {
			if ok {
				d.SignOut()
			}
		}, d.win)
}

// SignOut removes the credential and the replica, then shows the sign-in
// panel.
func (d *Dashboard) SignOut() {
	d.signOutBtn.Disable()
	d.env.Async(func() {
		err := d.env.call(d.staff.SignOut)
		fyne.Do(func() {
			d.signOutBtn.Enable()
			if err != nil && !notSignedIn(err) {
				dialog.ShowError(fmt.Errorf("signing out failed: %s", problem(err)), d.win)
				return
			}
			d.tenant = ""
			d.orgSelect.Selected = ""
			d.tickets.clear()
			removeOpened(d.env.FilesDir)
			d.showSignIn()
			d.banner.Hide()
		})
	})
}

// ShowDevice switches to the Devices tab with device id chosen and its
// inventory shown.
func (d *Dashboard) ShowDevice(id string) {
	d.devices.reveal(id)
	if d.tabs.Selected() != d.devicesItem {
		d.tabs.Select(d.devicesItem) // reloads the list, which chooses the device
		return
	}
	d.devices.reload()
}

// reloadTab reloads what the chosen tab shows.
func (d *Dashboard) reloadTab() {
	if !d.signedIn {
		return
	}
	switch d.tabs.SelectedIndex() {
	case 0:
		d.overview.reload()
	case 1:
		d.tickets.reload()
	case 2:
		d.devices.reload()
	case 3:
		d.matrix.reload()
	}
}

// OpenTicket switches to the Tickets tab and shows ticket id.
func (d *Dashboard) OpenTicket(id string) {
	d.tickets.selected = id
	d.tabs.SelectIndex(1) // reloads the list, which shows the selected ticket
	d.tickets.show(id)
}

// Event applies one event of the agent: the banner follows the status;
// a changed ticket reloads the shown tab.
func (d *Dashboard) Event(e localapi.Event) {
	d.status.Online, d.status.Queued = e.Online, e.Queued
	switch e.Kind {
	case localapi.EventTicket, localapi.EventDrained:
		d.Reload()
		d.reloadTab()
	default:
		d.Reload()
	}
}

// Follow streams the agent's events into the window and refreshes the
// session (sync time, queue) every refresh period until ctx ends,
// reconnecting after a pause when the stream breaks. It blocks; the
// window's owner runs it on a goroutine and ends it by cancelling ctx.
func (d *Dashboard) Follow(ctx context.Context, refresh time.Duration) {
	if refresh <= 0 {
		refresh = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { // the periodic refresh; ends with Follow
		ticker := time.NewTicker(refresh)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				fyne.Do(d.Reload)
			}
		}
	})
	for ctx.Err() == nil {
		err := d.staff.Events(ctx, func(e localapi.Event) { fyne.Do(func() { d.Event(e) }) })
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() { d.showLoadProblem(err) })
		select {
		case <-ctx.Done():
			return
		case <-time.After(3 * time.Second):
		}
		fyne.Do(d.Reload)
	}
}
