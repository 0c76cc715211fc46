package msp

import (
	"errors"
	"fmt"
	"time"
)

// BillingBasis says what the MSP counts to bill a tenant each month.
type BillingBasis string

// Billing bases.
const (
	// BillSeats counts the organisation's people (tandem-hub person add or
	// import), whether or not they raised a ticket.
	BillSeats BillingBasis = "seats"
	// BillDevices counts the enrolled devices, retired ones left out.
	BillDevices BillingBasis = "devices"
	// BillActiveUsers counts the people who used an enrolled device that
	// checked in during the month (by their accounts on it).
	BillActiveUsers BillingBasis = "active-users"
)

// BillingBases lists the bases in the order the command line names them.
func BillingBases() []BillingBasis { return []BillingBasis{BillSeats, BillDevices, BillActiveUsers} }

// Valid reports whether b is a known basis.
func (b BillingBasis) Valid() bool {
	return b == BillSeats || b == BillDevices || b == BillActiveUsers
}

// Unit is what one of b is, in words: "user", "device", "active user".
func (b BillingBasis) Unit() string {
	switch b {
	case BillDevices:
		return "device"
	case BillActiveUsers:
		return "active user"
	}
	return "user"
}

// Units is Unit for n of them: "1 user", "26 devices".
func (b BillingBasis) Units(n int) string {
	u := b.Unit()
	if n != 1 {
		u += "s"
	}
	return fmt.Sprintf("%d %s", n, u)
}

// Billing is how the MSP bills a tenant: Tenant.PricePerUser (excl. VAT)
// per Basis per month, on a contract of ContractMonths from ContractStart.
type Billing struct {
	// Basis is what is counted; empty means BillSeats.
	Basis BillingBasis `json:"basis,omitempty"`
	// ContractMonths is the length of the contract (0: month to month).
	ContractMonths int `json:"contract_months,omitempty"`
	// ContractStart is the first day of the contract, in the tenant's
	// zone (YYYY-MM-DD); empty when not recorded.
	ContractStart string `json:"contract_start,omitempty"`
}

// MaxContractMonths caps Billing.ContractMonths: five years.
const MaxContractMonths = 60

// BillingBasis returns the tenant's basis, BillSeats if it names none.
func (t Tenant) BillingBasis() BillingBasis {
	if t.Billing.Basis == "" {
		return BillSeats
	}
	return t.Billing.Basis
}

// Validate checks a known basis, a contract of at most MaxContractMonths
// and a start date written YYYY-MM-DD.
func (b Billing) Validate() error {
	var errs []error
	if b.Basis != "" && !b.Basis.Valid() {
		errs = append(errs, invalid("basis", "must be seats, devices or active-users, not %q", clip(string(b.Basis))))
	}
	if b.ContractMonths < 0 || b.ContractMonths > MaxContractMonths {
		errs = append(errs, invalid("contract_months", "must be 0 (month to month) to %d, not %d", MaxContractMonths, b.ContractMonths))
	}
	if b.ContractStart != "" {
		if _, err := time.Parse(time.DateOnly, b.ContractStart); err != nil {
			errs = append(errs, invalid("contract_start", "must be a date written YYYY-MM-DD, not %q", clip(b.ContractStart)))
		}
	}
	return errors.Join(errs...)
}

// ContractText says the contract in words: "12-month contract from 1
// December 2026", "12-month contract", "month to month".
func (b Billing) ContractText() string {
	if b.ContractMonths == 0 {
		return "month to month"
	}
	s := fmt.Sprintf("%d-month contract", b.ContractMonths)
	if b.ContractMonths == 1 {
		s = "1-month contract"
	}
	if d, err := time.Parse(time.DateOnly, b.ContractStart); err == nil {
		s += " from " + d.Format("2 January 2006")
		end := d.AddDate(0, b.ContractMonths, -1)
		s += " to " + end.Format("2 January 2006")
	}
	return s
}
