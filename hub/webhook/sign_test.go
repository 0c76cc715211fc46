package webhook

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The test vector the Standard Webhooks specification publishes with its
// reference libraries (standard-webhooks/standard-webhooks, the tests of
// libraries/go, libraries/javascript and libraries/python: TestWebhookSign
// and its counterparts). A signature Tandem makes must be this one.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	// A well-formed signature that matches nothing, from the same tests.
	vectorWrong = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
)

func vectorHeaders(sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, vectorID)
	h.Set(HeaderTimestamp, strconv.Itoa(vectorTimestamp))
	h.Set(HeaderSignature, sig)
	return h
}

func TestSignMatchesTheStandardWebhooksVector(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	for _, secret := range []string{vectorSecret, strings.TrimPrefix(vectorSecret, SecretPrefix)} {
		got, err := Sign(secret, vectorID, at, []byte(vectorBody))
		if err != nil {
			t.Fatalf("Sign with %q: %v", secret, err)
		}
		if got != vectorSignature {
			t.Errorf("Sign with %q = %q, want the specification's %q", secret, got, vectorSignature)
		}
	}
	h := http.Header{}
	if err := SetHeaders(h, vectorSecret, vectorID, at, []byte(vectorBody)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{HeaderID: vectorID, HeaderTimestamp: "1614265330", HeaderSignature: vectorSignature, HeaderDelivery: vectorID, HeaderLegacySignature: ""} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if err := VerifyAt(vectorSecret, vectorHeaders(vectorSignature), []byte(vectorBody), 0, at.Add(time.Minute)); err != nil {
		t.Errorf("Verify refuses the specification's vector: %v", err)
	}
	// The specification's own library agrees on the headers SetHeaders wrote.
	wh, err := standardwebhooks.NewWebhook(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.VerifyIgnoringTimestamp([]byte(vectorBody), h); err != nil {
		t.Errorf("the Standard Webhooks library refuses the headers: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	body := []byte(vectorBody)
	wh, err := standardwebhooks.NewWebhook(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	replayed := vectorHeaders(vectorSignature)
	replayed.Set(HeaderID, "msg_another_id") // a captured request sent again under a new id
	noID := vectorHeaders(vectorSignature)
	noID.Del(HeaderID)
	for _, c := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{"replayed under a new id", vectorSecret, replayed, body, at, ErrBadSignature},
		{"a changed body", vectorSecret, vectorHeaders(vectorSignature), []byte(`{"test": 2432232315}`), at, ErrBadSignature},
		{"a wrong signature", vectorSecret, vectorHeaders(vectorWrong), body, at, ErrBadSignature},
		{"another secret", "whsec_" + base64.StdEncoding.EncodeToString([]byte("another key of twenty-four")), vectorHeaders(vectorSignature), body, at, ErrBadSignature},
		{"too old", vectorSecret, vectorHeaders(vectorSignature), body, at.Add(DefaultTolerance + time.Second), ErrTooOld},
		{"from the future", vectorSecret, vectorHeaders(vectorSignature), body, at.Add(-DefaultTolerance - time.Second), ErrTooOld},
		{"no id", vectorSecret, noID, body, at, ErrNoSignature},
		{"the old header form", vectorSecret, vectorHeaders("t=1614265330,v1=00"), body, at, ErrBadSignature},
		{"not a secret", "hunter2!", vectorHeaders(vectorSignature), body, at, ErrBadSecret},
	} {
		if err := VerifyAt(c.secret, c.h, c.body, 0, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if c.want == ErrTooOld || c.want == ErrBadSecret {
			continue // the library checks time against the real clock, and refuses such a secret when made
		}
		if lib, err := standardwebhooks.NewWebhook(c.secret); err == nil {
			wh = lib
		}
		if err := wh.VerifyIgnoringTimestamp(c.body, c.h); err == nil {
			t.Errorf("%s: the Standard Webhooks library accepts what Verify refuses", c.name)
		}
	}
	// Several signatures, space-separated, one of them good: accepted (a
	// secret being rotated).
	multi := vectorHeaders(vectorWrong + " v2,abc " + vectorSignature)
	if err := VerifyAt(vectorSecret, multi, body, 0, at); err != nil {
		t.Errorf("several signatures, one good: %v", err)
	}
}

func TestNewSecretIsStandard(t *testing.T) {
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	key, legacy, err := Key(s)
	if err != nil || legacy || len(key) != 32 {
		t.Fatalf("Key(%q) = %d bytes, legacy %v, %v; want 32 bytes of a standard secret", s, len(key), legacy, err)
	}
	if std, err := StandardSecret(s); err != nil || std != s {
		t.Errorf("StandardSecret(%q) = %q, %v; want it unchanged", s, std, err)
	}
	if _, err := standardwebhooks.NewWebhook(s); err != nil {
		t.Errorf("the Standard Webhooks library refuses the secret %q: %v", s, err)
	}
}

// An endpoint added before Standard Webhooks signing has a secret of
// "whsec_" and unpadded URL-safe base64, which the hub signed with as a
// string. It keeps working: its deliveries carry the old
// X-Tandem-Signature as before, and the Standard Webhooks headers keyed by
// the bytes the secret encodes, which a library verifies once the secret
// is re-encoded by StandardSecret.
func TestLegacyEndpointKeepsVerifying(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	recv := newReceiver(t, 200)
	d, st, _ := setup(t, clk, Options{})
	raw := []byte("0123456789abcdef0123456789abcd\xfb\xff") // ends in bytes that URL-safe base64 writes as - and _
	old := Endpoint{ID: "ep-old", Tenant: "acme", URL: recv.URL + "/hook", Secret: SecretPrefix + base64.RawURLEncoding.EncodeToString(raw), CreatedAt: clk.Now()}
	if !strings.ContainsAny(old.Secret, "-_") || !LegacySecret(old.Secret) {
		t.Fatalf("the sample legacy secret %q is not one", old.Secret)
	}
	if err := st.PutEndpoint(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Publish(ctx, Event{Kind: EventTicketCreated, Tenant: "acme", Data: map[string]string{"id": "t1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	got := recv.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	r := got[0]
	if want := legacySign(old.Secret, clk.Now(), r.body); r.header.Get(HeaderLegacySignature) != want {
		t.Errorf("%s = %q, want %q as before", HeaderLegacySignature, r.header.Get(HeaderLegacySignature), want)
	}
	if err := VerifyAt(old.Secret, r.header, r.body, 0, clk.Now()); err != nil {
		t.Errorf("Verify with the old secret as the receiver holds it: %v", err)
	}
	std, err := StandardSecret(old.Secret)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(std)
	if err != nil {
		t.Fatalf("the library refuses the re-encoded secret %q: %v", std, err)
	}
	if err := wh.VerifyIgnoringTimestamp(r.body, r.header); err != nil {
		t.Errorf("the Standard Webhooks library refuses a legacy endpoint's delivery with the re-encoded secret: %v", err)
	}
}
