package hub_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/protocol"
)

func blobSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sendBlob PUTs data under sum and returns the status and the answer.
func sendBlob(tb testing.TB, c *http.Client, url string, body io.Reader, header http.Header) (int, protocol.BlobResponse, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPut, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "image/png")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("PUT %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	var out protocol.BlobResponse
	if resp.StatusCode < 300 {
		if err := json.Unmarshal(b, &out); err != nil {
			tb.Fatalf("answer %s: %v", b, err)
		}
	}
	return resp.StatusCode, out, b
}

// getBlob GETs a blob with a bearer credential (or none).
func getBlob(tb testing.TB, c *http.Client, url, bearer string) (int, []byte, http.Header) {
	tb.Helper()
	return bearerGet(tb, c, url, bearer)
}

// Blobs: a device uploads under mTLS, the hash is checked, a repeat is
// harmless, the size is capped, and only the operator and the tenant's
// staff read them back, each tenant its own.
func TestBlobsUploadAndRead(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	t2 := h.tenant(t, "Other Firm", msp.ModeFullyManaged)
	d1, d2 := h.enroll(t, t1.ID, "pc-1"), h.enroll(t, t2.ID, "pc-2")
	c1, c2, anon := h.rawClient(t, d1), h.rawClient(t, d2), h.rawClient(t, nil)

	data := make([]byte, 300<<10)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	sum := blobSum(data)
	url := h.info.URL + protocol.BlobPath(sum)

	if status, _, body := sendBlob(t, anon, url, bytes.NewReader(data), nil); status != http.StatusUnauthorized {
		t.Fatalf("upload without a certificate: %d %s", status, body)
	}
	status, resp, body := sendBlob(t, c1, url, bytes.NewReader(data), nil)
	if status != http.StatusCreated || !resp.Created || resp.Size != int64(len(data)) || resp.SHA256 != sum {
		t.Fatalf("first upload: %d %+v %s", status, resp, body)
	}
	if status, resp, _ := sendBlob(t, c1, url, bytes.NewReader(data), nil); status != http.StatusOK || resp.Created {
		t.Fatalf("repeated upload: %d %+v", status, resp)
	}
	bad := append([]byte(nil), data...)
	bad[7] ^= 1
	if status, _, body := sendBlob(t, c1, url, bytes.NewReader(bad), nil); status != http.StatusBadRequest || !bytes.Contains(body, []byte("SHA-256")) {
		t.Fatalf("damaged bytes: %d %s", status, body)
	}
	if status, _, _ := sendBlob(t, c1, h.info.URL+protocol.BlobPath("NOT-A-HASH"), bytes.NewReader(data), nil); status != http.StatusBadRequest {
		t.Fatalf("a bad name: %d", status)
	}
	// Over the cap, with and without a declared length.
	huge := make([]byte, protocol.MaxBlobBytes+1)
	if status, _, body := sendBlob(t, c1, h.info.URL+protocol.BlobPath(blobSum(huge)), bytes.NewReader(huge), nil); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a file over the cap: %d %s", status, body)
	}
	if status, _, body := sendBlob(t, c1, h.info.URL+protocol.BlobPath(blobSum(huge)), io.MultiReader(bytes.NewReader(huge)), nil); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a streamed file over the cap: %d %s", status, body)
	}

	// The operator reads it in its tenant; not in another.
	operator := operatorToken(t, h)
	status, got, hdr := getBlob(t, anon, url+"?tenant="+t1.ID, operator)
	if status != http.StatusOK || !bytes.Equal(got, data) || hdr.Get("Content-Type") != "image/png" || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("operator read: %d, %d bytes, %v", status, len(got), hdr)
	}
	if status, _, _ := getBlob(t, anon, url+"?tenant="+t2.ID, operator); status != http.StatusNotFound {
		t.Fatalf("operator read in the wrong tenant: %d", status)
	}
	// Devices and people without a sign-in do not read files back.
	if status, _, _ := getBlob(t, c1, url+"?tenant="+t1.ID, ""); status != http.StatusUnauthorized {
		t.Fatalf("a device read: %d", status)
	}
	if status, _, _ := getBlob(t, anon, url+"?tenant="+t1.ID, "wrong"); status != http.StatusUnauthorized {
		t.Fatalf("a wrong credential: %d", status)
	}

	// A technician of tenant 1 reads it; not tenant 2's.
	u, err := h.admin.AddUser(ctx, t1.ID, msp.RoleTechnician, "Sam Tech")
	if err != nil {
		t.Fatal(err)
	}
	si, err := d1.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	if status, got, _ := getBlob(t, anon, url+"?tenant="+t1.ID, si.Token); status != http.StatusOK || !bytes.Equal(got, data) {
		t.Fatalf("technician read: %d", status)
	}
	if status, _, _ := getBlob(t, anon, url+"?tenant="+t2.ID, si.Token); status != http.StatusNotFound {
		t.Fatalf("technician read in another tenant: %d", status)
	}

	// Tenant 2 keeps its own copy of the same bytes.
	if status, resp, _ := sendBlob(t, c2, url, bytes.NewReader(data), nil); status != http.StatusCreated || !resp.Created {
		t.Fatalf("the same bytes from another tenant: %d %+v", status, resp)
	}
}

func operatorToken(tb testing.TB, h *testHub) string {
	tb.Helper()
	tok, err := hub.OperatorToken(h.dir)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// GET /v1/blobs: a wrong credential is told which kind was wrong, and the
// operator's path is rate-limited like the user token's: once an address
// has failed too often, a wrong operator credential is a 429, and the
// right one is still admitted.
func TestBlobReadCredentials(t *testing.T) {
	h := startHub(t)
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	d1 := h.enroll(t, t1.ID, "pc-1")
	data := []byte("\x89PNG\r\n\x1a\n a screenshot")
	url := h.info.URL + protocol.BlobPath(blobSum(data))
	if status, _, body := sendBlob(t, h.rawClient(t, d1), url, bytes.NewReader(data), nil); status != http.StatusCreated {
		t.Fatalf("upload: %d %s", status, body)
	}
	anon := h.rawClient(t, nil)
	operator := operatorToken(t, h)
	url += "?tenant=" + t1.ID
	refusal := func(bearer string) string {
		t.Helper()
		status, body, _ := getBlob(t, anon, url, bearer)
		var e struct{ Error protocol.ErrorBody }
		if err := json.Unmarshal(body, &e); status != http.StatusUnauthorized || err != nil {
			t.Fatalf("GET with %q: %d %s, want 401", bearer, status, body)
		}
		return e.Error.Message
	}
	if msg := refusal("tdm_op_" + strings.Repeat("a", 32)); !strings.Contains(msg, "operator credential") || strings.Contains(msg, "sign-in") {
		t.Errorf("a wrong operator credential: %q, want it named as the operator credential", msg)
	}
	if msg := refusal("tdm_ut_" + strings.Repeat("a", 32)); !strings.Contains(msg, "sign in again") || strings.Contains(msg, "operator") {
		t.Errorf("an unknown user token: %q, want the sign-in answer", msg)
	}
	if msg := refusal("something-else"); !strings.Contains(msg, "operator credential") || !strings.Contains(msg, "sign in again") {
		t.Errorf("a credential of no known kind: %q, want both kinds named", msg)
	}
	if status, _, _ := getBlob(t, anon, url, operator); status != http.StatusOK {
		t.Fatalf("the operator after 3 failures: %d, want 200", status)
	}
	for i := 3; i < 10; i++ { // the limiter blocks after 10 failures a minute
		refusal("tdm_op_wrong")
	}
	if status, body, hdr := getBlob(t, anon, url, "tdm_op_wrong"); status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Errorf("a wrong operator credential from a blocked address: %d %s, want 429 with Retry-After", status, body)
	}
	if status, body, _ := getBlob(t, anon, url, operator); status != http.StatusOK || !bytes.Equal(body, data) {
		t.Errorf("the right operator credential from a blocked address: %d %q, want 200 and the file", status, body)
	}
}
