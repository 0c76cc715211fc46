package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// Dispatch on the Tickets tab (issue 15): who works a ticket, its
// priority, tickets logged for a caller, merged duplicates, and actions on
// a selection of the queue. Like every change on the dashboard, each is
// saved by the agent at once and sent to the hub when it can be reached.

// dispatchUI is the dispatch part of the Tickets tab.
type dispatchUI struct {
	mine *widget.Select // the queue's filter: anyone's, assigned to me, unassigned

	assignable map[string][]localapi.Assignee // who may be assigned, by tenant
	names      map[string]string              // person id → name

	// The selection of the queue (ticket id → its tenant) and what acts on it.
	picked     map[string]string
	bulkBar    *fyne.Container
	bulkCount  *widget.Label
	bulkAssign *widget.Select
	bulkStatus *widget.Select
	bulkDone   *widget.Button
	bulkClear  *widget.Button
	bulkMsg    *message

	// The shown ticket.
	dispatchLine *widget.Label
	assignSel    *widget.Select
	assignIDs    []string // assignSel's options' person ids ("" for unassigned)
	priorityBtn  *widget.Button
	mergeBtn     *widget.Button

	// The dialogs, while one is open.
	prioDlg    *dialog.CustomDialog
	prioSel    *widget.Select
	prioReason *widget.Entry
	prioMsg    *message
	prioGo     *widget.Button

	mergeDlg    *dialog.CustomDialog
	mergeFind   *widget.Entry
	mergeSel    *widget.Select
	mergeIDs    []string
	mergeAll    []localapi.StaffTicket // the organisation's other open tickets
	mergeReason *widget.Entry
	mergeMsg    *message
	mergeGo     *widget.Button

	phoneBtn  *widget.Button
	phoneDlg  *dialog.CustomDialog
	phoneForm *phoneForm
}

// Values of the "Assigned" filter, in its order.
var mineFilterValues = []string{"", localapi.AssigneeMe, localapi.AssigneeNone}

func (v *ticketsTab) buildDispatch() {
	v.assignable, v.names, v.picked = map[string][]localapi.Assignee{}, map[string]string{}, map[string]string{}
	v.mine = widget.NewSelect([]string{"Any assignee", "Assigned to me", "Unassigned"}, func(string) { v.reload() })
	v.mine.SetSelectedIndex(0)

	v.bulkCount = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.bulkAssign = widget.NewSelect(nil, nil)
	v.bulkAssign.PlaceHolder = "Assign to…"
	v.bulkAssign.OnChanged = func(s string) {
		if s != "" {
			v.bulkAssign.ClearSelected()
			v.BulkAssign(s)
		}
	}
	v.bulkStatus = widget.NewSelect(nil, nil)
	v.bulkStatus.PlaceHolder = "Set status…"
	v.bulkStatus.OnChanged = func(s string) {
		if s == "" {
			return
		}
		v.bulkStatus.ClearSelected()
		for _, st := range msp.Statuses() {
			if capitalise(st.Label()) == s {
				v.BulkStatus(st)
			}
		}
	}
	v.bulkDone = widget.NewButtonWithIcon("Resolve", theme.ConfirmIcon(), func() { v.BulkStatus(msp.StatusResolved) })
	v.bulkDone.Importance = widget.SuccessImportance
	v.bulkClear = widget.NewButtonWithIcon("Clear", theme.CancelIcon(), v.ClearPicked)
	v.bulkMsg = newMessage("")
	v.bulkBar = container.NewVBox(
		container.NewBorder(nil, nil, v.bulkCount, container.NewHBox(v.bulkDone, v.bulkClear),
			container.NewGridWithColumns(2, v.bulkAssign, v.bulkStatus)),
		v.bulkMsg)
	v.bulkBar.Hide()

	v.dispatchLine = widget.NewLabel("")
	v.dispatchLine.Wrapping = fyne.TextWrapWord
	v.dispatchLine.Hide()
	v.assignSel = widget.NewSelect(nil, nil)
	v.assignSel.PlaceHolder = "Assign to…"
	v.assignSel.OnChanged = func(string) {
		i := v.assignSel.SelectedIndex()
		if i < 0 || i >= len(v.assignIDs) || !v.loaded || v.assignIDs[i] == v.current.Assignee {
			return
		}
		v.Assign(v.assignIDs[i])
	}
	v.priorityBtn = widget.NewButtonWithIcon("Priority…", theme.WarningIcon(), v.OpenPriority)
	v.mergeBtn = widget.NewButtonWithIcon("Merge…", theme.ContentCopyIcon(), v.OpenMerge)
	v.phoneBtn = widget.NewButtonWithIcon("Phone ticket…", theme.ContentAddIcon(), v.OpenPhone)
}

// assignRow is the shown ticket's assignee, to change, with Priority…
// and Merge….
func (v *ticketsTab) assignRow() fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewLabel("Assigned to"), container.NewHBox(v.priorityBtn, v.mergeBtn), v.assignSel)
}

// mineQuery is the "Assigned" filter's value.
func (v *ticketsTab) mineQuery() string {
	if i := v.mine.SelectedIndex(); i > 0 && i < len(mineFilterValues) {
		return mineFilterValues[i]
	}
	return ""
}

// loadAssignable fetches who may be assigned the tickets of each organisation
// in scope, then calls done (on the UI goroutine).
func (v *ticketsTab) loadAssignable(done func()) {
	tenants := make([]string, 0, len(v.d.session.Tenants))
	for _, t := range v.d.session.Tenants {
		tenants = append(tenants, t.ID)
	}
	v.d.env.Async(func() {
		got := map[string][]localapi.Assignee{}
		for _, t := range tenants {
			var ps []localapi.Assignee
			err := v.d.env.call(func(ctx context.Context) error {
				var err error
				ps, err = v.d.staff.StaffAssignees(ctx, t)
				return err
			})
			if err == nil {
				got[t] = ps
			}
		}
		fyne.Do(func() {
			for t, ps := range got {
				v.assignable[t] = ps
				for _, p := range ps {
					v.names[p.ID] = p.Name
				}
			}
			if done != nil {
				done()
			}
		})
	})
}

// personName is a person's name, or "someone" for an id the dashboard
// does not know (a person removed since).
func (v *ticketsTab) personName(id string) string {
	if n, ok := v.names[id]; ok {
		return n
	}
	if id == "" {
		return ""
	}
	return "someone no longer listed"
}

// roleParty is the party a person works for.
func roleParty(r msp.Role) msp.Party {
	if r == msp.RoleITLead {
		return msp.PartyInternal
	}
	return msp.PartyMSP
}

func (v *ticketsTab) personLabel(p localapi.Assignee) string {
	who := v.d.supportName()
	if p.Role == msp.RoleITLead {
		who = "internal IT"
	}
	if p.Name == v.d.session.Name {
		return p.Name + " (me)"
	}
	return p.Name + " · " + who
}

// withWords is the queue's "With" column: the assignee, else the party.
func (v *ticketsTab) withWords(t localapi.StaffTicket) string {
	if t.Assignee != "" {
		return shortName(v.personName(t.Assignee))
	}
	return v.partyWords(t.Owner)
}

// shortName is a name as a narrow column shows it: "Sipho D." for
// "Sipho Dlamini".
func shortName(name string) string {
	f := strings.Fields(name)
	if len(f) < 2 {
		return name
	}
	last := []rune(f[len(f)-1])
	return f[0] + " " + string(last[0]) + "."
}

// renderDispatch shows the shown ticket's caller, merge links and
// assignee, and offers what the person may do to it.
func (v *ticketsTab) renderDispatch(t localapi.StaffTicket) {
	var lines []string
	if c := t.Caller; c != nil {
		s := "Phoned in by " + c.Name
		if c.Phone != "" {
			s += " (call back on " + c.Phone + ")"
		}
		by := v.personName(c.LoggedBy)
		if c.LoggedBy == "" {
			by = "staff"
		}
		lines = append(lines, s+"; logged by "+by+" from the call")
	}
	if t.MergedInto != "" {
		lines = append(lines, "Merged into "+TicketNumber(t.MergedInto)+" as a duplicate: the work goes on there")
	}
	for _, m := range t.Merged {
		who := m.Requester
		if m.Caller != "" {
			who = m.Caller
		}
		lines = append(lines, fmt.Sprintf("Also reported by %s in %s (%s), merged here", who, TicketNumber(m.ID), m.Title))
	}
	v.dispatchLine.SetText(strings.Join(lines, "\n"))
	setVisible(v.dispatchLine, len(lines) > 0)

	open := !t.Status.Terminal()
	v.assignIDs = []string{""}
	opts := []string{"Unassigned"}
	for _, p := range v.assignable[t.Tenant] {
		v.assignIDs = append(v.assignIDs, p.ID)
		opts = append(opts, v.personLabel(p))
	}
	if t.Assignee != "" && !slices.Contains(v.assignIDs, t.Assignee) {
		v.assignIDs = append(v.assignIDs, t.Assignee)
		opts = append(opts, v.personName(t.Assignee))
	}
	v.assignSel.Options = opts
	i := slices.Index(v.assignIDs, t.Assignee)
	v.assignSel.Selected = opts[max(i, 0)]
	v.assignSel.Refresh()
	for _, o := range []interface {
		Enable()
		Disable()
	}{v.assignSel, v.priorityBtn, v.mergeBtn} {
		if open {
			o.Enable()
		} else {
			o.Disable()
		}
	}
}

// Assign gives the shown ticket to person id ("" unassigns); the owner
// follows the person's side.
func (v *ticketsTab) Assign(id string) {
	if v.busy || !v.loaded {
		return
	}
	ch := msp.Change{Kind: msp.ChangeAssign, Assignee: new(id), AssigneeWas: new(v.current.Assignee)}
	for _, p := range v.assignable[v.current.Tenant] {
		if p.ID == id && roleParty(p.Role) != v.current.Owner {
			ch.Owner = roleParty(p.Role)
		}
	}
	v.change(ch, nil)
}

// Resolve resolves the shown ticket; what is in the reply box goes to the
// requester with it as the resolution note, instead of staying unsent.
func (v *ticketsTab) Resolve() {
	if v.busy || !v.loaded {
		return
	}
	ch := msp.Change{Kind: msp.ChangeStatus, Status: msp.StatusResolved}
	msg := strings.TrimSpace(v.compose.Text)
	if msg != "" {
		if _, ok := v.composed("resolution note"); !ok {
			return
		}
		ch.Comment = &msp.Comment{ID: msp.NewID(), Body: msg}
	}
	v.change(ch, func() {
		if msg != "" {
			v.compose.SetText("")
		}
	})
}

// priorityChoices are the priorities as the dialog offers them.
func priorityChoices() []string {
	var out []string
	for p := msp.P1; p <= msp.P4; p++ {
		out = append(out, PriorityWords(p))
	}
	return out
}

// OpenPriority asks for the shown ticket's new priority and the reason,
// which stays in its history.
func (v *ticketsTab) OpenPriority() {
	if !v.loaded {
		return
	}
	t := v.current
	v.prioSel = widget.NewSelect(priorityChoices(), nil)
	v.prioSel.SetSelectedIndex(int(t.Priority) - 1)
	v.prioReason = widget.NewMultiLineEntry()
	v.prioReason.SetMinRowsVisible(2)
	v.prioReason.Wrapping = fyne.TextWrapWord
	v.prioReason.SetPlaceHolder("Why? e.g. Payroll is blocked before the run")
	v.prioMsg = newMessage("The SLA clocks follow the new priority. The reason is kept in the ticket's history, for staff.")
	v.prioGo = widget.NewButtonWithIcon("Change priority", theme.ConfirmIcon(), v.SavePriority)
	v.prioGo.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { v.prioDlg.Hide() })
	body := container.NewVBox(
		widget.NewLabel(fmt.Sprintf("%s  %s\nNow: %s", TicketNumber(t.ID), t.Title, PriorityWords(t.Priority))),
		widget.NewForm(widget.NewFormItem("New priority", v.prioSel), widget.NewFormItem("Reason", v.prioReason)),
		v.prioMsg,
		container.NewBorder(nil, nil, nil, container.NewHBox(cancel, v.prioGo)))
	v.prioDlg = dialog.NewCustomWithoutButtons("Change the priority", body, v.d.win)
	v.prioDlg.Resize(fyne.NewSize(520, 0))
	v.prioDlg.Show()
	v.d.win.Canvas().Focus(v.prioReason)
}

// SavePriority sends the priority dialog's change.
func (v *ticketsTab) SavePriority() {
	if v.prioDlg == nil || !v.loaded {
		return
	}
	p := msp.Priority(v.prioSel.SelectedIndex() + 1)
	reason := strings.TrimSpace(v.prioReason.Text)
	switch {
	case !p.Valid():
		v.prioMsg.fail("Choose the new priority.")
		return
	case p == v.current.Priority:
		v.prioMsg.fail("That is the priority it has; choose another, or Cancel.")
		return
	case reason == "":
		v.prioMsg.fail("Say why the priority changes: the reason is kept in the ticket's history.")
		return
	}
	i, u := msp.LevelsFor(p, v.current.Impact, v.current.Urgency)
	ch := msp.Change{Kind: msp.ChangeReprioritise, Impact: i, Urgency: u, PriorityWas: v.current.Priority, Reason: reason}
	v.changeIn(ch, v.prioMsg, func() { v.prioDlg.Hide() })
}

// OpenMerge asks which open ticket of the same organisation the shown one
// duplicates.
func (v *ticketsTab) OpenMerge() {
	if !v.loaded {
		return
	}
	t := v.current
	v.mergeIDs = nil
	v.mergeSel = widget.NewSelect(nil, nil)
	v.mergeSel.PlaceHolder = "Choose the ticket it duplicates"
	v.mergeAll = nil
	v.mergeFind = widget.NewEntry()
	v.mergeFind.SetPlaceHolder("Find by #number, title or requester")
	v.mergeFind.OnChanged = func(string) { v.mergeOptions() }
	v.mergeReason = widget.NewEntry()
	v.mergeReason.SetPlaceHolder("Optional, e.g. Same printer, same morning")
	v.mergeMsg = newMessage("This ticket is closed with a link to the other, and its requester is told. What they wrote is kept on the other ticket.")
	v.mergeGo = widget.NewButtonWithIcon("Merge", theme.ConfirmIcon(), v.SaveMerge)
	v.mergeGo.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { v.mergeDlg.Hide() })
	body := container.NewVBox(
		widget.NewLabel(fmt.Sprintf("Merge %s  %s\nfrom %s into:", TicketNumber(t.ID), t.Title, t.Reporter())),
		v.mergeFind,
		v.mergeSel,
		widget.NewForm(widget.NewFormItem("Reason", v.mergeReason)),
		v.mergeMsg,
		container.NewBorder(nil, nil, nil, container.NewHBox(cancel, v.mergeGo)))
	v.mergeDlg = dialog.NewCustomWithoutButtons("Merge a duplicate", body, v.d.win)
	v.mergeDlg.Resize(fyne.NewSize(560, 0))
	v.mergeDlg.Show()
	q := localapi.TicketQuery{Tenant: t.Tenant, Status: localapi.StatusFilterOpen, Sort: localapi.SortUpdated, Limit: localapi.MaxTicketLimit}
	sel := v.mergeSel
	v.d.env.Async(func() {
		var page localapi.TicketPage
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			page, err = v.d.staff.StaffTickets(ctx, q)
			return err
		})
		fyne.Do(func() {
			if sel != v.mergeSel {
				return
			}
			if err != nil {
				v.mergeMsg.fail("The other tickets cannot be listed: " + problem(err))
				return
			}
			for _, o := range page.Tickets {
				if o.ID != t.ID && o.MergedInto == "" {
					v.mergeAll = append(v.mergeAll, o)
				}
			}
			if len(v.mergeAll) == 0 {
				v.mergeMsg.fail("No other open ticket of this organisation to merge into.")
			}
			v.mergeOptions()
		})
	})
}

// mergeOptions lists the tickets the merge dialog's search matches.
func (v *ticketsTab) mergeOptions() {
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(v.mergeFind.Text, "#", "")))
	v.mergeIDs = v.mergeIDs[:0]
	var opts []string
	for _, o := range v.mergeAll {
		label := fmt.Sprintf("%s  %s · %s", TicketNumber(o.ID), o.Title, o.Reporter())
		hay := strings.ToLower(label)
		if slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
			continue
		}
		v.mergeIDs = append(v.mergeIDs, o.ID)
		opts = append(opts, label)
	}
	v.mergeSel.ClearSelected()
	v.mergeSel.Options = opts
	v.mergeSel.Refresh()
}

// SaveMerge sends the merge dialog's change.
func (v *ticketsTab) SaveMerge() {
	if v.mergeDlg == nil || !v.loaded {
		return
	}
	i := v.mergeSel.SelectedIndex()
	if i < 0 || i >= len(v.mergeIDs) {
		v.mergeMsg.fail("Choose the ticket this one duplicates.")
		return
	}
	into := v.mergeIDs[i]
	ch := msp.Change{Kind: msp.ChangeMerge, Into: into, Reason: strings.TrimSpace(v.mergeReason.Text)}
	v.changeIn(ch, v.mergeMsg, func() {
		v.mergeDlg.Hide()
		v.show(into) // where the work goes on
	})
}

// changeIn sends ch for the shown ticket like change, but says a refusal
// in msg (a dialog's) and runs done only on success.
func (v *ticketsTab) changeIn(ch msp.Change, msg *message, done func()) {
	id := v.selected
	ch.ID, ch.TicketID, ch.At = msp.NewID(), id, v.d.env.Now().UTC()
	v.busy = true
	v.d.env.Async(func() {
		var t localapi.StaffTicket
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			t, err = v.d.staff.StaffChange(ctx, id, ch)
			return err
		})
		fyne.Do(func() {
			v.busy = false
			if err != nil {
				msg.fail(problem(err))
				return
			}
			if v.selected == id {
				v.render(t)
			}
			if done != nil {
				done()
			}
			v.reload()
		})
	})
}

// pickCheck is the selection box of a row of the queue.
func (v *ticketsTab) pickCheck(row fyne.CanvasObject) *widget.Check {
	return row.(*fyne.Container).Objects[colPick].(*widget.Check)
}

// bindPick makes a row's box select ticket t.
func (v *ticketsTab) bindPick(row fyne.CanvasObject, t localapi.StaffTicket) {
	c := v.pickCheck(row)
	c.OnChanged = nil
	c.SetChecked(v.picked[t.ID] != "")
	id, tenant := t.ID, t.Tenant
	c.OnChanged = func(on bool) { v.Pick(id, tenant, on) }
}

// Pick adds ticket id (of tenant) to the selection or takes it out.
func (v *ticketsTab) Pick(id, tenant string, on bool) {
	if on {
		v.picked[id] = tenant
	} else {
		delete(v.picked, id)
	}
	v.showBulk()
}

// ClearPicked empties the selection.
func (v *ticketsTab) ClearPicked() {
	clear(v.picked)
	v.bulkMsg.clear()
	v.showBulk()
	v.list.Refresh()
}

// showBulk shows what can be done to the selection: assign to someone who
// may work every selected ticket, or move them all.
func (v *ticketsTab) showBulk() {
	if len(v.picked) == 0 {
		v.bulkBar.Hide()
		return
	}
	v.bulkCount.SetText(plural(len(v.picked), "ticket") + " selected")
	var common []localapi.Assignee
	first := true
	for _, tenant := range v.picked {
		if first {
			common, first = slices.Clone(v.assignable[tenant]), false
			continue
		}
		common = slices.DeleteFunc(common, func(p localapi.Assignee) bool {
			return !slices.ContainsFunc(v.assignable[tenant], func(q localapi.Assignee) bool { return q.ID == p.ID })
		})
	}
	opts := []string{"Unassigned"}
	for _, p := range common {
		opts = append(opts, v.personLabel(p))
	}
	v.bulkAssign.Options = opts
	v.bulkAssign.Refresh()
	var sts []string
	for _, s := range msp.Statuses() {
		if s != msp.StatusResolved && s != msp.StatusNew {
			sts = append(sts, capitalise(s.Label()))
		}
	}
	v.bulkStatus.Options = sts
	v.bulkStatus.Refresh()
	v.bulkBar.Show()
}

// BulkAssign assigns every selected ticket to the person the label names.
func (v *ticketsTab) BulkAssign(label string) {
	id := ""
	for _, ps := range v.assignable {
		for _, p := range ps {
			if v.personLabel(p) == label {
				id = p.ID
			}
		}
	}
	what := "Assigned to " + strings.TrimSuffix(strings.SplitN(label, " · ", 2)[0], " (me)")
	if id == "" {
		what = "Unassigned"
	}
	v.bulk(what, func(t localapi.StaffTicket) (msp.Change, bool) {
		if t.Assignee == id {
			return msp.Change{}, false
		}
		ch := msp.Change{Kind: msp.ChangeAssign, Assignee: new(id), AssigneeWas: new(t.Assignee)}
		for _, p := range v.assignable[t.Tenant] {
			if p.ID == id && roleParty(p.Role) != t.Owner {
				ch.Owner = roleParty(p.Role)
			}
		}
		return ch, true
	})
}

// BulkStatus moves every selected ticket to s.
func (v *ticketsTab) BulkStatus(s msp.Status) {
	v.bulk(capitalise(s.Label()), func(t localapi.StaffTicket) (msp.Change, bool) {
		return msp.Change{Kind: msp.ChangeStatus, Status: s}, t.Status != s
	})
}

// bulk makes the change mk gives for each selected ticket (one the
// agent holds), then says how many took it and why any did not.
func (v *ticketsTab) bulk(what string, mk func(localapi.StaffTicket) (msp.Change, bool)) {
	if v.busy || len(v.picked) == 0 {
		return
	}
	ids := make([]string, 0, len(v.picked))
	for id := range v.picked {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	v.busy = true
	now := v.d.env.Now().UTC()
	v.d.env.Async(func() {
		done, skipped := 0, 0
		var failed []string
		for _, id := range ids {
			err := v.d.env.call(func(ctx context.Context) error {
				t, err := v.d.staff.StaffTicket(ctx, id)
				if err != nil {
					return err
				}
				ch, ok := mk(t)
				if !ok {
					skipped++
					return nil
				}
				ch.ID, ch.TicketID, ch.At = msp.NewID(), id, now
				_, err = v.d.staff.StaffChange(ctx, id, ch)
				if err == nil {
					done++
				}
				return err
			})
			if err != nil {
				failed = append(failed, TicketNumber(id)+": "+problem(err))
			}
		}
		fyne.Do(func() {
			v.busy = false
			if len(failed) > 0 {
				v.bulkMsg.fail(fmt.Sprintf("%s: %d of %d done. Not done: %s", what, done, len(ids), strings.Join(failed, "; ")))
			} else {
				clear(v.picked)
				v.bulkMsg.clear()
				v.showBulk()
				v.count.SetText(fmt.Sprintf("%s: %s", what, plural(done, "ticket")))
			}
			v.reload()
			if v.loaded {
				v.show(v.selected)
			}
		})
	})
}

// phoneForm is the form of a ticket logged for a caller.
type phoneForm struct {
	org     *widget.Select
	orgIDs  []string
	caller  *widget.Entry
	phone   *widget.Entry
	device  *widget.Select
	devFind *widget.Entry
	devIDs  []string
	devAll  []localapi.DeviceRow // the organisation's computers in service
	title   *widget.Entry
	desc    *widget.Entry
	pillar  *widget.Select
	impact  *widget.Select
	urgency *widget.Select
	msg     *message
	save    *widget.Button
}

// OpenPhone opens the form for a ticket logged for someone who phoned:
// their name, their organisation and computer, and what is wrong.
func (v *ticketsTab) OpenPhone() {
	f := &phoneForm{}
	v.phoneForm = f
	var orgs []string
	for _, t := range v.d.session.Tenants {
		f.orgIDs = append(f.orgIDs, t.ID)
		orgs = append(orgs, t.Name)
	}
	f.device = widget.NewSelect(nil, nil)
	f.device.PlaceHolder = "Their computer (optional)"
	f.devFind = widget.NewEntry()
	f.devFind.SetPlaceHolder("Find their computer by name")
	f.devFind.OnChanged = func(string) { f.deviceOptions() }
	f.org = widget.NewSelect(orgs, func(string) { v.phoneDevices(f) })
	f.caller = widget.NewEntry()
	f.caller.SetPlaceHolder("e.g. Jane Smith")
	f.phone = widget.NewEntry()
	f.phone.SetPlaceHolder("Call-back number, e.g. +27 21 555 0199")
	f.title = widget.NewEntry()
	f.title.SetPlaceHolder("What is wrong, in a few words")
	f.desc = widget.NewMultiLineEntry()
	f.desc.SetMinRowsVisible(3)
	f.desc.SetPlaceHolder("What the caller said: what happens, since when, what they tried")
	var pillars []string
	for _, p := range msp.Pillars() {
		pillars = append(pillars, p.Name)
	}
	f.pillar = widget.NewSelect(pillars, nil)
	f.pillar.SetSelectedIndex(slices.IndexFunc(msp.Pillars(), func(p msp.PillarInfo) bool { return p.ID == msp.PillarHelpdesk }))
	levels := func(label func(msp.Level) string) *widget.Select {
		var opts []string
		for l := msp.LevelHigh; l <= msp.LevelLow; l++ {
			opts = append(opts, label(l))
		}
		s := widget.NewSelect(opts, nil)
		s.SetSelectedIndex(int(msp.LevelMedium) - 1)
		return s
	}
	f.impact = levels(msp.Level.ImpactLabel)
	f.urgency = levels(msp.Level.UrgencyLabel)
	f.msg = newMessage("The caller is shown as the requester; the ticket says you logged it from their call.")
	f.save = widget.NewButtonWithIcon("Log the call", theme.ConfirmIcon(), v.SavePhone)
	f.save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { v.phoneDlg.Hide() })
	form := widget.NewForm(
		widget.NewFormItem("Organisation", f.org),
		widget.NewFormItem("Caller", f.caller),
		widget.NewFormItem("Phone", f.phone),
		widget.NewFormItem("Computer", container.NewGridWithColumns(2, f.devFind, f.device)),
		widget.NewFormItem("Problem", f.title),
		widget.NewFormItem("Details", f.desc),
		widget.NewFormItem("Area", f.pillar),
		widget.NewFormItem("Who is affected", f.impact),
		widget.NewFormItem("How urgent", f.urgency),
	)
	body := container.NewVBox(form, f.msg, container.NewBorder(nil, nil, nil, container.NewHBox(cancel, f.save)))
	v.phoneDlg = dialog.NewCustomWithoutButtons("Log a phone call as a ticket", body, v.d.win)
	v.phoneDlg.Resize(fyne.NewSize(min(640, v.d.win.Canvas().Size().Width-40), 0))
	if i := slices.Index(f.orgIDs, v.d.tenant); i >= 0 {
		f.org.SetSelectedIndex(i)
	} else if len(f.orgIDs) == 1 {
		f.org.SetSelectedIndex(0)
	}
	v.phoneDlg.Show()
	v.d.win.Canvas().Focus(f.caller)
}

// phoneDevices lists the chosen organisation's computers in the form.
func (v *ticketsTab) phoneDevices(f *phoneForm) {
	i := f.org.SelectedIndex()
	if i < 0 || i >= len(f.orgIDs) {
		return
	}
	tenant := f.orgIDs[i]
	v.d.env.Async(func() {
		var rows []localapi.DeviceRow
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			rows, err = v.d.staff.StaffDevices(ctx, tenant, "")
			return err
		})
		fyne.Do(func() {
			if v.phoneForm != f || f.org.SelectedIndex() != i {
				return
			}
			if err != nil {
				f.msg.fail("The organisation's computers cannot be listed: " + problem(err))
			}
			f.devAll = f.devAll[:0]
			for _, r := range rows {
				if r.RevokedAt.IsZero() {
					f.devAll = append(f.devAll, r)
				}
			}
			f.deviceOptions()
		})
	})
}

// deviceOptions lists the computers whose name the search matches.
func (f *phoneForm) deviceOptions() {
	find := strings.ToLower(strings.TrimSpace(f.devFind.Text))
	f.devIDs = []string{""}
	opts := []string{"Not about a computer"}
	for _, r := range f.devAll {
		if find != "" && !strings.Contains(strings.ToLower(r.Hostname), find) {
			continue
		}
		f.devIDs = append(f.devIDs, r.ID)
		opts = append(opts, r.Hostname+" · "+r.OS)
	}
	f.device.Options = opts
	f.device.ClearSelected()
	if find != "" && len(opts) == 2 {
		f.device.SetSelectedIndex(1) // the one computer of that name
	}
	f.device.Refresh()
}

// SavePhone logs the phone form as a ticket for the caller.
func (v *ticketsTab) SavePhone() {
	f := v.phoneForm
	if f == nil || v.busy {
		return
	}
	oi := f.org.SelectedIndex()
	name, title := strings.TrimSpace(f.caller.Text), strings.TrimSpace(f.title.Text)
	switch {
	case oi < 0 || oi >= len(f.orgIDs):
		f.msg.fail("Choose the caller's organisation.")
		return
	case name == "":
		f.msg.fail("Write the caller's name: the ticket is theirs.")
		return
	case title == "":
		f.msg.fail("Write what is wrong in a few words.")
		return
	}
	id := msp.NewTicketID()
	tk := &msp.Ticket{ID: id, Tenant: f.orgIDs[oi], Title: title, Description: strings.TrimSpace(f.desc.Text),
		Pillar: msp.Pillars()[max(f.pillar.SelectedIndex(), 0)].ID, Category: msp.CategoryOther,
		Impact: msp.Level(f.impact.SelectedIndex() + 1), Urgency: msp.Level(f.urgency.SelectedIndex() + 1),
		Caller: &msp.Caller{Name: name, Phone: strings.TrimSpace(f.phone.Text)}}
	if di := f.device.SelectedIndex(); di > 0 && di < len(f.devIDs) {
		tk.Device = f.devIDs[di]
	}
	if err := tk.ValidateDraft(); err != nil {
		f.msg.fail("The ticket is not complete: " + problem(err))
		return
	}
	ch := msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: id, Ticket: tk, At: v.d.env.Now().UTC()}
	v.busy = true
	v.d.env.Async(func() {
		var t localapi.StaffTicket
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			t, err = v.d.staff.StaffChange(ctx, id, ch)
			return err
		})
		fyne.Do(func() {
			v.busy = false
			if err != nil {
				f.msg.fail(problem(err))
				return
			}
			v.phoneDlg.Hide()
			v.selected = t.ID
			v.render(t)
			v.reload()
		})
	})
}
