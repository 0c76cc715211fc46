package inventory

import (
	"testing"

	"tandem/msp"
)

// A Windows 7 machine with every profile's firewall off (GLPI's
// 7_firewall captures): failing, each profile named.
func TestFirewallFromRegistryCaptures(t *testing.T) {
	profiles := map[string]fwProfile{}
	for _, p := range firewallProfiles {
		keys := loadReg(t, regCapture("7_firewall-"+p.Key+".reg"))
		vs, ok := keys[`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\services\SharedAccess\Parameters\FirewallPolicy\`+p.Key]
		if !ok {
			t.Fatalf("%s: no profile key", p.Key)
		}
		if v, ok := vs["EnableFirewall"]; ok {
			n := v.Int
			profiles[p.Key] = fwProfile{Local: &n}
		}
	}
	c, ok := winFirewallFromRegistry(profiles)
	if !ok || c.State != msp.CheckFailing || c.Evidence != "Windows Firewall: Domain off, Private off, Public off" {
		t.Errorf("firewall = %+v, %v", c, ok)
	}
}

// Group Policy wins over the local setting; a profile with no value is
// said so; no value at all is not a judgement.
func TestFirewallFromRegistryPolicy(t *testing.T) {
	on, off := uint64(1), uint64(0)
	c, ok := winFirewallFromRegistry(map[string]fwProfile{
		"DomainProfile":   {Local: &off, Policy: &on},
		"StandardProfile": {Local: &on},
	})
	if !ok || c.State != msp.CheckOK || c.Evidence != "Windows Firewall: Domain on (Group Policy), Private on, Public not set" {
		t.Errorf("firewall = %+v, %v", c, ok)
	}
	if _, ok := winFirewallFromRegistry(map[string]fwProfile{}); ok {
		t.Error("no values gave a judgement")
	}
}
