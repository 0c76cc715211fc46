package agent

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
)

// The dashboard's Service tab (issue 6). The promise (service mode, hours,
// holidays, SLA targets) comes from the tenant in the replica, so it shows
// offline. The monthly report comes from the hub's GET /v1/staff/report
// (package hub, staff_report.go); the last one fetched of each month is
// kept in the person's keyspace for offline use:
//
//	staff/<hex os user>/report/<tenant>/<YYYY-MM>   cachedReport
//
// Sign-out removes it with the rest of the replica.

// pathStaffReport must match hub.PathStaffReport.
const pathStaffReport = "/v1/staff/report"

// reportMonths is how many months the Service tab offers: this one and
// the eleven before it.
const reportMonths = 12

// Time limits of the hub calls the Service tab waits for.
const (
	reportFetchTimeout = 10 * time.Second
	reportPDFTimeout   = 30 * time.Second
)

// cachedReport is a month's report as last fetched from the hub.
type cachedReport struct {
	Fetched time.Time            `json:"fetched"`
	Report  localapi.MonthReport `json:"report"`
}

// serviceTenant settles which organisation of the person's scope is meant
// ("" for their only one) and reads it from the replica.
func (a *Agent) serviceTenant(user, tenant string) (*staffSession, msp.Tenant, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return nil, msp.Tenant{}, err
	}
	if tenant == "" {
		if len(s.Tenants) != 1 {
			return nil, msp.Tenant{}, fmt.Errorf("%w: you look after several organisations; choose one", msp.ErrInvalid)
		}
		tenant = s.Tenants[0]
	}
	if !slices.Contains(s.Tenants, tenant) {
		return nil, msp.Tenant{}, fmt.Errorf("%w: organisation %s is not in your scope", msp.ErrNotFound, tenant)
	}
	var t msp.Tenant
	err = a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "tenant/"+tenant), &t) })
	if errors.Is(err, localdb.ErrNotFound) {
		return nil, msp.Tenant{}, fmt.Errorf("%w: organisation %s's settings have not been fetched from the hub yet; wait for the first sync", msp.ErrNotFound, tenant)
	}
	if err != nil {
		return nil, msp.Tenant{}, fmt.Errorf("reading organisation %s's settings: %w", tenant, err)
	}
	return s, t, nil
}

// serviceMonth checks month (YYYY-MM, "" for this month in loc) against
// now: the month must have begun.
func serviceMonth(month string, now time.Time, loc *time.Location) (string, error) {
	this := now.In(loc).Format("2006-01")
	if month == "" {
		return this, nil
	}
	if _, err := time.Parse("2006-01", month); err != nil {
		return "", fmt.Errorf("%w: month %q: give it as YYYY-MM, such as %s", msp.ErrInvalid, month, this)
	}
	if month > this {
		return "", fmt.Errorf("%w: %s has not begun yet", msp.ErrInvalid, month)
	}
	return month, nil
}

// StaffService returns the Service tab of tenant ("" for the person's
// only organisation) with the report of month (YYYY-MM; "" for this
// month): fresh from the hub when it answers, else as last fetched.
func (a *Agent) StaffService(ctx context.Context, user, tenant, month string) (localapi.ServiceView, error) {
	s, t, err := a.serviceTenant(user, tenant)
	if err != nil {
		return localapi.ServiceView{}, err
	}
	now := a.now()
	v := localapi.ServiceView{
		Tenant:  localapi.TenantRef{ID: t.ID, Name: t.Name, Mode: t.Mode},
		Promise: promiseOf(t, now),
	}
	loc := t.SLACalendar().Location()
	if v.Month, err = serviceMonth(month, now, loc); err != nil {
		return localapi.ServiceView{}, err
	}
	first := time.Date(now.In(loc).Year(), now.In(loc).Month(), 1, 12, 0, 0, 0, loc)
	for i := range reportMonths {
		v.Months = append(v.Months, first.AddDate(0, -i, 0).Format("2006-01"))
	}

	key := staffKey(user, "report/"+t.ID+"/"+v.Month)
	var rep localapi.MonthReport
	ferr := errHubKnownOffline
	if !a.staffKnownOffline(user) {
		fctx, cancel := context.WithTimeout(ctx, reportFetchTimeout)
		ferr = a.staffGet(fctx, s, pathStaffReport+"?"+url.Values{"tenant": {t.ID}, "month": {v.Month}}.Encode(), &rep)
		cancel()
	}
	if ferr == nil {
		fetched := now.UTC()
		v.Report, v.ReportAsOf, v.ReportFresh = &rep, fetched, true
		if err := a.db.Update(ctx, func(tx *localdb.Tx) error {
			return tx.PutJSON(key, cachedReport{Fetched: fetched, Report: rep})
		}); err != nil {
			a.log.Warn("could not keep a monthly report for offline use", "tenant", t.ID, "month", v.Month, "err", err)
		}
		return v, nil
	}
	if ctx.Err() != nil {
		return localapi.ServiceView{}, fmt.Errorf("fetching the report of %s: %w", v.Month, ctx.Err())
	}
	v.ReportOffline = hubUnreachable(ferr)
	v.ReportProblem = ferr.Error()
	var c cachedReport
	err = a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(key, &c) })
	switch {
	case err == nil:
		v.Report, v.ReportAsOf = &c.Report, c.Fetched
	case !errors.Is(err, localdb.ErrNotFound):
		return localapi.ServiceView{}, fmt.Errorf("reading the kept report of %s: %w", v.Month, err)
	}
	return v, nil
}

// errHubKnownOffline stands for a fetch not tried because the person's
// last sync found the hub unreachable.
var errHubKnownOffline = fmt.Errorf("%w (the last sync could not reach it)", localapi.ErrHubUnreachable)

// staffKnownOffline reports whether the person's last sync failed to
// reach the hub, so a fetch now would only wait out its time limit.
func (a *Agent) staffKnownOffline(user string) bool {
	st := a.staff()
	st.mu.Lock()
	defer st.mu.Unlock()
	i := st.info[user]
	return i != nil && !i.online && i.lastErr != "" && !strings.Contains(i.lastErr, "answered")
}

// hubUnreachable reports whether err is a failure to reach the hub
// rather than an answer from it.
func hubUnreachable(err error) bool {
	if errors.Is(err, localapi.ErrHubUnreachable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var he *client.HTTPError
	if errors.As(err, &he) {
		return he.Status == http.StatusServiceUnavailable || he.Status == http.StatusBadGateway || he.Status == http.StatusGatewayTimeout
	}
	return true
}

// promiseOf reads what tenant t is owed from its settings, at now.
func promiseOf(t msp.Tenant, now time.Time) localapi.ServicePromise {
	cal := t.SLACalendar()
	loc := cal.Location()
	p := localapi.ServicePromise{
		Mode: t.Mode, MSPName: t.Branding.Name, MSPPhone: t.Branding.SupportPhone, MSPEmail: t.Branding.SupportEmail,
		TimeZone: loc.String(), Holidays: []localapi.HolidayView{},
	}
	for i := range 7 {
		wd := time.Weekday((i + 1) % 7) // Monday first
		dh := localapi.DayHours{Day: wd, Closed: true}
		if sp := t.BusinessHours.Day(wd); sp != nil && sp.Close > sp.Open {
			dh = localapi.DayHours{Day: wd, Open: sp.Open, Close: sp.Close}
		}
		p.Hours = append(p.Hours, dh)
	}
	p.OpenNow = cal.InBusinessHours(now)
	if p.OpenNow {
		local := now.In(loc)
		if sp := t.BusinessHours.Day(local.Weekday()); sp != nil {
			p.NextChange = msp.DateOf(local).At(sp.Close, loc)
		}
	} else if !cal.IsAllHours() {
		p.NextChange = cal.NextOpen(now)
	}
	today := msp.DateOf(now.In(loc))
	rules := t.HolidayRules()
	for y := today.Year; y <= today.Year+1 && len(p.Holidays) < localapi.MaxServiceHolidays; y++ {
		for _, h := range rules.InYear(y) {
			if h.Date.Compare(today) < 0 || len(p.Holidays) >= localapi.MaxServiceHolidays {
				continue
			}
			p.Holidays = append(p.Holidays, localapi.HolidayView{Date: h.Date.String(), Name: cmp.Or(h.Name, "Closed"), Observed: h.Observed})
		}
	}
	if t.Mode == msp.ModeCoManaged {
		p.Overflow = t.Overflow()
	}
	policy := t.SLAPolicy()
	for _, pr := range []msp.Priority{msp.P1, msp.P2, msp.P3, msp.P4} {
		tg, err := policy.Target(pr)
		if err != nil {
			continue // cannot happen for P1 to P4
		}
		p.Targets = append(p.Targets, localapi.TargetView{Priority: pr, Response: tg.Response, Resolution: tg.Resolution, AllHours: tg.AllHours})
	}
	p.AtRiskPercent = cmp.Or(policy.AtRiskPercent, msp.DefaultAtRiskPercent)
	return p
}

// StaffReportPDF returns the hub's PDF of tenant's report of month. Only
// the hub renders it: offline it fails with localapi.ErrHubUnreachable.
func (a *Agent) StaffReportPDF(ctx context.Context, user, tenant, month string) ([]byte, error) {
	s, t, err := a.serviceTenant(user, tenant)
	if err != nil {
		return nil, err
	}
	if month, err = serviceMonth(month, a.now(), t.SLACalendar().Location()); err != nil {
		return nil, err
	}
	fctx, cancel := context.WithTimeout(ctx, reportPDFTimeout)
	defer cancel()
	q := url.Values{"tenant": {t.ID}, "month": {month}, "format": {"pdf"}}
	pdf, err := a.staffGetRaw(fctx, s, pathStaffReport+"?"+q.Encode(), maxReportPDF)
	if err != nil {
		return nil, fmt.Errorf("fetching the PDF of %s's report of %s: %w", t.Name, month, err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		return nil, fmt.Errorf("the hub's answer for %s's report of %s is not a PDF; is the hub an older version?", t.Name, month)
	}
	return pdf, nil
}

// maxReportPDF caps a report PDF read from the hub.
const maxReportPDF = 32 << 20

// staffGetRaw GETs path from the hub with the person's token and returns
// the body as is, at most limit bytes (staffGet decodes JSON only). A failure to reach the hub
// wraps localapi.ErrHubUnreachable; an error answer is a
// *client.HTTPError.
func (a *Agent) staffGetRaw(ctx context.Context, s *staffSession, path string, limit int64) ([]byte, error) {
	conn, err := a.staffConn(s)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	b, err := conn.GetBytes(ctx, path, limit)
	var he *client.HTTPError
	switch {
	case err == nil:
		return b, nil
	case !errors.As(err, &he), he.Status >= 500:
		return nil, fmt.Errorf("%w: %w", localapi.ErrHubUnreachable, err)
	case he.Status == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %w", msp.ErrNotFound, he)
	case he.Status == http.StatusBadRequest:
		return nil, fmt.Errorf("%w: %w", msp.ErrInvalid, he)
	}
	return nil, refusedSignIn(he)
}
