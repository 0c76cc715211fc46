// Package single keeps one process per person for a kind of work: the first
// process to Claim a key holds it and serves requests, and a later process
// of the same OS user hands its request to the holder with Send instead of
// starting over. Tandem's windows use it so that a second "open dashboard"
// (a menu click, a notification click) focuses the open window rather than
// starting another process of 150–200 MB.
//
// On Linux and macOS the holder is a unix socket in the user's runtime
// directory ($XDG_RUNTIME_DIR, else the user's cache directory), guarded by
// an flock on a file beside it, so a process that died leaves nothing that
// blocks the next one. On Windows it is a named pipe whose name carries the
// user's SID and whose ACL admits that user alone, guarded by a named mutex
// of the user's session that Windows removes with the process.
package single

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// ErrHeld is returned by Claim when another process of this user holds the
// key: Send the request to it.
var ErrHeld = errors.New("another process holds it")

// sendTimeout bounds a whole Send: a holder that accepts but never answers
// (hung, or stopped in a debugger) must not hang the caller.
const sendTimeout = 5 * time.Second

// Request is what a later process hands to the holder: the arguments it was
// started with, in its own words (for Tandem's windows, "dashboard" or
// "ticket", ID).
type Request struct {
	Args []string `json:"args"`
}

// Key makes a key from the parts that tell holders apart (for Tandem's
// windows, the agent's data directory): a short hash, safe in a file or
// pipe name.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// Holder holds a key until Close. It is safe for concurrent use.
type Holder struct {
	ln      net.Listener
	release func() error
	once    sync.Once
	err     error
}

// Claim takes the key for this process, or returns ErrHeld when another
// process of the same user holds it. name is a short word for what is held
// ("windows"); it goes into the socket's or pipe's name.
func Claim(name, key string) (*Holder, error) {
	ln, release, err := claim(name + "-" + key)
	if err != nil {
		return nil, err
	}
	return &Holder{ln: ln, release: release}, nil
}

// Serve answers requests until ctx ends or the holder is closed, calling
// handle for each one, one at a time, in the order they arrive. handle must
// not block for long: the sender waits for it.
// A caller that sends nonsense is logged and answered with an error; the
// holder goes on. When Serve returns, the key is given up: the next Claim
// succeeds (Close runs once, so this waits for the one ctx started).
func (h *Holder) Serve(ctx context.Context, log *slog.Logger, handle func(Request)) (err error) {
	stop := context.AfterFunc(ctx, func() { h.Close() })
	defer stop()
	defer func() { err = errors.Join(err, h.Close()) }()
	for {
		c, err := h.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("waiting for a request: %w", err)
		}
		if err := answer(c, handle); err != nil {
			log.Warn("a request from another window process failed", "err", err)
		}
	}
}

func answer(c net.Conn, handle func(Request)) error {
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(sendTimeout)); err != nil {
		return fmt.Errorf("setting a deadline: %w", err)
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading a request: %w", err)
	}
	var r Request
	if err := json.Unmarshal(line, &r); err != nil {
		fmt.Fprintf(c, "error: the request is not valid JSON: %v\n", err)
		return fmt.Errorf("decoding a request: %w", err)
	}
	handle(r)
	_, err = c.Write([]byte("ok\n"))
	return err
}

// Close gives the key up; the next Claim succeeds.
func (h *Holder) Close() error {
	h.once.Do(func() {
		h.err = errors.Join(h.ln.Close(), h.release())
	})
	return h.err
}

// Send hands r to the process holding the key and waits until it has been
// handled.
func Send(ctx context.Context, name, key string, r Request) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	c, err := dial(ctx, name+"-"+key)
	if err != nil {
		return fmt.Errorf("reaching the running process: %w", err)
	}
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		if err := c.SetDeadline(d); err != nil {
			return fmt.Errorf("setting a deadline: %w", err)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding the request: %w", err)
	}
	if _, err := c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("sending the request: %w", err)
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the running process did not answer: %w", err)
	}
	if reply != "ok\n" {
		return fmt.Errorf("the running process refused the request: %s", reply)
	}
	return nil
}
