//go:build linux || darwin

package localapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localapi"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// users serves a real agent's local API on its real socket, and names
// each caller by the path its client bound its end of the socket to
// ("<name>-<n>"), so that one test can be several OS users.
type users struct {
	sock string // the agent's socket
	dir  string // where the clients bind their ends
	n    atomic.Int64
}

func serveAsUsers(t *testing.T, configure func(*localapi.Server)) *users {
	t.Helper()
	dir := t.TempDir()
	a, err := agent.Open(context.Background(), dir, agent.Options{Logger: quiet, Hostname: "reception-pc"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := a.LocalAPI(quiet)
	localapi.SetIdentify(srv, func(c net.Conn) (string, error) {
		name, _, _ := strings.Cut(filepath.Base(c.RemoteAddr().String()), "-")
		if name == "" || name == "." {
			return "", fmt.Errorf("the client did not bind its end of the socket")
		}
		return name, nil
	})
	configure(srv)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, dir) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	// Client ends live in a short directory: a socket's path is limited
	// to about 100 bytes.
	cdir, err := os.MkdirTemp("", "tq")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(cdir) })
	u := &users{sock: filepath.Join(dir, localapi.SocketName), dir: cdir}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		status, _, err := u.get(t, context.Background(), "probe", "/v1/status")
		if err == nil && status == http.StatusOK {
			return u
		}
		if time.Now().After(deadline) {
			t.Fatalf("the local API did not answer in 10 s: %d %v", status, err)
		}
	}
}

// client returns an HTTP client whose every connection is name's.
func (u *users) client(name string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			local := &net.UnixAddr{Net: "unix", Name: filepath.Join(u.dir, fmt.Sprintf("%s-%d", name, u.n.Add(1)))}
			return net.DialUnix("unix", local, &net.UnixAddr{Net: "unix", Name: u.sock})
		},
	}}
}

// get asks path as name and returns the status and the body.
func (u *users) get(t *testing.T, ctx context.Context, name, path string) (int, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://agent"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := u.client(name).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// stream opens an event stream as name. On 200 the stream stays open
// until close is called (or the test ends); otherwise it returns the
// error answer.
func (u *users) stream(t *testing.T, name string) (status int, body []byte, close func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://agent/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := u.client(name).Do(req)
	if err != nil {
		cancel()
		t.Fatalf("opening an event stream as %s: %v", name, err)
	}
	close = func() { cancel(); resp.Body.Close() }
	if resp.StatusCode != http.StatusOK {
		defer close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Close {
			t.Errorf("a refused stream keeps its connection open (no Connection: close)")
		}
		return resp.StatusCode, b, func() {}
	}
	t.Cleanup(close) // before the server stops: cleanups run last first
	return resp.StatusCode, nil, close
}

func message(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error localapi.Error `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("the refusal is not a JSON error: %s (%v)", body, err)
	}
	return e.Error.Message
}

// One account cannot hold more than its share of event streams, nor all
// accounts together more than the agent's cap: one more is refused with
// 429 and words saying what to do, while other accounts' streams and
// every account's other requests keep working, and a stream that closes
// makes room again.
func TestEventStreamsCappedPerUserAndInAll(t *testing.T) {
	const total = localapi.DefaultMaxStreamsPerUser + 4
	u := serveAsUsers(t, func(s *localapi.Server) { s.MaxStreams = total })

	var alice []func()
	for i := range localapi.DefaultMaxStreamsPerUser {
		status, body, close := u.stream(t, "alice")
		if status != http.StatusOK {
			t.Fatalf("alice's stream %d of %d: %d %s", i+1, localapi.DefaultMaxStreamsPerUser, status, body)
		}
		alice = append(alice, close)
	}
	status, body, _ := u.stream(t, "alice")
	if status != http.StatusTooManyRequests {
		t.Fatalf("alice's stream %d: %d %s, want 429", localapi.DefaultMaxStreamsPerUser+1, status, body)
	}
	if msg := message(t, body); !strings.Contains(msg, fmt.Sprintf("already has %d open event streams", localapi.DefaultMaxStreamsPerUser)) ||
		!strings.Contains(msg, "close other Tandem windows") {
		t.Fatalf("the refusal says %q", msg)
	}
	// alice's other requests, and bob's stream, are not held up.
	for _, path := range []string{"/v1/status", "/v1/tickets", "/v1/device"} {
		if status, body, err := u.get(t, context.Background(), "alice", path); err != nil || status != http.StatusOK {
			t.Fatalf("alice at her stream cap: GET %s answered %d %s (%v)", path, status, body, err)
		}
	}
	if status, body, _ := u.stream(t, "bob"); status != http.StatusOK {
		t.Fatalf("bob's stream while alice is at her cap: %d %s", status, body)
	}

	// The agent's cap: carol takes the rest, dave is refused.
	for range total - localapi.DefaultMaxStreamsPerUser - 1 {
		if status, body, _ := u.stream(t, "carol"); status != http.StatusOK {
			t.Fatalf("carol's stream: %d %s", status, body)
		}
	}
	status, body, _ = u.stream(t, "dave")
	if status != http.StatusTooManyRequests {
		t.Fatalf("dave's stream with %d open in all: %d %s, want 429", total, status, body)
	}
	if msg := message(t, body); !strings.Contains(msg, fmt.Sprintf("already serves %d event streams", total)) {
		t.Fatalf("the refusal over the agent's cap says %q", msg)
	}
	if status, body, err := u.get(t, context.Background(), "dave", "/v1/status"); err != nil || status != http.StatusOK {
		t.Fatalf("dave's status with every stream taken: %d %s (%v)", status, body, err)
	}

	// One of alice's streams closes: the agent notices, and she (or dave)
	// may open one again.
	alice[0]()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		status, body, _ := u.stream(t, "alice")
		if status == http.StatusOK {
			break
		}
		if status != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after one of alice's streams closed: %d %s", status, body)
		}
	}
}
