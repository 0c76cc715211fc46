//go:build linux || darwin

package app

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// BenchmarkSubmitToSavedAck is Submit → the agent's saved acknowledgement
// → the confirmation panel, through the real client and a real agent (the
// hub is up; delivery happens later and is not timed).
func BenchmarkSubmitToSavedAck(b *testing.B) {
	r := newRig(b)
	test.NewTempApp(b)
	w := test.NewTempWindow(b, nil)
	n := NewTicketWindow(w, Env{Agent: r.client, Capture: &fakeCapturer{}, Async: inline})
	test.Type(n.title, "Printer on the 2nd floor is offline")
	n.topic.SetSelected("Printing")
	b.ReportAllocs()
	for b.Loop() {
		n.Raised = nil
		n.Submit()
		if n.Raised == nil {
			b.Fatalf("not saved: %s", n.formMsg.Text)
		}
	}
}

// BenchmarkSubmitWithScreenshot is the same with a 1280×800 screenshot
// attached (the bytes go base64 over the socket and are stored locally).
func BenchmarkSubmitWithScreenshot(b *testing.B) {
	r := newRig(b)
	test.NewTempApp(b)
	w := test.NewTempWindow(b, nil)
	n := NewTicketWindow(w, Env{Agent: r.client, Capture: &fakeCapturer{png: testPNG(b, 1280, 800)}, Async: inline})
	test.Type(n.title, "Printer on the 2nd floor is offline")
	n.topic.SetSelected("Printing")
	n.TakeScreenshot()
	b.SetBytes(int64(len(n.shot.Data)))
	b.ReportAllocs()
	for b.Loop() {
		n.Raised = nil
		n.Submit()
		if n.Raised == nil {
			b.Fatalf("not saved: %s", n.formMsg.Text)
		}
	}
}
