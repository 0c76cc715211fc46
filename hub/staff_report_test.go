package hub_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"tandem/hub"
	"tandem/hub/report"
	"tandem/msp"
)

// getRaw GETs url with a bearer credential and returns the status, the
// content type and the body.
func getRaw(tb testing.TB, c *http.Client, url, bearer string) (int, string, []byte) {
	tb.Helper()
	status, b, h := bearerGet(tb, c, url, bearer)
	return status, h.Get("Content-Type"), b
}

// The monthly report for the dashboard's Service tab: an IT lead reads
// their own organisation's report as figures and as a PDF; another
// organisation's is not there for them, a device credential is refused
// and a month that is not YYYY-MM is a bad request.
func TestStaffReportForSignedInPeople(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	t1, t2 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged), h.tenant(t, "Other Ltd", msp.ModeFullyManaged)
	d1 := h.enroll(t, t1.ID, "pc-0042")
	tk := draft("Printer jams on every page")
	resp := d1.push(t, createM(d1.next(), tk))
	if len(resp.Results) != 1 {
		t.Fatalf("push: %+v", resp)
	}

	u, err := h.admin.AddUser(ctx, t1.ID, msp.RoleITLead, "Lee Lead")
	if err != nil {
		t.Fatal(err)
	}
	si, err := d1.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	anon := h.rawClient(t, nil)
	month := time.Now().UTC().Format("2006-01")
	at := func(v url.Values) string { return h.info.URL + hub.PathStaffReport + "?" + v.Encode() }

	var rep report.Report
	if status := getStaff(t, anon, at(url.Values{"month": {month}}), si.Token, &rep); status != http.StatusOK {
		t.Fatalf("IT lead reads their report (one tenant, no ?tenant): %d", status)
	}
	if rep.TenantName != "Demo Accounting" || rep.Opened != 1 || len(rep.SLA) != 4 || rep.Mode != "co-managed" {
		t.Fatalf("the report: tenant %q mode %q opened %d, %d SLA rows", rep.TenantName, rep.Mode, rep.Opened, len(rep.SLA))
	}
	status, ctype, body := getRaw(t, anon, at(url.Values{"tenant": {t1.ID}, "month": {month}, "format": {"pdf"}}), si.Token)
	if status != http.StatusOK || ctype != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Fatalf("the PDF: %d %q %.20q", status, ctype, body)
	}
	if status := getStaff(t, anon, at(url.Values{"tenant": {t2.ID}, "month": {month}}), si.Token, nil); status != http.StatusNotFound {
		t.Fatalf("another organisation's report: %d, want 404", status)
	}
	if status := getStaff(t, h.rawClient(t, d1), at(url.Values{"tenant": {t1.ID}, "month": {month}}), "", nil); status != http.StatusForbidden {
		t.Fatalf("a device credential: %d, want 403", status)
	}
	for _, bad := range []url.Values{
		{"month": {"November"}},
		{"month": {""}},
		{"month": {"2999-01"}}, // not begun yet
		{"month": {month}, "format": {"docx"}},
	} {
		if status := getStaff(t, anon, at(bad), si.Token, nil); status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", bad, status)
		}
	}
}
