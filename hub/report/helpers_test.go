package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// checkPDF checks the header, the trailer and the page count of a PDF,
// and asks pdfinfo (poppler-utils) too when it is installed.
func checkPDF(t *testing.T, data []byte, pages int) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-1.")) {
		t.Fatalf("no PDF header: %q", data[:min(16, len(data))])
	}
	if !bytes.HasSuffix(bytes.TrimRight(data, "\r\n"), []byte("%%EOF")) {
		t.Fatal("no end-of-file marker at the end of the PDF")
	}
	if !bytes.Contains(data, []byte("trailer")) || !bytes.Contains(data, []byte("startxref")) {
		t.Fatal("the PDF has no trailer or startxref")
	}
	m := regexp.MustCompile(`/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b`).FindSubmatch(data)
	if m == nil {
		t.Fatal("the PDF has no page tree with a /Count")
	}
	n, _ := strconv.Atoi(string(m[1]) + string(m[2]))
	if n != pages {
		t.Errorf("the page tree counts %d pages, want %d", n, pages)
	}
	if got := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(data, -1)); got != pages {
		t.Errorf("%d page objects, want %d", got, pages)
	}
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Log("pdfinfo is not installed (Debian: poppler-utils); checked the PDF's structure only")
		return
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^Pages:\s+` + strconv.Itoa(pages) + `$`).Match(out) {
		t.Errorf("pdfinfo does not see %d pages:\n%s", pages, out)
	}
	if !strings.Contains(string(out), "A4") && !strings.Contains(string(out), "595.28 x 841.89") {
		t.Errorf("pdfinfo does not see an A4 page:\n%s", out)
	}
}

// testLogo is a small PNG: a blue tile with a white bar.
func testLogo(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 48))
	for y := range 48 {
		for x := range 96 {
			c := color.RGBA{0x25, 0x63, 0xeb, 0xff}
			if y > 20 && y < 28 && x > 12 && x < 84 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
