package msp

import (
	"errors"
	"time"
)

// Defaults of AlertPolicy.
const (
	DefaultSilentAfter         = 24 * time.Hour
	DefaultDiskFullPercent     = 90
	DefaultSecurityUpdatesDays = 14
	DefaultRestartDays         = 7
	DefaultEnrollGrace         = 24 * time.Hour
)

// AlertPolicy holds the thresholds of the hub's proactive alerts for one
// tenant. A zero field means its default; a negative day count or
// duration turns that alert off.
type AlertPolicy struct {
	// SilentAfter: a device that has not checked in for this long raises
	// an "offline" alert (default 24 h). In JSON it is nanoseconds.
	SilentAfter time.Duration `json:"silent_after,omitempty"`
	// DiskFullPercent: a disk more than this full raises an alert
	// (default 90; 1 to 100; negative turns it off).
	DiskFullPercent int `json:"disk_full_percent,omitempty"`
	// SecurityUpdatesDays: security updates pending for more than this
	// many days raise an alert (default 14).
	SecurityUpdatesDays int `json:"security_updates_days,omitempty"`
	// RestartDays: a restart pending for more than this many days raises
	// an alert (default 7).
	RestartDays int `json:"restart_days,omitempty"`
	// NoPosture turns off the alert on failing posture checks (firewall,
	// disk encryption, automatic updates, antivirus).
	NoPosture bool `json:"no_posture,omitempty"`
	// EnrollGrace: a device enrolled less than this long ago raises no
	// inventory alert (disk, updates, restart, security baseline), so that
	// a day of enrolments does not open a ticket per new computer; its
	// problems show once the grace ends, at its next check-in (default
	// 24 h; negative: none). In JSON it is nanoseconds.
	EnrollGrace time.Duration `json:"enroll_grace,omitempty"`
}

// AlertRules returns the tenant's alert thresholds with defaults filled in.
func (t Tenant) AlertRules() AlertPolicy { return t.Alerts.WithDefaults() }

// WithDefaults returns p with every zero threshold set to its default.
func (p AlertPolicy) WithDefaults() AlertPolicy {
	if p.SilentAfter == 0 {
		p.SilentAfter = DefaultSilentAfter
	}
	if p.DiskFullPercent == 0 {
		p.DiskFullPercent = DefaultDiskFullPercent
	}
	if p.SecurityUpdatesDays == 0 {
		p.SecurityUpdatesDays = DefaultSecurityUpdatesDays
	}
	if p.RestartDays == 0 {
		p.RestartDays = DefaultRestartDays
	}
	if p.EnrollGrace == 0 {
		p.EnrollGrace = DefaultEnrollGrace
	}
	return p
}

// Validate checks the thresholds: a silence of at least 10 minutes, a disk
// share of at most 100, and day counts of at most a year.
func (p AlertPolicy) Validate() error {
	var errs []error
	if p.SilentAfter > 0 && p.SilentAfter < 10*time.Minute {
		errs = append(errs, invalid("silent_after", "is %s; agents check in every few minutes, so use at least 10m (or a negative value to turn the alert off)", p.SilentAfter))
	}
	if p.SilentAfter > 90*24*time.Hour {
		errs = append(errs, invalid("silent_after", "is %s; the longest allowed is 90 days", p.SilentAfter))
	}
	if p.DiskFullPercent > 100 {
		errs = append(errs, invalid("disk_full_percent", "must be 1 to 100 (or negative to turn the alert off), not %d", p.DiskFullPercent))
	}
	if p.SecurityUpdatesDays > 365 {
		errs = append(errs, invalid("security_updates_days", "must be at most 365, not %d", p.SecurityUpdatesDays))
	}
	if p.EnrollGrace > 30*24*time.Hour {
		errs = append(errs, invalid("enroll_grace", "is %s; the longest allowed is 30 days", p.EnrollGrace))
	}
	if p.RestartDays > 365 {
		errs = append(errs, invalid("restart_days", "must be at most 365, not %d", p.RestartDays))
	}
	return errors.Join(errs...)
}
