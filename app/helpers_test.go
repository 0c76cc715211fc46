package app

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// inline runs work at once on the test's goroutine, so widgets are only
// touched from one goroutine.
func inline(work func()) { work() }

// fakeCapturer returns a real PNG, as a screen would.
type fakeCapturer struct {
	png   []byte
	err   error
	calls int
}

func (f *fakeCapturer) Capture(context.Context) ([]byte, error) {
	f.calls++
	return f.png, f.err
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// visibleText collects the text a person can see in o: labels, buttons,
// entries, selects, forms, scrolls, splits and open accordion items.
func visibleText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *message:
			b.WriteString(v.Text + "\n")
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *widget.RichText:
			b.WriteString(v.String() + "\n")
		case *widget.Button:
			b.WriteString("[" + v.Text + "]\n")
		case *keyEntry:
			b.WriteString(v.Text + "\n")
		case *widget.Select:
			b.WriteString(v.Selected + "\n")
		case *widget.RadioGroup:
			b.WriteString(v.Selected + "\n")
		case *widget.Form:
			for _, it := range v.Items {
				b.WriteString(it.Text + ": ")
				walk(it.Widget)
			}
		case *widget.Accordion:
			for _, it := range v.Items {
				b.WriteString(it.Title + "\n")
				if it.Open {
					walk(it.Detail)
				}
			}
		case *container.Scroll:
			walk(v.Content)
		case *container.Split:
			walk(v.Leading)
			walk(v.Trailing)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

func wantText(t *testing.T, o fyne.CanvasObject, want ...string) {
	t.Helper()
	got := visibleText(o)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("the window does not show %q; it shows:\n%s", w, got)
		}
	}
}

func wantNoText(t *testing.T, o fyne.CanvasObject, unwanted ...string) {
	t.Helper()
	got := visibleText(o)
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("the window shows %q but should not; it shows:\n%s", w, got)
		}
	}
}

// shot saves what w shows as a PNG in $TANDEM_SHOTS, when set, so a person
// can look at each state a test reaches (rendered by Fyne's software
// painter with the default theme).
func shot(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	dir := os.Getenv("TANDEM_SHOTS")
	if dir == "" {
		return
	}
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	w.Content().Refresh()
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
