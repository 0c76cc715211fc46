package inventory

import (
	"strings"

	"tandem/msp"
)

// firewallPolicyPath is where Windows keeps each firewall profile's
// settings (HKLM); firewallGPOPath is where Group Policy overrides them.
const (
	firewallPolicyPath = `SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy`
	firewallGPOPath    = `SOFTWARE\Policies\Microsoft\WindowsFirewall`
)

// firewallProfiles are the profiles as Windows Security names them, with
// their registry key names.
var firewallProfiles = []struct{ Name, Key string }{
	{"Domain", "DomainProfile"},
	{"Private", "StandardProfile"},
	{"Public", "PublicProfile"},
}

// fwProfile is one profile's EnableFirewall values: the local setting and
// the Group Policy one; nil when absent.
type fwProfile struct {
	Local, Policy *uint64
}

// winFirewallFromRegistry judges the firewall from the registry, as the
// firewall service reads it: a Group Policy value wins over the local one.
// It is ok when every profile is on and failing when any is off; ok false
// when no profile has a value (the registry cannot tell).
func winFirewallFromRegistry(profiles map[string]fwProfile) (c msp.Check, ok bool) {
	var parts, off []string
	known := 0
	for _, p := range firewallProfiles {
		v := profiles[p.Key]
		on := v.Policy
		by := " (Group Policy)"
		if on == nil {
			on, by = v.Local, ""
		}
		switch {
		case on == nil:
			parts = append(parts, p.Name+" not set")
		case *on == 0:
			known++
			off = append(off, p.Name)
			parts = append(parts, p.Name+" off"+by)
		default:
			known++
			parts = append(parts, p.Name+" on"+by)
		}
	}
	if known == 0 {
		return msp.Check{}, false
	}
	if len(off) > 0 {
		return check(msp.CheckFailing, "Windows Firewall: %s", strings.Join(parts, ", ")), true
	}
	return check(msp.CheckOK, "Windows Firewall: %s", strings.Join(parts, ", ")), true
}
