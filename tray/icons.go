package tray

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
)

// IconSize is the side of the generated icons in pixels. Tray hosts scale
// it to their panel (16 to 24 px on most desktops); 32 keeps it sharp on
// 200% displays.
const IconSize = 32

var (
	blue  = color.NRGBA{0x1f, 0x6f, 0xd1, 0xff} // all well
	grey  = color.NRGBA{0x6b, 0x72, 0x80, 0xff} // offline, not running
	amber = color.NRGBA{0xd9, 0x77, 0x06, 0xff} // attention
	red   = color.NRGBA{0xdc, 0x26, 0x26, 0xff} // the reply badge
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// shape is a signed distance in pixels: negative inside, positive outside.
type shape func(x, y float64) float64

func disc(cx, cy, r float64) shape {
	return func(x, y float64) float64 { return math.Hypot(x-cx, y-cy) - r }
}

func ring(cx, cy, r, w float64) shape {
	return func(x, y float64) float64 { return math.Abs(math.Hypot(x-cx, y-cy)-r) - w/2 }
}

// stroke is a line from (ax, ay) to (bx, by) with round ends, w wide.
func stroke(ax, ay, bx, by, w float64) shape {
	return func(x, y float64) float64 {
		px, py, dx, dy := x-ax, y-ay, bx-ax, by-ay
		h := math.Max(0, math.Min(1, (px*dx+py*dy)/(dx*dx+dy*dy)))
		return math.Hypot(px-dx*h, py-dy*h) - w/2
	}
}

func union(ss ...shape) shape {
	return func(x, y float64) float64 {
		d := math.Inf(1)
		for _, s := range ss {
			d = math.Min(d, s(x, y))
		}
		return d
	}
}

// layer is a shape painted in one colour; later layers cover earlier ones.
type layer struct {
	s shape
	c color.NRGBA
}

// render draws the layers with anti-aliased edges on a transparent square.
func render(layers ...layer) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, IconSize, IconSize))
	for py := range IconSize {
		for px := range IconSize {
			x, y := float64(px)+0.5, float64(py)+0.5
			var r, g, b, a float64
			for _, l := range layers {
				cov := math.Max(0, math.Min(1, 0.5-l.s(x, y)))
				if cov == 0 {
					continue
				}
				// "over" compositing in premultiplied terms
				la := cov * float64(l.c.A) / 255
				r = float64(l.c.R)*la + r*(1-la)
				g = float64(l.c.G)*la + g*(1-la)
				b = float64(l.c.B)*la + b*(1-la)
				a = la + a*(1-la)
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(r/a + 0.5), uint8(g/a + 0.5), uint8(b/a + 0.5), uint8(a*255 + 0.5)})
		}
	}
	return img
}

// drawings of each state, on a 32 px canvas.
func drawing(s State) []layer {
	const c, r = 16, 14.5
	switch s {
	case StateOffline: // grey disc, three dots: waiting to send
		return []layer{{disc(c, c, r), grey},
			{union(disc(9.5, c, 2.6), disc(c, c, 2.6), disc(22.5, c, 2.6)), white}}
	case StateAttention: // amber disc, exclamation mark
		return []layer{{disc(c, c, r), amber},
			{union(stroke(c, 7.5, c, 18, 4), disc(c, 24, 2.3)), white}}
	case StateReply: // blue disc, speech lines, red badge
		return []layer{{disc(c, c, r), blue},
			{union(stroke(9, 12, 23, 12, 3), stroke(9, 18, 18, 18, 3)), white},
			{disc(25, 7, 7.5), white}, {disc(25, 7, 5.5), red}}
	case StateNotRunning: // grey ring with a cross: nothing answers
		return []layer{{ring(c, c, r-1.5, 3), grey},
			{union(stroke(11, 11, 21, 21, 3.2), stroke(21, 11, 11, 21, 3.2)), grey}}
	}
	// all well: blue disc, white tick
	return []layer{{disc(c, c, r), blue}, {union(stroke(9, 16.5, 14, 21.5, 3.6), stroke(14, 21.5, 23.5, 10.5, 3.6)), white}}
}

var (
	pngOnce sync.Once
	pngs    [StateNotRunning + 1][]byte
)

// PNG returns the icon of a state as PNG bytes (what Linux and macOS tray
// hosts take).
func PNG(s State) []byte {
	pngOnce.Do(func() {
		for st := range pngs {
			var buf bytes.Buffer
			if err := png.Encode(&buf, render(drawing(State(st))...)); err != nil {
				panic(fmt.Sprintf("encoding a generated icon: %v", err)) // cannot happen for an in-memory image
			}
			pngs[st] = buf.Bytes()
		}
	})
	if int(s) < 0 || int(s) >= len(pngs) {
		s = StateAllWell
	}
	return pngs[s]
}

// ICO wraps PNG bytes of a square icon in an ICO container (one image,
// PNG-compressed, which Windows reads since Vista).
func ICO(pngBytes []byte, size int) []byte {
	dim := byte(size)
	if size >= 256 {
		dim = 0 // 0 means 256 in an ICO directory
	}
	le := binary.LittleEndian
	b := make([]byte, 0, 22+len(pngBytes))
	// ICONDIR: reserved, type 1 (icon), one image
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 1)
	// ICONDIRENTRY: width, height, colours, reserved, planes, bits per pixel, size, offset
	b = append(b, dim, dim, 0, 0)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 32)
	b = le.AppendUint32(b, uint32(len(pngBytes)))
	b = le.AppendUint32(b, 22)
	return append(b, pngBytes...)
}
