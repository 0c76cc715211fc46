package hub

import (
	"bytes"
	"fmt"
	"log"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Failed handshakes from many addresses log at most maxHandshakeAddrs
// lines a minute, one per IPv6 /64; other lines of the server's error log pass unchanged.
func TestHandshakeLogBounded(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	h := newHandshakeLog(slog.New(slog.NewTextHandler(&buf, nil)), func() time.Time { return t0 })
	errorLog := log.New(h, "", 0)
	for i := range 500 {
		errorLog.Printf("http: TLS handshake error from [2001:db8:%x::1]:443%02d: EOF", i, i%100)
		errorLog.Printf("http: TLS handshake error from [2001:db8:%x::2]:443%02d: EOF", i, i%100) // the same /64
	}
	errorLog.Printf("http: superfluous response.WriteHeader call")
	h.flush()
	out := buf.String()
	if n := strings.Count(out, "a TLS handshake failed"); n != maxHandshakeAddrs {
		t.Errorf("500 addresses logged %d lines, want %d", n, maxHandshakeAddrs)
	}
	if want := fmt.Sprintf("count=%d", 1000-maxHandshakeAddrs); !strings.Contains(out, want) {
		t.Errorf("the count line is missing %s:\n%s", want, out[max(0, len(out)-400):])
	}
	if !strings.Contains(out, "client=[2001:db8:0::1]:44300 reason=EOF") {
		t.Errorf("the first line does not name its client and reason:\n%s", out[:min(len(out), 400)])
	}
	if !strings.Contains(out, "superfluous response.WriteHeader") {
		t.Error("another line of the error log was lost")
	}
}
