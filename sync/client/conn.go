// Package client is the agent's side of sync: its credential (a key pair
// it makes itself and a certificate the hub's CA signs), the transport to
// the hub over go-retryablehttp, and the push and pull loops that move the
// outbox up and the hub's changes down.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"tandem/internal/version"
	"tandem/sync/protocol"
)

// MaxRetryAfter caps how long the client honours a hub's Retry-After.
const MaxRetryAfter = 5 * time.Minute

// HTTPError is an answer from the hub that was not a success.
type HTTPError struct {
	Status     int
	Body       *protocol.ErrorBody
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	if e.Body != nil && e.Body.Message != "" {
		return fmt.Sprintf("the hub answered %d: %s", e.Status, e.Body.Message)
	}
	return fmt.Sprintf("the hub answered %d %s", e.Status, http.StatusText(e.Status))
}

// Permanent reports whether sending the same request again cannot help
// (a 4xx other than 408 and 429).
func (e *HTTPError) Permanent() bool {
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// Conn talks to one hub as one device.
type Conn struct {
	base  string
	token string
	http  *retryablehttp.Client
	// upload is http without the per-attempt timeout (PutBlob).
	upload *retryablehttp.Client
	// interactive is http for a request a person waits on (SignIn): a 429
	// is answered at once, not waited out for up to MaxRetryAfter.
	interactive *retryablehttp.Client
	log         *slog.Logger

	// certExpires is when the device certificate the Conn presents
	// expires (zero without one).
	certExpires time.Time

	// clock is the hub's Date header of its last answer, and when (on
	// this computer's monotonic clock) it arrived.
	clockMu sync.Mutex
	hubDate time.Time
	dateAt  time.Time
}

// ErrCertificateExpired: the device certificate is past its end, so the
// hub refuses the connection (the agent was offline longer than the
// certificate lasts, or its clock is far behind).
var ErrCertificateExpired = errors.New("this device's certificate expired")

// certExpired tells a refusal of an expired certificate from a hub that
// cannot be reached.
func (c *Conn) certExpired(err error) bool {
	if c.certExpires.IsZero() {
		return false
	}
	msg := err.Error()
	if strings.Contains(msg, "expired certificate") {
		return true // the hub's TLS alert
	}
	if !time.Now().After(c.certExpires) {
		return false
	}
	// Under TLS 1.3 the client's handshake ends before the hub has read
	// its certificate, so the hub's refusal reaches it in many forms: the
	// alert, a reset, a broken pipe, an early end. Any failure after the
	// connection was made is taken for the refusal; one that could not
	// connect at all is the network's.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// HubNow is the hub's clock now, from the Date header of its last answer
// and the time passed since; false before the hub answered. Judging by it
// what the hub judges (a certificate's age) keeps a computer whose clock
// is wrong from acting on its own idea of the date.
func (c *Conn) HubNow() (time.Time, bool) {
	c.clockMu.Lock()
	defer c.clockMu.Unlock()
	if c.dateAt.IsZero() {
		return time.Time{}, false
	}
	return c.hubDate.Add(time.Since(c.dateAt)), true
}

func (c *Conn) noteDate(h http.Header) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return // no clock in the answer: keep the last one
	}
	c.clockMu.Lock()
	c.hubDate, c.dateAt = d, time.Now()
	c.clockMu.Unlock()
}

// ConnOptions tune a Conn.
type ConnOptions struct {
	// RetryMax is how many times one request is retried before the caller
	// sees the error (default 3). The sync loops add their own slower retry.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the jittered backoff between
	// retries (defaults 500ms and 30s).
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds one attempt (default 60s).
	Timeout time.Duration
	// Token, when set, is a signed-in person's credential (from sign-in),
	// sent as a bearer token: the requests act for that person, not the
	// device.
	Token  string
	Logger *slog.Logger
}

// NewConn returns a connection to the hub at hubURL that trusts only the CA
// in caPEM and, when cert is not nil, presents it as the device.
func NewConn(hubURL string, caPEM []byte, cert *tls.Certificate, o ConnOptions) (*Conn, error) {
	u, err := url.Parse(hubURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("the hub address %q is not an https:// URL; use the address the MSP gave you, such as https://hub.example.com:8443", hubURL)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the hub's CA certificate is not valid PEM; copy ca.pem from the hub again")
	}
	tlsConf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	var certExpires time.Time
	if cert != nil {
		if leaf := cert.Leaf; leaf != nil {
			certExpires = leaf.NotAfter
		} else if len(cert.Certificate) > 0 {
			if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
				certExpires = leaf.NotAfter
			}
		}
		c := *cert
		tlsConf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
	}
	if o.RetryMax == 0 {
		o.RetryMax = 3
	}
	if o.RetryWaitMin == 0 {
		o.RetryWaitMin = 500 * time.Millisecond
	}
	if o.RetryWaitMax == 0 {
		o.RetryWaitMax = 30 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConns:        2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 15 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	rc := &retryablehttp.Client{
		HTTPClient:   &http.Client{Transport: tr, Timeout: o.Timeout},
		Logger:       nil,
		RetryWaitMin: o.RetryWaitMin,
		RetryWaitMax: o.RetryWaitMax,
		RetryMax:     o.RetryMax,
		CheckRetry:   retryablehttp.DefaultRetryPolicy,
		Backoff:      Backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	// Uploads are bounded by their caller's deadline, which allows for the
	// size on a slow uplink, not by the per-attempt timeout.
	up := *rc.HTTPClient
	up.Timeout = 0
	upload := &retryablehttp.Client{HTTPClient: &up, RetryWaitMin: rc.RetryWaitMin, RetryWaitMax: rc.RetryWaitMax,
		RetryMax: rc.RetryMax, CheckRetry: rc.CheckRetry, Backoff: rc.Backoff, ErrorHandler: rc.ErrorHandler}
	interactive := &retryablehttp.Client{HTTPClient: rc.HTTPClient, RetryWaitMin: rc.RetryWaitMin, RetryWaitMax: rc.RetryWaitMax,
		RetryMax: rc.RetryMax, Backoff: rc.Backoff, ErrorHandler: rc.ErrorHandler,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
				return false, nil
			}
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		}}
	return &Conn{base: strings.TrimRight(hubURL, "/"), token: o.Token, http: rc, upload: upload, interactive: interactive, log: o.Logger, certExpires: certExpires}, nil
}

// Close releases idle connections.
func (c *Conn) Close() { c.http.HTTPClient.CloseIdleConnections() }

// Backoff is the retry wait: exponential from min with full jitter, capped
// at max; a Retry-After from the hub is honoured up to MaxRetryAfter.
func Backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return d
		}
	}
	return Jitter(lo, hi, attempt)
}

// Jitter returns a random wait in [lo, lo·2^attempt], capped at hi.
func Jitter(lo, hi time.Duration, attempt int) time.Duration {
	ceil := lo << min(attempt, 30)
	if ceil <= 0 || ceil > hi {
		ceil = hi
	}
	if ceil <= lo {
		return lo
	}
	return lo + rand.N(ceil-lo)
}

func retryAfter(h string) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	} else {
		return 0, false
	}
	return max(0, min(d, MaxRetryAfter)), true
}

// do sends a JSON request and decodes the JSON answer into out.
func (c *Conn) do(ctx context.Context, method, path string, in, out any) error {
	return c.doWith(ctx, c.http, method, path, in, out)
}

// doWith is do over the client hc.
func (c *Conn) doWith(ctx context.Context, hc *retryablehttp.Client, method, path string, in, out any) error {
	var body any
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding the request: %w", err)
		}
		body = b
	}
	b, err := c.send(ctx, hc, method, path, body, "application/json", 64<<20)
	if err != nil || out == nil {
		return err
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(out); err != nil {
		return fmt.Errorf("the hub's answer to %s is not what this agent expects (is the hub a newer version?): %w", path, err)
	}
	return nil
}

// send sends a request with the connection's headers and credential and
// returns the answer's body, at most limit bytes. An answer of 300 or more
// is an *HTTPError; any other error means the hub was not reached.
func (c *Conn) send(ctx context.Context, hc *retryablehttp.Client, method, path string, body any, contentType string, limit int64) ([]byte, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", version.UserAgent("tandem-agent"))
	req.Header.Set(protocol.Header, protocol.Version)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := hc.Do(req)
	if err != nil && c.certExpired(err) {
		return nil, fmt.Errorf("%w on %s, and the hub at %s refuses it; enroll this computer again: stop the agent, remove the identity directory in its data directory, "+
			"then run tandem-agent enroll with a new token (it gets its device and tickets back, and nothing queued is lost): %v",
			ErrCertificateExpired, c.certExpires.Local().Format("2 January 2006"), c.base, err)
	}
	if err != nil {
		return nil, fmt.Errorf("the hub at %s cannot be reached: %w", c.base, err)
	}
	defer resp.Body.Close()
	c.noteDate(resp.Header)
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("reading the hub's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		he := &HTTPError{Status: resp.StatusCode}
		var e struct {
			Error *protocol.ErrorBody `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil {
			he.Body = e.Error
		}
		he.RetryAfter, _ = retryAfter(resp.Header.Get("Retry-After"))
		return nil, he
	}
	return b, nil
}

// Get fetches a JSON resource of the hub that has no method of its own
// here (a staff view such as /v1/staff/devices) into out, with the same
// headers, retries and error answers as every other call.
func (c *Conn) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}

// GetBytes fetches a resource of the hub that is not JSON (a rendered
// report), at most limit bytes, with the same headers, retries and error
// answers as every other call.
func (c *Conn) GetBytes(ctx context.Context, path string, limit int64) ([]byte, error) {
	return c.send(ctx, c.http, http.MethodGet, path, nil, "application/json", limit)
}

// PutBlob uploads the bytes of an attachment under their SHA-256 sum
// (lower-case hex) with the device credential, bounded by ctx alone (not
// the per-attempt timeout): give it a deadline that allows for the size. The hub answers the same
// for bytes it already has; an answer that names other bytes is an error,
// and the caller sends them again later.
func (c *Conn) PutBlob(ctx context.Context, sum, mediaType string, data []byte) (protocol.BlobResponse, error) {
	var out protocol.BlobResponse
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	b, err := c.send(ctx, c.upload, http.MethodPut, protocol.BlobPath(sum), data, mediaType, 1<<20)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("the hub's answer to an attachment is not what this agent expects: %w", err)
	}
	if out.SHA256 != sum || out.Size != int64(len(data)) {
		return out, fmt.Errorf("the hub kept %d bytes as %.12s… but %d bytes as %.12s… were sent; will send again", out.Size, out.SHA256, len(data), sum)
	}
	return out, nil
}

// Health asks whether the hub is up, and its clock.
func (c *Conn) Health(ctx context.Context) (protocol.Health, error) {
	var h protocol.Health
	err := c.do(ctx, http.MethodGet, protocol.PathHealth, nil, &h)
	return h, err
}

// Push sends a batch of mutations.
func (c *Conn) Push(ctx context.Context, ms []protocol.Mutation) (protocol.PushResponse, error) {
	var r protocol.PushResponse
	err := c.do(ctx, http.MethodPost, protocol.PathPush, protocol.PushRequest{Mutations: ms}, &r)
	return r, err
}

// PushRaw sends mutations already encoded as JSON, as the outbox keeps them.
func (c *Conn) PushRaw(ctx context.Context, ms []json.RawMessage) (protocol.PushResponse, error) {
	var r protocol.PushResponse
	err := c.do(ctx, http.MethodPost, protocol.PathPush, struct {
		Mutations []json.RawMessage `json:"mutations"`
	}{ms}, &r)
	return r, err
}

// PushStream sends raw mutations numbered in stream, whose first change
// follows base (see protocol.PushRequest).
func (c *Conn) PushStream(ctx context.Context, stream string, base uint64, ms []json.RawMessage) (protocol.PushResponse, error) {
	var r protocol.PushResponse
	err := c.do(ctx, http.MethodPost, protocol.PathPush, struct {
		Stream    string            `json:"stream"`
		Base      uint64            `json:"base"`
		Mutations []json.RawMessage `json:"mutations"`
	}{stream, base, ms}, &r)
	return r, err
}

// Pull asks for the changes after cursor.
func (c *Conn) Pull(ctx context.Context, cursor uint64, limit int) (protocol.PullResponse, error) {
	return c.PullTenant(ctx, "", cursor, limit)
}

// PullTenant asks for one tenant's changes after cursor: a person who
// serves several organisations pulls each on its own cursor.
func (c *Conn) PullTenant(ctx context.Context, tenant string, cursor uint64, limit int) (protocol.PullResponse, error) {
	var r protocol.PullResponse
	q := url.Values{"cursor": {strconv.FormatUint(cursor, 10)}}
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	err := c.do(ctx, http.MethodGet, protocol.PathPull+"?"+q.Encode(), nil, &r)
	return r, err
}

// Enroll exchanges a token and a certificate request for a device certificate.
func (c *Conn) Enroll(ctx context.Context, req protocol.EnrollRequest) (protocol.EnrollResponse, error) {
	var r protocol.EnrollResponse
	err := c.do(ctx, http.MethodPost, protocol.PathEnroll, req, &r)
	return r, err
}

// Renew exchanges a certificate request for a fresh certificate.
func (c *Conn) Renew(ctx context.Context, csrPEM string) (protocol.RenewResponse, error) {
	var r protocol.RenewResponse
	err := c.do(ctx, http.MethodPost, protocol.PathRenew, protocol.RenewRequest{CSR: csrPEM}, &r)
	return r, err
}

// SignIn exchanges a sign-in code from `tandem-hub user add` for a person's
// credential. A person waits on it, so the hub's 429 (a code tried too
// often) comes back at once with the hub's words.
func (c *Conn) SignIn(ctx context.Context, code string) (protocol.SignInResponse, error) {
	var r protocol.SignInResponse
	err := c.doWith(ctx, c.interactive, http.MethodPost, protocol.PathSignIn, protocol.SignInRequest{Code: code}, &r)
	return r, err
}

// Session asks the hub who this connection's user token is now and which
// organisations it covers.
func (c *Conn) Session(ctx context.Context) (protocol.Session, error) {
	var out protocol.Session
	err := c.Get(ctx, protocol.PathSession, &out)
	return out, err
}
