package webhook

import (
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery. The first three are the Standard Webhooks
// headers (https://www.standardwebhooks.com): any Standard Webhooks
// library verifies a delivery with the endpoint's secret.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	// HeaderEvent names the event kind (also the body's "type").
	HeaderEvent = "X-Tandem-Event"
	// HeaderDelivery repeats webhook-id for receivers written before
	// Standard Webhooks signing; it is covered by the signature only
	// through webhook-id, which carries the same value.
	HeaderDelivery = "X-Tandem-Delivery"
	// HeaderLegacySignature is the signature of Tandem before Standard
	// Webhooks (t=<unix>,v1=<hex HMAC of the whole secret over t.body>),
	// sent only to endpoints whose secret is of that time (LegacySecret).
	// It does not sign the delivery id.
	HeaderLegacySignature = "X-Tandem-Signature"
)

// SecretPrefix starts every endpoint secret.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far a signature's time may lie from the
// receiver's clock before Verify refuses it (a replay, or a bad clock);
// the Standard Webhooks libraries use the same.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhook: no valid signature headers")
	ErrBadSignature = errors.New("webhook: signature does not match")
	ErrTooOld       = errors.New("webhook: signature time is outside the tolerance")
	ErrBadSecret    = errors.New("webhook: not a whsec_ secret")
)

// NewSecret returns a new endpoint secret: "whsec_" and the standard
// base64 (with padding) of 32 random bytes, the HMAC key.
func NewSecret() (string, error) {
	key := make([]byte, 32)
	if _, err := crand.Read(key); err != nil {
		return "", fmt.Errorf("making a webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Key returns the HMAC key of a secret: the bytes its base64 encodes. A
// secret made before Standard Webhooks signing ("whsec_" and unpadded
// URL-safe base64) gives the bytes it encodes too, with legacy true: such
// an endpoint still gets HeaderLegacySignature, and a Standard Webhooks
// library takes its secret once re-encoded by StandardSecret.
func Key(secret string) (key []byte, legacy bool, err error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		b64 = secret // the libraries accept a bare base64 key too
	}
	if key, err := base64.StdEncoding.DecodeString(b64); err == nil && len(key) > 0 {
		return key, false, nil
	}
	if key, err := base64.RawURLEncoding.DecodeString(b64); err == nil && ok && len(key) > 0 {
		return key, true, nil
	}
	return nil, false, fmt.Errorf("%w: want %s and base64, got %d characters", ErrBadSecret, SecretPrefix, len(secret))
}

// LegacySecret reports whether secret is of the form Tandem made before
// Standard Webhooks signing.
func LegacySecret(secret string) bool {
	_, legacy, err := Key(secret)
	return err == nil && legacy
}

// StandardSecret returns secret in the form the Standard Webhooks
// libraries read ("whsec_" and standard base64 of the same key): the
// same secret for one made now, the re-encoded one for a legacy secret.
func StandardSecret(secret string) (string, error) {
	key, _, err := Key(secret)
	if err != nil {
		return "", err
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature value of the message id with body
// sent at t: "v1," and the base64 HMAC-SHA256, keyed by the secret's key,
// of id + "." + unix seconds + "." + body.
func Sign(secret, id string, t time.Time, body []byte) (string, error) {
	key, _, err := Key(secret)
	if err != nil {
		return "", err
	}
	return "v1," + signature(key, id, strconv.FormatInt(t.Unix(), 10), body), nil
}

func signature(key []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SetHeaders sets the signature headers of a delivery with id and body
// sent at t: the Standard Webhooks headers, X-Tandem-Delivery, and for a
// legacy secret X-Tandem-Signature as well.
func SetHeaders(h http.Header, secret, id string, t time.Time, body []byte) error {
	sig, err := Sign(secret, id, t, body)
	if err != nil {
		return err
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(t.Unix(), 10))
	h.Set(HeaderSignature, sig)
	h.Set(HeaderDelivery, id)
	if LegacySecret(secret) {
		h.Set(HeaderLegacySignature, legacySign(secret, t, body))
	}
	return nil
}

// Verify checks a delivery's Standard Webhooks headers against body and
// secret, and that its time lies within tolerance of now (0 means
// DefaultTolerance). It accepts the headers if any of the space-separated
// v1 signatures matches, so a sender may sign with an old and a new secret
// while they are rotated. It is what a receiver written in Go may use;
// any Standard Webhooks library does the same.
func Verify(secret string, h http.Header, body []byte, tolerance time.Duration) error {
	return VerifyAt(secret, h, body, tolerance, time.Now())
}

// VerifyAt is Verify with the receiver's clock given.
func VerifyAt(secret string, h http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: want %s, %s and %s", ErrNoSignature, HeaderID, HeaderTimestamp, HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not Unix seconds", ErrNoSignature, HeaderTimestamp, clip(ts))
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrTooOld, time.Unix(sec, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	key, _, err := Key(secret)
	if err != nil {
		return err
	}
	want := []byte(signature(key, id, ts, body))
	for s := range strings.FieldsSeq(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if ok && v == "v1" && hmac.Equal(want, []byte(sig)) {
			return nil
		}
	}
	return ErrBadSignature
}

// legacySign is the X-Tandem-Signature of Tandem before Standard Webhooks:
// the hex HMAC-SHA256 keyed by the whole secret string over t.body.
func legacySign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
