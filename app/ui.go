package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
)

// Env is what a window needs from its surroundings. Zero fields take
// working defaults; tests replace Async to run work inline.
type Env struct {
	Agent   Agent
	Capture Capturer
	// Async runs work that waits on the agent; the default runs it on a new
	// goroutine. Work applies its results to widgets through fyne.Do.
	Async func(work func())
	// Now is the clock for "2 hours ago" (default time.Now).
	Now func() time.Time
	// OpenTickets opens "My tickets" at the given ticket ("" for the list).
	OpenTickets func(id string)
	// CaptureDelay is how long the window stays hidden before the
	// screenshot is taken, so the window is not in it (default 400 ms).
	CaptureDelay time.Duration
	// Timeout bounds one call to the agent (default 15 s).
	Timeout time.Duration
	// FilesDir is where the dashboard writes an attached file it opens
	// with the desktop's viewer (default: tandem/opened in the OS user's
	// cache folder); sign-out removes it.
	FilesDir string
	// OpenFile opens a file with the desktop's viewer for its type
	// (default: the app's OpenURL with a file: URL).
	OpenFile func(path string) error
}

func (e Env) withDefaults() Env {
	if e.Async == nil {
		e.Async = func(work func()) { go work() }
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Capture == nil {
		e.Capture = ScreenCapturer()
	}
	if e.CaptureDelay == 0 {
		e.CaptureDelay = 400 * time.Millisecond
	}
	if e.Timeout <= 0 {
		e.Timeout = 15 * time.Second
	}
	if e.FilesDir == "" {
		e.FilesDir = defaultFilesDir()
	}
	if e.OpenFile == nil {
		e.OpenFile = openWithDesktop
	}
	return e
}

// call runs fn with a bounded context.
func (e Env) call(fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), e.Timeout)
	defer cancel()
	return fn(ctx)
}

// problem says an error from the agent in words a person can act on.
func problem(err error) string {
	var api *localapi.APIError
	switch {
	case errors.As(err, &api):
		return api.Body.Message
	case errors.Is(err, localapi.ErrAgentNotRunning):
		return "Tandem's background service is not running on this computer. " +
			"Restart the computer; if that does not help, call your IT support."
	case errors.Is(err, context.DeadlineExceeded):
		return "Tandem's background service did not answer in time. Try again in a moment."
	}
	return fmt.Sprintf("Something went wrong: %v", err)
}

// keyEntry is an Entry that passes Ctrl+Enter (submit) and Esc (close) to
// its window: a focused Entry otherwise keeps those keys to itself.
type keyEntry struct {
	widget.Entry
	onSubmit func()
	onEscape func()
}

func newKeyEntry(multi bool) *keyEntry {
	e := &keyEntry{}
	e.MultiLine = multi
	if multi {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab is false even for a multi-line entry, so Tab moves on to the
// next field: a keyboard-only user is never trapped in the description (a
// tab character is of no use in a ticket).
func (e *keyEntry) AcceptsTab() bool { return false }

// TypedShortcut submits on Ctrl+Enter (Cmd+Enter on macOS).
func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if isSubmit(s) && e.onSubmit != nil {
		e.onSubmit()
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey closes the window on Esc.
func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// keyList is a List that passes Esc (close) to its window: a focused
// widget gets every key, and the window's own handler sees only the keys
// that arrive while nothing has the focus.
type keyList struct {
	widget.List
	onEscape func()
}

func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey closes the window on Esc.
func (l *keyList) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && l.onEscape != nil {
		l.onEscape()
		return
	}
	l.List.TypedKey(k)
}

func isSubmit(s fyne.Shortcut) bool {
	c, ok := s.(*desktop.CustomShortcut)
	if !ok {
		return false
	}
	return (c.KeyName == fyne.KeyReturn || c.KeyName == fyne.KeyEnter) &&
		(c.Modifier == fyne.KeyModifierControl || c.Modifier == fyne.KeyModifierSuper)
}

// bindKeys makes Ctrl+Enter call submit and Esc call escape anywhere in
// the window when no entry has the keys.
func bindKeys(w fyne.Window, submit, escape func()) {
	c := w.Canvas()
	if submit != nil {
		for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
			for _, m := range []fyne.KeyModifier{fyne.KeyModifierControl, fyne.KeyModifierSuper} {
				c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: m}, func(fyne.Shortcut) { submit() })
			}
		}
	}
	if escape != nil {
		c.SetOnTypedKey(func(k *fyne.KeyEvent) {
			if k.Name == fyne.KeyEscape {
				escape()
			}
		})
	}
}

// message is the line under a field: a hint in grey, or a problem in red.
type message struct {
	*widget.Label
	hint string
}

func newMessage(hint string) *message {
	m := &message{Label: widget.NewLabel(hint), hint: hint}
	m.Wrapping = fyne.TextWrapWord
	m.SizeName = theme.SizeNameCaptionText
	if hint == "" {
		m.Hide()
	}
	return m
}

// fail shows problem in red; an empty problem restores the hint.
func (m *message) fail(problem string) {
	if problem == "" {
		m.clear()
		return
	}
	m.Importance = widget.DangerImportance
	m.SetText(problem)
	m.Show()
}

func (m *message) clear() {
	m.Importance = widget.MediumImportance
	m.SetText(m.hint)
	if m.hint == "" {
		m.Hide()
	}
}

// failed reports whether the line shows a problem.
func (m *message) failed() bool { return m.Importance == widget.DangerImportance && m.Visible() }

// note is a small grey line: a system note in a conversation, a detail.
func note(text string) *widget.RichText {
	r := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText,
		TextStyle: fyne.TextStyle{Italic: true}, Inline: true,
	}})
	r.Wrapping = fyne.TextWrapWord
	return r
}

// fileDialogSize is the size a file dialog opens at: room for a column of
// folders and a list of files with readable names.
var fileDialogSize = fyne.NewSize(800, 540)

// showFileDialog shows d over win at fileDialogSize, or at the window's
// size when that is smaller. A FileDialog must be shown before it is
// resized: Resize reads the size of the pop-up that Show makes, and
// panics (taking the window and what the person typed with it) when there
// is none yet.
func showFileDialog(d *dialog.FileDialog, win fyne.Window) {
	d.Show()
	size := fileDialogSize
	if c := win.Canvas().Size(); c.Width > 0 && c.Height > 0 {
		size = size.Min(c)
	}
	d.Resize(size)
}
