package inventory

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows/registry"

	"tandem/internal/winebed"

	"tandem/msp"
)

// A real Windows 7 machine's firewall profiles, all off (GLPI's captures),
// imported with regedit: the posture reads them from the registry, with no
// PowerShell, and fails the firewall naming each profile. It changes HKLM,
// so it runs under wine alone and puts back what was there.
func TestFirewallCapturesReadBackFromTheRegistry(t *testing.T) {
	if !winebed.UnderWine() {
		t.Skip("imports a real machine's firewall settings into HKLM: only in the wine test bed")
	}
	for _, p := range firewallProfiles {
		restore := saveEnableFirewall(t, firewallPolicyPath+`\`+p.Key)
		t.Cleanup(restore)
		path, err := filepath.Abs(regCapture("7_firewall-" + p.Key + ".reg"))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("regedit.exe", "/S", path).CombinedOutput(); err != nil {
			t.Fatalf("regedit /S %s: %v: %s", path, err, out)
		}
	}
	c := newCollector(Options{})
	got, _ := c.winPosture(context.Background())
	if got.Firewall.State != msp.CheckFailing || got.Firewall.Evidence != "Windows Firewall: Domain off, Private off, Public off" {
		t.Errorf("firewall = %+v", got.Firewall)
	}
}

// saveEnableFirewall returns what puts key's EnableFirewall back as it is
// now: the value, or its absence, or the key's absence.
func saveEnableFirewall(t *testing.T, path string) func() {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return func() {
			parent, name := filepath.Dir(path), filepath.Base(path)
			pk, err := registry.OpenKey(registry.LOCAL_MACHINE, parent, registry.ALL_ACCESS|registry.WOW64_64KEY)
			if err != nil {
				t.Errorf("putting back %s: %v", path, err)
				return
			}
			defer pk.Close()
			if err := deleteTree(pk, name); err != nil {
				t.Errorf("putting back %s: %v", path, err)
			}
		}
	}
	v, _, verr := k.GetIntegerValue("EnableFirewall")
	k.Close()
	return func() {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.SET_VALUE|registry.WOW64_64KEY)
		if err != nil {
			t.Errorf("putting back %s: %v", path, err)
			return
		}
		defer k.Close()
		if verr != nil {
			err = k.DeleteValue("EnableFirewall")
		} else {
			err = k.SetDWordValue("EnableFirewall", uint32(v))
		}
		if err != nil {
			t.Errorf("putting back %s\\EnableFirewall: %v", path, err)
		}
	}
}
