package agent_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"tandem/localapi"
	"tandem/msp"
)

// The Service tab: an IT lead of a co-managed organisation reads the
// promise (hours, holidays, overflow, SLA targets) from the replica and
// this month's report from the hub, saves it as a PDF; with the hub gone
// the promise and the kept report still show, "as of" when they were
// fetched, and the PDF says it needs the hub.
func TestStaffServicePromiseReportOffline(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	if _, err := f.agent.Submit(ctx, "thandi", newTicket("Printer on the first floor shows offline")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.StaffService(ctx, "sipho", "", ""); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("before sign-in: %v, want ErrNotSignedIn", err)
	}
	if _, err := f.agent.StaffSignIn(ctx, "sipho", signInCode(t, f, msp.RoleITLead, "Sipho Dlamini")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}

	v, err := f.agent.StaffService(ctx, "sipho", "", "")
	if err != nil {
		t.Fatal(err)
	}
	p := v.Promise
	if v.Tenant.ID != f.tenant.ID || p.Mode != msp.ModeCoManaged || p.TimeZone != msp.DefaultTimeZone {
		t.Fatalf("tenant %+v, mode %q, zone %q", v.Tenant, p.Mode, p.TimeZone)
	}
	if len(p.Hours) != 7 || p.Hours[0].Day != time.Monday || p.Hours[0].Closed || p.Hours[0].Open != msp.Clock(8, 0) ||
		p.Hours[0].Close != msp.Clock(17, 0) || !p.Hours[5].Closed || p.Hours[6].Day != time.Sunday || !p.Hours[6].Closed {
		t.Fatalf("business hours: %+v", p.Hours)
	}
	if p.Overflow != msp.DefaultOverflowAfter {
		t.Errorf("overflow of a co-managed tenant: %s, want %s", p.Overflow, msp.DefaultOverflowAfter)
	}
	if len(p.Targets) != 4 || p.Targets[0].Priority != msp.P1 || p.Targets[0].Response != time.Hour || !p.Targets[0].AllHours ||
		p.Targets[3].Priority != msp.P4 || p.Targets[3].AllHours || p.AtRiskPercent != msp.DefaultAtRiskPercent {
		t.Errorf("targets: %+v, at risk %d", p.Targets, p.AtRiskPercent)
	}
	loc, _ := time.LoadLocation(msp.DefaultTimeZone)
	today := time.Now().In(loc).Format(time.DateOnly)
	if len(p.Holidays) != localapi.MaxServiceHolidays {
		t.Errorf("holidays: %d, want the next %d", len(p.Holidays), localapi.MaxServiceHolidays)
	}
	for i, h := range p.Holidays {
		if h.Date < today || h.Name == "" || (i > 0 && h.Date <= p.Holidays[i-1].Date) {
			t.Errorf("holiday %d: %+v (today %s)", i, h, today)
		}
	}
	if p.NextChange.IsZero() {
		t.Error("no next opening or closing time")
	}
	if len(v.Months) != 12 || v.Month != v.Months[0] || v.Months[0] != time.Now().In(loc).Format("2006-01") || v.Months[11] >= v.Months[10] {
		t.Errorf("months: %q, month %q", v.Months, v.Month)
	}
	if v.Report == nil || !v.ReportFresh || v.ReportProblem != "" || v.Report.TenantName != "Demo Accounting" ||
		v.Report.Opened != 1 || len(v.Report.SLA) != 4 || v.Report.SLA[0].Priority != msp.P1 || v.Report.SLA[0].Target != time.Hour {
		t.Fatalf("the report: %+v (fresh %v, problem %q)", v.Report, v.ReportFresh, v.ReportProblem)
	}
	fetched := v.ReportAsOf

	pdf, err := f.agent.StaffReportPDF(ctx, "sipho", "", v.Month)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("the PDF starts %.10q", pdf)
	}
	for _, bad := range []string{"October", "2999-01"} {
		if _, err := f.agent.StaffService(ctx, "sipho", "", bad); !errors.Is(err, msp.ErrInvalid) {
			t.Errorf("month %q: %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := f.agent.StaffService(ctx, "sipho", msp.NewID(), ""); !errors.Is(err, msp.ErrNotFound) {
		t.Errorf("an organisation outside the scope: %v, want ErrNotFound", err)
	}

	// The hub goes away.
	f.hub.stop()
	for _, knownOffline := range []bool{false, true} {
		if knownOffline {
			if err := f.agent.StaffSyncOnce(ctx, "sipho"); err == nil {
				t.Fatal("a sync with the hub gone succeeded")
			}
		}
		v, err = f.agent.StaffService(ctx, "sipho", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if v.Report == nil || v.ReportFresh || !v.ReportAsOf.Equal(fetched) || !v.ReportOffline || v.ReportProblem == "" ||
			v.Report.Opened != 1 || len(v.Promise.Targets) != 4 {
			t.Fatalf("offline (known %v): report %v, fresh %v, as of %s (fetched %s), offline %v, problem %q",
				knownOffline, v.Report != nil, v.ReportFresh, v.ReportAsOf, fetched, v.ReportOffline, v.ReportProblem)
		}
	}
	v, err = f.agent.StaffService(ctx, "sipho", "", v.Months[1])
	if err != nil {
		t.Fatal(err)
	}
	if v.Report != nil || !v.ReportOffline || v.Month != v.Months[1] {
		t.Fatalf("a month never fetched, offline: report %v, offline %v, month %s", v.Report != nil, v.ReportOffline, v.Month)
	}
	if _, err := f.agent.StaffReportPDF(ctx, "sipho", "", ""); !errors.Is(err, localapi.ErrHubUnreachable) {
		t.Fatalf("the PDF offline: %v, want ErrHubUnreachable", err)
	}

	// After sign-out there is nothing to show.
	if err := f.agent.StaffSignOut(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.StaffService(ctx, "sipho", "", ""); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("after sign-out: %v, want ErrNotSignedIn", err)
	}
}
