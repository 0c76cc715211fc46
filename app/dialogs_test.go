//go:build linux || darwin

package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tandem/msp"
)

// opens runs open, which should put a dialog over w, and reports a panic
// (Fyne's dialogs panic when misused, which kills the window and what the
// person typed) as a failure of that dialog instead of the whole test
// binary. It returns the dialog on top, which it leaves open.
func opens(t *testing.T, w fyne.Window, name string, open func()) fyne.CanvasObject {
	t.Helper()
	before := len(w.Canvas().Overlays().List())
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%s: opening the dialog panicked: %v", name, p)
			}
		}()
		open()
	}()
	if n := len(w.Canvas().Overlays().List()); n != before+1 {
		t.Errorf("%s: %d dialogs over the window, want %d", name, n, before+1)
		return nil
	}
	return w.Canvas().Overlays().Top()
}

// closeDialog removes the dialog on top of w, as its Cancel or OK does.
func closeDialog(w fyne.Window) {
	if top := w.Canvas().Overlays().Top(); top != nil {
		w.Canvas().Overlays().Remove(top)
	}
}

// A file dialog opens at a size where its list of files can be read, and
// fits the window it belongs to.
func wantUsableFileDialog(t *testing.T, w fyne.Window, name string, dlg fyne.CanvasObject) {
	t.Helper()
	if dlg == nil {
		return
	}
	got := dlg.Size()
	if got.Width < 500 || got.Height < 360 {
		t.Errorf("%s: the file dialog is %v, too small to choose a file in", name, got)
	}
	if win := w.Canvas().Size(); got.Width > win.Width || got.Height > win.Height {
		t.Errorf("%s: the file dialog is %v, larger than its window %v", name, got, win)
	}
}

// Every dialog of the new-ticket window opens without killing the window,
// and what the person typed is still there when it closes: "Attach a
// file…" (which used to panic in Fyne's FileDialog.MinSize, because the
// dialog was resized before it was shown).
func TestNewTicketDialogsOpenAndKeepTheForm(t *testing.T) {
	r := newRig(t)
	n, w := openNewTicket(t, r, &fakeCapturer{})
	fill(n, "Scanner on reception jams every page")

	dlg := opens(t, w, "Attach a file…", func() { test.Tap(n.fileBtn) })
	wantUsableFileDialog(t, w, "Attach a file…", dlg)
	shot(t, w, "new-ticket-attach-dialog")
	closeDialog(w)

	if w.Content() != n.root {
		t.Fatal("the window no longer shows the form after the file dialog")
	}
	if n.title.Text != "Scanner on reception jams every page" || !strings.Contains(n.desc.Text, "offline since this morning") {
		t.Errorf("the form lost what was typed: title %q, description %q", n.title.Text, n.desc.Text)
	}
	n.AddFile("scan-error.txt", []byte("paper jam 0x4F"))
	test.Tap(n.submit)
	if n.Raised == nil || n.Raised.Title != "Scanner on reception jams every page" {
		t.Fatalf("the ticket typed before the dialog was not sent; the window shows:\n%s", visibleText(w.Content()))
	}
}

// failingSignOut is the agent with a sign-out that fails, so the dashboard
// has to say so in a dialog.
type failingSignOut struct{ Staff }

func (failingSignOut) SignOut(context.Context) error {
	return errors.New("the store is read-only")
}

// Every dialog of the dashboard opens without killing the window and
// leaves the person signed in where they were: "Save as PDF…" (the file
// dialog that used to panic), its offline refusal, an attached file's
// "Save as…", "Open" of a file that cannot be had offline, the
// confirmation of a sign-out with unsent changes, a failed sign-out, and
// the dispatch dialogs (Priority…, Merge into…, Phone ticket…).
// (The saved-file and saved-report dialogs are opened by
// TestDashboardShowsAttachmentsAndDevice and TestDashboardServiceTab.)
func TestDashboardDialogsOpenAndKeepTheWindow(t *testing.T) {
	r := newRig(t)
	tv := raiseWithFiles(t, r, "Printer on the first floor shows offline", testPNG(t, 64, 48))
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	env := Env{Agent: r.client, Async: inline, FilesDir: t.TempDir(), OpenFile: func(string) error { return nil }}
	d := DashboardWindow(w, env, failingSignOut{r.client})
	d.debounce = func(func()) {}
	w.Resize(fyne.NewSize(1280, 800))
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	root := w.Content()

	v := openService(t, d)
	if !v.loaded || v.view.ReportOffline {
		t.Fatalf("the Service tab did not load its report online (loaded %v)", v.loaded)
	}
	dlg := opens(t, w, "Save as PDF…", func() { test.Tap(v.saveBtn) })
	wantUsableFileDialog(t, w, "Save as PDF…", dlg)
	shot(t, w, "dashboard-save-pdf-dialog")
	closeDialog(w)

	// An attached file's Save as… (the picture's preview is fetched as the
	// ticket is shown, online).
	d.tabs.SelectIndex(1)
	d.tickets.show(tv.ID)
	var logFile msp.Attachment
	for _, a := range d.tickets.current.Attachments {
		if a.Name == "spooler.log" {
			logFile = a
		}
	}
	dlg = opens(t, w, "Save as… of an attached file", func() { d.tickets.SaveAttachment(tv.ID, logFile) })
	wantUsableFileDialog(t, w, "Save as… of an attached file", dlg)
	closeDialog(w)

	// The dispatch dialogs: a new priority, a merge, a phone ticket.
	opens(t, w, "Priority…", func() { test.Tap(d.tickets.priorityBtn) })
	closeDialog(w)
	opens(t, w, "Merge into…", func() { test.Tap(d.tickets.mergeBtn) })
	closeDialog(w)
	opens(t, w, "Phone ticket…", func() { test.Tap(d.tickets.phoneBtn) })
	closeDialog(w)

	// Offline, Save as PDF… says why instead of opening the file dialog.
	r.stopHub()
	v.view.ReportOffline = true
	opens(t, w, "Save as PDF… offline", func() { test.Tap(v.saveBtn) })
	if got := overlayText(w); !strings.Contains(got, "needs the hub") {
		t.Errorf("Save as PDF… offline says %q", got)
	}
	closeDialog(w)

	// Offline, a file never opened on this computer cannot be opened, and
	// that is said.
	d.tabs.SelectIndex(1)
	d.tickets.show(tv.ID)
	opens(t, w, "Open of a file never fetched, offline", func() { d.tickets.OpenAttachment(tv.ID, logFile) })
	if got := overlayText(w); !strings.Contains(got, "spooler.log could not be opened") || !strings.Contains(got, "cannot reach the hub") {
		t.Errorf("opening a file never fetched, offline, says %q", got)
	}
	closeDialog(w)

	// A reply queued offline makes sign-out ask first.
	test.Type(d.tickets.compose, "Looking at it now.")
	test.Tap(d.tickets.replyBtn)
	d.Reload()
	if d.session.Queued == 0 {
		t.Fatalf("the reply made offline is not counted as unsent: %+v", d.session)
	}
	opens(t, w, "Sign out with unsent changes", func() { test.Tap(d.signOutBtn) })
	if got := overlayText(w); !strings.Contains(got, "Sign out with unsent changes?") || !strings.Contains(got, "1 change") {
		t.Errorf("the sign-out question says %q", got)
	}
	closeDialog(w)

	// A sign-out the agent cannot do is said in a dialog.
	opens(t, w, "Signing out failed", func() { d.SignOut() })
	if got := overlayText(w); !strings.Contains(got, "Signing out failed") || !strings.Contains(got, "read-only") {
		t.Errorf("the failed sign-out says %q", got)
	}
	closeDialog(w)

	if w.Content() != root || !d.signedIn || !d.mainBox.Visible() {
		t.Fatal("the dashboard no longer shows the signed-in view after its dialogs")
	}
	wantText(t, view(d), "Sipho Dlamini · IT lead", fmt.Sprintf("%s  %s", TicketNumber(tv.ID), tv.Title))
}
