package hub_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/protocol"
)

// randomBytes returns n random bytes: a file the hub has not seen.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// putOver uploads data as the client and wants a 413 over_quota whose
// message holds each of words.
func putOver(t *testing.T, c *http.Client, base string, data []byte, words ...string) {
	t.Helper()
	status, _, body := sendBlob(t, c, base+protocol.BlobPath(blobSum(data)), bytes.NewReader(data), nil)
	var e struct {
		Error protocol.ErrorBody `json:"error"`
	}
	if status != http.StatusRequestEntityTooLarge || json.Unmarshal(body, &e) != nil || e.Error.Code != protocol.CodeQuota {
		t.Fatalf("an upload over a quota: %d %s, want 413 %s", status, body, protocol.CodeQuota)
	}
	for _, w := range words {
		if !strings.Contains(e.Error.Message, w) {
			t.Fatalf("the refusal %q does not say %q", e.Error.Message, w)
		}
	}
}

func putOK(t *testing.T, c *http.Client, base string, data []byte, want int) {
	t.Helper()
	if status, _, body := sendBlob(t, c, base+protocol.BlobPath(blobSum(data)), bytes.NewReader(data), nil); status != want {
		t.Fatalf("an upload under the quotas: %d %s, want %d", status, body, want)
	}
}

// The hub caps what one device uploads and what one tenant keeps. A file
// over either is refused with 413 over_quota and words saying what to do;
// the same bytes again count nothing; the device's tickets and check-ins
// go on, another tenant is not affected, the counts survive a restart,
// and the operator raises a tenant's quota with its settings.
func TestBlobQuotasPerDeviceAndTenant(t *testing.T) {
	ctx := context.Background()
	const kb = 1 << 10
	dir := t.TempDir()
	cfg := hub.Config{DeviceAttachmentQuota: 1000 * kb}
	h, stop := startHubWith(t, dir, cfg)
	t1 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	t2 := h.tenant(t, "Other Firm", msp.ModeCoManaged)
	t1.AttachmentQuota = 1500 * kb
	if _, err := h.admin.UpdateTenant(ctx, t1); err != nil {
		t.Fatal(err)
	}
	d1, d2, d3 := h.enroll(t, t1.ID, "pc-1"), h.enroll(t, t1.ID, "pc-2"), h.enroll(t, t2.ID, "pc-3")
	c1, c2, c3 := h.rawClient(t, d1), h.rawClient(t, d2), h.rawClient(t, d3)

	fileA := randomBytes(t, 600*kb)
	putOK(t, c1, h.info.URL, fileA, http.StatusCreated)
	fileB := randomBytes(t, 600*kb)
	putOver(t, c1, h.info.URL, fileB, "this computer over the 1000 KB", "600 KB sent already", "share the file by a link")
	putOK(t, c1, h.info.URL, fileA, http.StatusOK) // sent again: counts nothing
	putOK(t, c2, h.info.URL, fileA, http.StatusOK) // another device, the same bytes: kept once

	// Over its quota, the device's tickets and check-ins still arrive.
	tk := draft("The scan is too large to attach")
	wantResults(t, d1.push(t, createM(d1.next(), tk), commentM(d1.next(), tk.ID, "I will share a link."), checkInM(d1.next())),
		3, protocol.Applied, protocol.Applied, protocol.Applied)
	got := h.adminTicket(t, t1.ID, tk.ID)
	if got == nil || !slices.ContainsFunc(got.Comments, func(c msp.Comment) bool { return c.Body == "I will share a link." }) {
		t.Fatalf("the ticket of a device over its quota: %+v", got)
	}
	devs, err := h.admin.Devices(ctx, t1.ID)
	if err != nil || !slices.ContainsFunc(devs, func(d hub.DeviceSummary) bool { return d.ID == d1.id.DeviceID && d.AgentVersion == "1.0.0" }) {
		t.Fatalf("the check-in of a device over its quota: %v %+v", err, devs)
	}

	// The tenant's quota: 600 KB + 600 KB kept, 400 KB more is over 1500.
	putOK(t, c2, h.info.URL, randomBytes(t, 600*kb), http.StatusCreated)
	fileD := randomBytes(t, 400*kb)
	putOver(t, c2, h.info.URL, fileD, "the organisation's attached files", "quota of 1.5 MB", "1.2 MB kept already", "tandem-hub tenant set --attachment-quota")
	putOK(t, c3, h.info.URL, randomBytes(t, 900*kb), http.StatusCreated) // another tenant has its own

	// The hub restarts: the counts are the store's.
	stop()
	h, _ = startHubWith(t, dir, cfg)
	c1, c2 = h.rawClient(t, d1), h.rawClient(t, d2)
	putOver(t, c1, h.info.URL, fileB, "this computer")
	putOver(t, c2, h.info.URL, fileD, "the organisation's")

	// The operator raises the tenant's quota.
	t1.AttachmentQuota = 0 // the default, 20 GiB
	if _, err := h.admin.UpdateTenant(ctx, t1); err != nil {
		t.Fatal(err)
	}
	putOK(t, c2, h.info.URL, fileD, http.StatusCreated)
}
