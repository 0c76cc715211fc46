package hub_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/protocol"
)

func TestBadInput(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	withCert, noCert := h.rawClient(t, d), h.rawClient(t, nil)
	push, pull := h.info.URL+protocol.PathPush, h.info.URL+protocol.PathPull

	// The device's credential works over the raw client.
	if code, _, e := do(t, withCert, http.MethodPost, push, []byte(`{"mutations":[]}`), nil); code != http.StatusOK {
		t.Fatalf("an empty push with the device certificate = %d %v, want 200", code, e)
	}

	tests := []struct {
		name   string
		client *http.Client
		method string
		url    string
		body   []byte
		header http.Header
		want   int
		code   string
	}{
		{"body over the limit", withCert, http.MethodPost, push,
			append(append([]byte(`{"mutations":["`), bytes.Repeat([]byte("a"), protocol.MaxBodyBytes)...), `"]}`...),
			nil, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge},
		{"unknown top-level field", withCert, http.MethodPost, push, []byte(`{"mutations":[],"tenant":"other"}`),
			nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"two JSON values", withCert, http.MethodPost, push, []byte(`{"mutations":[]}{"mutations":[]}`),
			nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"not JSON", withCert, http.MethodPost, push, []byte(`mutations=1`),
			nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"too many mutations", withCert, http.MethodPost, push,
			[]byte(`{"mutations":[` + strings.TrimSuffix(strings.Repeat(`{},`, protocol.MaxBatch+1), ",") + `]}`),
			nil, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge},
		{"cursor not a number", withCert, http.MethodGet, pull + "?cursor=abc", nil, nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"limit zero", withCert, http.MethodGet, pull + "?limit=0", nil, nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"limit negative", withCert, http.MethodGet, pull + "?limit=-5", nil, nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"enroll with an unknown field", noCert, http.MethodPost, h.info.URL + protocol.PathEnroll,
			[]byte(`{"token":"x","csr":"y","hostname":"z","tenant":"other"}`), nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"enroll without a token", noCert, http.MethodPost, h.info.URL + protocol.PathEnroll,
			[]byte(`{"csr":"y","hostname":"z"}`), nil, http.StatusBadRequest, protocol.CodeInvalid},
		{"enroll body over the small limit", noCert, http.MethodPost, h.info.URL + protocol.PathEnroll,
			append(append([]byte(`{"token":"`), bytes.Repeat([]byte("a"), protocol.MaxSmallBody)...), `"}`...),
			nil, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge},
		// Failed authentications below: three of them, under the limit of 10.
		{"push without a client certificate", noCert, http.MethodPost, push, []byte(`{"mutations":[]}`),
			nil, http.StatusUnauthorized, protocol.CodeUnauthorized},
		{"operator without a bearer", noCert, http.MethodGet, h.info.URL + hub.PathAdminTenants, nil,
			nil, http.StatusUnauthorized, protocol.CodeUnauthorized},
		{"operator with a wrong bearer", noCert, http.MethodGet, h.info.URL + hub.PathAdminTenants, nil,
			http.Header{"Authorization": {"Bearer tdm_op_wrong"}}, http.StatusUnauthorized, protocol.CodeUnauthorized},
		{"operator endpoint with a device certificate", withCert, http.MethodGet, h.info.URL + hub.PathAdminTenants, nil,
			nil, http.StatusUnauthorized, protocol.CodeUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, e := do(t, tc.client, tc.method, tc.url, tc.body, tc.header)
			if got != tc.want {
				t.Errorf("status = %d (%v), want %d", got, e, tc.want)
			}
			if e == nil || e.Code != tc.code || e.Message == "" {
				t.Errorf("error body = %+v, want code %q with a message", e, tc.code)
			}
		})
	}

	// Nothing of the above was applied.
	if code, _, _ := do(t, withCert, http.MethodPost, push, []byte(`{"mutations":[]}`), nil); code != http.StatusOK {
		t.Errorf("the device is refused after the bad requests: %d", code)
	}
	resp := d.push(t)
	if resp.HighWater != 0 {
		t.Errorf("high water after only bad requests = %d, want 0", resp.HighWater)
	}
}

// After 10 failed authentications from one address within a minute, wrong
// credentials from it are a 429 with Retry-After that still says what was
// wrong; the right ones are still admitted (limiter_test.go).
func TestFailedAuthRateLimit(t *testing.T) {
	h := startHub(t)
	noCert := h.rawClient(t, nil)
	admin := h.info.URL + hub.PathAdminTenants
	wrong := http.Header{"Authorization": {"Bearer tdm_op_wrong"}}
	for i := range 10 {
		if code, _, e := do(t, noCert, http.MethodGet, admin, nil, wrong); code != http.StatusUnauthorized {
			t.Fatalf("failed attempt %d = %d %v, want 401", i+1, code, e)
		}
	}
	check := func(name string, c *http.Client, method, url string, body []byte, header http.Header, says string) {
		t.Helper()
		code, hdr, e := do(t, c, method, url, body, header)
		if code != http.StatusTooManyRequests {
			t.Errorf("%s after 10 failures = %d %v, want 429", name, code, e)
			return
		}
		secs, err := strconv.Atoi(hdr.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("%s: Retry-After = %q, want 1..60 seconds", name, hdr.Get("Retry-After"))
		}
		if e == nil || e.Code != protocol.CodeRateLimited {
			t.Fatalf("%s: error body = %+v, want code %s", name, e, protocol.CodeRateLimited)
		}
		for _, want := range []string{says, "10 failed sign-in attempts came from this network address", strconv.Itoa(secs) + " more second", "valid credentials from it still work"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("%s: message %q does not say %q", name, e.Message, want)
			}
		}
	}
	check("a wrong bearer", noCert, http.MethodGet, admin, nil, wrong, "operator credential")
	check("enroll", noCert, http.MethodPost, h.info.URL+protocol.PathEnroll, []byte(`{"token":"x","csr":"y","hostname":"z"}`), nil, "enrollment token")
	check("push without a certificate", noCert, http.MethodPost, h.info.URL+protocol.PathPush, []byte(`{"mutations":[]}`), nil, "needs a device certificate")
	check("a wrong user token", noCert, http.MethodGet, h.info.URL+protocol.PathSession, nil,
		http.Header{"Authorization": {"Bearer tdm_ut_wrong"}}, "sign in again")
	// Health needs no credential and stays up.
	if code, _, e := do(t, noCert, http.MethodGet, h.info.URL+protocol.PathHealth, nil, nil); code != http.StatusOK {
		t.Errorf("health while blocked = %d %v, want 200", code, e)
	}
}
