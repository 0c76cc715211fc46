package msp

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// MaxPersonAccounts caps the OS accounts of one person.
const MaxPersonAccounts = 32

// MaxPeople caps the people of one tenant (and of one import).
const MaxPeople = 5000

// Person is one of a tenant's people, as the MSP knows them: who raises
// tickets, whom to call back, and whose seats are billed. A ticket's
// requester (an OS account on a device) is matched to a person by one of
// their Accounts (see MatchPerson).
type Person struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	Email  string `json:"email,omitempty"`
	Phone  string `json:"phone,omitempty"`
	// Accounts are the person's OS accounts and the devices they are on.
	Accounts  []PersonAccount `json:"accounts,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at,omitzero"`
}

// PersonAccount is an OS account on one device: Device is the device's
// hostname or its id, Account the account name ("thandi", "ACME\\thandi").
type PersonAccount struct {
	Device  string `json:"device"`
	Account string `json:"account"`
}

// String writes the account as the command line takes it: "DEVICE:ACCOUNT".
func (a PersonAccount) String() string { return a.Device + ":" + a.Account }

// ParsePersonAccount reads "DEVICE:ACCOUNT" (the device's hostname or id,
// a colon, the OS account).
func ParsePersonAccount(s string) (PersonAccount, error) {
	dev, acct, ok := strings.Cut(strings.TrimSpace(s), ":")
	dev, acct = strings.TrimSpace(dev), strings.TrimSpace(acct)
	if !ok || dev == "" || acct == "" {
		return PersonAccount{}, invalid("accounts", "%q is not DEVICE:ACCOUNT (the computer's name, a colon, the person's login on it, such as pc-042:thandi)", clip(s))
	}
	return PersonAccount{Device: dev, Account: acct}, nil
}

// Key is how accounts compare: the device and the account without its
// Windows domain, in lower case ("pc-042:thandi").
func (a PersonAccount) Key() string {
	return strings.ToLower(a.Device) + ":" + strings.ToLower(accountName(a.Account))
}

// same reports whether a and b name the same account on the same device:
// names compare without regard to case, as Windows treats them.
func (a PersonAccount) same(b PersonAccount) bool {
	return strings.EqualFold(a.Device, b.Device) && strings.EqualFold(accountName(a.Account), accountName(b.Account))
}

// accountName drops a Windows domain ("ACME\\thandi" → "thandi").
func accountName(s string) string {
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Validate checks the person: id, tenant and name present, a plain e-mail
// address if any, a phone number with at least six digits if any, and
// well-formed accounts, none twice.
func (p Person) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkRef("id", p.ID, true))
	add(checkRef("tenant", p.Tenant, true))
	add(checkText("name", p.Name, true, MaxNameRunes, false))
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			add(invalid("email", "must be a plain address such as thandi@example.co.za, not %q", clip(p.Email)))
		}
	}
	if p.Phone != "" {
		add(checkPhone("phone", p.Phone))
	}
	if len(p.Accounts) > MaxPersonAccounts {
		add(invalid("accounts", "are %d; a person has at most %d", len(p.Accounts), MaxPersonAccounts))
	}
	for i, a := range p.Accounts {
		f := fmt.Sprintf("accounts[%d]", i)
		add(checkText(f+".device", a.Device, true, MaxNameRunes, false))
		add(checkText(f+".account", a.Account, true, MaxNameRunes, false))
		if strings.Contains(a.Device, ":") {
			add(invalid(f+".device", "must not contain a colon: %q", clip(a.Device)))
		}
		for _, b := range p.Accounts[:i] {
			if a.same(b) {
				add(invalid(f, "%s is listed twice", a))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// Uses reports whether account is one of the person's on the device with
// this id or hostname.
func (p Person) Uses(deviceID, hostname, account string) bool {
	for _, a := range p.Accounts {
		if !strings.EqualFold(accountName(a.Account), accountName(account)) {
			continue
		}
		if (deviceID != "" && strings.EqualFold(a.Device, deviceID)) || (hostname != "" && strings.EqualFold(a.Device, hostname)) {
			return true
		}
	}
	return false
}

// Shares returns an account p and q both claim, if any: an OS account on
// a device belongs to one person.
func (p Person) Shares(q Person) (PersonAccount, bool) {
	for _, a := range p.Accounts {
		for _, b := range q.Accounts {
			if a.same(b) {
				return a, true
			}
		}
	}
	return PersonAccount{}, false
}

// SplitRequester splits a ticket's requester ("thandi@pc-042", the OS
// account and the computer's hostname) into its parts; a requester
// without "@" is an account alone.
func SplitRequester(requester string) (account, hostname string) {
	if i := strings.LastIndexByte(requester, '@'); i >= 0 {
		return requester[:i], requester[i+1:]
	}
	return requester, ""
}

// MatchPerson finds the person whose account raised t: the account of
// t.Requester on t.Device (by id) or on the hostname the requester names
// (or hostname, when given, the device's current name).
func MatchPerson(people []Person, t *Ticket, hostname string) (Person, bool) {
	if t == nil || t.Requester == "" {
		return Person{}, false
	}
	account, host := SplitRequester(t.Requester)
	for _, p := range people {
		if p.Tenant != "" && p.Tenant != t.Tenant {
			continue
		}
		if p.Uses(t.Device, host, account) || (hostname != "" && p.Uses("", hostname, account)) {
			return p, true
		}
	}
	return Person{}, false
}

// Contact writes the person for a ticket: "Thandi Nkosi · +27 82 555 0101".
func (p Person) Contact() string {
	if p.Phone == "" {
		return p.Name
	}
	return p.Name + " · " + p.Phone
}

// RequesterKey is how a requester ("ACME\\Thandi@RECEPTION-PC") compares
// with the accounts of people: lower case, without a Windows domain.
func RequesterKey(requester string) string {
	account, host := SplitRequester(requester)
	return strings.ToLower(accountName(account) + "@" + host)
}
