//go:build linux || darwin

package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// raiseWithFiles raises a ticket with a screenshot and a log file, as the
// new-ticket window does, and sends it (and the files) to the hub.
func raiseWithFiles(t *testing.T, r *rig, title string, shot []byte) localapi.TicketView {
	t.Helper()
	tv, err := r.client.Raise(context.Background(), localapi.NewTicket{Title: title, Description: "It beeps and shows an error.",
		Pillar: msp.PillarHelpdesk, Category: "printing", Impact: msp.LevelLow, Urgency: msp.LevelMedium,
		Attachments: []localapi.Upload{
			{Name: "printer-error.png", MediaType: "image/png", Data: shot},
			{Name: "spooler.log", MediaType: "text/plain", Data: []byte("job 41 stuck: paper jam in tray 2\n")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	r.mustSync()
	return tv
}

// rowOf returns the position in objs of the first object showing text.
func rowOf(objs []fyne.CanvasObject, text string) int {
	return slices.IndexFunc(objs, func(o fyne.CanvasObject) bool { return strings.Contains(visibleText(o), text) })
}

// buttons lists the buttons labelled text in o.
func buttons(o fyne.CanvasObject, text string) []*widget.Button {
	var out []*widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Button:
			if v.Text == text {
				out = append(out, v)
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// images lists the pictures drawn in o.
func images(o fyne.CanvasObject) []*canvas.Image {
	var out []*canvas.Image
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *canvas.Image:
			out = append(out, v)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(v.Content)
		}
	}
	walk(o)
	return out
}

// In "My tickets" the files the person sent are drawn under their own
// message (the ticket's description), not under the latest reply.
func TestTicketsAttachmentsUnderTheirOwnMessage(t *testing.T) {
	r := newRig(t)
	tk := raiseWithFiles(t, r, "Printer beeps", testPNG(t, 64, 48))
	lead := r.signInLead()
	lead.reply(t, tk.ID, "Open tray 2 and take out the jammed sheet.")
	r.mustSync()
	v, w := openTickets(t, r, tk.ID)
	wantText(t, w.Content(), "Open tray 2", "printer-error.png", "spooler.log")

	objs := v.conv.Objects
	mine, file, reply := rowOf(objs, "It beeps and shows an error."), rowOf(objs, "printer-error.png"), rowOf(objs, "Open tray 2")
	if mine < 0 || file < 0 || reply < 0 || !(mine < file && file < reply) {
		t.Errorf("the thread's order: your message at %d, your file at %d, the reply at %d; want the file right under your message:\n%s",
			mine, file, reply, visibleText(v.conv))
	}
	shot(t, w, "tickets-attachment-under-message")
}

// The technician's and IT lead's ticket pane shows what the requester
// sent: each file under the requester's message with its size and type,
// a preview of the picture, "Open" (written for the desktop's viewer) and
// "Save as…", both fetched through the agent, and both working offline
// once fetched; and the computer it was raised on, with a button to its
// Devices entry.
func TestDashboardShowsAttachmentsAndDevice(t *testing.T) {
	r := newRig(t)
	png := testPNG(t, 320, 200)
	tk := raiseWithFiles(t, r, "Printer beeps", png)
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	var opened []string
	files := t.TempDir()
	env := Env{Agent: r.client, Async: inline, FilesDir: filepath.Join(files, "opened"),
		OpenFile: func(path string) error { opened = append(opened, path); return nil }}
	d := DashboardWindow(w, env, r.client)
	d.debounce = func(run func()) { run() }
	w.Resize(fyne.NewSize(1280, 800))
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	d.tabs.SelectIndex(1)
	v := d.tickets
	v.show(tk.ID)

	wantText(t, v.detail, "Raised on reception-pc", "[Show in Devices]",
		"printer-error.png\n"+Size(int64(len(png)))+" · PNG image", "spooler.log\n34 bytes · text file", "[Open]", "[Save as…]")
	objs := v.conv.Objects
	if mine, file := rowOf(objs, "It beeps and shows an error."), rowOf(objs, "printer-error.png"); mine < 0 || file != mine+1 {
		t.Errorf("the files are not under the requester's message (message at %d, files at %d):\n%s", mine, file, visibleText(v.conv))
	}
	if imgs := images(v.conv); len(imgs) != 1 || imgs[0].Image == nil || imgs[0].Image.Bounds().Dx() != 320 {
		t.Errorf("the picture's preview: %d images drawn, want the 320 × 200 screenshot", len(imgs))
	}
	shot(t, w, "dashboard-ticket-attachments")

	var att msp.Attachment
	for _, a := range v.current.Attachments {
		if a.Name == "printer-error.png" {
			att = a
		}
	}
	opens := buttons(v.conv, "Open")
	if len(opens) != 2 {
		t.Fatalf("%d Open buttons in the pane, want one per file", len(opens))
	}
	test.Tap(opens[0]) // the picture's, the first file
	if len(opened) != 1 {
		t.Fatalf("Open asked the desktop to open %v", opened)
	}
	if opens[0].Text != "Open" || opens[0].Disabled() {
		t.Errorf("after opening, the button says %q (disabled %v)", opens[0].Text, opens[0].Disabled())
	}
	if b, err := os.ReadFile(opened[0]); err != nil || !bytes.Equal(b, png) || filepath.Base(opened[0]) != "printer-error.png" {
		t.Fatalf("the file opened is %s (%d bytes, %v); want the screenshot", opened[0], len(b), err)
	}
	if fi, err := os.Stat(opened[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the file written for the viewer: %v (%v); want it readable by its owner alone", fi.Mode(), err)
	}

	// Offline: the picture fetched once opens and saves again.
	r.stopHub()
	v.OpenAttachment(tk.ID, att)
	if len(opened) != 2 || w.Canvas().Overlays().Top() != nil {
		t.Fatalf("opening the picture again offline: opened %v, dialog %q", opened, overlayText(w))
	}
	u := storage.NewFileURI(filepath.Join(files, "saved.png"))
	wc, err := storage.Writer(u)
	if err != nil {
		t.Fatal(err)
	}
	v.saveAttachmentTo(tk.ID, att, wc)
	if b, err := os.ReadFile(u.Path()); err != nil || !bytes.Equal(b, png) {
		t.Fatalf("Save as… offline wrote %d bytes (%v), want the screenshot", len(b), err)
	}
	if got := overlayText(w); !strings.Contains(got, "File saved") {
		t.Errorf("after saving, the window says %q", got)
	}
	closeDialog(w)

	// The computer it was raised on, in the Devices tab.
	test.Tap(v.deviceBtn)
	if d.tabs.Selected() != d.devicesItem {
		t.Fatalf("Show in Devices left the %q tab chosen", d.tabs.Selected().Text)
	}
	if d.devices.selected != v.current.Device {
		t.Errorf("the Devices tab chose %q, want the ticket's device %q", d.devices.selected, v.current.Device)
	}
	wantText(t, d.devices.detail, "reception-pc", "Last seen")
	if !slices.ContainsFunc(d.devices.rows, func(row localapi.DeviceRow) bool { return row.ID == v.current.Device }) {
		t.Errorf("the device is not in the Devices list: %+v", d.devices.rows)
	}
}

// A picture's preview fetched while the pane is drawn again (the list's
// copy of the ticket first, then the agent's full one) shows in the pane
// as it is drawn now, not in the one it replaced.
func TestDashboardThumbnailArrivesInTheCurrentPane(t *testing.T) {
	r := newRig(t)
	tk := raiseWithFiles(t, r, "Printer beeps", testPNG(t, 120, 80))
	d, _, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	d.tabs.SelectIndex(1)
	v := d.tickets
	v.list.UnselectAll()
	v.selected, v.loaded = "", false
	clear(v.thumbs)

	var queued []func()
	d.env.Async = func(work func()) { queued = append(queued, work) }
	v.show(tk.ID) // draws the list's copy, asks for the picture and the full ticket
	if len(queued) != 2 {
		t.Fatalf("%d calls to the agent queued, want the picture and the ticket", len(queued))
	}
	// The full ticket arrives first and the pane is drawn again; then the picture.
	for i := len(queued) - 1; i >= 0; i-- {
		queued[i]()
	}
	if imgs := images(v.conv); len(imgs) != 1 || imgs[0].Image == nil {
		t.Errorf("the pane shows %d previews, want the picture's", len(imgs))
	}
}

// A file says what it is in plain words, and "Open" is not offered for
// what the desktop would run instead of show.
func TestAttachmentKindsAndWhatOpens(t *testing.T) {
	for _, c := range []struct {
		name, media, words string
		opens              bool
	}{
		{"printer-error.png", "image/png", "PNG image", true},
		{"photo.jpg", "image/jpeg", "JPEG image", true},
		{"invoice.pdf", "application/pdf", "PDF document", true},
		{"spooler.log", "text/plain; charset=utf-8", "text file", true},
		{"logs.zip", "application/zip", "zip archive", true},
		{"notes.odt", "application/octet-stream", "ODT file", true},
		{"setup.exe", "application/octet-stream", "EXE file", false},
		{"Setup.EXE", "application/x-msdownload", "application/x-msdownload", false},
		{"fix.ps1", "text/plain", "text file", false},
		{"run.sh", "application/x-sh", "application/x-sh", false},
		{"budget.xlsm", "application/vnd.ms-excel.sheet.macroenabled.12", "application/vnd.ms-excel.sheet.macroenabled.12", false},
		{"shortcut.lnk", "", "LNK file", false},
	} {
		a := msp.Attachment{Name: c.name, MediaType: c.media}
		if got := mediaWords(a); got != c.words {
			t.Errorf("%s (%s) is called %q, want %q", c.name, c.media, got, c.words)
		}
		if got := openable(a); got != c.opens {
			t.Errorf("%s (%s): Open offered %v, want %v", c.name, c.media, got, c.opens)
		}
	}
}
