//go:build linux || darwin

package app

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"tandem/msp"
)

// openService chooses the Service tab and returns it.
func openService(t *testing.T, d *Dashboard) *serviceTab {
	t.Helper()
	for i, it := range d.tabs.Items {
		if it.Text == "Service" {
			d.tabs.SelectIndex(i)
			v, ok := it.Content.(*serviceTab)
			if !ok {
				t.Fatalf("the Service tab holds a %T", it.Content)
			}
			return v
		}
	}
	t.Fatal("the dashboard has no Service tab")
	return nil
}

// overlayText is the text of the dialog on top of w, if any. A dialog
// sits in a pop-up inside an overlay container of Fyne's internals; their
// Content fields are read by reflection.
func overlayText(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	for range 4 { // overlay container → pop-up → the dialog's content
		v := reflect.ValueOf(top)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			break
		}
		f := v.Elem().FieldByName("Content")
		if !f.IsValid() || !f.CanInterface() {
			break
		}
		c, ok := f.Interface().(fyne.CanvasObject)
		if !ok || c == nil {
			break
		}
		top = c
	}
	return visibleText(top)
}

// The Service tab of an IT lead: the promise from the organisation's
// settings (mode, overflow, hours, holidays, targets), this month's report
// from the hub with its SLA attainment, the PDF saved to a file, another
// month picked; then with the hub gone, the kept report "as of" when it
// was fetched, a month never fetched explained, and the PDF refused in
// plain words without leaving an empty file behind; back online, the
// refresh button fetches it.
func TestDashboardServiceTab(t *testing.T) {
	r := newRig(t)
	raiseIn(t, r, "Printer on the first floor shows offline", msp.PillarHelpdesk, "printing", msp.LevelMedium)
	r.mustSync()
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	v := openService(t, d)

	wantText(t, v.root, "Service for Demo Accounting", "Co-managed:", "If internal IT has not answered a ticket within 30 minutes",
		"Monday – Friday", "08:00 – 17:00", "Saturday, Sunday", "Closed", "Next public holidays",
		"P1 critical", "1 hour, day or night", "4 business hours", "2 business days (16 h)",
		"Monthly report", "(so far)", "As of", "1 ticket opened", "[Save as PDF…]")
	wantNoText(t, v.root, "cannot be shown", "cannot fetch")
	if len(v.monthSel.Options) != 12 || v.monthSel.Selected != v.monthSel.Options[0] {
		t.Fatalf("months: %q, chosen %q", v.monthSel.Options, v.monthSel.Selected)
	}
	if v.view.Report == nil || len(v.slaRows.Objects) != 4 {
		t.Fatalf("the report: %+v, %d SLA rows", v.view.Report, len(v.slaRows.Objects))
	}
	shot(t, w, "service-tab")

	// Save as PDF, past the file dialog.
	dir := t.TempDir()
	save := func(name string) fyne.URI {
		t.Helper()
		u := storage.NewFileURI(filepath.Join(dir, name))
		wc, err := storage.Writer(u)
		if err != nil {
			t.Fatal(err)
		}
		v.saveTo(wc)
		return u
	}
	saved := save("report.pdf")
	b, err := os.ReadFile(saved.Path())
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("the saved PDF: %v, starts %.8q", err, b)
	}
	if got := overlayText(w); !strings.Contains(got, "Report saved") {
		t.Errorf("after saving, the window says %q", got)
	}
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	// Another month: the one before.
	last := v.monthSel.Options[1]
	v.monthSel.SetSelected(last)
	if v.view.Month != v.view.Months[1] || v.view.Report == nil {
		t.Fatalf("after choosing %q: month %s, report %v", last, v.view.Month, v.view.Report != nil)
	}
	wantText(t, v.root, "Monthly report", last)
	wantNoText(t, v.root, "(so far)")

	// The hub goes away: the kept report shows with its time; the promise stays.
	r.stopHub()
	if err := r.agent.StaffSyncOnce(t.Context(), r.user); err == nil {
		t.Fatal("a sync without the hub succeeded")
	}
	v.monthSel.SetSelected(v.monthSel.Options[0])
	wantText(t, v.root, "Service for Demo Accounting", "1 hour, day or night", "As of", "cannot reach the hub right now; the figures may have changed since", "1 ticket opened")
	shot(t, w, "service-tab-offline")
	v.monthSel.SetSelected(v.monthSel.Options[2])
	wantText(t, v.root, "has not been fetched on this computer before", "the hub cannot be reached right now")

	// The PDF needs the hub: said plainly, before a file is chosen…
	test.Tap(v.saveBtn)
	if got := overlayText(w); !strings.Contains(got, "needs the hub") || !strings.Contains(got, "back online") {
		t.Errorf("Save as PDF offline says %q", got)
	}
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
	// …and when the hub goes between loading and saving, without an empty file left.
	v.view.ReportOffline = false
	gone := save("gone.pdf")
	if _, err := os.Stat(gone.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed save left %s behind: %v", gone.Name(), err)
	}
	if got := overlayText(w); !strings.Contains(got, "needs the hub") {
		t.Errorf("a failed save says %q", got)
	}
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	// Back online, the refresh button fetches the month never fetched.
	r.startHub()
	staffSync(t, r)
	test.Tap(v.refreshBtn)
	if v.view.Report == nil || !v.view.ReportFresh || v.view.Month != v.view.Months[2] {
		t.Fatalf("after refresh online: report %v, fresh %v, month %s", v.view.Report != nil, v.view.ReportFresh, v.view.Month)
	}
	wantText(t, v.root, "As of", "from the hub")
	wantNoText(t, v.root, "cannot be shown")
}
