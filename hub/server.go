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
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	limiter  *failLimiter
	group    groupCommit
	events   EventSink           // nil: no events
	metrics  *metrics.Hub        // nil: no metrics
	webhooks *webhook.Dispatcher // nil: no webhook admin API
	// deviceQuota caps the attachment bytes one uploader may have kept
	// (SetDeviceAttachmentQuota; 0 is the default, negative no limit).
	deviceQuota int64
}

// SetMetrics makes the server count into m and serve GET /metrics; call it
// before the server handles requests.
func (s *Server) SetMetrics(m *metrics.Hub) { s.metrics = m }

// SetWebhooks makes the server serve the webhook admin API over d; call it
// before the server handles requests.
func (s *Server) SetWebhooks(d *webhook.Dispatcher) { s.webhooks = d }

// NewServer returns the API over store, signing with ca and admitting the
// operator whose credential hashes to operatorHash.
func NewServer(store Store, ca *CA, operatorHash string, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{
		store: store, ca: ca, operator: operatorHash, log: log,
		now:     time.Now,
		limiter: newFailLimiter(10, time.Minute),
	}
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+protocol.PathHealth, s.health)
	mux.HandleFunc("POST "+protocol.PathEnroll, s.limited(s.enroll))
	mux.HandleFunc("POST "+protocol.PathSignIn, s.limited(s.signIn))
	mux.HandleFunc("POST "+protocol.PathRenew, s.device(s.renew))
	mux.Handle("POST "+protocol.PathPush, s.metrics.Instrument("push", s.syncClient(s.push)))
	mux.Handle("GET "+protocol.PathPull, s.metrics.Instrument("pull", s.syncClient(s.pull)))
	s.adminRoutes(mux)
	s.reportRoutes(mux, s.metrics, s.webhooks)
	s.opsRoutes(mux)
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

// HTTPServer returns an http.Server with the limits the hub runs with.
func (s *Server) HTTPServer(cert tls.Certificate) *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         s.TLSConfig(cert),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
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

// byUserToken admits a signed-in person by their user token. It refuses
// a rate-limited address (429) and a token that is unknown, expired or
// not a user token: that counts as a failure and is answered 401 with
// refused. On any refusal it has answered and returns false.
func (s *Server) byUserToken(w http.ResponseWriter, r *http.Request, token, refused string) (principal, bool) {
	ip := clientIP(r)
	if wait := s.limiter.blocked(ip, s.now()); wait > 0 {
		tooMany(w, wait)
		return principal{}, false
	}
	var u User
	var unknown bool
	hash := hashSecret(strings.TrimSpace(token))
	err := s.store.View(r.Context(), func(tx Tx) error {
		sec, err := tx.Secret(hash)
		if errors.Is(err, ErrNotFound) || (err == nil && (sec.Kind != SecretUserToken || !s.now().Before(sec.ExpiresAt))) {
			unknown = true
			return nil
		} else if err != nil {
			return err
		}
		u, err = tx.User(sec.User)
		return err
	})
	if err != nil {
		s.internal(w, r, "checking a sign-in", err)
		return principal{}, false
	}
	if unknown {
		s.limiter.fail(ip, s.now())
		writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized, Message: refused})
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
// enrolled, not revoked device.
func (s *Server) device(h func(http.ResponseWriter, *http.Request, principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r)
		if wait := s.limiter.blocked(ip, s.now()); wait > 0 {
			tooMany(w, wait)
			return
		}
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
			s.limiter.fail(ip, s.now())
			writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized,
				Message: "this request needs a device certificate; enroll the device with tandem-agent enroll"})
			return
		}
		cert := r.TLS.PeerCertificates[0]
		if len(cert.Subject.Organization) != 1 {
			s.limiter.fail(ip, s.now())
			writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized, Message: "the certificate does not name a tenant"})
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
		if err != nil || d.Revoked || !slices.Contains(d.CertSerials, cert.SerialNumber.Text(16)) {
			s.limiter.fail(ip, s.now())
			writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized,
				Message: "this device's certificate is no longer accepted (revoked or replaced); enroll the device again"})
			return
		}
		h(w, r, principal{tenant: tenant, device: d})
	}
}

// limited refuses callers that failed authentication too often.
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if wait := s.limiter.blocked(clientIP(r), s.now()); wait > 0 {
			tooMany(w, wait)
			return
		}
		h(w, r)
	}
}

func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int(wait.Seconds() + 0.999)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, &protocol.ErrorBody{Code: protocol.CodeRateLimited,
		Message: fmt.Sprintf("too many failed sign-in attempts from this address; try again in %d seconds", secs)})
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
		s.limiter.fail(clientIP(r), s.now())
		writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized, Message: refused.Error()})
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

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	var req protocol.SignInRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	now := s.now().UTC()
	var resp protocol.SignInResponse
	var refused bool
	err := s.store.Update(r.Context(), func(tx Tx) error {
		refused = false
		code, err := tx.Secret(hashSecret(strings.ToUpper(strings.TrimSpace(req.Code))))
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
		token := newSecret(userTokenPrefix)
		if err := tx.PutSecret(Secret{Hash: hashSecret(token), Kind: SecretUserToken, User: u.ID, ExpiresAt: now.Add(180 * 24 * time.Hour)}); err != nil {
			return err
		}
		resp = protocol.SignInResponse{UserID: u.ID, Name: u.Name, Role: u.Role, Tenants: u.Tenants, Token: token}
		return tx.DeleteSecret(code.Hash)
	})
	switch {
	case err != nil:
		s.internal(w, r, "signing in", err)
	case refused:
		s.limiter.fail(clientIP(r), s.now())
		writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized,
			Message: "the sign-in code is not known, was already used or expired; ask the MSP for a new one"})
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

func (s *Server) internal(w http.ResponseWriter, r *http.Request, doing string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("request failed", "path", r.URL.Path, "doing", doing, "err", err)
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
