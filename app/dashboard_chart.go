package app

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bar is one row of a bar chart: a label, a count, and the colour of its bar.
type bar struct {
	Label string
	Value int
	Color fyne.ThemeColorName // "" for the primary colour
}

// barChart draws counts as horizontal bars (canvas rectangles) with the
// label on the left and the count on the right; bars are scaled to the
// largest count so the longest bar fills the row. Build it with
// newBarChart; Set replaces the rows. UI goroutine only.
type barChart struct {
	box   *fyne.Container
	empty string
	rows  []bar
}

func newBarChart(empty string) *barChart {
	return &barChart{box: container.NewVBox(), empty: empty}
}

// Set shows rows; a chart whose counts are all zero says c.empty instead.
func (c *barChart) Set(rows []bar) {
	c.rows = rows
	c.box.Objects = nil
	total, most := 0, 0
	for _, r := range rows {
		total += r.Value
		most = max(most, r.Value)
	}
	if total == 0 {
		c.box.Add(widget.NewLabel(c.empty))
		c.box.Refresh()
		return
	}
	labels := container.NewVBox()
	bars := container.NewVBox()
	values := container.NewVBox()
	for _, r := range rows {
		l := widget.NewLabel(r.Label)
		labels.Add(l)
		name := r.Color
		if name == "" {
			name = theme.ColorNamePrimary
		}
		rect := canvas.NewRectangle(theme.Color(name))
		rect.CornerRadius = 3
		if r.Value == 0 {
			rect.Hide()
		}
		frac := float32(r.Value) / float32(most)
		// each bar sits in a row as tall as a label, so the three columns line up
		bars.Add(container.New(&barLayout{frac: frac, height: l.MinSize().Height}, rect))
		v := widget.NewLabelWithStyle(fmt.Sprint(r.Value), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		values.Add(v)
	}
	c.box.Add(container.NewBorder(nil, nil, labels, values, bars))
	c.box.Refresh()
}

// Object is the chart's canvas object.
func (c *barChart) Object() fyne.CanvasObject { return c.box }

// barLayout sizes its one object to frac of the width, vertically centred
// in a row of the given height, with a hairline minimum so a count of one
// among hundreds is still visible.
type barLayout struct {
	frac   float32
	height float32
}

func (l *barLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	w := size.Width * l.frac
	if l.frac > 0 && w < 3 {
		w = 3
	}
	h := size.Height * 0.6
	objs[0].Resize(fyne.NewSize(w, h))
	objs[0].Move(fyne.NewPos(0, (size.Height-h)/2))
}

func (l *barLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(120, l.height)
}

// meter is a labelled proportion drawn as a track and a filled part, for
// "SLA met 18 of 20 (90 %)" and "devices up to date".
type meter struct {
	box   *fyne.Container
	fill  *canvas.Rectangle
	track *canvas.Rectangle
	text  *widget.Label
	lay   *barLayout
}

func newMeter() *meter {
	m := &meter{
		fill:  canvas.NewRectangle(theme.Color(theme.ColorNameSuccess)),
		track: canvas.NewRectangle(color.Transparent),
		text:  widget.NewLabel(""),
	}
	m.text.Wrapping = fyne.TextWrapWord
	m.track.StrokeColor = theme.Color(theme.ColorNameDisabled)
	m.track.StrokeWidth = 1
	m.track.CornerRadius = 3
	m.fill.CornerRadius = 3
	m.lay = &barLayout{height: 22}
	bar := container.NewStack(container.New(&barLayout{frac: 1, height: 22}, m.track), container.New(m.lay, m.fill))
	m.box = container.NewVBox(m.text, bar)
	return m
}

// Set shows part of whole with the text; good says which colour the
// filled part takes (success or warning); whole 0 shows only the text.
func (m *meter) Set(part, whole int, text string, good bool) {
	m.text.SetText(text)
	name := theme.ColorNameSuccess
	if !good {
		name = theme.ColorNameWarning
	}
	m.fill.FillColor = theme.Color(name)
	m.lay.frac = 0
	if whole > 0 {
		m.lay.frac = float32(part) / float32(whole)
	}
	if whole == 0 {
		m.box.Objects[1].Hide()
	} else {
		m.box.Objects[1].Show()
	}
	m.box.Refresh()
}

// Object is the meter's canvas object.
func (m *meter) Object() fyne.CanvasObject { return m.box }
