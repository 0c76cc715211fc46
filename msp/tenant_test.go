package msp

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"
)

func validTenant() Tenant {
	tn := NewTenant("acme", "Acme Attorneys", ModeCoManaged)
	tn.PricePerUser = Money{Minor: 45000, Currency: "ZAR"}
	tn.Branding = Branding{Name: "Blue Fern IT", SupportPhone: "+27 21 555 0100", SupportEmail: "help@bluefern.example"}
	return tn
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTenantValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Tenant)
		field string // "" means valid
	}{
		{"defaults", func(*Tenant) {}, ""},
		{"empty zone means default", func(tn *Tenant) { tn.TimeZone = "" }, ""},
		{"other zone", func(tn *Tenant) { tn.TimeZone = "Europe/London" }, ""},
		{"no matrix means default", func(tn *Tenant) { tn.Matrix = nil }, ""},
		{"logo", func(tn *Tenant) { tn.Branding.LogoPNG = pngBytes(t, 64, 64) }, ""},
		{"weekend open, weekday closed", func(tn *Tenant) {
			tn.BusinessHours = tn.BusinessHours.SetDay(time.Saturday, &Span{Clock(9, 0), Clock(13, 0)}).SetDay(time.Monday, nil)
		}, ""},
		{"round the clock", func(tn *Tenant) { tn.BusinessHours = tn.BusinessHours.SetDay(time.Sunday, &Span{0, Clock(24, 0)}) }, ""},
		{"no id", func(tn *Tenant) { tn.ID = "" }, "id"},
		{"id with space", func(tn *Tenant) { tn.ID = "acme corp" }, "id"},
		{"no name", func(tn *Tenant) { tn.Name = "  " }, "name"},
		{"bad mode", func(tn *Tenant) { tn.Mode = "half-managed" }, "mode"},
		{"unknown zone", func(tn *Tenant) { tn.TimeZone = "Africa/Atlantis" }, "time_zone"},
		{"machine zone", func(tn *Tenant) { tn.TimeZone = "Local" }, "time_zone"},
		{"opens after it closes", func(tn *Tenant) { tn.BusinessHours.Monday = &Span{Clock(17, 0), Clock(8, 0)} }, "business_hours.monday"},
		{"opens when it closes", func(tn *Tenant) { tn.BusinessHours.Friday = &Span{Clock(8, 0), Clock(8, 0)} }, "business_hours.friday"},
		{"past midnight", func(tn *Tenant) { tn.BusinessHours.Tuesday = &Span{Clock(8, 0), Clock(25, 0)} }, "business_hours.tuesday"},
		{"lower-case currency", func(tn *Tenant) { tn.PricePerUser.Currency = "zar" }, "price_per_user.currency"},
		{"two-letter currency", func(tn *Tenant) { tn.PricePerUser.Currency = "ZA" }, "price_per_user.currency"},
		{"negative price", func(tn *Tenant) { tn.PricePerUser.Minor = -1 }, "price_per_user.minor"},
		{"no branding name", func(tn *Tenant) { tn.Branding.Name = "" }, "branding.name"},
		{"no phone", func(tn *Tenant) { tn.Branding.SupportPhone = "" }, "branding.support_phone"},
		{"phone with letters", func(tn *Tenant) { tn.Branding.SupportPhone = "call us" }, "branding.support_phone"},
		{"phone too short", func(tn *Tenant) { tn.Branding.SupportPhone = "555" }, "branding.support_phone"},
		{"no email", func(tn *Tenant) { tn.Branding.SupportEmail = "" }, "branding.support_email"},
		{"email with name", func(tn *Tenant) { tn.Branding.SupportEmail = "Help <help@bluefern.example>" }, "branding.support_email"},
		{"not an email", func(tn *Tenant) { tn.Branding.SupportEmail = "help" }, "branding.support_email"},
		{"logo not png", func(tn *Tenant) { tn.Branding.LogoPNG = []byte("GIF89a....") }, "branding.logo_png"},
		{"logo too wide", func(tn *Tenant) { tn.Branding.LogoPNG = pngBytes(t, 4096, 1) }, "branding.logo_png"},
		{"logo too big", func(tn *Tenant) { tn.Branding.LogoPNG = make([]byte, MaxLogoBytes+1) }, "branding.logo_png"},
		{"matrix incomplete", func(tn *Tenant) { tn.Matrix = tn.Matrix[2:] }, "matrix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := validTenant()
			tt.edit(&tn)
			err := tn.Validate()
			if tt.field == "" {
				wantErrIs(t, err, nil)
				return
			}
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, tt.field)
		})
	}
}

func TestInBusinessHours(t *testing.T) {
	t.Parallel()
	jhb := validTenant() // Mon–Fri 08:00–17:00 Africa/Johannesburg (UTC+2, no DST)
	london := validTenant()
	london.TimeZone = "Europe/London"
	broken := validTenant()
	broken.TimeZone = "Mars/Olympus"
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name   string
		tenant Tenant
		at     time.Time
		want   bool
	}{
		{"Monday 08:00 SAST opens", jhb, utc("2025-03-03T06:00:00Z"), true},
		{"Monday 07:59 SAST", jhb, utc("2025-03-03T05:59:00Z"), false},
		{"Monday 16:59 SAST", jhb, utc("2025-03-03T14:59:59Z"), true},
		{"Monday 17:00 SAST closes", jhb, utc("2025-03-03T15:00:00Z"), false},
		{"Friday noon", jhb, utc("2025-03-07T10:00:00Z"), true},
		{"Saturday noon", jhb, utc("2025-03-08T10:00:00Z"), false},
		{"Sunday 23:30 UTC is Monday 01:30 SAST", jhb, utc("2025-03-02T23:30:00Z"), false},
		{"the zone of the input does not matter", jhb, utc("2025-03-03T01:30:00-05:00"), true},
		{"07:30 written in SAST", jhb, utc("2025-03-03T07:30:00+02:00"), false},
		{"London winter 08:00 GMT", london, utc("2025-01-06T08:00:00Z"), true},
		{"London summer 07:30 UTC is 08:30 BST", london, utc("2025-07-07T07:30:00Z"), true},
		{"London summer 16:30 UTC is 17:30 BST", london, utc("2025-07-07T16:30:00Z"), false},
		{"unknown zone counts as after hours", broken, utc("2025-03-03T10:00:00Z"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.tenant.InBusinessHours(tt.at); got != tt.want {
				t.Fatalf("InBusinessHours(%v) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
	allDay := validTenant()
	allDay.BusinessHours = BusinessHours{}.SetDay(time.Sunday, &Span{0, Clock(24, 0)})
	if !allDay.InBusinessHours(utc("2025-03-09T21:59:59Z")) || allDay.InBusinessHours(utc("2025-03-09T22:00:00Z")) {
		t.Error("00:00–24:00 Sunday span wrong at midnight SAST")
	}
}

func TestTenantDefaultsAndJSON(t *testing.T) {
	t.Parallel()
	tn := validTenant()
	if tn.TimeZone != "Africa/Johannesburg" || tn.PricePerUser.String() != "R450.00" {
		t.Fatalf("defaults: %q %q", tn.TimeZone, tn.PricePerUser)
	}
	if len((Tenant{Mode: ModeFullyManaged}).Responsibilities()) != len(Functions()) {
		t.Error("Responsibilities of a tenant without matrix")
	}
	b, err := json.Marshal(tn)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"monday":{"open":"08:00","close":"17:00"}`, `"price_per_user":{"minor":45000,"currency":"ZAR"}`, `"time_zone":"Africa/Johannesburg"`, `"support_phone"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), "saturday") {
		t.Errorf("closed day in JSON: %s", b)
	}
	var back Tenant
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Validate() != nil || back.BusinessHours.Day(time.Wednesday).Close != Clock(17, 0) || back.BusinessHours.Day(time.Sunday) != nil {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestClockTimeText(t *testing.T) {
	t.Parallel()
	good := map[string]ClockTime{"00:00": 0, "08:30": Clock(8, 30), "23:59": Clock(23, 59), "24:00": Clock(24, 0)}
	for s, want := range good {
		var c ClockTime
		if err := c.UnmarshalText([]byte(s)); err != nil || c != want {
			t.Errorf("%q → %v, %v", s, c, err)
		}
		if b, err := c.MarshalText(); err != nil || string(b) != s {
			t.Errorf("%v → %q, %v", c, b, err)
		}
	}
	for _, s := range []string{"8:00", "08:60", "24:01", "25:00", "-1:00", "ab:cd", "08-00", "", "08:00:00"} {
		var c ClockTime
		err := c.UnmarshalText([]byte(s))
		wantErrIs(t, err, ErrInvalid)
	}
	if _, err := ClockTime(1441).MarshalText(); err == nil {
		t.Error("MarshalText of 24:01")
	}
	var sp Span
	if err := json.Unmarshal([]byte(`{"open":"8am","close":"17:00"}`), &sp); err == nil {
		t.Error("JSON accepted 8am")
	}
}

func TestMoneyString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    Money
		want string
	}{
		{Money{45000, "ZAR"}, "R450.00"},
		{Money{0, "ZAR"}, "R0.00"},
		{Money{5, "ZAR"}, "R0.05"},
		{Money{125000, "ZAR"}, "R1,250.00"},
		{Money{123456789, "ZAR"}, "R1,234,567.89"},
		{Money{-1250, "ZAR"}, "-R12.50"},
		{Money{999, "USD"}, "$9.99"},
		{Money{1999, "EUR"}, "€19.99"},
		{Money{150000, "JPY"}, "¥150,000"},
		{Money{1000, "CHF"}, "CHF 10.00"},
		{Money{-9223372036854775808, "ZAR"}, "-R92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("%+v = %q, want %q", tt.m, got, tt.want)
		}
	}
}
