package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"tandem/msp"
)

// Backend is what the server needs from the agent. Its methods are safe
// for concurrent use.
type Backend interface {
	// Submit applies and queues a change made by an OS user, with the
	// bytes of the files it attaches, in one durable transaction.
	Submit(ctx context.Context, user string, c msp.Change, files ...File) (*msp.Ticket, error)
	Tickets() ([]*msp.Ticket, error)
	// Ticket returns one ticket of the device, or nil and no error when
	// the device has no ticket of that id.
	Ticket(id string) (*msp.Ticket, error)
	// Undelivered returns the ids of tickets with changes still queued for
	// the hub.
	Undelivered() (map[string]int, error)
	// Tenant returns the tenant's settings as last received from the hub;
	// ok is false before enrollment.
	Tenant() (t msp.Tenant, ok bool)
	// Inventory returns the last collected device report; a zero
	// CollectedAt means nothing was collected yet (Hostname is still set).
	Inventory() (msp.Inventory, error)
	// RequesterID is the id the hub gives tickets raised by user here.
	RequesterID(user string) string
	SyncStatus() Status
	DeadLetters() ([]DeadLetter, error)
	// Refresh asks for a full inventory now.
	Refresh()
	// Subscribe streams the agent's events until the returned function is
	// called.
	Subscribe() (<-chan Event, func())
}

// File is the bytes of an attachment, named by their SHA-256 (lower-case
// hex), as the agent keeps them.
type File struct {
	SHA256 string
	Data   []byte
}

// Server serves the local API on a unix socket.
type Server struct {
	backend Backend
	log     *slog.Logger
	// lookup names a user id; os/user by default.
	lookup func(uid uint32) (string, error)
	// identifyPeer names the OS user at the other end of a connection
	// (identify by default; tests name their callers themselves).
	identifyPeer func(net.Conn) (string, error)
	// Now is the clock of SLA previews (time.Now by default).
	Now func() time.Time
	// MaxStreamsPerUser and MaxStreams cap the open event streams of one
	// OS user and of all (DefaultMaxStreamsPerUser and DefaultMaxStreams
	// when zero). A stream beyond either is refused with 429; other
	// requests are not affected. Set them before Serve.
	MaxStreamsPerUser, MaxStreams int
	// Listening, if set, is called once Serve listens, before it serves
	// (the agent tells systemd it is ready then). Set it before Serve.
	Listening func()

	streams streams
}

// NewServer returns a server over backend.
func NewServer(backend Backend, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{backend: backend, log: log, lookup: lookupUID, Now: time.Now}
	s.identifyPeer = s.identify
	return s
}

type userKey struct{}

// Serve serves the local API until ctx ends: on a unix socket
// (SocketPath(dir), open to every local user, mode 0666) on Linux and
// macOS, on a named pipe with an explicit ACL on Windows (PipeName). Each
// caller sees only their own data: the server names them from the
// kernel's peer credentials, never from the request.
func (s *Server) Serve(ctx context.Context, dir string) error {
	ln, err := listen(dir)
	if err != nil {
		return err
	}
	s.log.Info("local API listening", "address", ln.Addr().String())
	if s.Listening != nil {
		s.Listening()
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, peerKey{}, &peer{conn: c, identify: s.identifyPeer})
		},
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("local API: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil {
		s.log.Warn("local API: requests cut off at shutdown", "err", err)
	}
	<-errc
	return nil
}

type peerKey struct{}

// peer is the other end of one connection. Its user is found once, on the
// first request (after the request was read: Windows lets a pipe server
// impersonate its client only then), and kept for the connection's life.
type peer struct {
	conn     net.Conn
	identify func(net.Conn) (string, error)
	once     sync.Once
	name     string
	err      error
}

func (p *peer) user() (string, error) {
	p.once.Do(func() { p.name, p.err = p.identify(p.conn) })
	return p.name, p.err
}

// Handler returns the routes. Requests must carry the caller in their
// context (Serve puts it there from the peer credentials).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", s.withUser(s.status))
	mux.HandleFunc("GET /v1/device", s.withUser(s.device))
	mux.HandleFunc("GET /v1/tickets", s.withUser(s.list))
	mux.HandleFunc("POST /v1/tickets", s.withUser(s.create))
	mux.HandleFunc("GET /v1/tickets/{id}", s.withUser(s.show))
	mux.HandleFunc("POST /v1/tickets/{id}/replies", s.withUser(s.reply))
	mux.HandleFunc("POST /v1/tickets/{id}/status", s.withUser(s.setStatus))
	mux.HandleFunc("GET /v1/dead-letters", s.withUser(s.dead))
	mux.HandleFunc("GET /v1/events", s.withUser(s.events))
	mux.HandleFunc("POST /v1/refresh", s.withUser(func(w http.ResponseWriter, _ *http.Request, _ string) {
		s.backend.Refresh()
		writeJSON(w, http.StatusAccepted, struct{}{})
	}))
	if sb, ok := s.backend.(StaffBackend); ok {
		s.staffRoutes(mux, sb) // issue 6: the dashboard (staff_server.go)
	}
	return mux
}

func (s *Server) withUser(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := r.Context().Value(userKey{}).(string)
		if p, ok := r.Context().Value(peerKey{}).(*peer); ok && u == "" {
			var err error
			if u, err = p.user(); err != nil {
				s.log.Warn("local API: could not tell who is calling", "err", err)
				u = ""
			}
		}
		if u == "" {
			writeErr(w, http.StatusForbidden, Error{Message: "the agent could not tell which user is asking; connect over its socket or pipe"})
			return
		}
		h(w, r, u)
	}
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request, u string) {
	st := s.yourStatus(u)
	st.User = u
	st.Role = msp.RoleEndUser
	if b, ok := s.backend.(StaffBackend); ok {
		// A signed-in IT lead or technician: the tray offers the dashboard.
		if ss, err := b.StaffSession(u); err == nil && ss.Role != "" {
			st.Role = ss.Role
		}
	}
	st.Support = Support{Name: "IT support"}
	if t, ok := s.backend.Tenant(); ok {
		b := t.Branding
		if b.Name != "" {
			st.Support.Name = b.Name
		}
		st.Support.Phone, st.Support.Email = b.SupportPhone, b.SupportEmail
		st.Mode, st.TenantName = t.Mode, t.Name
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) device(w http.ResponseWriter, _ *http.Request, u string) {
	inv, err := s.backend.Inventory()
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, deviceView(inv, u))
}

// yourStatus is the sync status as person u sees it: Queued counts their
// own changes still to send, DeviceQueued everything the device has waiting
// (check-ins and inventories too), so "2 changes will be sent" means theirs.
func (s *Server) yourStatus(u string) Status {
	st := s.backend.SyncStatus()
	st.DeviceQueued = st.Queued
	n, err := s.queuedFor(u)
	if err != nil {
		s.log.Warn("counting the caller's queued changes; showing the device's", "err", err)
		return st
	}
	st.Queued = n
	return st
}

// queuedFor counts the queued changes to person u's tickets. It reads only
// the tickets that have changes queued, never every ticket of the device:
// the tray and the windows ask for the status often.
func (s *Server) queuedFor(u string) (int, error) {
	undelivered, err := s.backend.Undelivered()
	if err != nil {
		return 0, err
	}
	id := s.backend.RequesterID(u)
	n := 0
	for tid, c := range undelivered {
		t, err := s.backend.Ticket(tid)
		if err != nil {
			return 0, fmt.Errorf("reading ticket %s: %w", tid, err)
		}
		if t != nil && SameAccount(t.Requester, id) {
			n += c
		}
	}
	return n, nil
}

// viewer gathers what ticket views need, once per request.
func (s *Server) viewer(u string) (viewer, error) {
	v := viewer{now: s.Now(), refused: map[string][]DeadLetter{}}
	v.tenant, v.haveTenant = s.backend.Tenant()
	var err error
	if v.undelivered, err = s.backend.Undelivered(); err != nil {
		return v, err
	}
	dead, err := s.backend.DeadLetters()
	if err != nil {
		return v, err
	}
	for _, d := range dead {
		if d.User == u && d.TicketID != "" {
			v.refused[d.TicketID] = append(v.refused[d.TicketID], d)
		}
	}
	return v, nil
}

func (s *Server) mine(u string) ([]*msp.Ticket, error) {
	all, err := s.backend.Tickets()
	if err != nil {
		return nil, err
	}
	id := s.backend.RequesterID(u)
	out := []*msp.Ticket{}
	for _, t := range all {
		if SameAccount(t.Requester, id) {
			out = append(out, t.VisibleTo(msp.RoleEndUser))
		}
	}
	return out, nil
}

func (s *Server) list(w http.ResponseWriter, _ *http.Request, u string) {
	ts, err := s.mine(u)
	if err != nil {
		s.fail(w, err)
		return
	}
	v, err := s.viewer(u)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]TicketView, 0, len(ts))
	for _, t := range ts {
		out = append(out, v.view(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) find(u, id string) (*msp.Ticket, error) {
	ts, err := s.mine(u)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, nil
}

func (s *Server) show(w http.ResponseWriter, r *http.Request, u string) {
	t, err := s.find(u, r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	if t == nil {
		writeErr(w, http.StatusNotFound, Error{Message: "you have no ticket " + r.PathValue("id") + " on this computer"})
		return
	}
	s.writeView(w, http.StatusOK, u, t)
}

func (s *Server) writeView(w http.ResponseWriter, status int, u string, t *msp.Ticket) {
	v, err := s.viewer(u)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, status, v.view(t))
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, u string) {
	var in NewTicket
	if !decodeLimit(w, r, MaxCreateBody, &in) {
		return
	}
	id := msp.NewTicketID()
	now := s.Now().UTC()
	atts, files, problem := attachments(in.Attachments, now)
	if problem != "" {
		writeErr(w, http.StatusRequestEntityTooLarge, Error{Message: problem, Fields: map[string]string{"attachments": problem}})
		return
	}
	c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: id, At: now, Ticket: &msp.Ticket{
		ID: id, Title: in.Title, Description: in.Description, Pillar: in.Pillar, Category: in.Category,
		Impact: in.Impact, Urgency: in.Urgency, CreatedAt: now, Attachments: atts,
	}}
	s.submit(w, r, u, c, http.StatusCreated, files...)
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, u string) {
	var in Reply
	if !decode(w, r, &in) {
		return
	}
	if !s.owns(w, u, r.PathValue("id")) {
		return
	}
	c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: r.PathValue("id"), At: time.Now().UTC(),
		Comment: &msp.Comment{ID: msp.NewID(), Body: in.Message}}
	s.submit(w, r, u, c, http.StatusOK)
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, u string) {
	var in StatusRequest
	if !decode(w, r, &in) {
		return
	}
	if !s.owns(w, u, r.PathValue("id")) {
		return
	}
	c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeStatus, TicketID: r.PathValue("id"), At: time.Now().UTC(), Status: in.Status}
	s.submit(w, r, u, c, http.StatusOK)
}

func (s *Server) owns(w http.ResponseWriter, u, id string) bool {
	t, err := s.find(u, id)
	if err != nil {
		s.fail(w, err)
		return false
	}
	if t == nil {
		writeErr(w, http.StatusNotFound, Error{Message: "you have no ticket " + id + " on this computer"})
		return false
	}
	return true
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request, u string, c msp.Change, status int, files ...File) {
	t, err := s.backend.Submit(r.Context(), u, c, files...)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.writeView(w, status, u, t.VisibleTo(msp.RoleEndUser))
}

func (s *Server) dead(w http.ResponseWriter, _ *http.Request, u string) {
	all, err := s.backend.DeadLetters()
	if err != nil {
		s.fail(w, err)
		return
	}
	out := []DeadLetter{}
	for _, d := range all {
		if d.User == u {
			out = append(out, d)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// events streams the agent's events as server-sent events, each a JSON
// Event; a person receives ticket events of their own tickets only. A
// comment line every 25 s keeps idle connections open through proxies.
// A user may hold MaxStreamsPerUser streams at once, and all users
// MaxStreams; one more is refused with 429 and its connection closed.
func (s *Server) events(w http.ResponseWriter, r *http.Request, u string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeErr(w, http.StatusInternalServerError, Error{Message: "streaming is not available"})
		return
	}
	perUser, total := s.MaxStreamsPerUser, s.MaxStreams
	if perUser <= 0 {
		perUser = DefaultMaxStreamsPerUser
	}
	if total <= 0 {
		total = DefaultMaxStreams
	}
	release, problem, first := s.streams.take(u, perUser, total)
	if problem != "" {
		if first {
			s.log.Warn("local API: an event stream was refused; more from this user are refused silently until one of theirs closes",
				"user", u, "per_user", perUser, "total", total, "why", problem)
		}
		// Close the connection too: a refused caller keeps no descriptor.
		w.Header().Set("Connection", "close")
		w.Header().Set("Retry-After", "30")
		writeErr(w, http.StatusTooManyRequests, Error{Message: problem})
		return
	}
	defer release()
	ch, stop := s.backend.Subscribe()
	defer stop()
	if rc := http.NewResponseController(w); rc != nil {
		_ = rc.SetWriteDeadline(time.Time{}) // a stream has no write deadline
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// The first event is the current state, so a tray that connects (or
	// reconnects) needs no separate status call.
	st := s.yourStatus(u)
	if b, err := json.Marshal(Event{Kind: EventStatus, Online: st.Online, Queued: st.Queued}); err == nil {
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", EventStatus, b)
	}
	fl.Flush()
	me := s.backend.RequesterID(u)
	keepalive := time.NewTicker(25 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			if e.Kind == EventTicket && !SameAccount(e.Requester, me) {
				continue
			}
			if e.Kind == EventStatus || e.Kind == EventDrained {
				e.Queued = s.yourStatus(u).Queued
			}
			b, err := json.Marshal(e)
			if err != nil {
				continue
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, b)
		}
		fl.Flush()
	}
}

// fail answers with the error: files over a quota are 413, a refusal of
// the domain rules is the caller's (400 with the fields), a full disk 507,
// anything else the agent's (500).
func (s *Server) fail(w http.ResponseWriter, err error) {
	var quota *QuotaError
	if errors.As(err, &quota) {
		writeErr(w, http.StatusRequestEntityTooLarge, Error{Message: quota.Message, Fields: map[string]string{"attachments": quota.Message}})
		return
	}
	if msp.IsPermanent(err) {
		e := Error{Message: err.Error()}
		for _, p := range msp.FieldProblems(err) {
			if e.Fields == nil {
				e.Fields = map[string]string{}
			}
			e.Fields[p.Field] = p.Problem
		}
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, msp.ErrForbidden):
			status = http.StatusForbidden
		case errors.Is(err, msp.ErrConflict):
			status = http.StatusConflict
		}
		writeErr(w, status, e)
		return
	}
	var full interface{ DiskFull() bool }
	if errors.As(err, &full) && full.DiskFull() {
		s.log.Warn("a change was refused: the disk is full", "err", err)
		writeErr(w, http.StatusInsufficientStorage, Error{Message: "This computer's disk is full, so this was not saved. " +
			"Free some space (empty the Recycle Bin or Trash, delete large downloads) and try again; what was saved before is safe. (" + err.Error() + ")"})
		return
	}
	s.log.Error("local API request failed", "err", err)
	writeErr(w, http.StatusInternalServerError, Error{Message: "the agent could not do that: " + err.Error()})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeLimit(w, r, MaxBody, v)
}

func decodeLimit(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e := Error{Message: fmt.Sprintf("the request is larger than %d KB", limit>>10)}
			if limit == MaxCreateBody {
				e.Message = fmt.Sprintf("the attached files are larger than %d MB in all; attach fewer or smaller files, or share a link", MaxUpload>>20)
				e.Fields = map[string]string{"attachments": e.Message}
			}
			writeErr(w, http.StatusRequestEntityTooLarge, e)
			return false
		}
		writeErr(w, http.StatusBadRequest, Error{Message: "the request is not valid JSON: " + err.Error()})
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeErr(w, http.StatusBadRequest, Error{Message: "the request holds more than one JSON value"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away
}

func writeErr(w http.ResponseWriter, status int, e Error) {
	writeJSON(w, status, struct {
		Error Error `json:"error"`
	}{e})
}

// SameAccount reports whether two requester ids ("account@hostname", as
// the hub names an OS account on a device) are the same account. The
// agent holds only this device's tickets, so the account alone decides:
// a computer that was renamed still shows each person the tickets they
// raised under its old name.
func SameAccount(a, b string) bool {
	return accountOf(a) == accountOf(b)
}

func accountOf(requester string) string {
	if i := strings.LastIndexByte(requester, '@'); i >= 0 {
		return requester[:i]
	}
	return requester
}
