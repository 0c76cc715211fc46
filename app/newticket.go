package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png" // screenshots are PNG
	"io"
	"mime"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// MaxFiles is how many files (the screenshot included) one ticket carries.
const MaxFiles = localapi.MaxUploadFiles

// NewTicket is the new-ticket window's content and state. Build it with
// NewTicketWindow; all methods run on the UI goroutine.
type NewTicket struct {
	env Env
	win fyne.Window

	title, desc                                      *keyEntry
	topic                                            *widget.Select
	affected, severity                               *widget.RadioGroup
	titleMsg, descMsg, topicMsg, affectedMsg, sevMsg *message
	priority                                         *widget.Label

	shotBtn   *widget.Button
	shot      *localapi.Upload
	shotBox   *fyne.Container
	fileBtn   *widget.Button
	files     []localapi.Upload
	fileList  *fyne.Container
	attachMsg *message

	details    *widget.Form
	detailsMsg *widget.Label

	formMsg *message
	submit  *widget.Button
	sending bool

	form    fyne.CanvasObject
	confirm *fyne.Container
	root    *fyne.Container

	// Raised is the ticket the agent saved, once submitted.
	Raised *localapi.TicketView
}

// NewTicketWindow fills w with the new-ticket form and binds its keys:
// Ctrl+Enter submits, Esc closes. It starts loading the device details.
func NewTicketWindow(w fyne.Window, env Env) *NewTicket {
	n := &NewTicket{env: env.withDefaults(), win: w}
	n.build()
	w.SetContent(n.root)
	bindKeys(w, n.Submit, w.Close)
	w.Canvas().Focus(n.title)
	n.loadDevice()
	return n
}

func (n *NewTicket) build() {
	n.title = newKeyEntry(false)
	n.title.SetPlaceHolder("e.g. The printer on the 2nd floor says it is offline")
	n.title.OnSubmitted = func(string) { n.win.Canvas().Focus(n.desc) }
	n.titleMsg = newMessage("A few words, like a subject line. Required.")
	n.title.OnChanged = func(string) {
		if n.titleMsg.failed() {
			n.titleMsg.fail(n.checkTitle())
		}
	}

	n.desc = newKeyEntry(true)
	n.desc.SetPlaceHolder("What happened, what you expected, any message on screen. When did it start?")
	n.desc.SetMinRowsVisible(4)
	n.descMsg = newMessage("")

	for _, e := range []*keyEntry{n.title, n.desc} {
		e.onSubmit = n.Submit
		e.onEscape = n.win.Close
	}

	topics := make([]string, len(Topics))
	for i, t := range Topics {
		topics[i] = t.Label
	}
	n.topicMsg = newMessage("Choose the closest; it sends your ticket to the right people.")
	n.topic = widget.NewSelect(topics, func(s string) {
		n.topicMsg.hint = topicHints[s]
		n.topicMsg.clear()
	})
	n.topic.PlaceHolder = "Choose one…"

	n.priority = widget.NewLabel("")
	n.affectedMsg = newMessage("")
	n.sevMsg = newMessage("")
	n.affected = widget.NewRadioGroup(labels(Affected), func(string) { n.affectedMsg.clear(); n.showPriority() })
	n.affected.Horizontal = true
	n.severity = widget.NewRadioGroup(labels(Severity), func(string) { n.sevMsg.clear(); n.showPriority() })
	n.severity.Horizontal = true
	n.affected.SetSelected(Affected[0].Label)
	n.severity.SetSelected(Severity[1].Label)
	n.showPriority()

	n.shotBtn = widget.NewButtonWithIcon("Take a screenshot", theme.MediaPhotoIcon(), n.TakeScreenshot)
	n.shotBox = container.NewHBox()
	n.fileBtn = widget.NewButtonWithIcon("Attach a file…", theme.FileIcon(), n.chooseFile)
	n.fileList = container.NewVBox()
	n.attachMsg = newMessage(fmt.Sprintf("Up to %d files, %s in all.", MaxFiles, Size(localapi.MaxUpload)))

	n.detailsMsg = widget.NewLabel("Asking this computer…")
	n.details = widget.NewForm()
	sent := widget.NewAccordion(widget.NewAccordionItem("What we'll send with your ticket",
		container.NewVBox(widget.NewLabel("So your support team does not need to ask, your ticket carries:"), n.details, n.detailsMsg)))

	n.formMsg = newMessage("")
	n.submit = widget.NewButtonWithIcon("Send ticket", theme.MailSendIcon(), n.Submit)
	n.submit.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", n.win.Close)

	field := func(label string, w fyne.CanvasObject, m *message) fyne.CanvasObject {
		l := widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		return container.NewVBox(l, w, m)
	}
	attachRow := container.NewHBox(n.shotBtn, n.fileBtn)
	body := container.NewVBox(
		field("Title", n.title, n.titleMsg),
		field("Description", n.desc, n.descMsg),
		field("What is it about?", n.topic, n.topicMsg),
		field("Who is affected?", n.affected, n.affectedMsg),
		field("How badly?", n.severity, n.sevMsg),
		container.NewHBox(widget.NewLabelWithStyle("Priority:", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), n.priority),
		widget.NewSeparator(),
		field("Screenshot and files", container.NewVBox(attachRow, n.shotBox, n.fileList), n.attachMsg),
		sent,
	)
	buttons := container.NewBorder(nil, nil, nil, container.NewHBox(cancel, n.submit), n.formMsg)
	hint := widget.NewLabel("Ctrl+Enter sends · Esc closes")
	hint.Importance = widget.LowImportance
	hint.SizeName = theme.SizeNameCaptionText
	n.form = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), buttons, hint), nil, nil,
		container.NewVScroll(container.NewPadded(body)))
	n.root = container.NewStack(n.form)
}

func (n *NewTicket) showPriority() {
	if n.affected == nil || n.severity == nil {
		return // still building
	}
	impact, ok1 := levelOf(Affected, n.affected.Selected)
	urgency, ok2 := levelOf(Severity, n.severity.Selected)
	if !ok1 || !ok2 {
		n.priority.SetText("—")
		return
	}
	p, err := msp.PriorityFor(impact, urgency)
	if err != nil {
		n.priority.SetText("—")
		return
	}
	n.priority.SetText(PriorityWords(p))
}

func (n *NewTicket) checkTitle() string {
	t := strings.TrimSpace(n.title.Text)
	switch {
	case t == "":
		return "Please give your ticket a title, a few words like a subject line."
	case utf8.RuneCountInString(t) > msp.MaxTitleRunes:
		return fmt.Sprintf("The title is too long (%d characters); keep it under %d and put the rest in the description.",
			utf8.RuneCountInString(t), msp.MaxTitleRunes)
	}
	return ""
}

// validate shows every problem beside its field and reports whether the
// form can be sent.
func (n *NewTicket) validate() bool {
	ok := true
	check := func(m *message, problem string) {
		m.fail(problem)
		if problem != "" {
			ok = false
		}
	}
	check(n.titleMsg, n.checkTitle())
	if c := utf8.RuneCountInString(n.desc.Text); c > msp.MaxDescriptionRunes {
		check(n.descMsg, fmt.Sprintf("The description is too long (%d characters; at most %d). Attach long logs as a file.", c, msp.MaxDescriptionRunes))
	} else {
		n.descMsg.clear()
	}
	if _, found := topicByLabel(n.topic.Selected); !found {
		check(n.topicMsg, "Please choose what it is about; \"Something else\" is fine.")
	}
	if _, found := levelOf(Affected, n.affected.Selected); !found {
		check(n.affectedMsg, "Please choose who is affected.")
	}
	if _, found := levelOf(Severity, n.severity.Selected); !found {
		check(n.sevMsg, "Please choose how badly it affects your work.")
	}
	return ok
}

// focusFirstProblem puts the keyboard on the first field marked in red.
func (n *NewTicket) focusFirstProblem() {
	for _, f := range []struct {
		m *message
		w fyne.Focusable
	}{{n.titleMsg, n.title}, {n.descMsg, n.desc}, {n.topicMsg, n.topic}} {
		if f.m.failed() {
			n.win.Canvas().Focus(f.w)
			return
		}
	}
}

// draft is the form as a NewTicket for the agent.
func (n *NewTicket) draft() localapi.NewTicket {
	t, _ := topicByLabel(n.topic.Selected)
	impact, _ := levelOf(Affected, n.affected.Selected)
	urgency, _ := levelOf(Severity, n.severity.Selected)
	d := localapi.NewTicket{
		Title: strings.TrimSpace(n.title.Text), Description: strings.TrimSpace(n.desc.Text),
		Pillar: t.Pillar, Category: t.Category, Impact: impact, Urgency: urgency,
	}
	d.Attachments = append(d.Attachments, n.uploads()...)
	return d
}

func (n *NewTicket) uploads() []localapi.Upload {
	var out []localapi.Upload
	if n.shot != nil {
		out = append(out, *n.shot)
	}
	return append(out, n.files...)
}

// Submit validates the form and sends it to the agent. The button is
// disabled until the agent answers.
func (n *NewTicket) Submit() {
	if n.sending || n.Raised != nil {
		return
	}
	n.formMsg.clear()
	if !n.validate() {
		n.formMsg.fail("Please fix what is marked in red.")
		n.focusFirstProblem()
		return
	}
	d := n.draft()
	n.sending = true
	n.submit.Disable()
	n.submit.SetText("Sending…")
	n.env.Async(func() {
		var tv localapi.TicketView
		var st localapi.Status
		err := n.env.call(func(ctx context.Context) error {
			var err error
			if tv, err = n.env.Agent.Raise(ctx, d); err != nil {
				return err
			}
			st, _ = n.env.Agent.Status(ctx) // only for the offline line; the ticket is saved
			return nil
		})
		fyne.Do(func() { n.submitted(tv, st, err) })
	})
}

func (n *NewTicket) submitted(tv localapi.TicketView, st localapi.Status, err error) {
	n.sending = false
	n.submit.SetText("Send ticket")
	n.submit.Enable()
	if err != nil {
		n.showAPIError(err)
		return
	}
	n.Raised = &tv
	n.showConfirmation(tv, st)
}

// showAPIError puts each field problem the agent named beside its field.
func (n *NewTicket) showAPIError(err error) {
	var api *localapi.APIError
	if !errors.As(err, &api) || len(api.Body.Fields) == 0 {
		n.formMsg.fail("Your ticket is not saved yet; the form stays filled in. " + problem(err))
		return
	}
	var rest []string
	for path, p := range api.Body.Fields {
		if m := n.fieldMessage(path); m != nil {
			m.fail(capitalise(p))
			continue
		}
		rest = append(rest, path+": "+p)
	}
	msg := "Please fix what is marked in red."
	if len(rest) > 0 {
		msg = api.Body.Message + " (" + strings.Join(rest, "; ") + ")"
	}
	n.formMsg.fail(msg)
}

// fieldMessage finds the line under the field an API field path names:
// "title", "ticket.title", "attachments[1].name".
func (n *NewTicket) fieldMessage(path string) *message {
	path = strings.TrimPrefix(path, "ticket.")
	if i := strings.IndexAny(path, ".["); i >= 0 {
		path = path[:i]
	}
	switch path {
	case "title":
		return n.titleMsg
	case "description":
		return n.descMsg
	case "pillar", "category":
		return n.topicMsg
	case "impact":
		return n.affectedMsg
	case "urgency", "priority":
		return n.sevMsg
	case "attachments":
		return n.attachMsg
	}
	return nil
}

// showConfirmation replaces the form with what happens next.
func (n *NewTicket) showConfirmation(tv localapi.TicketView, st localapi.Status) {
	head := widget.NewLabelWithStyle(fmt.Sprintf("Ticket %s is saved", TicketNumber(tv.ID)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	title := widget.NewLabel(tv.Title)
	title.Wrapping = fyne.TextWrapWord
	lines := []fyne.CanvasObject{
		container.NewHBox(widget.NewIcon(theme.ConfirmIcon()), head),
		title,
	}
	info := widget.NewForm()
	if s := SLAWords(tv); s != "" {
		info.Append("Response", widget.NewLabel(s))
	}
	if tv.OwnerText != "" {
		who := widget.NewLabel(tv.OwnerText)
		who.Wrapping = fyne.TextWrapWord
		info.Append("Goes to", who)
	}
	info.Append("Priority", widget.NewLabel(PriorityWords(tv.Priority)))
	lines = append(lines, info)
	if !st.Online && !tv.Delivered {
		off := widget.NewLabel(OfflineWords(st.Queued))
		off.Wrapping = fyne.TextWrapWord
		off.Importance = widget.WarningImportance
		lines = append(lines, container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, off))
	} else {
		lines = append(lines, widget.NewLabel("We'll let you know when someone replies."))
	}
	call := fmt.Sprintf("Quote %s if you call about it.", TicketNumber(tv.ID))
	if sup := st.Support; sup.Phone != "" {
		name := sup.Name
		if name == "" {
			name = "your IT support"
		}
		call = fmt.Sprintf("Urgent? Call %s on %s and quote %s.", name, sup.Phone, TicketNumber(tv.ID))
	}
	lines = append(lines, widget.NewLabel(call))
	view := widget.NewButtonWithIcon("View my tickets", theme.ListIcon(), func() {
		if n.env.OpenTickets != nil {
			n.env.OpenTickets(tv.ID)
		}
		n.win.Close()
	})
	view.Importance = widget.HighImportance
	closeBtn := widget.NewButton("Close", n.win.Close)
	n.confirm = container.NewPadded(container.NewBorder(nil,
		container.NewHBox(layout.NewSpacer(), closeBtn, view), nil, nil,
		container.NewVBox(lines...)))
	n.root.Objects = []fyne.CanvasObject{n.confirm}
	n.root.Refresh()
	n.win.Canvas().Focus(view)
}

// SLAWords says when the first response is due: the agent's SLAText, or
// the due time.
func SLAWords(tv localapi.TicketView) string {
	if tv.SLAText != "" {
		return capitalise(tv.SLAText)
	}
	if !tv.FirstResponseDue.IsZero() {
		return "First response due by " + tv.FirstResponseDue.Local().Format("15:04")
	}
	return ""
}

// OfflineWords is the line shown while this computer is offline.
func OfflineWords(queued int) string {
	return fmt.Sprintf("You're offline — it will be sent when you're back online (%s waiting).", plural(queued, "change"))
}

// TakeScreenshot hides the window, captures the screen and shows a preview.
func (n *NewTicket) TakeScreenshot() {
	n.shotBtn.Disable()
	n.attachMsg.clear()
	delay := n.env.CaptureDelay
	n.win.Hide()
	n.env.Async(func() {
		if delay > 0 {
			time.Sleep(delay) // let the window disappear from the screen
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.env.Timeout)
		defer cancel()
		png, err := n.env.Capture.Capture(ctx)
		fyne.Do(func() {
			n.win.Show()
			n.shotBtn.Enable()
			if err != nil {
				n.attachMsg.fail(fmt.Sprintf("The screenshot failed: %v", err))
				return
			}
			n.setScreenshot(png)
		})
	})
}

func (n *NewTicket) setScreenshot(png []byte) {
	up := localapi.Upload{Name: "screenshot.png", MediaType: "image/png", Data: png}
	if p := n.overLimit(up, true); p != "" {
		n.attachMsg.fail(p)
		return
	}
	n.shot = &up
	img := canvas.NewImageFromReader(bytes.NewReader(png), "screenshot.png")
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(png)); err == nil && cfg.Width > 0 {
		img.SetMinSize(fyne.NewSize(160, 160*float32(cfg.Height)/float32(cfg.Width)))
	} else {
		img.SetMinSize(fyne.NewSize(160, 100))
	}
	img.FillMode = canvas.ImageFillContain
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), n.RemoveScreenshot)
	n.shotBox.Objects = []fyne.CanvasObject{img, container.NewVBox(widget.NewLabel("Screenshot, "+Size(int64(len(png)))), remove)}
	n.shotBox.Refresh()
	n.shotBtn.SetText("Take it again")
}

// RemoveScreenshot drops the screenshot.
func (n *NewTicket) RemoveScreenshot() {
	n.shot = nil
	n.shotBox.Objects = nil
	n.shotBox.Refresh()
	n.shotBtn.SetText("Take a screenshot")
	n.attachMsg.clear()
}

// overLimit says why up cannot be added; a new screenshot replaces the old.
func (n *NewTicket) overLimit(up localapi.Upload, screenshot bool) string {
	count, total := 1, int64(len(up.Data))
	others := n.files
	if !screenshot && n.shot != nil {
		others = append([]localapi.Upload{*n.shot}, n.files...)
	}
	for _, u := range others {
		count++
		total += int64(len(u.Data))
	}
	switch {
	case len(up.Data) == 0:
		return fmt.Sprintf("%s is empty.", up.Name)
	case count > MaxFiles:
		return fmt.Sprintf("A ticket can carry at most %d files. Remove one first, or zip them together.", MaxFiles)
	case total > localapi.MaxUpload:
		return fmt.Sprintf("%s is %s; all files together can be at most %s. Attach a smaller file or zip it.",
			up.Name, Size(int64(len(up.Data))), Size(localapi.MaxUpload))
	}
	return ""
}

func (n *NewTicket) chooseFile() {
	n.attachMsg.clear()
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			n.attachMsg.fail(fmt.Sprintf("The file could not be opened: %v", err))
			return
		}
		if r == nil {
			return // cancelled
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, localapi.MaxUpload+1))
		if err != nil {
			n.attachMsg.fail(fmt.Sprintf("%s could not be read: %v", r.URI().Name(), err))
			return
		}
		n.AddFile(r.URI().Name(), data)
	}, n.win)
	showFileDialog(d, n.win)
}

// AddFile attaches a file, or says beside the field why it cannot.
func (n *NewTicket) AddFile(name string, data []byte) {
	mt := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	if mt == "" {
		mt = "application/octet-stream"
	}
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	up := localapi.Upload{Name: name, MediaType: mt, Data: data}
	if p := n.overLimit(up, false); p != "" {
		n.attachMsg.fail(p)
		return
	}
	n.attachMsg.clear()
	n.files = append(n.files, up)
	n.showFiles()
}

// RemoveFile drops the i-th attached file.
func (n *NewTicket) RemoveFile(i int) {
	if i < 0 || i >= len(n.files) {
		return
	}
	n.files = append(n.files[:i], n.files[i+1:]...)
	n.attachMsg.clear()
	n.showFiles()
}

func (n *NewTicket) showFiles() {
	n.fileList.Objects = nil
	for i, f := range n.files {
		remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { n.RemoveFile(i) })
		name := widget.NewLabel(fmt.Sprintf("%s (%s)", f.Name, Size(int64(len(f.Data)))))
		name.Truncation = fyne.TextTruncateEllipsis
		n.fileList.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), remove, name))
	}
	n.fileList.Refresh()
}

// loadDevice fills "What we'll send with your ticket".
func (n *NewTicket) loadDevice() {
	n.env.Async(func() {
		var dev localapi.Device
		err := n.env.call(func(ctx context.Context) error {
			var err error
			dev, err = n.env.Agent.Device(ctx)
			return err
		})
		fyne.Do(func() { n.showDevice(dev, err) })
	})
}

func (n *NewTicket) showDevice(dev localapi.Device, err error) {
	if err != nil {
		n.detailsMsg.SetText("This computer's details could not be read: " + problem(err))
		return
	}
	n.details.Items = nil
	for _, d := range dev.Details {
		v := widget.NewLabel(d.Value)
		v.Wrapping = fyne.TextWrapWord
		n.details.Append(d.Label, v)
	}
	if len(dev.Details) == 0 {
		n.detailsMsg.SetText("Nothing yet: this computer's details have not been collected.")
	} else {
		n.detailsMsg.SetText("Plus what you write and attach above. Nothing else: no passwords, no browsing history.")
	}
	n.details.Refresh()
}

// NewTicketSize is the new-ticket window's size when it opens: it fits a
// 1280×720 screen with a title bar and a panel, so that the buttons at
// the bottom are always on screen; the form above them scrolls.
var NewTicketSize = fyne.NewSize(640, 620)

// FitNewTicket gives a new-ticket window its opening size.
func FitNewTicket(w fyne.Window) { w.Resize(NewTicketSize) }
