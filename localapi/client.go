package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tandem/msp"
)

// ErrAgentNotRunning means nothing answers on the agent's socket.
var ErrAgentNotRunning = errors.New("the Tandem agent is not running")

// Client talks to the agent of one data directory. It is safe for
// concurrent use.
type Client struct {
	addr string // the socket's path or the pipe's name, for messages
	http *http.Client
}

// NewClient returns a client for the agent whose data directory is dir:
// over the socket SocketPath(dir) on Linux and macOS, over the named pipe
// PipeName(dir) on Windows.
func NewClient(dir string) *Client {
	addr, legacy := agentAddr(dir), legacySocketPath(dir)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			c, err := dialAgent(ctx, addr, legacy)
			if err != nil {
				return nil, &dialError{err}
			}
			return c, nil
		},
		MaxIdleConns: 1,
	}
	return &Client{addr: addr, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// dialError marks a failure to reach the agent at all.
type dialError struct{ err error }

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// APIError is an error answer of the agent.
type APIError struct {
	Status int
	Body   Error
}

func (e *APIError) Error() string { return e.Body.Message }

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding the request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://agent"+path, body)
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		var de *dialError
		if errors.As(err, &de) {
			return fmt.Errorf("%w (nothing answers on %s); start it, or ask your IT support", ErrAgentNotRunning, c.addr)
		}
		return fmt.Errorf("asking the agent: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("reading the agent's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error Error `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			e.Error.Message = "the agent answered " + resp.Status
		}
		return &APIError{Status: resp.StatusCode, Body: e.Error}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("the agent's answer is not what this program expects: %w", err)
		}
	}
	return nil
}

// Status returns the agent's sync status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.do(ctx, http.MethodGet, "/v1/status", nil, &s)
	return s, err
}

// Device returns this computer's health and the details a new ticket
// carries.
func (c *Client) Device(ctx context.Context) (Device, error) {
	var d Device
	err := c.do(ctx, http.MethodGet, "/v1/device", nil, &d)
	return d, err
}

// Tickets returns the caller's tickets, newest first.
func (c *Client) Tickets(ctx context.Context) ([]TicketView, error) {
	var ts []TicketView
	err := c.do(ctx, http.MethodGet, "/v1/tickets", nil, &ts)
	return ts, err
}

// Ticket returns one of the caller's tickets.
func (c *Client) Ticket(ctx context.Context, id string) (TicketView, error) {
	var t TicketView
	err := c.do(ctx, http.MethodGet, "/v1/tickets/"+url.PathEscape(id), nil, &t)
	return t, err
}

// Raise raises a ticket; it is saved at once (with its attachments) and
// delivered when online.
func (c *Client) Raise(ctx context.Context, n NewTicket) (TicketView, error) {
	var t TicketView
	err := c.do(ctx, http.MethodPost, "/v1/tickets", n, &t)
	return t, err
}

// Reply adds a message to a ticket.
func (c *Client) Reply(ctx context.Context, id, message string) (TicketView, error) {
	var t TicketView
	err := c.do(ctx, http.MethodPost, "/v1/tickets/"+url.PathEscape(id)+"/replies", Reply{Message: message}, &t)
	return t, err
}

// SetStatus resolves ("this is fixed") or reopens ("still broken") a ticket.
func (c *Client) SetStatus(ctx context.Context, id string, s msp.Status) (TicketView, error) {
	var t TicketView
	err := c.do(ctx, http.MethodPost, "/v1/tickets/"+url.PathEscape(id)+"/status", StatusRequest{Status: s}, &t)
	return t, err
}

// DeadLetters returns the caller's changes the hub refused.
func (c *Client) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	var d []DeadLetter
	err := c.do(ctx, http.MethodGet, "/v1/dead-letters", nil, &d)
	return d, err
}

// Refresh asks the agent to collect a full inventory now.
func (c *Client) Refresh(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/refresh", struct{}{}, nil)
}

// Events calls fn with each event the agent streams until ctx ends or the
// stream breaks (the agent stopped); the tray then reconnects.
func (c *Client) Events(ctx context.Context, fn func(Event)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://agent/v1/events", nil)
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	stream := &http.Client{Transport: c.http.Transport} // no overall timeout: it is a stream
	resp, err := stream.Do(req)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrAgentNotRunning, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The agent says why (too many streams of this account: 429).
		var e struct {
			Error Error `json:"error"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // a short read leaves the status alone to tell
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			e.Error.Message = "the agent refused the event stream: " + resp.Status
		}
		return &APIError{Status: resp.StatusCode, Body: e.Error}
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return fmt.Errorf("the agent sent an event this program does not understand: %w", err)
		}
		fn(e)
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("the event stream broke: %w", err)
	}
	return ctx.Err()
}
