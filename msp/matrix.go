package msp

import (
	"errors"
	"fmt"
	"slices"
)

// Function is one line of the shared-responsibility matrix: a piece of IT
// work that someone must own.
type Function string

// The functions of the responsibility matrix. The ids are stable; they are
// stored in every tenant's matrix.
const (
	FuncMonitoring       Function = "monitoring-24x7"
	FuncPatching         Function = "patching"
	FuncBackup           Function = "backup-and-restore"
	FuncSecurityBaseline Function = "security-baseline"
	FuncHelpdeskTier1    Function = "helpdesk-tier-1"
	FuncHelpdeskTier2    Function = "helpdesk-tier-2"
	FuncHelpdeskTier3    Function = "helpdesk-tier-3"
	FuncAfterHours       Function = "after-hours-cover"
	FuncMicrosoft365     Function = "microsoft-365"
	FuncNetwork          Function = "network"
	FuncCommunications   Function = "communications"
	FuncProjects         Function = "projects"
	FuncVendorManagement Function = "vendor-management"
	FuncOnboarding       Function = "onboarding-offboarding"
	FuncCompliance       Function = "compliance-documentation"
	FuncDRTesting        Function = "dr-testing"
	FuncStrategy         Function = "strategy"
)

// FunctionInfo names and explains a function.
type FunctionInfo struct {
	ID          Function `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
}

var functions = []FunctionInfo{
	{FuncMonitoring, "24/7 monitoring", "Watching devices, servers and services around the clock and acting on alerts"},
	{FuncPatching, "Patching", "Operating system and application updates, and the restarts they need"},
	{FuncBackup, "Backup and restore tests", "Running backups, checking them, and proving files can be restored"},
	{FuncSecurityBaseline, "Security baseline", "Antivirus, firewall, disk encryption, sign-in protection and their upkeep"},
	{FuncHelpdeskTier1, "Helpdesk tier 1", "First answer to staff: passwords, printing, how-to questions"},
	{FuncHelpdeskTier2, "Helpdesk tier 2", "Problems that need a technician's deeper look or a visit"},
	{FuncHelpdeskTier3, "Helpdesk tier 3", "Specialist problems: servers, complex faults, vendor escalations"},
	{FuncAfterHours, "After-hours cover", "Answering urgent problems outside business hours"},
	{FuncMicrosoft365, "Microsoft 365", "Mail, Teams, OneDrive, SharePoint, licences and account settings"},
	{FuncNetwork, "Network", "Internet links, firewalls, Wi-Fi, switches and remote access"},
	{FuncCommunications, "Communications", "Phone systems, softphones, mobiles and meeting rooms"},
	{FuncProjects, "Projects", "Planned changes: new systems, moves, upgrades"},
	{FuncVendorManagement, "Vendor management", "Dealing with suppliers, renewals and line-of-business software vendors"},
	{FuncOnboarding, "Onboarding and offboarding", "Accounts, devices and access for people who join or leave"},
	{FuncCompliance, "Compliance documentation", "Policies, asset registers and evidence for audits (POPIA, GDPR, insurers)"},
	{FuncDRTesting, "Disaster recovery testing", "Rehearsing recovery from a major outage and writing down what was learnt"},
	{FuncStrategy, "IT strategy", "Budgets, roadmap and advice to the business's leadership"},
}

// Functions returns every function of the matrix in display order. The
// result is a copy the caller may change.
func Functions() []FunctionInfo { return slices.Clone(functions) }

// LookupFunction returns the function with id f.
func LookupFunction(f Function) (FunctionInfo, bool) {
	for _, info := range functions {
		if info.ID == f {
			return info, true
		}
	}
	return FunctionInfo{}, false
}

// Valid reports whether f is a function of the matrix.
func (f Function) Valid() bool {
	_, ok := LookupFunction(f)
	return ok
}

// Name returns the function's display name, or the raw id if it is unknown.
func (f Function) Name() string {
	if info, ok := LookupFunction(f); ok {
		return info.Name
	}
	return string(f)
}

// Responsibility says who owns a function in business hours and after hours.
//
// PartyShared means both sides work it; how a shared ticket is split (for
// example internal IT first, the MSP for overflow) is the hub's routing
// policy, not the matrix's.
type Responsibility struct {
	Function      Function `json:"function"`
	BusinessHours Party    `json:"business_hours"`
	AfterHours    Party    `json:"after_hours"`
	Note          string   `json:"note,omitempty"` // what the parties agreed, in their words
}

// Matrix is a tenant's shared-responsibility matrix: one Responsibility per
// function. A valid matrix has every function exactly once.
type Matrix []Responsibility

// DefaultMatrix returns the matrix a new tenant of the given mode starts
// with, in display order. An unknown mode gets the fully-managed matrix.
//
// Fully managed: the MSP owns everything at all hours; strategy is shared
// with the business's leadership.
//
// Co-managed: the MSP owns the always-on layer (monitoring, patching,
// backup, security baseline, tier 3, after-hours cover) at all hours.
// Internal IT owns projects, vendors, strategy and tier 1 in business hours;
// helpdesk tiers 1 and 2 and the day-to-day services go to the MSP after
// hours, and tier 2 is shared in the day (the MSP takes the overflow).
func DefaultMatrix(mode ServiceMode) Matrix {
	m := make(Matrix, len(functions))
	for i, f := range functions {
		m[i] = Responsibility{Function: f.ID, BusinessHours: PartyMSP, AfterHours: PartyMSP}
	}
	set := func(f Function, business, after Party) {
		for i := range m {
			if m[i].Function == f {
				m[i].BusinessHours, m[i].AfterHours = business, after
			}
		}
	}
	if mode != ModeCoManaged {
		set(FuncStrategy, PartyShared, PartyShared)
		return m
	}
	set(FuncHelpdeskTier1, PartyInternal, PartyMSP)
	set(FuncHelpdeskTier2, PartyShared, PartyMSP)
	set(FuncMicrosoft365, PartyShared, PartyMSP)
	set(FuncNetwork, PartyShared, PartyMSP)
	set(FuncCommunications, PartyShared, PartyMSP)
	set(FuncOnboarding, PartyInternal, PartyMSP) // an urgent leaver at night is the MSP's
	set(FuncProjects, PartyInternal, PartyInternal)
	set(FuncVendorManagement, PartyInternal, PartyInternal)
	set(FuncCompliance, PartyShared, PartyShared)
	set(FuncDRTesting, PartyShared, PartyShared)
	set(FuncStrategy, PartyInternal, PartyInternal)
	return m
}

// Lookup returns the row for f.
func (m Matrix) Lookup(f Function) (Responsibility, bool) {
	for _, r := range m {
		if r.Function == f {
			return r, true
		}
	}
	return Responsibility{}, false
}

// OwnerAt returns who owns f in or outside business hours, or the empty
// Party if m has no row for f (Validate refuses such a matrix).
func (m Matrix) OwnerAt(f Function, inBusinessHours bool) Party {
	r, ok := m.Lookup(f)
	switch {
	case !ok:
		return ""
	case inBusinessHours:
		return r.BusinessHours
	default:
		return r.AfterHours
	}
}

// OwnerFor returns who owns a ticket of pillar p and the given category, in
// or outside business hours, through FunctionFor.
func (m Matrix) OwnerFor(p Pillar, category string, inBusinessHours bool) (Party, error) {
	f, err := FunctionFor(p, category)
	if err != nil {
		return "", err
	}
	owner := m.OwnerAt(f, inBusinessHours)
	if owner == "" {
		return "", invalid("matrix", "has no row for %s; add one", f.Name())
	}
	return owner, nil
}

// With returns a copy of m in which f is owned by business in business hours
// and by after outside them. It adds the row if m lacks it.
func (m Matrix) With(f Function, business, after Party) (Matrix, error) {
	if !f.Valid() {
		return nil, invalid("function", "%q is not a function of the matrix", clip(string(f)))
	}
	if !business.Valid() {
		return nil, invalid("business_hours", "must be msp, internal or shared, not %q", clip(string(business)))
	}
	if !after.Valid() {
		return nil, invalid("after_hours", "must be msp, internal or shared, not %q", clip(string(after)))
	}
	out := slices.Clone(m)
	for i := range out {
		if out[i].Function == f {
			out[i].BusinessHours, out[i].AfterHours = business, after
			return out, nil
		}
	}
	return append(out, Responsibility{Function: f, BusinessHours: business, AfterHours: after}), nil
}

// Validate checks that every function appears exactly once, that no
// unknown function appears, and that every owner is msp, internal or shared.
func (m Matrix) Validate() error {
	var errs []error
	seen := make(map[Function]bool, len(m))
	for i, r := range m {
		field := fmt.Sprintf("matrix[%d]", i)
		switch {
		case !r.Function.Valid():
			errs = append(errs, invalid(field+".function", "%q is not a function of the matrix", clip(string(r.Function))))
		case seen[r.Function]:
			errs = append(errs, invalid(field+".function", "%s appears twice; keep one row", r.Function.Name()))
		}
		seen[r.Function] = true
		if err := r.validOwners(field); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range functions {
		if !seen[f.ID] {
			errs = append(errs, invalid("matrix", "has no row for %s; say who owns it", f.Name))
		}
	}
	return errors.Join(errs...)
}
