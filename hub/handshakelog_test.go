package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/hub"
)

// logLines is a JSON slog handler's output, safe for concurrent use.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// matching returns the records whose message contains part.
func (l *logLines) matching(tb testing.TB, part string) []map[string]any {
	tb.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			tb.Fatalf("a log line that is not JSON: %q", line)
		}
		if msg, _ := rec[slog.MessageKey].(string); strings.Contains(strings.ToLower(msg), part) {
			out = append(out, rec)
		}
	}
	return out
}

// failHandshake connects to the hub and sends bytes that are not TLS (nor
// HTTP, which the server answers before it logs), then reads until the hub
// hangs up: by then it has logged the failure.
func failHandshake(tb testing.TB, addr string) {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Write([]byte("hello, is this a hub?\r\n")); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		tb.Fatalf("waiting for the hub to hang up: %v", err)
	}
}

// A flood of failed TLS handshakes from one address is one warning a
// minute and a count of the rest, not a line each.
func TestFailedHandshakesAreLoggedOnceAMinute(t *testing.T) {
	clk := &clock{}
	clk.Set(time.Now())
	logs := &logLines{}
	h, stop := startHubWith(t, t.TempDir(), hub.Config{Now: clk.Now, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	count := func() (each, summaries []map[string]any) {
		for _, rec := range logs.matching(t, "tls handshake") {
			if _, ok := rec["count"]; ok {
				summaries = append(summaries, rec)
			} else {
				each = append(each, rec)
			}
		}
		return each, summaries
	}

	for range 30 {
		failHandshake(t, h.info.Listen)
	}
	each, summaries := count()
	if len(each) != 1 || len(summaries) != 0 {
		t.Fatalf("after 30 failed handshakes in a minute: %d lines and %d counts, want 1 line and no count yet", len(each), len(summaries))
	}
	if c, _ := each[0]["client"].(string); !strings.HasPrefix(c, "127.0.0.1:") {
		t.Errorf("the warning names client %q, want the loopback address", c)
	}

	clk.Add(61 * time.Second)
	for range 5 {
		failHandshake(t, h.info.Listen)
	}
	each, summaries = count()
	if len(each) != 2 || len(summaries) != 1 || summaries[0]["count"] != 29.0 {
		t.Fatalf("in the next minute: %d lines and counts %v, want 2 lines and one count of 29", len(each), summaries)
	}

	stop()
	each, summaries = count()
	if len(each) != 2 || len(summaries) != 2 || summaries[1]["count"] != 4.0 {
		t.Errorf("after the hub stopped: %d lines and counts %v, want 2 lines and a last count of 4", len(each), summaries)
	}
}
