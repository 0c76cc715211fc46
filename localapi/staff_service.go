package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"tandem/msp"
)

// The dashboard's Service tab (issue 6): what service an organisation is
// owed (the promise, from the tenant settings in the replica, so it shows
// offline) and how it got it (the hub's monthly report, fetched through
// the agent and kept for offline use).
//
//	GET /v1/staff/service?tenant=ID&month=YYYY-MM     → ServiceView
//	GET /v1/staff/report.pdf?tenant=ID&month=YYYY-MM  → the month's report as a PDF (needs the hub)

// ErrHubUnreachable means the agent could not reach the hub for something
// only the hub can make, such as a report's PDF. The local API answers it
// with 503.
var ErrHubUnreachable = errors.New("this computer cannot reach the hub right now")

// ServiceView is one organisation's Service tab.
type ServiceView struct {
	Tenant  TenantRef      `json:"tenant"`
	Promise ServicePromise `json:"promise"`
	// Month is the month of Report, YYYY-MM; Months are the months one
	// may ask for, newest first: this month (in the tenant's time zone)
	// and the eleven before it.
	Month  string   `json:"month"`
	Months []string `json:"months"`
	// Report is the month's report: fresh from the hub, or as last
	// fetched (ReportAsOf) when the hub cannot be reached; nil when it
	// never was fetched.
	Report *MonthReport `json:"report,omitempty"`
	// ReportAsOf is when Report was fetched from the hub.
	ReportAsOf time.Time `json:"report_as_of,omitzero"`
	// ReportFresh is true when Report was fetched for this answer.
	ReportFresh bool `json:"report_fresh"`
	// ReportProblem says why the report could not be fetched now, in the
	// agent's words; empty when it was.
	ReportProblem string `json:"report_problem,omitempty"`
	// ReportOffline is true when the problem is that the hub cannot be
	// reached (rather than a refusal).
	ReportOffline bool `json:"report_offline,omitempty"`
}

// ServicePromise is what the organisation is owed, from its settings.
type ServicePromise struct {
	Mode     msp.ServiceMode `json:"mode"`
	MSPName  string          `json:"msp_name"`
	MSPPhone string          `json:"msp_phone"`
	MSPEmail string          `json:"msp_email"`
	// TimeZone is the IANA zone business hours are read in.
	TimeZone string `json:"time_zone"`
	// Hours are the opening hours Monday to Sunday (seven entries).
	Hours []DayHours `json:"hours"`
	// OpenNow says whether it is business hours now; NextChange is when
	// that changes (closing time while open, the next opening while
	// closed; zero if never).
	OpenNow    bool      `json:"open_now"`
	NextChange time.Time `json:"next_change,omitzero"`
	// Holidays are the next public holidays and closures the calendar
	// keeps closed (at most MaxServiceHolidays).
	Holidays []HolidayView `json:"holidays"`
	// Overflow is how long a ticket owned by internal IT may wait for a
	// first answer before the MSP takes it; zero when fully managed (the
	// MSP owns every ticket).
	Overflow time.Duration `json:"overflow,omitempty"`
	// Targets are the SLA targets P1 to P4.
	Targets []TargetView `json:"targets"`
	// AtRiskPercent: a clock with less than this share of its target left
	// is at risk.
	AtRiskPercent int `json:"at_risk_percent"`
}

// MaxServiceHolidays caps ServicePromise.Holidays.
const MaxServiceHolidays = 5

// DayHours is one weekday's opening hours.
type DayHours struct {
	Day    time.Weekday  `json:"day"`
	Closed bool          `json:"closed"`
	Open   msp.ClockTime `json:"open"`
	Close  msp.ClockTime `json:"close"`
}

// HolidayView is one day the calendar keeps closed.
type HolidayView struct {
	Date     string `json:"date"` // YYYY-MM-DD
	Name     string `json:"name"`
	Observed bool   `json:"observed,omitempty"`
}

// Day returns the holiday's date at midnight UTC (for formatting).
func (h HolidayView) Day() (time.Time, error) {
	t, err := time.Parse(time.DateOnly, h.Date)
	if err != nil {
		return time.Time{}, fmt.Errorf("holiday date %q: %w", h.Date, err)
	}
	return t, nil
}

// TargetView is the SLA target of one priority.
type TargetView struct {
	Priority   msp.Priority  `json:"priority"`
	Response   time.Duration `json:"response"`
	Resolution time.Duration `json:"resolution"`
	AllHours   bool          `json:"all_hours"`
}

// MonthReport is the hub's monthly report (Go type report.Report of
// package hub/report) as far as the dashboard shows it. Its fields carry
// the hub's names, so the agent decodes the hub's answer into it as is.
type MonthReport struct {
	TenantName string
	Mode       string
	MSPName    string
	Month      string    // "November 2026"
	From, To   time.Time // the month: [From, To)
	AsOf       time.Time // device figures are as of this instant
	Generated  time.Time
	TimeZone   string

	SLA        []ReportSLARow
	SLAOverall ReportSLARow
	Late       []ReportLate
	LateMore   int

	Opened, Resolved, OpenAtEnd int
	ByPillar                    []ReportCount
	ByOwner                     []ReportCount
	MTTR, MTTRBusiness          time.Duration
	MTTRCount                   int

	PatchAfterDays     int
	Patch              []ReportWeek
	SecurityPendingNow int
	RebootPendingNow   int

	Devices     int
	Silent      int
	SilentAfter time.Duration

	Alerts      []ReportCount
	AlertsTotal int

	// Users is the count billed: seats, devices or active users, one of
	// each being a Unit ("user", "device", "active user"); Contract says
	// the contract in words ("12-month contract from ...").
	Users        int
	UsersSource  string
	Unit         string
	Contract     string
	PricePerUser msp.Money
	Total        msp.Money
}

// ReportSLARow is first-response attainment of one priority (or of all).
type ReportSLARow struct {
	Priority msp.Priority
	Label    string
	Target   time.Duration
	AllHours bool
	Tickets  int
	Met      int
	Breached int
	Pending  int
}

// Percent is Met as a share of the tickets decided (met or breached), and
// false when none is decided yet.
func (r ReportSLARow) Percent() (float64, bool) {
	n := r.Met + r.Breached
	if n == 0 {
		return 0, false
	}
	return 100 * float64(r.Met) / float64(n), true
}

// ReportLate is a ticket whose first response missed its target.
type ReportLate struct {
	ID          string
	Title       string
	Priority    msp.Priority
	Owner       string
	CreatedAt   time.Time
	RespondedAt time.Time
	Over        time.Duration
	AllHours    bool
}

// ReportCount is one bar of a chart.
type ReportCount struct {
	Key   string
	Label string
	N     int
}

// ReportWeek is patch compliance at the end of one week.
type ReportWeek struct {
	Label     string
	At        time.Time
	Devices   int
	Compliant int
}

// Percent is Compliant as a share of Devices (100 when there are none).
func (w ReportWeek) Percent() float64 {
	if w.Devices == 0 {
		return 100
	}
	return 100 * float64(w.Compliant) / float64(w.Devices)
}

// staffServiceRoutes adds the Service tab's routes; staffRoutes calls it.
func (s *Server) staffServiceRoutes(mux *http.ServeMux, b StaffBackend) {
	mux.HandleFunc("GET /v1/staff/service", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		q := r.URL.Query()
		v, err := b.StaffService(r.Context(), u, q.Get("tenant"), q.Get("month"))
		if err != nil {
			s.serviceFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}))
	mux.HandleFunc("GET /v1/staff/report.pdf", s.withUser(func(w http.ResponseWriter, r *http.Request, u string) {
		q := r.URL.Query()
		pdf, err := b.StaffReportPDF(r.Context(), u, q.Get("tenant"), q.Get("month"))
		if err != nil {
			s.serviceFail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write(pdf); err != nil {
			s.log.Debug("sending a report PDF", "err", err)
		}
	}))
}

func (s *Server) serviceFail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrHubUnreachable):
		writeErr(w, http.StatusServiceUnavailable, Error{Message: err.Error()})
	case errors.Is(err, msp.ErrInvalid):
		writeErr(w, http.StatusBadRequest, Error{Message: err.Error()})
	default:
		s.staffFail(w, err)
	}
}

func serviceQuery(tenant, month string) string {
	v := url.Values{}
	if tenant != "" {
		v.Set("tenant", tenant)
	}
	if month != "" {
		v.Set("month", month)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// StaffService returns the Service tab of tenant ("" for the caller's
// only organisation) with the report of month (YYYY-MM; "" for this
// month). It answers from the replica when the hub cannot be reached.
func (c *Client) StaffService(ctx context.Context, tenant, month string) (ServiceView, error) {
	var v ServiceView
	err := c.do(ctx, http.MethodGet, "/v1/staff/service"+serviceQuery(tenant, month), nil, &v)
	return v, err
}

// StaffReportPDF returns the hub's PDF of tenant's report of month. It
// needs the hub: offline it fails with an *APIError of status 503.
func (c *Client) StaffReportPDF(ctx context.Context, tenant, month string) ([]byte, error) {
	return c.getRaw(ctx, "/v1/staff/report.pdf"+serviceQuery(tenant, month), 64<<20)
}

// getRaw GETs path from the agent and returns the body as it is, at most
// limit bytes; an error answer is an *APIError.
func (c *Client) getRaw(ctx context.Context, path string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://agent"+path, nil)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var de *dialError
		if errors.As(err, &de) {
			return nil, fmt.Errorf("%w (nothing answers on %s); start it, or ask your IT support", ErrAgentNotRunning, c.addr)
		}
		return nil, fmt.Errorf("asking the agent: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("reading the agent's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error Error `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			e.Error.Message = "the agent answered " + resp.Status
		}
		return nil, &APIError{Status: resp.StatusCode, Body: e.Error}
	}
	return b, nil
}
