package msp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
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

// ParseMoney reads an amount written for people ("450", "450.50",
// "1 250,00" is refused: use a dot) in currency's units into Money.
func ParseMoney(amount, currency string) (Money, error) {
	m := Money{Currency: strings.ToUpper(strings.TrimSpace(currency))}
	if err := m.Validate(); err != nil {
		return Money{}, err
	}
	decimals := 2
	if c, ok := currencies[m.Currency]; ok {
		decimals = c.decimals
	}
	s := strings.TrimSpace(amount)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || (hasFrac && (frac == "" || strings.Trim(frac, "0123456789") != "")) {
		return Money{}, invalid("price", "%q is not an amount such as 450 or 450.50 (digits and one dot)", clip(amount))
	}
	if len(frac) > decimals {
		return Money{}, invalid("price", "%q has %d decimals; %s has %d", clip(amount), len(frac), m.Currency, decimals)
	}
	frac += strings.Repeat("0", decimals-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > 1e15 {
		return Money{}, invalid("price", "%q is too large", clip(amount))
	}
	m.Minor = n
	return m, nil
}
