package msp

import "fmt"

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleEndUser, RoleITLead, RoleTechnician, RoleSystem:
		return true
	}
	return false
}

// IsStaff reports whether r is a person who works tickets: the customer's IT
// lead or an MSP technician.
func (r Role) IsStaff() bool { return r == RoleITLead || r == RoleTechnician }

// Label returns the role in words, for messages: "an end user", "the IT
// lead", "a technician", "the hub".
func (r Role) Label() string {
	switch r {
	case RoleEndUser:
		return "an end user"
	case RoleITLead:
		return "the IT lead"
	case RoleTechnician:
		return "a technician"
	case RoleSystem:
		return "the hub"
	}
	return fmt.Sprintf("unknown role %q", clip(string(r)))
}

// Valid reports whether p is msp, internal or shared.
func (p Party) Valid() bool {
	switch p {
	case PartyMSP, PartyInternal, PartyShared:
		return true
	}
	return false
}

// Label returns the party in words: "the MSP", "internal IT", "shared".
func (p Party) Label() string {
	switch p {
	case PartyMSP:
		return "the MSP"
	case PartyInternal:
		return "internal IT"
	case PartyShared:
		return "shared"
	}
	return fmt.Sprintf("unknown party %q", clip(string(p)))
}
