package hub

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"tandem/hub/metrics"
	"tandem/hub/webhook"
	"tandem/internal/version"
	"tandem/msp"
	"tandem/sync/protocol"
)

// Server is the hub's HTTP API over one Store.
type Server struct {
	store    Store
	ca       *CA
	operator string // SHA-256 (hex) of the operator credential
	log      *slog.Logger
	now      func() time.Time
	addrs    limiter       // failed authentications per client address (addrKey)
	codes    limiter       // tries of sign-in codes per code's first group (codeGroup)
	tlsLog   *handshakeLog // the http.Server's error log
	group    groupCommit
	tenants  tenantCache         // decoded tenant records of the ingest path
	swept    sweepState          // what the SLA sweep read last
	events   EventSink           // nil: no events
	metrics  *metrics.Hub        // nil: no metrics
	webhooks *webhook.Dispatcher // nil: no webhook admin API, no webhooks
	// relayWake wakes RunWebhookRelay after a commit that queued events.
	relayWake chan struct{}
	// deviceQuota caps the attachment bytes one uploader may have kept
	// (SetDeviceAttachmentQuota; 0 is the default, negative no limit).
	deviceQuota int64
	// instance names this hub process among the hubs on one store (the
	// holder of a Leaser's leases).
	instance string
	// sweeping is whether this hub holds the SLA sweep's lease (RunSLA).
	sweeping atomic.Bool
}

// SetMetrics makes the server count into m and serve GET /metrics; call it
// before the server handles requests.
func (s *Server) SetMetrics(m *metrics.Hub) { s.metrics = m }

// SetWebhooks makes the server serve the webhook admin API over d and
// queue the ticket events d's endpoints want, for RunWebhookRelay to
// publish; call it before the server handles requests.
func (s *Server) SetWebhooks(d *webhook.Dispatcher) { s.webhooks = d }

// NewServer returns the API over store, signing with ca and admitting the
// operator whose credential hashes to operatorHash.
func NewServer(store Store, ca *CA, operatorHash string, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{
		store: store, ca: ca, operator: operatorHash, log: log,
		now:       time.Now,
		addrs:     newFailLimiter(maxAddrFailures, time.Minute),
		codes:     newFailLimiter(maxCodeTries, codeTryWindow),
		relayWake: make(chan struct{}, 1),
		instance:  msp.NewID(),
	}
	if ls, ok := store.(LimitStore); ok {
		// Several hubs share the store: they share the limits too.
		s.addrs = sharedLimiter{store: ls, name: "addr", max: maxAddrFailures, window: time.Minute, local: newFailLimiter(maxAddrFailures, time.Minute), log: log}
		s.codes = sharedLimiter{store: ls, name: "code", max: maxCodeTries, window: codeTryWindow, local: newFailLimiter(maxCodeTries, codeTryWindow), log: log}
	}
	s.tlsLog = newHandshakeLog(log, func() time.Time { return s.now() })
	return s
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+protocol.PathHealth, s.health)
	mux.HandleFunc("POST "+protocol.PathEnroll, s.enroll)
	mux.HandleFunc("POST "+protocol.PathSignIn, s.signIn)
	mux.HandleFunc("POST "+protocol.PathRenew, s.device(s.renew))
	mux.Handle("POST "+protocol.PathPush, s.metrics.Instrument("push", s.syncClient(s.push)))
	mux.Handle("GET "+protocol.PathPull, s.metrics.Instrument("pull", s.syncClient(s.pull)))
	s.adminRoutes(mux)
	s.reportRoutes(mux, s.metrics, s.webhooks)
	s.opsRoutes(mux)
	s.peopleRoutes(mux)
	s.blobRoutes(mux)
	s.staffRoutes(mux) // the dashboard's fleet (staff.go)
	s.scopeRoutes(mux) // a person's scope now (scope.go)
	return s.recover(mux)
}

// TLSConfig returns the server side of TLS: the hub's certificate, and
// device certificates checked against the hub's CA when a client offers one.
func (s *Server) TLSConfig(cert tls.Certificate) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca.Cert)
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    pool,
	}
}

// HTTPServer returns an http.Server with the limits the hub runs with. Its
// error log goes to the server's logger, with failed TLS handshakes logged
// once per client address a minute and the rest counted (handshakeLog).
func (s *Server) HTTPServer(cert tls.Certificate) *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         s.TLSConfig(cert),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(s.tlsLog, "", 0),
	}
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, protocol.Health{
		Status: "ok", Version: version.Version, Protocol: protocol.Version, Time: s.now().UTC(),
	})
}

// principal is who a request acts for, taken from its credential: a
// device (certificate) or a signed-in person (user token).
type principal struct {
	tenant string // a device's tenant; for a user, the tenant of this request
	device Device
	user   *User
	// credential names the user's sign-in (a hash prefix of its token):
	// each sign-in pushes its own numbered stream, so one person signed in
	// on two computers at once never has one's changes taken for the
	// other's replays.
	credential string
	// tenants caches tenant records for the length of one request.
	tenants map[string]msp.Tenant
}

// clientID names the principal's push stream (its high-water mark).
func (p principal) clientID() string {
	if p.user != nil {
		return "user/" + p.user.ID + "/" + p.credential
	}
	return "device/" + p.device.ID
}

// streamKey names a push stream's high-water mark: the credential's, and
// the stream the sender named (none: the credential's legacy stream).
func (p principal) streamKey(stream string) string {
	if stream == "" {
		return p.clientID()
	}
	return p.clientID() + "/" + stream
}

// inScope reports whether the principal may act in tenant.
func (p principal) inScope(tenant string) bool {
	if p.user != nil {
		return slices.Contains(p.user.Tenants, tenant)
	}
	return tenant == p.tenant
}

// syncClient admits a device certificate or, failing that, a user token
// (Authorization: Bearer), for the endpoints both may use.
func (s *Server) syncClient(h func(http.ResponseWriter, *http.Request, principal)) http.HandlerFunc {
	byDevice := s.device(h)
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			byDevice(w, r)
			return
		}
		if p, ok := s.byUserToken(w, r, token, msgSignInInvalid); ok {
			h(w, r, p)
		}
	}
}

// msgSignInInvalid answers a user token the hub does not accept.
const msgSignInInvalid = "this sign-in is no longer valid; sign in again with a new code"

// byUserToken admits a signed-in person by their user token. A token that
// is unknown, expired or not a user token is refused (Server.refuse) with
// the message refused. On any refusal it has answered and returns false.
func (s *Server) byUserToken(w http.ResponseWriter, r *http.Request, token, refused string) (principal, bool) {
	var u User
	var unknown bool
	var ended string
	hash := hashSecret(strings.TrimSpace(token))
	err := s.store.View(r.Context(), func(tx Tx) error {
		sec, err := tx.Secret(hash)
		if errors.Is(err, ErrNotFound) || (err == nil && (sec.Kind != SecretUserToken || !s.now().Before(sec.ExpiresAt))) {
			unknown = true
			return nil
		} else if err != nil {
			return err
		}
		if u, err = tx.User(sec.User); err != nil {
			return err
		}
		ended = signInEnded(u, sec)
		return nil
	})
	if err != nil {
		s.internal(w, r, "checking a sign-in", err)
		return principal{}, false
	}
	if unknown {
		s.refuse(w, r, refused)
		return principal{}, false
	}
	if ended != "" {
		refuseRevoked(w, ended)
		return principal{}, false
	}
	p := principal{user: &u, credential: hash[:min(16, len(hash))]}
	if len(u.Tenants) == 1 {
		p.tenant = u.Tenants[0]
	}
	return p, true
}

type ctxKey struct{}

// device admits requests that carry a valid device certificate of an
// enrolled, not revoked device; anything else is refused (Server.refuse).
func (s *Server) device(h func(http.ResponseWriter, *http.Request, principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
			s.refuse(w, r, "this request needs a device certificate; enroll the device with tandem-agent enroll")
			return
		}
		cert := r.TLS.PeerCertificates[0]
		if len(cert.Subject.Organization) != 1 {
			s.refuse(w, r, "the certificate does not name a tenant")
			return
		}
		tenant, id := cert.Subject.Organization[0], cert.Subject.CommonName
		var d Device
		err := s.store.View(r.Context(), func(tx Tx) error {
			var err error
			d, err = tx.Device(tenant, id)
			return err
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			s.internal(w, r, "reading a device", err)
			return
		}
		if why := deviceRetired(d); err == nil && why != "" {
			refuseRevoked(w, why)
			return
		}
		if err != nil || !slices.Contains(d.CertSerials, cert.SerialNumber.Text(16)) {
			s.refuse(w, r, "this device's certificate is no longer accepted (replaced by a newer one, or of a device this hub does not know); enroll the device again")
			return
		}
		h(w, r, principal{tenant: tenant, device: d})
	}
}

// Limits on failed authentication.
//
// The hub checks a credential before it asks a limiter about the address,
// and admits a valid one from any address: device certificates (verified
// TLS), the operator credential, user tokens and enrollment tokens are 160
// random bits, which no rate of guessing reaches, so a colleague behind the
// same NAT as someone sending wrong ones is never refused.
//
// Sign-in codes, 80 bits that a person types, have a budget of their own
// that does stop guessing: a code is looked up only while its first group
// has been tried fewer than maxCodeTries times in codeTryWindow, from
// whatever address (Server.signIn). One person's typos use up their own
// code's tries, not anyone else's.
//
// Failures also count per address: one with maxAddrFailures of them in a
// minute is answered 429 instead of 401 for wrong credentials until the
// minute is over. As valid credentials from it are still checked, that is
// no budget on guessing; it tells a client that retries a wrong credential
// to back off.
const (
	maxAddrFailures = 10
	maxCodeTries    = 5
	codeTryWindow   = 5 * time.Minute
)

// refuse answers a credential the hub does not accept: 401 with msg, or
// 429 from an address with maxAddrFailures failures this minute. The
// failure counts against the address. Callers check the credential first:
// a valid one never comes here.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, msg string) {
	key, now := addrKey(clientIP(r)), s.now()
	if wait := s.addrs.blocked(key, now); wait > 0 {
		tooMany(w, wait, fmt.Sprintf("%s. Also, %d failed sign-in attempts came from this network address within a minute, "+
			"so for %s the hub answers every wrong credential from it like this; valid credentials from it still work",
			msg, maxAddrFailures, waitWords(wait)))
		return
	}
	s.addrs.fail(key, now)
	writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized, Message: msg})
}

// tooMany answers 429 with message and a Retry-After of wait.
func tooMany(w http.ResponseWriter, wait time.Duration, message string) {
	w.Header().Set("Retry-After", strconv.Itoa(waitSeconds(wait)))
	writeError(w, http.StatusTooManyRequests, &protocol.ErrorBody{Code: protocol.CodeRateLimited, Message: message})
}

// waitSeconds is wait in whole seconds, rounded up: what Retry-After says.
func waitSeconds(wait time.Duration) int { return int((wait + time.Second - 1) / time.Second) }

// waitWords says wait as Retry-After does, in words.
func waitWords(wait time.Duration) string {
	if secs := waitSeconds(wait); secs != 1 {
		return fmt.Sprintf("%d more seconds", secs)
	}
	return "1 more second"
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	var req protocol.EnrollRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	if err := req.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: err.Error()})
		return
	}
	now := s.now().UTC()
	var resp protocol.EnrollResponse
	var refused error
	err := s.store.Update(r.Context(), func(tx Tx) error {
		refused = nil
		tok, err := tx.Token(hashSecret(req.Token))
		if errors.Is(err, ErrNotFound) {
			refused = errors.New("the enrollment token is not known or was already used; ask the MSP for a new one")
			return nil
		} else if err != nil {
			return err
		}
		if !now.Before(tok.ExpiresAt) {
			refused = fmt.Errorf("the enrollment token expired at %s; ask the MSP for a new one", tok.ExpiresAt.Format(time.RFC3339))
			return tx.DeleteToken(tok.Hash)
		}
		tenant, err := tx.Tenant(tok.Tenant)
		if err != nil {
			return err
		}
		d, replaced, err := s.reenrolled(tx, tenant.ID, req)
		if err != nil {
			return err
		}
		if !replaced {
			d = Device{Device: msp.Device{ID: msp.NewID(), Tenant: tenant.ID, EnrolledAt: now}}
		}
		certPEM, sn, notAfter, err := s.ca.signDevice(req.CSR, d.ID, tenant.ID, now)
		if err != nil {
			return &badRequest{err}
		}
		// A device given back keeps its id, tickets and push streams; the
		// certificates it had before are no longer accepted.
		d.Hostname, d.LastSeen = req.Hostname, now
		if req.OS != "" || !replaced {
			d.OS = req.OS
		}
		d.CertSerials, d.CertExpires = []string{sn}, notAfter
		id := d.ID
		if err := d.Device.Validate(); err != nil {
			return &badRequest{err}
		}
		if err := tx.PutDevice(d); err != nil {
			return err
		}
		if err := tx.DeleteToken(tok.Hash); err != nil {
			return err
		}
		resp = protocol.EnrollResponse{DeviceID: id, Tenant: tenant, Certificate: certPEM, ExpiresAt: notAfter, Replaced: replaced}
		return nil
	})
	var bad *badRequest
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: bad.Error()})
	case err != nil:
		s.internal(w, r, "enrolling a device", err)
	case refused != nil:
		s.refuse(w, r, refused.Error())
	case resp.Replaced:
		s.log.Warn("a device enrolled again; the certificates it had before are no longer accepted",
			"tenant", resp.Tenant.ID, "device", resp.DeviceID, "hostname", req.Hostname)
		writeJSON(w, http.StatusOK, resp)
	default:
		s.log.Info("device enrolled", "tenant", resp.Tenant.ID, "device", resp.DeviceID, "hostname", req.Hostname, "replaces", req.Replaces)
		writeJSON(w, http.StatusOK, resp)
	}
}

// reenrolled finds the device an enrollment asks to be given back
// (EnrollRequest.Replaces): a computer whose identity was removed, so
// that it keeps its tickets, and its queued replies on them still apply.
// It must be in the token's tenant, not revoked, and have the same
// hostname. Anything else is enrolled as a new device: a computer told it
// uses a copied enrollment does not ask (package agent), and a token
// holder cannot take over another computer's device.
func (s *Server) reenrolled(tx Tx, tenant string, req protocol.EnrollRequest) (Device, bool, error) {
	if req.Replaces == "" {
		return Device{}, false, nil
	}
	d, err := tx.Device(tenant, req.Replaces)
	if errors.Is(err, ErrNotFound) {
		return Device{}, false, nil
	} else if err != nil {
		return Device{}, false, err
	}
	if d.Revoked || !strings.EqualFold(d.Hostname, req.Hostname) {
		return Device{}, false, nil
	}
	return d, true, nil
}

// badRequest marks an error found inside a transaction as the caller's fault.
type badRequest struct{ err error }

func (b *badRequest) Error() string { return b.err.Error() }
func (b *badRequest) Unwrap() error { return b.err }

func (s *Server) renew(w http.ResponseWriter, r *http.Request, p principal) {
	var req protocol.RenewRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	now := s.now().UTC()
	var resp protocol.RenewResponse
	err := s.store.Update(r.Context(), func(tx Tx) error {
		d, err := tx.Device(p.tenant, p.device.ID)
		if err != nil {
			return err
		}
		certPEM, sn, notAfter, err := s.ca.signDevice(req.CSR, d.ID, d.Tenant, now)
		if err != nil {
			return &badRequest{err}
		}
		// Keep the certificate this request came with until it expires, in
		// case the answer is lost on the way.
		current := r.TLS.PeerCertificates[0].SerialNumber.Text(16)
		d.CertSerials = []string{sn, current}
		d.CertExpires = notAfter
		resp = protocol.RenewResponse{Certificate: certPEM, ExpiresAt: notAfter}
		return tx.PutDevice(d)
	})
	var bad *badRequest
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: bad.Error()})
	case err != nil:
		s.internal(w, r, "renewing a device certificate", err)
	default:
		writeJSON(w, http.StatusOK, resp)
	}
}

// msgCodeRefused answers a sign-in code the hub does not accept.
const msgCodeRefused = "the sign-in code is not known, was already used or expired; ask the MSP for a new one"

// signIn exchanges a one-time sign-in code for a user token. A code is
// looked up only while its first group (codeGroup) has been tried fewer
// than maxCodeTries times in codeTryWindow, from any address, and each
// look-up counts as a try (a right code is used up by it anyway); a wrong
// code is refused (Server.refuse), and a string that cannot be a code is
// refused without a look-up.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	var req protocol.SignInRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	given := strings.ToUpper(strings.TrimSpace(req.Code))
	group, ok := codeGroup(given)
	if !ok {
		s.refuse(w, r, "this is not a sign-in code: those are four groups of four letters and digits, such as ABCD-EFGH-JKLM-NPQR; "+
			"type it as the MSP gave it, or ask them for a new one")
		return
	}
	if wait := s.codes.take(group, s.now()); wait > 0 {
		tooMany(w, wait, fmt.Sprintf("this sign-in code was tried %d times within %d minutes, so to stop anyone guessing it "+
			"the hub does not check it for %s. Then type it again carefully, or ask the MSP for a new code, which works at once",
			maxCodeTries, int(codeTryWindow/time.Minute), waitWords(wait)))
		return
	}
	now := s.now().UTC()
	var resp protocol.SignInResponse
	var refused bool
	var ended string
	err := s.store.Update(r.Context(), func(tx Tx) error {
		refused, ended = false, ""
		code, err := tx.Secret(hashSecret(given))
		if errors.Is(err, ErrNotFound) || (err == nil && (code.Kind != SecretSignInCode || !now.Before(code.ExpiresAt))) {
			refused = true
			return nil
		} else if err != nil {
			return err
		}
		u, err := tx.User(code.User)
		if err != nil {
			return err
		}
		if ended = signInEnded(u, code); ended != "" {
			return tx.DeleteSecret(code.Hash)
		}
		token := newSecret(userTokenPrefix)
		if err := tx.PutSecret(Secret{Hash: hashSecret(token), Kind: SecretUserToken, User: u.ID, ExpiresAt: now.Add(180 * 24 * time.Hour), IssuedAt: now}); err != nil {
			return err
		}
		resp = protocol.SignInResponse{UserID: u.ID, Name: u.Name, Role: u.Role, Tenants: u.Tenants, Token: token}
		return tx.DeleteSecret(code.Hash)
	})
	switch {
	case err != nil:
		s.internal(w, r, "signing in", err)
	case refused:
		s.refuse(w, r, msgCodeRefused)
	case ended != "":
		refuseRevoked(w, ended)
	default:
		writeJSON(w, http.StatusOK, resp)
	}
}

// recover turns a handler panic into a 500 that names nothing internal.
func (s *Server) recover(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, http.StatusInternalServerError, &protocol.ErrorBody{Code: protocol.CodeInternal, Message: "the hub failed on this request; it has been logged"})
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// storeRetryAfter is the Retry-After, in seconds, of a 503 for a store
// failure.
const storeRetryAfter = 5

func (s *Server) internal(w http.ResponseWriter, r *http.Request, doing string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("request failed", "path", r.URL.Path, "doing", doing, "err", err)
	// The store failed (a full disk, a lost database): a client that
	// retries after a pause, as agents do with their queues, gets through
	// once it is back.
	w.Header().Set("Retry-After", strconv.Itoa(storeRetryAfter))
	writeError(w, http.StatusServiceUnavailable, &protocol.ErrorBody{Code: protocol.CodeUnavailable,
		Message: "the hub could not finish " + doing + "; try again shortly"})
}

// decode reads a JSON body of at most limit bytes strictly into v. On
// failure it has written the error response and returns false.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := jsonDecoder(body, true)
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("the body holds more than one JSON value")
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, &protocol.ErrorBody{Code: protocol.CodeTooLarge,
			Message: fmt.Sprintf("the request is larger than %d bytes; send fewer changes at a time", limit)})
		return false
	}
	writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "the request is not valid JSON for this endpoint: " + err.Error()})
	return false
}

func jsonDecoder(r io.Reader, strict bool) *json.Decoder {
	d := json.NewDecoder(r)
	if strict {
		d.DisallowUnknownFields()
	}
	return d
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(protocol.Header, protocol.Version)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client went away; nothing more to do
}

func writeError(w http.ResponseWriter, status int, e *protocol.ErrorBody) {
	writeJSON(w, status, struct {
		Error *protocol.ErrorBody `json:"error"`
	}{e})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func equalHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
