package hub_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// signIn posts code to /v1/signin through c.
func (h *testHub) signIn(tb testing.TB, c *http.Client, code string) (int, http.Header, *protocol.ErrorBody) {
	tb.Helper()
	return do(tb, c, http.MethodPost, h.info.URL+protocol.PathSignIn, mustJSON(tb, protocol.SignInRequest{Code: code}), nil)
}

// clientFrom is a client without a device certificate whose connections
// come from the loopback address ip (127.0.0.2: another computer).
func (h *testHub) clientFrom(tb testing.TB, ip string) *http.Client {
	tb.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(h.caPEM) {
		tb.Fatal("the hub's CA is not PEM")
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// wrongCodes returns n well-formed sign-in codes that are nobody's, each
// with its own first group, none the first group of any of taken.
func wrongCodes(n int, taken ...string) []string {
	var out []string
	for _, a := range "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" {
		group := "ZZZ" + string(a)
		if !strings.Contains(strings.Join(taken, " "), group+"-") {
			out = append(out, group+"-WRNG-CDE2-2222")
		}
		if len(out) == n {
			break
		}
	}
	return out
}

// wantRateLimited checks a 429 with a Retry-After of 1..maxSecs that the
// message repeats, and returns the message.
func wantRateLimited(tb testing.TB, what string, status int, hdr http.Header, e *protocol.ErrorBody, maxSecs int) string {
	tb.Helper()
	if status != http.StatusTooManyRequests || e == nil || e.Code != protocol.CodeRateLimited {
		tb.Fatalf("%s: %d %+v, want 429 %s", what, status, e, protocol.CodeRateLimited)
	}
	secs, err := strconv.Atoi(hdr.Get("Retry-After"))
	if err != nil || secs < 1 || secs > maxSecs {
		tb.Errorf("%s: Retry-After %q, want 1..%d seconds", what, hdr.Get("Retry-After"), maxSecs)
	}
	if !strings.Contains(e.Message, strconv.Itoa(secs)+" more second") {
		tb.Errorf("%s: message %q does not say how long to wait (%d seconds)", what, e.Message, secs)
	}
	return e.Message
}

// One person in an office behind one NAT sends wrong sign-in codes until
// the office's address is blocked. Everyone else's valid credentials from
// that address still work: the device certificate, a staff sign-in, the
// operator, an enrollment token and a colleague's sign-in code. Wrong ones
// are a 429 until the minute is over, then a 401 again.
func TestValidCredentialsPassABlockedAddress(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	clk.Set(time.Now())
	h, _ := startHubWith(t, t.TempDir(), hub.Config{Now: clk.Now})
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	d := h.enroll(t, t1.ID, "pc-1")
	lead, err := h.admin.AddUser(ctx, t1.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	tech, err := h.admin.AddUser(ctx, t1.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	si, err := d.conn.SignIn(ctx, lead.Code)
	if err != nil {
		t.Fatal(err)
	}
	office, withCert := h.rawClient(t, nil), h.rawClient(t, d)

	wrong := wrongCodes(11, lead.Code, tech.Code)
	for i, code := range wrong[:10] {
		if status, _, e := h.signIn(t, office, code); status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d %+v, want 401", i+1, status, e)
		}
	}
	status, hdr, e := h.signIn(t, office, wrong[10])
	if msg := wantRateLimited(t, "a wrong code from the blocked address", status, hdr, e, 60); !strings.Contains(msg, "sign-in code is not known") {
		t.Errorf("the 429 does not say the code was not accepted: %q", msg)
	}

	if status, _, e := do(t, withCert, http.MethodPost, h.info.URL+protocol.PathPush, []byte(`{"mutations":[]}`), nil); status != http.StatusOK {
		t.Errorf("push with the device certificate from the blocked address: %d %+v, want 200", status, e)
	}
	bearer := http.Header{"Authorization": {"Bearer " + si.Token}}
	if status, _, e := do(t, office, http.MethodGet, h.info.URL+protocol.PathSession, nil, bearer); status != http.StatusOK {
		t.Errorf("the IT lead's sign-in from the blocked address: %d %+v, want 200", status, e)
	}
	if _, err := h.admin.Tenants(ctx); err != nil {
		t.Errorf("the operator from the blocked address: %v", err)
	}
	if status, _, e := h.signIn(t, office, tech.Code); status != http.StatusOK {
		t.Errorf("the technician's own code from the blocked address: %d %+v, want 200", status, e)
	}
	h.enroll(t, t1.ID, "pc-2") // fails the test if the token is refused

	// The wrong ones stay refused, each told what was wrong.
	for _, tc := range []struct {
		what, method, path string
		header             http.Header
		says               string
	}{
		{"a wrong user token", http.MethodGet, protocol.PathSession, http.Header{"Authorization": {"Bearer tdm_ut_wrong"}}, "sign in again"},
		{"a wrong operator credential", http.MethodGet, hub.PathAdminTenants, http.Header{"Authorization": {"Bearer tdm_op_wrong"}}, "operator credential"},
		{"no device certificate", http.MethodPost, protocol.PathPush, nil, "device certificate"},
	} {
		status, hdr, e := do(t, office, tc.method, h.info.URL+tc.path, []byte(`{"mutations":[]}`), tc.header)
		if msg := wantRateLimited(t, tc.what, status, hdr, e, 60); !strings.Contains(msg, tc.says) {
			t.Errorf("%s: the 429 %q does not say %q", tc.what, msg, tc.says)
		}
	}

	clk.Add(61 * time.Second)
	if status, _, e := h.signIn(t, office, wrong[10]); status != http.StatusUnauthorized {
		t.Errorf("a wrong code after the minute: %d %+v, want 401", status, e)
	}
}

// Sign-in codes have a budget of tries of their own, kept by the code's
// first group, whatever address the tries come from: a person who types
// their code wrong five times waits, on any computer, while a colleague
// behind the same NAT signs in with theirs, and a new code works at once.
func TestSignInCodeTriesArePerCode(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	clk.Set(time.Now())
	h, _ := startHubWith(t, t.TempDir(), hub.Config{Now: clk.Now})
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	lead, err := h.admin.AddUser(ctx, t1.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	tech, err := h.admin.AddUser(ctx, t1.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	if lead.Code[:4] == tech.Code[:4] {
		t.Skip("both codes start with the same group (one chance in a million)")
	}
	office := h.rawClient(t, nil)

	// Sipho types his code with the last group wrong, five times.
	typo := lead.Code[:15] + "2222"
	if typo == lead.Code {
		typo = lead.Code[:15] + "3333"
	}
	for i := range 5 {
		if status, _, e := h.signIn(t, office, strings.ToLower(typo)); status != http.StatusUnauthorized {
			t.Fatalf("typo %d: %d %+v, want 401", i+1, status, e)
		}
	}
	// Now his code waits, even typed right.
	status, hdr, e := h.signIn(t, office, lead.Code)
	msg := wantRateLimited(t, "the right code after five wrong tries", status, hdr, e, 300)
	for _, want := range []string{"tried 5 times within 5 minutes", "new code"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the 429 %q does not say %q", msg, want)
		}
	}
	// Someone else at the office sends wrong codes until the address is blocked.
	wrong := wrongCodes(6, lead.Code, tech.Code)
	for i, code := range wrong[:5] {
		if status, _, e := h.signIn(t, office, code); status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d %+v, want 401", i+1, status, e)
		}
	}
	status, hdr, e = h.signIn(t, office, wrong[5])
	wantRateLimited(t, "a wrong code from the blocked address", status, hdr, e, 60)
	// Sam's code is his own: it works from the office.
	if status, _, e := h.signIn(t, office, tech.Code); status != http.StatusOK {
		t.Errorf("the technician's code from the same address: %d %+v, want 200", status, e)
	}
	// Sipho's code waits on another computer too.
	if c, err := net.DialTCP("tcp", &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(h.info.Listen))); err != nil {
		t.Logf("not trying from another address: %v", err) // 127.0.0.2 is not loopback everywhere (macOS)
	} else {
		c.Close()
		status, hdr, e = h.signIn(t, h.clientFrom(t, "127.0.0.2"), lead.Code)
		wantRateLimited(t, "the right code from another address", status, hdr, e, 300)
	}

	// A new code works at once; the old one once its five minutes are over.
	again, err := h.admin.NewSignInCode(ctx, lead.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Code[:4] != lead.Code[:4] {
		if status, _, e := h.signIn(t, office, again.Code); status != http.StatusOK {
			t.Errorf("a new code: %d %+v, want 200", status, e)
		}
	}
	clk.Add(5 * time.Minute)
	if status, _, e := h.signIn(t, office, lead.Code); status != http.StatusOK {
		t.Errorf("the code after five minutes: %d %+v, want 200", status, e)
	}
}

// Tries sent all at once do not get past a code's budget: of 20 wrong
// codes with one first group, sent together, at most five are looked up
// (401); the others are refused unread (429).
func TestSignInCodeTriesAtOnce(t *testing.T) {
	h := startHub(t)
	c := h.rawClient(t, nil)
	var mu sync.Mutex
	counts := map[int]int{}
	var errs []error
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			code := "ZZZZ-WRNG-CDE2-" + strings.Repeat("ABCDEFGHJKLMNPQRSTUV"[i:i+1], 4)
			resp, err := c.Post(h.info.URL+protocol.PathSignIn, "application/json", strings.NewReader(`{"code":"`+code+`"}`))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			resp.Body.Close()
			counts[resp.StatusCode]++
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("sending the tries: %v", errs)
	}
	if counts[http.StatusUnauthorized] > 5 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 20 {
		t.Errorf("20 tries of one group at once: %v, want at most 5 × 401 and the rest 429", counts)
	}
}

// What cannot be a sign-in code is told the shape of one.
func TestSignInNotACode(t *testing.T) {
	h := startHub(t)
	status, _, e := h.signIn(t, h.rawClient(t, nil), "ABCDEFGHJKLMNPQR")
	if status != http.StatusUnauthorized || e == nil || !strings.Contains(e.Message, "four groups of four") {
		t.Errorf("a code without its dashes: %d %+v, want 401 that shows the shape of a code", status, e)
	}
}

// The agent's sign-in (client.Conn.SignIn) hands the hub's 429 for a code
// tried too often back at once, with its words, rather than waiting out
// the Retry-After of five minutes three times while the person looks at
// a spinner.
func TestSignInClientReturnsRateLimitAtOnce(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	lead, err := h.admin.AddUser(ctx, t1.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	d := h.enroll(t, t1.ID, "pc-1")
	typo := lead.Code[:15] + "2222"
	if typo == lead.Code {
		typo = lead.Code[:15] + "3333"
	}
	for range 5 {
		if _, err := d.conn.SignIn(ctx, typo); httpStatus(err) != http.StatusUnauthorized {
			t.Fatalf("a wrong code: %v, want 401", err)
		}
	}
	// A bound, not a timing: retrying the 429 would wait 5 minutes.
	bounded, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = d.conn.SignIn(bounded, lead.Code)
	var he *client.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusTooManyRequests || he.Body == nil || !strings.Contains(he.Body.Message, "new code") {
		t.Fatalf("signing in with a locked code: %v; want the hub's 429 in its words", err)
	}
}
