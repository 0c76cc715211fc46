package tray

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Every state has its own icon, a square PNG of IconSize with transparent
// corners; the ICO wrapper points at the PNG it carries. Set
// TRAY_ICON_DIR to write the icons out and look at them.
func TestIcons(t *testing.T) {
	seen := map[string]State{}
	for s := StateAllWell; s <= StateNotRunning; s++ {
		b := PNG(s)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		if r := img.Bounds(); r.Dx() != IconSize || r.Dy() != IconSize {
			t.Errorf("%v: %v, want %d px square", s, r, IconSize)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%v: corner is not transparent (alpha %d)", s, a)
		}
		if _, _, _, a := img.At(IconSize/2, IconSize/2+6).RGBA(); a == 0 && s != StateNotRunning {
			t.Errorf("%v: the middle is empty", s)
		}
		if other, dup := seen[string(b)]; dup {
			t.Errorf("%v looks the same as %v", s, other)
		}
		seen[string(b)] = s
		if dir := os.Getenv("TRAY_ICON_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, s.String()+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}

		ico := ICO(b, IconSize)
		le := binary.LittleEndian
		if le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 1 || ico[6] != IconSize ||
			int(le.Uint32(ico[14:])) != len(b) || !bytes.Equal(ico[le.Uint32(ico[18:]):], b) {
			t.Errorf("%v: ICO header % x does not describe its PNG", s, ico[:22])
		}
	}
	if ICO(PNG(StateAllWell), 256)[6] != 0 {
		t.Error("a 256 px ICO must say 0 in its directory")
	}
}
