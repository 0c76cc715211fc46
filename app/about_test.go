package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestAboutShowsVersionAndDataDir(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, AboutContent(About{Version: "1.2.3", DataDir: "/var/lib/tandem"}))
	w.Resize(fyne.NewSize(480, 240))

	var texts []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			texts = append(texts, v.Text)
		case *widget.Form:
			for _, it := range v.Items {
				texts = append(texts, it.Text)
				walk(it.Widget)
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(w.Content())
	for _, want := range []string{"Tandem", "Version", "1.2.3", "Agent data", "/var/lib/tandem"} {
		found := false
		for _, got := range texts {
			if got == want {
				found = true
			}
		}
		if !found {
			t.Errorf("About window lacks %q; it shows %q", want, texts)
		}
	}
}
