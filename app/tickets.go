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

// Tickets is the "My tickets" window: the person's tickets, newest first,
// and the conversation of the one selected. Build it with TicketsWindow;
// all methods run on the UI goroutine.
type Tickets struct {
	env Env
	win fyne.Window

	tickets  []localapi.TicketView
	selected string // id of the ticket shown
	status   localapi.Status

	banner     *fyne.Container
	bannerIcon *widget.Icon
	bannerMsg  *widget.Label
	list       *keyList
	empty      *widget.Label

	detail     *fyne.Container
	head       *widget.Label
	meta       *widget.Label
	refused    *fyne.Container
	conv       *fyne.Container
	convScroll *container.Scroll
	reply      *keyEntry
	replyMsg   *message
	send       *widget.Button
	fixed      *widget.Button
	broken     *widget.Button
	pick       *widget.Label
	busy       bool
}

// TicketsWindow fills w with the person's tickets, selects ticket id if not
// empty, and follows the agent's events until the window closes.
func TicketsWindow(w fyne.Window, env Env, id string) *Tickets {
	v := &Tickets{env: env.withDefaults(), win: w, selected: id}
	v.build()
	w.SetContent(v.content())
	bindKeys(w, v.SendReply, w.Close)
	w.Canvas().Focus(v.list) // arrows choose a ticket; Tab moves to the reply
	v.Reload()
	return v
}

// Follow streams the agent's events into the window until ctx ends,
// reconnecting after a pause when the stream breaks. It blocks; run it on
// a goroutine owned by the window (see RunTickets in the tandem command).
func (v *Tickets) Follow(ctx context.Context) {
	for ctx.Err() == nil {
		err := v.env.Agent.Events(ctx, func(e localapi.Event) { fyne.Do(func() { v.Event(e) }) })
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() { v.showLoadProblem(err) })
		select {
		case <-ctx.Done():
			return
		case <-time.After(3 * time.Second):
		}
		fyne.Do(v.Reload)
	}
}

func (v *Tickets) build() {
	v.bannerMsg = widget.NewLabel("")
	v.bannerMsg.Wrapping = fyne.TextWrapWord
	v.bannerMsg.Importance = widget.WarningImportance
	v.bannerIcon = widget.NewIcon(theme.WarningIcon())
	v.banner = container.NewBorder(nil, widget.NewSeparator(), v.bannerIcon, nil, v.bannerMsg)
	v.banner.Hide()

	v.list = newKeyList(func() int { return len(v.tickets) }, func() fyne.CanvasObject {
		title := widget.NewLabelWithStyle("title", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		title.Truncation = fyne.TextTruncateEllipsis
		line := widget.NewLabel("status")
		line.Truncation = fyne.TextTruncateEllipsis
		line.SizeName = theme.SizeNameCaptionText
		owner := widget.NewLabel("owner")
		owner.Truncation = fyne.TextTruncateEllipsis
		owner.SizeName = theme.SizeNameCaptionText
		return container.NewVBox(title, line, owner)
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		if i >= len(v.tickets) {
			return
		}
		t := v.tickets[i]
		box := o.(*fyne.Container)
		box.Objects[0].(*widget.Label).SetText(t.Title)
		line := box.Objects[1].(*widget.Label)
		line.SetText(v.summary(t))
		if len(t.Refused) > 0 {
			line.Importance = widget.DangerImportance
		} else {
			line.Importance = widget.MediumImportance
		}
		line.Refresh()
		box.Objects[2].(*widget.Label).SetText(ownerLine(t, v.env.Now()))
	})
	v.list.onEscape = v.win.Close
	v.list.OnSelected = func(i widget.ListItemID) {
		if i < len(v.tickets) {
			v.show(v.tickets[i].ID)
		}
	}
	v.empty = widget.NewLabel("You have no tickets yet. Raise one from the Tandem icon, or with \"tandem open new-ticket\".")
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()

	v.head = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.head.Wrapping = fyne.TextWrapWord
	v.head.SizeName = theme.SizeNameSubHeadingText
	v.meta = widget.NewLabel("")
	v.meta.Wrapping = fyne.TextWrapWord
	v.refused = container.NewVBox()
	v.conv = container.NewVBox()
	v.reply = newKeyEntry(true)
	v.reply.SetPlaceHolder("Write a reply… (Ctrl+Enter sends)")
	v.reply.SetMinRowsVisible(3)
	v.reply.onSubmit = v.SendReply
	v.reply.onEscape = v.win.Close
	v.replyMsg = newMessage("")
	v.send = widget.NewButtonWithIcon("Send reply", theme.MailSendIcon(), v.SendReply)
	v.send.Importance = widget.HighImportance
	v.fixed = widget.NewButtonWithIcon("This is fixed", theme.ConfirmIcon(), func() { v.setStatus(msp.StatusClosed) })
	v.broken = widget.NewButtonWithIcon("Still broken", theme.ErrorIcon(), func() { v.setStatus(msp.StatusReopened) })
	v.fixed.Importance = widget.SuccessImportance
	v.broken.Importance = widget.DangerImportance
}

func (v *Tickets) content() fyne.CanvasObject {
	v.convScroll = container.NewVScroll(container.NewPadded(container.NewVBox(v.refused, v.conv)))
	v.convScroll.SetMinSize(fyne.NewSize(300, 200))
	actions := container.NewHBox(v.fixed, v.broken)
	compose := container.NewVBox(widget.NewSeparator(), v.reply, v.replyMsg,
		container.NewBorder(nil, nil, actions, v.send))
	v.detail = container.NewBorder(container.NewVBox(v.head, v.meta, widget.NewSeparator()), compose, nil, nil, v.convScroll)
	v.detail.Hide()
	v.pick = widget.NewLabel("Choose a ticket on the left to see its conversation.")
	v.pick.Wrapping = fyne.TextWrapWord
	right := container.NewStack(container.NewPadded(v.pick), container.NewPadded(v.detail))
	left := container.NewBorder(nil, v.empty, nil, nil, v.list)
	split := container.NewHSplit(left, right)
	split.Offset = 0.36
	return container.NewBorder(v.banner, nil, nil, nil, split)
}

// summary is the second line of a ticket in the list.
func (v *Tickets) summary(t localapi.TicketView) string {
	parts := []string{StatusWords(t.Status)}
	if s := SLAWords(t); s != "" && t.Status.IsOpen() {
		parts = append(parts, s)
	}
	if len(t.Refused) > 0 {
		parts = append(parts, plural(len(t.Refused), "change")+" not accepted")
	} else if !t.Delivered {
		parts = append(parts, "not sent yet")
	}
	return strings.Join(parts, " · ")
}

func ownerLine(t localapi.TicketView, now time.Time) string {
	parts := []string{TicketNumber(t.ID)}
	if t.OwnerText != "" {
		parts = append(parts, t.OwnerText)
	}
	if a := Ago(t.UpdatedAt, now); a != "" {
		parts = append(parts, "updated "+a)
	}
	return strings.Join(parts, " · ")
}

// Reload asks the agent for the tickets and the sync status again.
func (v *Tickets) Reload() {
	v.env.Async(func() {
		var ts []localapi.TicketView
		var st localapi.Status
		err := v.env.call(func(ctx context.Context) error {
			var err error
			if ts, err = v.env.Agent.Tickets(ctx); err != nil {
				return err
			}
			st, err = v.env.Agent.Status(ctx)
			return err
		})
		fyne.Do(func() {
			if err != nil {
				v.showLoadProblem(err)
				return
			}
			v.status = st
			v.setStatus0(st.Online, st.Queued)
			v.setTickets(ts)
		})
	})
}

// showLoadProblem says in the banner that the agent cannot be reached; the
// next successful reload or event replaces it.
func (v *Tickets) showLoadProblem(err error) {
	if err == nil {
		return
	}
	v.bannerIcon.SetResource(theme.ErrorIcon())
	v.bannerMsg.Importance = widget.DangerImportance
	v.bannerMsg.SetText("Your tickets cannot be shown right now. " + problem(err) + " This window tries again by itself.")
	v.banner.Show()
}

func (v *Tickets) setTickets(ts []localapi.TicketView) {
	slices.SortStableFunc(ts, func(a, b localapi.TicketView) int { return b.CreatedAt.Compare(a.CreatedAt) })
	v.tickets = ts
	v.empty.Hidden = len(ts) > 0
	v.empty.Refresh()
	v.list.Refresh()
	if v.selected == "" && len(ts) > 0 {
		v.selected = ts[0].ID // the newest, so the window is never empty
	}
	for i, t := range ts {
		if t.ID == v.selected {
			v.list.Select(i) // calls show when the selection changes
			v.show(t.ID)
			return
		}
	}
}

// setStatus0 shows or hides the offline banner.
func (v *Tickets) setStatus0(online bool, queued int) {
	v.status.Online, v.status.Queued = online, queued
	v.bannerIcon.SetResource(theme.WarningIcon())
	v.bannerMsg.Importance = widget.WarningImportance
	if online {
		v.banner.Hide()
		return
	}
	v.bannerMsg.SetText(OfflineWords(queued))
	v.banner.Show()
}

// Event applies one event of the agent: the banner follows the status; a
// changed ticket is fetched again.
func (v *Tickets) Event(e localapi.Event) {
	v.setStatus0(e.Online, e.Queued)
	switch e.Kind {
	case localapi.EventTicket, localapi.EventDrained:
		v.Reload()
	}
}

// ticket returns the shown ticket.
func (v *Tickets) ticket() (localapi.TicketView, bool) {
	for _, t := range v.tickets {
		if t.ID == v.selected {
			return t, true
		}
	}
	return localapi.TicketView{}, false
}

// Select shows the ticket with the given id.
func (v *Tickets) Select(id string) {
	for i, t := range v.tickets {
		if t.ID == id {
			v.list.Select(i)
			return
		}
	}
}

func (v *Tickets) show(id string) {
	v.selected = id
	t, ok := v.ticket()
	if !ok {
		v.detail.Hide()
		v.pick.Show()
		return
	}
	v.pick.Hide()
	now := v.env.Now()
	v.head.SetText(fmt.Sprintf("%s  %s", TicketNumber(t.ID), t.Title))
	meta := []string{"Status: " + StatusWords(t.Status)}
	if t.MergedInto != "" {
		// Merged, not gone: the same problem is worked on another ticket.
		meta[0] += " · merged into " + TicketNumber(t.MergedInto) + ", which reports the same problem; your support team carries on there"
	}
	if s := SLAWords(t); s != "" {
		meta = append(meta, s)
	}
	if t.OwnerText != "" {
		meta = append(meta, "With: "+t.OwnerText)
	}
	meta = append(meta, "Priority: "+PriorityWords(t.Priority), "Raised "+Ago(t.CreatedAt, now))
	if !t.Delivered {
		meta = append(meta, "Not yet sent to your support team: it goes when this computer is back online.")
	}
	v.meta.SetText(strings.Join(meta, "\n"))

	v.refused.Objects = nil
	for _, d := range t.Refused {
		l := widget.NewLabel(fmt.Sprintf("Your support team's system did not accept a change (%s): %s. "+
			"Nothing else on this ticket is affected; if the change matters, say so in a reply.", refusedKind(d.Kind), strings.TrimSuffix(d.Reason, ".")))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		v.refused.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, l))
	}
	v.refused.Refresh()

	// Each file under the message it was sent with: the ticket's files
	// under the person's own first message, not under the latest reply.
	v.conv.Objects = nil
	shown := func(c msp.Comment) bool { return !c.Internal && c.Kind == msp.CommentKindReply }
	withTicket, later := attachmentGroups(t.Comments, t.Attachments, shown)
	if t.Description != "" {
		v.conv.Add(bubble("You", t.CreatedAt, now, t.Description))
	} else if len(withTicket) > 0 {
		v.conv.Add(attachedNote("You", t.CreatedAt, now))
	}
	if len(withTicket) > 0 {
		v.conv.Add(attachedFiles(withTicket))
	}
	for i, c := range t.Comments {
		if c.Internal {
			continue // never shown to the requester, even if an old agent sent it
		}
		if c.Kind != msp.CommentKindReply {
			v.conv.Add(note(fmt.Sprintf("%s · %s", c.Body, Ago(c.CreatedAt, now))))
			continue
		}
		v.conv.Add(bubble(v.author(t, c), c.CreatedAt, now, c.Body))
		if atts := later[i]; len(atts) > 0 {
			v.conv.Add(attachedFiles(atts))
		}
	}
	v.conv.Refresh()

	next := msp.NextStatuses(t.Status, msp.RoleEndUser)
	v.fixed.Hidden = !slices.Contains(next, msp.StatusClosed)
	v.broken.Hidden = !slices.Contains(next, msp.StatusReopened)
	v.fixed.Refresh()
	v.broken.Refresh()
	closed := t.Status.Terminal()
	if closed {
		v.reply.SetPlaceHolder("This ticket is closed. Raise a new ticket if the problem is back.")
		v.reply.Disable()
		v.send.Disable()
	} else {
		v.reply.SetPlaceHolder("Write a reply… (Ctrl+Enter sends)")
		v.reply.Enable()
		v.send.Enable()
	}
	v.detail.Show()
	v.convScroll.ScrollToBottom()
}

// author names who wrote a comment the way the requester knows them:
// "You", "Your IT lead", or the MSP's name; never an internal id.
func (v *Tickets) author(t localapi.TicketView, c msp.Comment) string {
	switch {
	case c.Role == msp.RoleEndUser || c.Author == t.Requester:
		return "You"
	case c.Role == msp.RoleITLead:
		return "Your IT lead"
	}
	if name := v.status.Support.Name; name != "" {
		return name
	}
	return "IT support"
}

func refusedKind(kind string) string {
	switch kind {
	case string(msp.ChangeComment):
		return "a reply"
	case string(msp.ChangeStatus):
		return "a status change"
	case string(msp.ChangeCreate):
		return "the new ticket"
	case string(msp.ChangeReprioritise):
		return "a change of priority"
	case string(msp.ChangeEdit):
		return "an edit"
	}
	return kind
}

// attachedFiles lists the files sent with a message: name and size.
func attachedFiles(atts []msp.Attachment) fyne.CanvasObject {
	box := container.NewVBox()
	for _, a := range atts {
		name := widget.NewLabel(fmt.Sprintf("%s (%s)", a.Name, Size(a.Size)))
		name.Truncation = fyne.TextTruncateEllipsis
		box.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), nil, name))
	}
	return box
}

// bubble is one message of the conversation.
func bubble(who string, at, now time.Time, body string) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(fmt.Sprintf("%s · %s", who, Ago(at, now)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameCaptionText
	text := widget.NewLabel(body)
	text.Wrapping = fyne.TextWrapWord
	text.Selectable = true
	return container.NewVBox(head, text)
}

// SendReply sends the reply box's text on the shown ticket.
func (v *Tickets) SendReply() {
	msg := strings.TrimSpace(v.reply.Text)
	if v.busy || v.selected == "" {
		return
	}
	if msg == "" {
		v.replyMsg.fail("Write something first.")
		return
	}
	if n := len([]rune(msg)); n > msp.MaxCommentRunes {
		v.replyMsg.fail(fmt.Sprintf("The reply is too long (%d characters; at most %d). Attach long text as a file on a new ticket.", n, msp.MaxCommentRunes))
		return
	}
	id := v.selected
	v.act(func(ctx context.Context) (localapi.TicketView, error) { return v.env.Agent.Reply(ctx, id, msg) }, func() {
		v.reply.SetText("")
	})
}

func (v *Tickets) setStatus(s msp.Status) {
	if v.busy || v.selected == "" {
		return
	}
	id := v.selected
	v.act(func(ctx context.Context) (localapi.TicketView, error) { return v.env.Agent.SetStatus(ctx, id, s) }, nil)
}

// act runs one write against the agent with the buttons disabled, then
// shows the ticket as the agent saved it.
func (v *Tickets) act(do func(ctx context.Context) (localapi.TicketView, error), done func()) {
	v.busy = true
	v.replyMsg.clear()
	for _, b := range []*widget.Button{v.send, v.fixed, v.broken} {
		b.Disable()
	}
	v.env.Async(func() {
		var tv localapi.TicketView
		err := v.env.call(func(ctx context.Context) error {
			var err error
			tv, err = do(ctx)
			return err
		})
		fyne.Do(func() {
			v.busy = false
			for _, b := range []*widget.Button{v.send, v.fixed, v.broken} {
				b.Enable()
			}
			if err != nil {
				v.replyMsg.fail(problem(err))
				return
			}
			if done != nil {
				done()
			}
			v.upsert(tv)
			v.Reload()
		})
	})
}

// upsert replaces (or adds) a ticket the agent returned and shows it.
func (v *Tickets) upsert(tv localapi.TicketView) {
	for i := range v.tickets {
		if v.tickets[i].ID == tv.ID {
			v.tickets[i] = tv
			v.list.RefreshItem(i)
			if v.selected == tv.ID {
				v.show(tv.ID)
			}
			return
		}
	}
	v.setTickets(append(v.tickets, tv))
}
