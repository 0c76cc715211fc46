package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// matrixTab is the dashboard's Responsibilities tab: the organisation's
// shared-responsibility matrix (who owns each function in business hours
// and after hours), the service mode, and the history of who changed what.
// The IT lead and the MSP's technicians change a row through the editor on
// the right; only a technician switches the mode. Changes are saved by the
// agent at once and sent later, like ticket changes.
type matrixTab struct {
	d   *Dashboard
	gen int

	resp   localapi.Responsibilities
	loaded bool

	choose  *fyne.Container // "choose an organisation" (all organisations chosen)
	body    *fyne.Container // everything else
	modeHd  *widget.Label
	modeTx  *widget.Label
	modeBtn *widget.Button
	refused *fyne.Container
	rows    *fyne.Container
	history *fyne.Container

	// the editor: a row's owners, or the mode switch
	editBox   *fyne.Container
	editCard  fyne.CanvasObject // the editor's card, hidden when not editing
	editTitle *widget.Label
	editHelp  *widget.Label
	editing   msp.Function // the row being changed; "" for the mode switch
	business  *widget.Select
	after     *widget.Select
	ownerBox  *fyne.Container
	noteEntry *keyEntry
	reason    *keyEntry
	editMsg   *message
	saveBtn   *widget.Button
}

// matrixCols are the widths of the matrix table: function, business
// hours, after hours, the last change, the button.
var matrixCols = []float32{0, 130, 130, 190, 100}

func newMatrixTab(d *Dashboard) *matrixTab {
	v := &matrixTab{d: d}
	v.choose = container.NewVBox()
	v.choose.Hide()
	v.modeHd = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.modeHd.SizeName = theme.SizeNameSubHeadingText
	v.modeTx = widget.NewLabel("")
	v.modeTx.Wrapping = fyne.TextWrapWord
	v.modeBtn = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), v.EditMode)
	v.refused = container.NewVBox()
	v.rows = container.NewVBox()
	v.history = container.NewVBox()
	v.buildEditor()
	return v
}

func (v *matrixTab) buildEditor() {
	v.editTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.editTitle.Wrapping = fyne.TextWrapWord
	v.editHelp = widget.NewLabel("")
	v.editHelp.Wrapping = fyne.TextWrapWord
	v.business = widget.NewSelect(nil, nil)
	v.after = widget.NewSelect(nil, nil)
	v.ownerBox = container.New(layoutForm(),
		widget.NewLabel("Business hours"), v.business,
		widget.NewLabel("After hours"), v.after)
	v.noteEntry = newKeyEntry(true)
	v.noteEntry.SetMinRowsVisible(2)
	v.noteEntry.SetPlaceHolder("What you agreed, in your words (shown to both sides)")
	v.reason = newKeyEntry(false)
	v.reason.SetPlaceHolder("Why the change? (kept in the history)")
	v.reason.onSubmit = v.Save
	v.noteEntry.onSubmit = v.Save
	v.editMsg = newMessage("")
	v.saveBtn = widget.NewButtonWithIcon("Save change", theme.DocumentSaveIcon(), v.Save)
	v.saveBtn.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", v.CloseEditor)
	v.editBox = container.NewVBox(v.editTitle, v.editHelp, v.ownerBox, v.noteEntry, v.reason, v.editMsg,
		container.NewHBox(v.saveBtn, cancel))
	v.editBox.Hide()
}

// layoutForm is a two-column grid of label and field.
func layoutForm() fyne.Layout { return &formColumns{} }

type formColumns struct{}

func (formColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw := labelWidth(objs)
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		h := max(objs[i].MinSize().Height, objs[i+1].MinSize().Height)
		objs[i].Move(fyne.NewPos(0, y))
		objs[i].Resize(fyne.NewSize(lw, h))
		objs[i+1].Move(fyne.NewPos(lw+theme.Padding(), y))
		objs[i+1].Resize(fyne.NewSize(size.Width-lw-theme.Padding(), h))
		y += h + theme.Padding()
	}
}

func (formColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	lw := labelWidth(objs)
	var w, h float32
	for i := 0; i+1 < len(objs); i += 2 {
		w = max(w, lw+theme.Padding()+objs[i+1].MinSize().Width)
		h += max(objs[i].MinSize().Height, objs[i+1].MinSize().Height) + theme.Padding()
	}
	return fyne.NewSize(w, h)
}

func labelWidth(objs []fyne.CanvasObject) float32 {
	var lw float32
	for i := 0; i < len(objs); i += 2 {
		lw = max(lw, objs[i].MinSize().Width)
	}
	return lw
}

func (v *matrixTab) content() fyne.CanvasObject {
	head := container.NewBorder(nil, nil, nil, container.NewCenter(v.modeBtn), container.NewVBox(v.modeHd, v.modeTx))
	cols := &columns{widths: matrixCols}
	header := container.New(cols,
		bold("Function"), bold("Business hours"), bold("After hours"), bold("Last changed"), widget.NewLabel(""))
	matrix := container.NewBorder(header, nil, nil, nil, container.NewVScroll(v.rows))
	v.editCard = card("Change", "", v.editBox)
	v.editCard.Hide()
	side := container.NewVScroll(container.NewVBox(
		v.editCard,
		card("History", "Who changed what, newest first", v.history)))
	side.SetMinSize(fyne.NewSize(340, 200))
	split := container.NewHSplit(matrix, side)
	split.SetOffset(0.66)
	v.body = container.NewBorder(container.NewVBox(container.NewPadded(head), v.refused, widget.NewSeparator()), nil, nil, nil, split)
	return container.NewStack(container.NewPadded(v.choose), v.body)
}

func bold(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func (v *matrixTab) reload() {
	d := v.d
	if d.tenant == "" && d.multiOrg() {
		d.fillOrgChooser(v.choose, "Each organisation has its own responsibility matrix. Choose one:")
		v.body.Hide()
		return
	}
	tenant := d.tenant
	load(d, &v.gen, func(ctx context.Context) (localapi.Responsibilities, error) {
		return d.staff.StaffResponsibilities(ctx, tenant)
	}, v.set)
}

// partyWords names a party for this organisation's people.
func (v *matrixTab) partyWords(p msp.Party) string {
	switch p {
	case msp.PartyMSP:
		return v.resp.MSPName
	case msp.PartyInternal:
		return "Internal IT"
	case msp.PartyShared:
		return "Shared"
	}
	return string(p)
}

// partyOf is partyWords backwards, for the editor's choices.
func (v *matrixTab) partyOf(words string) msp.Party {
	for _, p := range []msp.Party{msp.PartyMSP, msp.PartyInternal, msp.PartyShared} {
		if v.partyWords(p) == words {
			return p
		}
	}
	return ""
}

// set shows r.
func (v *matrixTab) set(r localapi.Responsibilities) {
	v.resp, v.loaded = r, true
	v.choose.Hide()
	v.body.Show()
	name := r.MSPName
	switch r.Mode {
	case msp.ModeCoManaged:
		v.modeHd.SetText("Co-managed service")
		v.modeTx.SetText(fmt.Sprintf("%s and your internal IT share the work as the table says. A new ticket goes to "+
			"whoever the table names at that hour; if internal IT does not answer in time, %s takes it.", name, name))
	default:
		v.modeHd.SetText("Fully managed service")
		v.modeTx.SetText(fmt.Sprintf("%s handles every ticket at all hours. The table below is kept as agreed and "+
			"applies again if you return to co-managed service.", name))
	}
	if r.ModePending {
		v.modeHd.SetText(v.modeHd.Text + " · not sent yet")
	}
	switch {
	case r.CanSwitchMode && r.Mode == msp.ModeCoManaged:
		v.modeBtn.SetText("Switch to fully managed…")
		v.modeBtn.Show()
	case r.CanSwitchMode:
		v.modeBtn.SetText("Switch to co-managed…")
		v.modeBtn.Show()
	default:
		v.modeBtn.Hide()
		if r.CanEdit {
			v.modeTx.SetText(v.modeTx.Text + " Only " + name + " can switch the service mode.")
		}
	}
	v.showRefused()
	v.showRows()
	v.showHistory()
}

func (v *matrixTab) showRefused() {
	v.refused.RemoveAll()
	for _, re := range v.resp.Refused {
		what := "switch of the service mode"
		if re.Edit.Row != nil {
			what = "change of " + re.Edit.Row.Function.Name()
		}
		msg := widget.NewLabel(fmt.Sprintf("Your %s was not applied: %s.", what, strings.TrimSuffix(plainError(re.Reason), ".")))
		msg.Wrapping = fyne.TextWrapWord
		msg.Importance = widget.DangerImportance
		seq := re.Seq
		dismiss := widget.NewButton("Dismiss", func() { v.Dismiss(seq) })
		v.refused.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), dismiss, msg))
	}
}

func (v *matrixTab) showRows() {
	v.rows.RemoveAll()
	now := v.d.env.Now()
	for _, r := range v.resp.Rows {
		name := bold(r.Name)
		desc := widget.NewLabel(r.Description)
		desc.Wrapping = fyne.TextWrapWord
		desc.SizeName = theme.SizeNameCaptionText
		fn := container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), name, desc)
		if r.Note != "" {
			fn.Add(note("Agreed: " + r.Note))
		}
		changed := widget.NewLabel("as first agreed")
		changed.SizeName = theme.SizeNameCaptionText
		changed.Wrapping = fyne.TextWrapWord
		if !r.ChangedAt.IsZero() {
			changed.SetText(r.ChangedBy + ", " + Ago(r.ChangedAt, now))
		}
		if r.Pending {
			changed.SetText("Not sent yet")
			changed.Importance = widget.WarningImportance
		}
		btn := widget.NewButtonWithIcon("Change…", theme.DocumentCreateIcon(), func() { v.EditRow(r.Function) })
		if !v.resp.CanEdit {
			btn.Hide()
		}
		v.rows.Add(container.New(&columns{widths: matrixCols},
			fn, v.ownerLabel(r.BusinessHours), v.ownerLabel(r.AfterHours), changed, container.NewVBox(btn)))
		v.rows.Add(widget.NewSeparator())
	}
}

// ownerLabel shows who owns a function, in the party's colour.
func (v *matrixTab) ownerLabel(p msp.Party) fyne.CanvasObject {
	l := widget.NewLabel(v.partyWords(p))
	l.Wrapping = fyne.TextWrapWord
	switch p {
	case msp.PartyInternal:
		l.Importance = widget.SuccessImportance
	case msp.PartyShared:
		l.Importance = widget.WarningImportance
	default:
		l.Importance = widget.HighImportance
	}
	return l
}

func (v *matrixTab) showHistory() {
	v.history.RemoveAll()
	if len(v.resp.History) == 0 {
		v.history.Add(widget.NewLabel("Nothing has been changed since the matrix was agreed."))
		return
	}
	for _, ev := range v.resp.History {
		who := ev.ByName
		if ev.ByRole.IsStaff() {
			who += " (" + roleWords(ev.ByRole) + ")"
		}
		head := widget.NewLabelWithStyle(ev.At.In(v.d.tenantLoc(v.resp.Tenant.ID)).Format("Mon 2 Jan 2006 15:04 MST")+" · "+who, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Wrapping = fyne.TextWrapWord
		head.SizeName = theme.SizeNameCaptionText
		what := widget.NewLabel(v.eventWords(ev))
		what.Wrapping = fyne.TextWrapWord
		box := container.NewVBox(head, what)
		if ev.Reason != "" {
			box.Add(note("Why: " + ev.Reason))
		}
		v.history.Add(box)
	}
}

// eventWords says what a history entry changed, with the MSP's name.
func (v *matrixTab) eventWords(ev msp.MatrixEvent) string {
	if ev.ModeAfter != "" {
		return fmt.Sprintf("Switched the service from %s to %s.", ev.ModeBefore.Label(), ev.ModeAfter.Label())
	}
	var before, after msp.Responsibility
	if ev.Before != nil {
		before = *ev.Before
	}
	if ev.After != nil {
		after = *ev.After
	}
	var parts []string
	if before.BusinessHours != after.BusinessHours {
		parts = append(parts, fmt.Sprintf("business hours from %s to %s", v.partyWords(before.BusinessHours), v.partyWords(after.BusinessHours)))
	}
	if before.AfterHours != after.AfterHours {
		parts = append(parts, fmt.Sprintf("after hours from %s to %s", v.partyWords(before.AfterHours), v.partyWords(after.AfterHours)))
	}
	switch {
	case before.Note == after.Note:
	case after.Note == "":
		parts = append(parts, "the agreed note removed")
	default:
		parts = append(parts, "agreed: “"+after.Note+"”")
	}
	if len(parts) == 0 {
		parts = append(parts, "no change")
	}
	return ev.Function.Name() + ": " + strings.Join(parts, "; ") + "."
}

// EditRow opens the editor on the row of f.
func (v *matrixTab) EditRow(f msp.Function) {
	var row localapi.MatrixRow
	for _, r := range v.resp.Rows {
		if r.Function == f {
			row = r
		}
	}
	if row.Function == "" {
		return
	}
	v.editing = f
	opts := []string{v.partyWords(msp.PartyMSP), v.partyWords(msp.PartyInternal), v.partyWords(msp.PartyShared)}
	v.business.Options, v.after.Options = opts, opts
	v.business.SetSelected(v.partyWords(row.BusinessHours))
	v.after.SetSelected(v.partyWords(row.AfterHours))
	v.noteEntry.SetText(row.Note)
	v.reason.SetText("")
	v.editTitle.SetText("Who owns " + row.Name + "?")
	v.editHelp.SetText(row.Description + ". Shared means both sides work it; " + v.resp.MSPName + " takes what internal IT does not answer in time.")
	v.ownerBox.Show()
	v.noteEntry.Show()
	v.saveBtn.SetText("Save change")
	v.editMsg.clear()
	v.editBox.Show()
	v.editCard.Show()
	v.d.win.Canvas().Focus(v.business)
}

// EditMode opens the editor on the switch of the service mode.
func (v *matrixTab) EditMode() {
	v.editing = ""
	to := msp.ModeFullyManaged
	if v.resp.Mode == msp.ModeFullyManaged {
		to = msp.ModeCoManaged
	}
	v.editTitle.SetText("Switch to " + to.Label() + " service?")
	if to == msp.ModeFullyManaged {
		v.editHelp.SetText(v.resp.MSPName + " will take every new ticket at all hours. The matrix and its notes are kept and apply again if you switch back.")
	} else {
		v.editHelp.SetText("New tickets will go to whoever the matrix names at that hour. Check the table before you switch.")
	}
	v.ownerBox.Hide()
	v.noteEntry.Hide()
	v.reason.SetText("")
	v.saveBtn.SetText("Switch to " + to.Label())
	v.editMsg.clear()
	v.editBox.Show()
	v.editCard.Show()
	v.d.win.Canvas().Focus(v.reason)
}

// CloseEditor hides the editor without saving.
func (v *matrixTab) CloseEditor() {
	v.editBox.Hide()
	v.editCard.Hide()
	v.editMsg.clear()
}

// Save sends the editor's change to the agent.
func (v *matrixTab) Save() {
	if !v.editBox.Visible() {
		return
	}
	e := msp.MatrixEdit{Tenant: v.resp.Tenant.ID, Reason: strings.TrimSpace(v.reason.Text)}
	if v.editing == "" {
		e.Mode, e.BaseMode = msp.ModeFullyManaged, v.resp.Mode
		if v.resp.Mode == msp.ModeFullyManaged {
			e.Mode = msp.ModeCoManaged
		}
	} else {
		for _, r := range v.resp.Rows {
			if r.Function == v.editing {
				base := r.Responsibility
				e.Base = &base
			}
		}
		row := msp.Responsibility{Function: v.editing, BusinessHours: v.partyOf(v.business.Selected),
			AfterHours: v.partyOf(v.after.Selected), Note: strings.TrimSpace(v.noteEntry.Text)}
		e.Row = &row
	}
	v.saveBtn.Disable()
	d := v.d
	d.env.Async(func() {
		var r localapi.Responsibilities
		err := d.env.call(func(ctx context.Context) error {
			var err error
			r, err = d.staff.StaffMatrixEdit(ctx, e)
			return err
		})
		fyne.Do(func() {
			v.saveBtn.Enable()
			if err != nil {
				v.editMsg.fail(matrixProblem(err))
				if api := (*localapi.APIError)(nil); errors.As(err, &api) && api.Status == http.StatusConflict {
					v.reload()
				}
				return
			}
			v.CloseEditor()
			v.set(r)
			d.Reload() // the queue count in the banner
		})
	})
}

// matrixProblem says why the agent refused an edit, and what to do.
func matrixProblem(err error) string {
	var api *localapi.APIError
	if !errors.As(err, &api) {
		return problem(err)
	}
	msg := capitalise(plainError(api.Body.Message)) + "."
	if api.Status == http.StatusConflict {
		msg += " The table now shows the row as it is."
	}
	return msg
}

// Dismiss forgets a refused edit.
func (v *matrixTab) Dismiss(seq uint64) {
	d := v.d
	d.env.Async(func() {
		err := d.env.call(func(ctx context.Context) error { return d.staff.StaffDismissRefused(ctx, seq) })
		fyne.Do(func() {
			if err != nil {
				d.showLoadProblem(err)
				return
			}
			v.reload()
		})
	})
}
