//go:build linux || darwin

package app

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Tab walks the new-ticket form in reading order and reaches every control,
// Send last.
func TestNewTicketTabOrder(t *testing.T) {
	r := newRig(t)
	n, w := openNewTicket(t, r, &fakeCapturer{})
	want := []fyne.Focusable{n.title, n.desc, n.topic, n.shotBtn, n.fileBtn, n.submit} // the radio groups' items sit between topic and shotBtn
	// The real driver moves focus on Tab only when the focused widget does
	// not take Tab itself; a multi-line Entry does unless told otherwise.
	for _, e := range []*keyEntry{n.title, n.desc} {
		if tabber, ok := fyne.Focusable(e).(interface{ AcceptsTab() bool }); ok && tabber.AcceptsTab() {
			t.Errorf("%q keeps the Tab key: a keyboard user is trapped in it", e.PlaceHolder)
		}
	}
	var got []string
	seen := map[fyne.Focusable]int{}
	for i := 0; i < 20; i++ {
		f := w.Canvas().Focused()
		got = append(got, fmt.Sprintf("%T", f))
		if _, ok := seen[f]; !ok {
			seen[f] = i
		}
		test.FocusNext(w.Canvas())
	}
	last := -1
	for i, f := range want {
		at, ok := seen[f]
		if !ok {
			t.Fatalf("Tab never reaches control %d (%T); order: %v", i, f, got)
		}
		if at < last {
			t.Errorf("control %d (%T) comes before the one above it; order: %v", i, f, got)
		}
		last = at
	}
	t.Logf("order: %v", got)
}
