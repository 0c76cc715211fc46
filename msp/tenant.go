package msp

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Windows and slim containers have no zone database of their own
)

// ServiceMode is how an MSP serves a tenant.
type ServiceMode string

const (
	// ModeFullyManaged: the MSP is the customer's whole IT department.
	ModeFullyManaged ServiceMode = "fully-managed"
	// ModeCoManaged: the MSP runs the always-on layer beside the customer's
	// internal IT lead, who keeps business projects.
	ModeCoManaged ServiceMode = "co-managed"
)

// Valid reports whether m is fully-managed or co-managed.
func (m ServiceMode) Valid() bool { return m == ModeFullyManaged || m == ModeCoManaged }

// Label returns the mode in words: "fully managed" or "co-managed".
func (m ServiceMode) Label() string {
	if m == ModeFullyManaged {
		return "fully managed"
	}
	return string(m)
}

// DefaultTimeZone is the IANA zone of a tenant that names none.
const DefaultTimeZone = "Africa/Johannesburg"

// MaxLogoBytes caps the MSP's logo.
const MaxLogoBytes = 512 << 10

// Tenant is one customer business of the MSP.
type Tenant struct {
	ID   string      `json:"id"`
	Name string      `json:"name"`
	Mode ServiceMode `json:"mode"`
	// TimeZone is an IANA zone name; empty means DefaultTimeZone.
	TimeZone      string        `json:"time_zone,omitempty"`
	BusinessHours BusinessHours `json:"business_hours"`
	// PricePerUser is the monthly price, excluding VAT, of one of what
	// Billing counts (a seat, a device or an active user; the JSON name is
	// older than the choice).
	PricePerUser Money `json:"price_per_user"`
	// Billing says what is counted and the contract; see Billing.
	Billing  Billing  `json:"billing,omitzero"`
	Branding Branding `json:"branding"`
	// Matrix is the tenant's responsibility matrix; empty means
	// DefaultMatrix(Mode). See Responsibilities.
	Matrix Matrix `json:"matrix,omitempty"`
	// Holidays are the days the tenant keeps closed; the zero value means
	// DefaultHolidays (South Africa's public holidays). A tenant with no
	// public holidays at all sets Region to RegionNone. See HolidayRules.
	Holidays Holidays `json:"holidays,omitzero"`
	// SLA is the tenant's SLA policy; the zero value means
	// DefaultSLAPolicy. See SLAPolicy.
	SLA SLAPolicy `json:"sla,omitzero"`
	// OverflowAfter is how long a ticket owned by internal IT (or shared)
	// may wait for its first answer before the hub hands it to the MSP;
	// zero means DefaultOverflowAfter (30 minutes). In JSON it is
	// nanoseconds, like every time.Duration.
	OverflowAfter time.Duration `json:"overflow_after,omitempty"`
	// Alerts are the thresholds of the hub's proactive alerts; the zero
	// value means DefaultAlertPolicy. See AlertRules.
	Alerts AlertPolicy `json:"alerts,omitzero"`
	// AttachmentQuota caps the bytes of attached files the hub keeps for
	// the tenant; zero means DefaultAttachmentQuota. See AttachmentLimit.
	AttachmentQuota int64 `json:"attachment_quota,omitempty"`
}

// DefaultAttachmentQuota is how many bytes of attached files the hub keeps
// for a tenant that names no quota: 20 GiB.
const DefaultAttachmentQuota = 20 << 30

// AttachmentLimit returns the tenant's attachment quota in bytes, or
// DefaultAttachmentQuota if it names none.
func (t Tenant) AttachmentLimit() int64 {
	if t.AttachmentQuota > 0 {
		return t.AttachmentQuota
	}
	return DefaultAttachmentQuota
}

// DefaultOverflowAfter is how long an internal-owned ticket waits for a
// first answer before the MSP takes it, when the tenant names no time.
const DefaultOverflowAfter = 30 * time.Minute

// MaxOverflowAfter caps Tenant.OverflowAfter: a week.
const MaxOverflowAfter = 7 * 24 * time.Hour

// HolidayRules returns the tenant's holidays, or DefaultHolidays if it
// names none.
func (t Tenant) HolidayRules() Holidays {
	h := t.Holidays
	if h.Region == "" && len(h.Extra) == 0 && len(h.Removed) == 0 {
		return DefaultHolidays()
	}
	return h
}

// SLAPolicy returns the tenant's SLA policy, or DefaultSLAPolicy if it
// names none.
func (t Tenant) SLAPolicy() SLAPolicy {
	if t.SLA == (SLAPolicy{}) {
		return DefaultSLAPolicy()
	}
	return t.SLA
}

// Overflow returns how long an internal-owned ticket may wait for a first
// answer before the MSP takes it: OverflowAfter or DefaultOverflowAfter.
func (t Tenant) Overflow() time.Duration {
	if t.OverflowAfter <= 0 {
		return DefaultOverflowAfter
	}
	return t.OverflowAfter
}

// Calendar returns the tenant's business-hours calendar with its holidays.
// It fails if the zone does not load or no day is open; callers fall back
// to a 24/7 calendar then (see SLACalendar).
func (t Tenant) Calendar() (*Calendar, error) {
	return TenantCalendar(t, t.HolidayRules())
}

// SLACalendar returns the calendar the tenant's SLA clocks run on: its
// business calendar, or a 24/7 one in its zone (or UTC) if the tenant has
// no open day. It never returns nil.
func (t Tenant) SLACalendar() *Calendar {
	if c, err := t.Calendar(); err == nil {
		return c
	}
	if c, err := AllHoursCalendar(t.TimeZone); err == nil {
		return c
	}
	return &Calendar{loc: time.UTC, allHours: true}
}

// Branding is how the MSP presents itself to the tenant's staff.
type Branding struct {
	Name         string `json:"name"`
	SupportPhone string `json:"support_phone"`
	SupportEmail string `json:"support_email"`
	LogoPNG      []byte `json:"logo_png,omitempty"` // optional; base64 in JSON
}

// NewTenant returns a tenant with the defaults filled in: Mon–Fri
// 08:00–17:00 in DefaultTimeZone, prices in ZAR and the default matrix of
// mode. The caller still sets the price and branding.
func NewTenant(id, name string, mode ServiceMode) Tenant {
	return Tenant{
		ID:            id,
		Name:          name,
		Mode:          mode,
		TimeZone:      DefaultTimeZone,
		BusinessHours: DefaultBusinessHours(),
		PricePerUser:  Money{Currency: "ZAR"},
		Matrix:        DefaultMatrix(mode),
	}
}

// Responsibilities returns the tenant's matrix, or the default of its mode
// if it has none.
func (t Tenant) Responsibilities() Matrix {
	if len(t.Matrix) == 0 {
		return DefaultMatrix(t.Mode)
	}
	return t.Matrix
}

// Location returns the tenant's time zone.
func (t Tenant) Location() (*time.Location, error) {
	return loadZone(t.TimeZone)
}

// InBusinessHours reports whether t falls in the tenant's business hours,
// read on the wall clock of the tenant's time zone. If the zone cannot be
// loaded (Validate refuses such a tenant) it reports false: outside
// business hours the MSP's after-hours cover applies, so nothing is left
// without an owner.
func (t Tenant) InBusinessHours(at time.Time) bool {
	loc, err := t.Location()
	if err != nil {
		return false
	}
	local := at.In(loc)
	span := t.BusinessHours.Day(local.Weekday())
	if span == nil {
		return false
	}
	minute := ClockTime(local.Hour()*60 + local.Minute())
	return minute >= span.Open && minute < span.Close
}

// Validate checks the tenant: id and name present, a known mode, a time zone
// that loads, sane business hours, a price with a three-letter currency,
// complete branding and, if present, a valid matrix.
func (t Tenant) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkRef("id", t.ID, true))
	add(checkText("name", t.Name, true, MaxNameRunes, false))
	if !t.Mode.Valid() {
		add(invalid("mode", "must be fully-managed or co-managed, not %q", clip(string(t.Mode))))
	}
	if _, err := t.Location(); err != nil {
		add(invalid("time_zone", "%q is not a time zone Tandem knows; use an IANA name such as %s", clip(t.TimeZone), DefaultTimeZone))
	}
	add(prefixField("business_hours", t.BusinessHours.Validate()))
	add(prefixField("price_per_user", t.PricePerUser.Validate()))
	if t.PricePerUser.Minor < 0 {
		add(invalid("price_per_user.minor", "must not be negative"))
	}
	add(prefixField("billing", t.Billing.Validate()))
	add(prefixField("branding", t.Branding.Validate()))
	if len(t.Matrix) > 0 {
		add(t.Matrix.Validate())
	}
	add(prefixField("holidays", t.Holidays.Validate()))
	if t.SLA != (SLAPolicy{}) {
		add(prefixField("sla", t.SLA.Validate()))
	}
	switch {
	case t.OverflowAfter < 0:
		add(invalid("overflow_after", "must not be negative; use 0 for the default of %s", DefaultOverflowAfter))
	case t.OverflowAfter > MaxOverflowAfter:
		add(invalid("overflow_after", "is %s; the longest allowed is a week (%s)", t.OverflowAfter, MaxOverflowAfter))
	}
	add(prefixField("alerts", t.Alerts.Validate()))
	if t.AttachmentQuota < 0 {
		add(invalid("attachment_quota", "must not be negative; use 0 for the default of %d GiB", DefaultAttachmentQuota>>30))
	}
	return errors.Join(errs...)
}

// Validate checks the branding: name, a phone number with at least six
// digits, one plain email address, and an optional PNG logo.
func (b Branding) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkText("name", b.Name, true, MaxNameRunes, false))
	add(checkPhone("support_phone", b.SupportPhone))
	if b.SupportEmail == "" {
		add(invalid("support_email", "is missing; staff need an address to write to"))
	} else if a, err := mail.ParseAddress(b.SupportEmail); err != nil || a.Address != b.SupportEmail {
		add(invalid("support_email", "must be a plain address such as support@example.co.za, not %q", clip(b.SupportEmail)))
	}
	if len(b.LogoPNG) > 0 {
		if len(b.LogoPNG) > MaxLogoBytes {
			add(invalid("logo_png", "is %d bytes; the most allowed is %d KB", len(b.LogoPNG), MaxLogoBytes>>10))
		} else if cfg, err := png.DecodeConfig(bytes.NewReader(b.LogoPNG)); err != nil {
			add(invalid("logo_png", "is not a PNG image: %v", err))
		} else if cfg.Width > 2048 || cfg.Height > 2048 {
			add(invalid("logo_png", "is %d×%d pixels; use at most 2048×2048", cfg.Width, cfg.Height))
		}
	}
	return errors.Join(errs...)
}

func checkPhone(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return invalid(field, "is missing; staff need a number to call")
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return invalid(field, "may hold only digits, spaces, -, ( ) and a leading +, as in +27 21 555 0100")
		}
	}
	if digits < 6 || digits > 15 {
		return invalid(field, "has %d digits; a phone number has 6 to 15", digits)
	}
	return nil
}

// zones caches loaded time zones; time.LoadLocation reads and parses the
// zone database every call.
var zones sync.Map // string → *time.Location

// loadZone loads an IANA zone, DefaultTimeZone for "".
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	// "Local" would make the answer depend on the machine it runs on.
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q: %w", name, ErrInvalid)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("load time zone %q: %w", name, err)
	}
	zones.Store(name, loc)
	return loc, nil
}

// ClockTime is a time of day in minutes after midnight, 0 to 1440 (24:00,
// the end of the day). In JSON it is "HH:MM".
type ClockTime int

// Clock returns the ClockTime hour:minute.
func Clock(hour, minute int) ClockTime { return ClockTime(hour*60 + minute) }

// Valid reports whether c lies between 00:00 and 24:00.
func (c ClockTime) Valid() bool { return c >= 0 && c <= 24*60 }

// String returns c as "HH:MM".
func (c ClockTime) String() string {
	if !c.Valid() {
		return fmt.Sprintf("ClockTime(%d)", int(c))
	}
	return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60)
}

// MarshalText writes "HH:MM".
func (c ClockTime) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("clock time %d minutes is outside 00:00–24:00: %w", int(c), ErrInvalid)
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads "HH:MM", from "00:00" to "24:00".
func (c *ClockTime) UnmarshalText(b []byte) error {
	s := string(b)
	bad := fmt.Errorf("time of day %q must be written HH:MM, from 00:00 to 24:00: %w", clip(s), ErrInvalid)
	if len(s) != 5 || s[2] != ':' {
		return bad
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return bad
	}
	*c = Clock(h, m)
	return nil
}

// Span is the opening hours of one day, from Open up to (not including)
// Close. A span cannot cross midnight; round-the-clock is 00:00–24:00.
type Span struct {
	Open  ClockTime `json:"open"`
	Close ClockTime `json:"close"`
}

// BusinessHours holds the opening hours of each weekday; nil means closed.
// Public holidays are in Holidays, beside it in the Tenant.
type BusinessHours struct {
	Monday    *Span `json:"monday,omitempty"`
	Tuesday   *Span `json:"tuesday,omitempty"`
	Wednesday *Span `json:"wednesday,omitempty"`
	Thursday  *Span `json:"thursday,omitempty"`
	Friday    *Span `json:"friday,omitempty"`
	Saturday  *Span `json:"saturday,omitempty"`
	Sunday    *Span `json:"sunday,omitempty"`
}

// DefaultBusinessHours is Monday to Friday, 08:00 to 17:00.
func DefaultBusinessHours() BusinessHours {
	day := func() *Span { return &Span{Open: Clock(8, 0), Close: Clock(17, 0)} }
	return BusinessHours{Monday: day(), Tuesday: day(), Wednesday: day(), Thursday: day(), Friday: day()}
}

// Day returns the hours of weekday d, or nil if the business is closed.
func (b BusinessHours) Day(d time.Weekday) *Span {
	return *b.slot(d)
}

// SetDay returns a copy of b with weekday d open from open to close, or
// closed if span is nil.
func (b BusinessHours) SetDay(d time.Weekday, span *Span) BusinessHours {
	if span != nil {
		s := *span
		span = &s
	}
	*b.slot(d) = span
	return b
}

func (b *BusinessHours) slot(d time.Weekday) **Span {
	switch d {
	case time.Monday:
		return &b.Monday
	case time.Tuesday:
		return &b.Tuesday
	case time.Wednesday:
		return &b.Wednesday
	case time.Thursday:
		return &b.Thursday
	case time.Friday:
		return &b.Friday
	case time.Saturday:
		return &b.Saturday
	default:
		return &b.Sunday
	}
}

// Validate checks that every open day opens before it closes, within
// 00:00–24:00. A business with no open day is valid: every hour is then
// after hours.
func (b BusinessHours) Validate() error {
	var errs []error
	for d := time.Sunday; d <= time.Saturday; d++ {
		s := b.Day(d)
		if s == nil {
			continue
		}
		field := strings.ToLower(d.String())
		switch {
		case !s.Open.Valid() || !s.Close.Valid():
			errs = append(errs, invalid(field, "times must lie between 00:00 and 24:00"))
		case s.Open >= s.Close:
			errs = append(errs, invalid(field, "opens at %s but closes at %s; the closing time must be later", s.Open, s.Close))
		}
	}
	return errors.Join(errs...)
}

// Money is an amount in the minor unit of an ISO 4217 currency (cents for
// ZAR): Money{Minor: 45000, Currency: "ZAR"} is R450.00.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// currencies holds the symbol and number of decimals of the currencies an
// MSP in Tandem's markets bills in. Others print as "XYZ 1,234.56".
var currencies = map[string]struct {
	symbol   string
	decimals int
}{
	"ZAR": {"R", 2}, "USD": {"$", 2}, "EUR": {"€", 2}, "GBP": {"£", 2},
	"AUD": {"A$", 2}, "NZD": {"NZ$", 2}, "BWP": {"P", 2}, "NAD": {"N$", 2},
	"KES": {"KSh", 2}, "NGN": {"₦", 2}, "JPY": {"¥", 0},
}

// Validate checks that the currency is three upper-case letters.
func (m Money) Validate() error {
	if len(m.Currency) != 3 || strings.ToUpper(m.Currency) != m.Currency ||
		strings.IndexFunc(m.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return invalid("currency", "must be a three-letter ISO 4217 code such as ZAR, not %q", clip(m.Currency))
	}
	return nil
}

// String formats m for people: "R450.00", "R1,250.00", "-R12.50",
// "€9.99", "CHF 10.00".
func (m Money) String() string {
	cur, known := currencies[m.Currency]
	if !known {
		cur.decimals = 2
	}
	// Work on the magnitude in uint64 so the most negative int64 formats too.
	neg := m.Minor < 0
	mag := uint64(m.Minor)
	if neg {
		mag = -mag
	}
	unit := uint64(1)
	for range cur.decimals {
		unit *= 10
	}
	whole := strconv.FormatUint(mag/unit, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if known {
		b.WriteString(cur.symbol)
	} else {
		b.WriteString(m.Currency + " ")
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if cur.decimals > 0 {
		frac := strconv.FormatUint(mag%unit, 10)
		b.WriteByte('.')
		b.WriteString(strings.Repeat("0", cur.decimals-len(frac)))
		b.WriteString(frac)
	}
	return b.String()
}

// MSPName is the MSP's name as the tenant's staff know it (its branding),
// or "your IT provider" when it has none.
func (t Tenant) MSPName() string { return mspName(t) }
