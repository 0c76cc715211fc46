//go:build linux || darwin

package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

func openNewTicket(t *testing.T, r *rig, c Capturer) (*NewTicket, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	n := NewTicketWindow(w, Env{Agent: r.client, Capture: c, Async: inline, CaptureDelay: -1})
	w.Resize(fyne.NewSize(640, 900))
	return n, w
}

func fill(n *NewTicket, title string) {
	test.Type(n.title, title)
	test.Type(n.desc, "It says offline since this morning. I restarted it.")
	n.topic.SetSelected("Printing")
	n.affected.SetSelected("My team")
	n.severity.SetSelected("I can't work")
}

// Filling the form and pressing Send saves the ticket on the agent with
// the mapped pillar, category, impact and urgency and the screenshot; it
// reaches the hub on the next sync; the confirmation shows its number.
func TestNewTicketFillAndSubmitReachesAgentAndHub(t *testing.T) {
	r := newRig(t)
	r.mustSync() // online
	shot := testPNG(t, 320, 200)
	n, w := openNewTicket(t, r, &fakeCapturer{png: shot})
	if w.Canvas().Focused() != n.title {
		t.Errorf("the title does not have the focus when the window opens")
	}
	fill(n, "Printer on the 2nd floor is offline")
	wantText(t, w.Content(), "P2 high")
	n.TakeScreenshot()
	n.AddFile("printer-error.txt", []byte("SMTP error 554"))
	test.Tap(n.submit)

	if n.Raised == nil {
		t.Fatalf("nothing raised; the window shows:\n%s", visibleText(w.Content()))
	}
	id := n.Raised.ID
	wantText(t, w.Content(), "Ticket "+TicketNumber(id)+" is saved", "Printer on the 2nd floor is offline", "[View my tickets]", "[Close]")
	wantNoText(t, w.Content(), "You're offline")

	got, err := r.client.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Pillar != msp.PillarHelpdesk || got.Category != "printing" || got.Impact != msp.LevelMedium || got.Urgency != msp.LevelHigh || got.Priority != msp.P2 {
		t.Errorf("the agent saved %s/%s impact %v urgency %v priority %v", got.Pillar, got.Category, got.Impact, got.Urgency, got.Priority)
	}
	if len(got.Attachments) != 2 || got.Attachments[0].MediaType != "image/png" || got.Attachments[0].Size != int64(len(shot)) {
		t.Errorf("the agent's attachments: %+v", got.Attachments)
	}

	r.mustSync()
	var onHub *msp.Ticket
	for _, h := range r.hubTickets() {
		if h.ID == id {
			onHub = &h
		}
	}
	if onHub == nil {
		t.Fatal("the ticket did not reach the hub")
	}
	if onHub.Title != "Printer on the 2nd floor is offline" || len(onHub.Attachments) != 2 {
		t.Errorf("the hub holds %q with %d attachments", onHub.Title, len(onHub.Attachments))
	}
}

// Ctrl+Enter in the description sends the ticket like the button.
func TestNewTicketCtrlEnterSubmits(t *testing.T) {
	r := newRig(t)
	n, _ := openNewTicket(t, r, &fakeCapturer{})
	fill(n, "Outlook keeps asking for my password")
	n.desc.TypedShortcut(&desktopCtrlEnter)
	if n.Raised == nil {
		t.Fatal("Ctrl+Enter did not send the ticket")
	}
}

// A missing title is said beside the title and nothing is sent; a problem
// the agent finds (a tab pasted into the title) is shown beside the field
// it names.
func TestNewTicketValidationErrorBesideField(t *testing.T) {
	r := newRig(t)
	n, w := openNewTicket(t, r, &fakeCapturer{})
	n.topic.SetSelected("")
	test.Tap(n.submit)
	if !n.titleMsg.failed() || !strings.Contains(n.titleMsg.Text, "title") {
		t.Errorf("no problem beside the title: %q", n.titleMsg.Text)
	}
	if !n.topicMsg.failed() {
		t.Errorf("no problem beside \"What is it about?\": %q", n.topicMsg.Text)
	}
	if w.Canvas().Focused() != n.title {
		t.Error("the keyboard is not on the first field marked in red")
	}
	if n.Raised != nil {
		t.Fatal("a ticket without a title was sent")
	}
	if ts, err := r.client.Tickets(context.Background()); err != nil || len(ts) != 0 {
		t.Fatalf("the agent holds %d tickets (%v)", len(ts), err)
	}

	n.title.SetText("Printer\toffline")
	n.topic.SetSelected("Something else")
	if n.titleMsg.failed() {
		t.Error("the title's problem stays after it was fixed locally")
	}
	test.Tap(n.submit)
	if n.Raised != nil {
		t.Fatal("the agent accepted a title with a tab")
	}
	if !n.titleMsg.failed() || !strings.Contains(n.titleMsg.Text, "control") {
		t.Errorf("the agent's problem is not beside the title: %q; window:\n%s", n.titleMsg.Text, visibleText(w.Content()))
	}
	if n.submit.Disabled() {
		t.Error("Send stays disabled after the agent answered")
	}
}

// Offline, the ticket is saved at once and the confirmation says it will
// be sent later and how many changes wait.
func TestNewTicketOfflineSaysItWillBeSent(t *testing.T) {
	r := newRig(t)
	r.stopHub()
	if err := r.sync(); err == nil {
		t.Fatal("a sync without a hub succeeded")
	}
	n, w := openNewTicket(t, r, &fakeCapturer{})
	fill(n, "No internet in the branch office")
	test.Tap(n.submit)
	if n.Raised == nil {
		t.Fatalf("offline submit failed; the window shows:\n%s", visibleText(w.Content()))
	}
	wantText(t, w.Content(), "is saved", "You're offline — it will be sent when you're back online (1 change waiting).")
	shot(t, w, "new-ticket-offline-confirmation")
}

// The screenshot is taken with the window hidden, previewed, and removed
// with one click; limits are said beside the attachments.
func TestNewTicketScreenshotAttachRemoveAndLimits(t *testing.T) {
	r := newRig(t)
	fc := &fakeCapturer{png: testPNG(t, 64, 48)}
	n, w := openNewTicket(t, r, fc)
	n.TakeScreenshot()
	if fc.calls != 1 || n.shot == nil || len(n.shotBox.Objects) == 0 {
		t.Fatalf("no screenshot after one click (calls %d)", fc.calls)
	}
	if !w.Content().Visible() {
		t.Error("the window stayed hidden")
	}
	wantText(t, w.Content(), "Screenshot,", "[Remove]", "[Take it again]")
	shot(t, w, "new-ticket-screenshot-preview")
	n.RemoveScreenshot()
	if n.shot != nil || len(n.shotBox.Objects) != 0 {
		t.Fatal("Remove left the screenshot")
	}
	wantNoText(t, w.Content(), "Screenshot,")

	n.AddFile("big.iso", make([]byte, localapi.MaxUpload+1))
	if !n.attachMsg.failed() || len(n.files) != 0 {
		t.Errorf("a file over the limit was taken: %q", n.attachMsg.Text)
	}
	for i := range MaxFiles {
		n.AddFile("log"+string(rune('a'+i))+".txt", []byte("line"))
	}
	n.TakeScreenshot() // a sixth file
	if !n.attachMsg.failed() || n.shot != nil {
		t.Errorf("a sixth file was taken: %q", n.attachMsg.Text)
	}
	wantText(t, w.Content(), "loga.txt (4 bytes)")
	n.RemoveFile(0)
	if len(n.files) != MaxFiles-1 || n.attachMsg.failed() {
		t.Errorf("remove: %d files, message %q", len(n.files), n.attachMsg.Text)
	}
	wantNoText(t, w.Content(), "loga.txt")

	fc.png, fc.err = nil, ErrNoCapture
	n.TakeScreenshot()
	if !n.attachMsg.failed() || !strings.Contains(n.attachMsg.Text, "attach it as a file") {
		t.Errorf("a failed capture is not explained: %q", n.attachMsg.Text)
	}
}

// The device details the agent attaches are listed, collapsed at first.
func TestNewTicketShowsWhatIsSent(t *testing.T) {
	r := newRig(t)
	n, w := openNewTicket(t, r, &fakeCapturer{})
	wantText(t, w.Content(), "What we'll send with your ticket")
	wantNoText(t, w.Content(), "So your support team")
	acc := findAccordion(w.Content())
	if acc == nil {
		t.Fatal("no accordion")
	}
	acc.Open(0)
	dev, err := r.client.Device(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(dev.Details) == 0 {
		wantText(t, w.Content(), "have not been collected")
		return
	}
	for _, d := range dev.Details {
		wantText(t, w.Content(), d.Label, d.Value)
	}
	wantText(t, n.details, dev.Details[0].Value)
}

var desktopCtrlEnter = desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierControl}

func findAccordion(o fyne.CanvasObject) *widget.Accordion {
	switch v := o.(type) {
	case *widget.Accordion:
		return v
	case *container.Scroll:
		return findAccordion(v.Content)
	case *fyne.Container:
		for _, c := range v.Objects {
			if a := findAccordion(c); a != nil {
				return a
			}
		}
	}
	return nil
}
