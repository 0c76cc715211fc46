package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/windows/registry"

	"tandem/msp"
)

// collect fills r on Windows: the system script, the software from the
// registry and the network here; the update search and the posture script
// in two more goroutines, all done before it returns.
func (c *collector) collect(ctx context.Context, r *Report) error {
	var wg sync.WaitGroup
	var encrypted map[string]bool
	wg.Go(func() { r.Patches = c.patches(ctx) })
	wg.Go(func() { r.Posture, encrypted = c.winPosture(ctx) })
	c.winSystem(ctx, r)
	// The agent names people user@os.Hostname(), and the hub keys them by
	// the host name the device reports: it must be the same call's answer.
	// Win32_ComputerSystem.Name is the NetBIOS name, in capitals.
	if h, err := os.Hostname(); err == nil {
		r.Hostname = h
	} else if r.Hostname == "" {
		c.warn("host name: %v", err)
	}
	r.Network = c.network()
	r.Software = c.software()
	wg.Wait()
	for i, d := range r.Disks {
		r.Disks[i].Encrypted = encrypted[strings.ToUpper(strings.TrimSuffix(d.Mount, `\`))]
	}
	return nil
}

// powershell runs a script with Windows PowerShell and returns its stdout.
func (c *collector) powershell(ctx context.Context, what, script string, timeout time.Duration) ([]byte, error) {
	res, err := c.run(ctx, timeout, "powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", psEncode(script))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if res.Code != 0 {
		return nil, fmt.Errorf("%s: powershell exited with %d: %s", what, res.Code, res.stderrLine())
	}
	if len(bytes.TrimSpace(res.Stdout)) == 0 {
		// Wine's powershell.exe is such a stub; on Windows, a policy that
		// blocks scripts or a broken install.
		return nil, fmt.Errorf("%s: powershell.exe ran but printed nothing (a stub, or scripts are blocked); check that Windows PowerShell 5.1 runs on this computer", what)
	}
	return res.Stdout, nil
}

// winSystem reads the operating system, computer, processors, BIOS and
// disks from WMI through COM, and the release from the registry. Only when
// WMI cannot be reached at all does it fall back to the PowerShell script.
func (c *collector) winSystem(ctx context.Context, r *Report) {
	r.Disks = []msp.Disk{}
	ctx, cancel := context.WithTimeout(ctx, c.cmdTO)
	defer cancel()
	res, err := wmiQueryAll(ctx, `root\cimv2`, wmiSystemClasses)
	if err != nil {
		c.warn("WMI unavailable (%v); using PowerShell for the system details", err)
		c.winSystemPowerShell(ctx, r)
		return
	}
	for _, cl := range wmiSystemClasses {
		if err := res.Failed[cl.Name]; err != nil {
			c.warn("system details: WMI class %s not read: %v", cl.Name, err)
		}
	}
	s := winSystemFromWMI(res.Rows)
	cv, err := currentVersion()
	if err != nil {
		c.warn("Windows release unknown: %v", err)
	} else {
		s.CurrentVersion = cv
	}
	applyWinSystem(s, r)
	for _, e := range s.Errors {
		c.warn("system details: %s", e)
	}
}

// currentVersion reads the release and build from the registry.
func currentVersion() (*winCurrentVersion, error) {
	const path = `SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return nil, fmt.Errorf("opening HKLM\\%s: %w", path, err)
	}
	defer k.Close()
	str := func(name string) string {
		v, _, _ := k.GetStringValue(name) // an absent value is an empty one
		return v
	}
	cv := &winCurrentVersion{ProductName: str("ProductName"), DisplayVersion: str("DisplayVersion"), ReleaseId: str("ReleaseId"),
		CurrentBuild: str("CurrentBuild"), EditionID: str("EditionID")}
	if ubr, _, err := k.GetIntegerValue("UBR"); err == nil {
		cv.UBR = int(ubr)
	}
	return cv, nil
}

// winSystemPowerShell is the system details from winSystemScript.
func (c *collector) winSystemPowerShell(ctx context.Context, r *Report) {
	out, err := c.powershell(ctx, "system details", winSystemScript, c.cmdTO)
	if err != nil {
		c.warn("operating system, processor, memory and disks unknown: %v", err)
		r.OS = msp.OSInfo{Name: "Windows", ID: "windows"}
		return
	}
	errs, err := parseWinSystem(out, r)
	if err != nil {
		c.warn("operating system, processor, memory and disks unknown: %v", err)
		return
	}
	for _, e := range errs {
		c.warn("system details: %s", e)
	}
}

const uninstallPath = `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`

// software reads the Uninstall keys: HKLM in the 64-bit and the 32-bit
// registry views, and HKCU (the user the agent runs as).
func (c *collector) software() []msp.Software {
	var entries []winUninstall
	views := []struct {
		root   registry.Key
		access uint32
		name   string
	}{
		{registry.LOCAL_MACHINE, registry.WOW64_64KEY, `HKLM (64-bit view)`},
		{registry.LOCAL_MACHINE, registry.WOW64_32KEY, `HKLM (32-bit view)`},
		{registry.CURRENT_USER, 0, `HKCU`},
	}
	for _, v := range views {
		es, err := readUninstall(v.root, v.access)
		if err != nil {
			c.warn("installed software in %s\\%s not read: %v", v.name, uninstallPath, err)
		}
		entries = append(entries, es...)
	}
	return winSoftware(entries)
}

func readUninstall(root registry.Key, view uint32) ([]winUninstall, error) {
	k, err := registry.OpenKey(root, uninstallPath, registry.ENUMERATE_SUB_KEYS|registry.QUERY_VALUE|view)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening the key: %w", err)
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("listing the subkeys: %w", err)
	}
	var out []winUninstall
	for _, n := range names {
		sk, err := registry.OpenKey(k, n, registry.QUERY_VALUE|view)
		if err != nil {
			continue // a key we may not read is not a program we can list
		}
		e := winUninstall{}
		e.DisplayName, _, _ = sk.GetStringValue("DisplayName")
		v, _, _ := sk.GetStringValue("DisplayVersion")
		e.DisplayVersion = psString(v)
		e.Publisher, _, _ = sk.GetStringValue("Publisher")
		e.InstallDate, _, _ = sk.GetStringValue("InstallDate")
		e.ParentKeyName, _, _ = sk.GetStringValue("ParentKeyName")
		e.ReleaseType, _, _ = sk.GetStringValue("ReleaseType")
		e.SystemComponent, _, _ = sk.GetIntegerValue("SystemComponent")
		sk.Close()
		out = append(out, e)
	}
	return out, nil
}

// patches searches Windows Update through its COM API and reads the
// reboot-pending keys; the PowerShell script only when the API's objects
// cannot be made in this process.
func (c *collector) patches(ctx context.Context) msp.PatchState {
	p := msp.PatchState{Pending: []msp.Patch{}}
	p.RebootRequired = c.rebootPending()
	ctx, cancel := context.WithTimeout(ctx, c.patchTO)
	defer cancel()
	var pending []msp.Patch
	var staged bool
	u, err := wuaSearch(ctx)
	switch {
	case errors.Is(err, errWUAUnavailable):
		c.warn("Windows Update's COM API unavailable (%v); using PowerShell for the update search", err)
		pending, staged, err = c.patchesPowerShell(ctx)
	case err == nil:
		pending, staged = winPending(u.Updates)
	}
	if err != nil {
		c.warn("pending updates not checked: Windows Update search: %v", err)
		return p
	}
	p.Pending = pending
	p.RebootRequired = p.RebootRequired || staged
	p.LastChecked = c.now()
	return p
}

// patchesPowerShell is the update search through winPatchesScript.
func (c *collector) patchesPowerShell(ctx context.Context) ([]msp.Patch, bool, error) {
	out, err := c.powershell(ctx, "Windows Update search", winPatchesScript, c.patchTO)
	if err != nil {
		return nil, false, err
	}
	pending, staged, _, errs, err := parseWinUpdates(out)
	if err != nil {
		return nil, false, err
	}
	if len(errs) > 0 && len(pending) == 0 {
		return nil, false, errors.New(strings.Join(errs, "; "))
	}
	for _, e := range errs {
		c.warn("pending updates: %s", e)
	}
	return pending, staged, nil
}

// rebootPending reports what Windows itself records as waiting for a
// restart: Component Based Servicing, Windows Update, and file renames.
func (c *collector) rebootPending() bool {
	for _, k := range []string{
		`SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending`,
		`SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired`,
	} {
		key, err := registry.OpenKey(registry.LOCAL_MACHINE, k, registry.QUERY_VALUE|registry.WOW64_64KEY)
		if err == nil {
			key.Close()
			return true
		}
	}
	key, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Control\Session Manager`, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		c.warn("reboot need partly unknown: opening the Session Manager key: %v", err)
		return false
	}
	defer key.Close()
	v, _, err := key.GetStringsValue("PendingFileRenameOperations")
	return err == nil && len(v) > 0
}

// posture runs the posture script and reads the update policy.
func (c *collector) posture(ctx context.Context) msp.Posture {
	p, _ := c.winPosture(ctx)
	return p
}

// winPosture returns the posture and the drives ("C:") BitLocker encrypts:
// the firewall from the registry, the antivirus and BitLocker from WMI.
// The PowerShell script runs only for a part those could not tell (a
// BitLocker WMI namespace that needs rights the agent lacks, a Windows
// without Defender's or Security Center's classes).
func (c *collector) winPosture(ctx context.Context) (msp.Posture, map[string]bool) {
	p := msp.Posture{AutomaticUpdates: c.autoUpdates()}
	fw, fwKnown := winFirewallFromRegistry(c.readFirewallProfiles())
	av, avs, avKnown := c.antivirus(ctx)
	bl, blEnc, blKnown := c.bitLocker(ctx)
	if fwKnown && avKnown && blKnown {
		p.Firewall, p.Antivirus, p.AntivirusProducts, p.DiskEncryption = fw, av, avs, bl
		return p, blEnc
	}
	var missing []string
	for _, m := range []struct {
		known bool
		name  string
	}{{fwKnown, "firewall"}, {avKnown, "antivirus"}, {blKnown, "BitLocker"}} {
		if !m.known {
			missing = append(missing, m.name)
		}
	}
	out, err := c.powershell(ctx, "security posture", winPostureScript, c.cmdTO)
	var enc map[string]bool
	if err == nil {
		var sp msp.Posture
		var errs []string
		if sp, enc, errs, err = parseWinPosture(out); err == nil {
			p, enc = c.winPostureParsed(p, sp, enc, errs)
		}
	}
	if err != nil {
		c.warn("%s not checked: %v", strings.Join(missing, ", "), err)
		ev := fmt.Sprintf("not checked: %v", err)
		p.Firewall, p.Antivirus, p.DiskEncryption = check(msp.CheckUnknown, "%s", ev), check(msp.CheckUnknown, "%s", ev), check(msp.CheckUnknown, "%s", ev)
	}
	if fwKnown {
		p.Firewall = fw
	}
	if avKnown {
		p.Antivirus, p.AntivirusProducts = av, avs
	}
	if blKnown {
		p.DiskEncryption, enc = bl, blEnc
	}
	return p, enc
}

// antivirus reads Defender's status and Security Center's products from
// WMI, with the products they name; known false when neither class
// answers with an instance.
func (c *collector) antivirus(ctx context.Context) (msp.Check, []msp.AntivirusProduct, bool) {
	ctx, cancel := context.WithTimeout(ctx, c.cmdTO)
	defer cancel()
	rows := func(namespace string, class wmiClass) []propSet {
		res, err := wmiQueryAll(ctx, namespace, []wmiClass{class})
		if err == nil {
			err = res.Failed[class.Name]
		}
		if err != nil {
			c.log.Debug("antivirus class not read from WMI", "class", class.Name, "err", err)
			return nil
		}
		return res.Rows[class.Name]
	}
	av, avs, notes, ok := winAVFromWMI(rows(defenderNamespace, defenderClass), rows(securityCenterNamespace, avProductClass))
	for _, n := range notes {
		c.warn("antivirus: %s", n)
	}
	return av, avs, ok
}

// winPostureParsed completes the posture script's answer sp: its errors
// become warnings.
func (c *collector) winPostureParsed(p, sp msp.Posture, enc map[string]bool, errs []string) (msp.Posture, map[string]bool) {
	for _, e := range errs {
		if strings.HasPrefix(e, "Get-BitLockerVolume") {
			c.warn("BitLocker details need administrator rights (Get-BitLockerVolume failed: %s); the shell's summary was used", clipRunes(e, 200))
			continue
		}
		if strings.HasPrefix(e, "SecurityCenter2") {
			continue // absent on Windows Server: not worth a warning
		}
		c.warn("security posture: %s", e)
	}
	sp.AutomaticUpdates = p.AutomaticUpdates
	return sp, enc
}

// readFirewallProfiles reads each firewall profile's EnableFirewall, local and
// from Group Policy, from the registry.
func (c *collector) readFirewallProfiles() map[string]fwProfile {
	get := func(path string) *uint64 {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
		if err != nil {
			return nil
		}
		defer k.Close()
		v, _, err := k.GetIntegerValue("EnableFirewall")
		if err != nil {
			if !errors.Is(err, registry.ErrNotExist) {
				c.warn("firewall: HKLM\\%s\\EnableFirewall not read: %v", path, err)
			}
			return nil
		}
		return &v
	}
	out := map[string]fwProfile{}
	for _, p := range firewallProfiles {
		out[p.Key] = fwProfile{Local: get(firewallPolicyPath + `\` + p.Key), Policy: get(firewallGPOPath + `\` + p.Key)}
	}
	return out
}

// autoUpdates reads the Windows Update policy and the service's start type.
func (c *collector) autoUpdates() msp.Check {
	get := func(path, name string) *uint64 {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
		if err != nil {
			return nil
		}
		defer k.Close()
		v, _, err := k.GetIntegerValue(name)
		if err != nil {
			return nil
		}
		return &v
	}
	const au = `SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU`
	return winAutoUpdate(get(au, "NoAutoUpdate"), get(au, "AUOptions"), get(`SYSTEM\CurrentControlSet\Services\wuauserv`, "Start"))
}

// bitLocker reads Win32_EncryptableVolume; known false (with a debug note)
// when the namespace is missing or needs rights this process lacks.
func (c *collector) bitLocker(ctx context.Context) (msp.Check, map[string]bool, bool) {
	ctx, cancel := context.WithTimeout(ctx, c.cmdTO)
	defer cancel()
	res, err := wmiQueryAll(ctx, bitLockerNamespace, []wmiClass{bitLockerClass})
	if err == nil {
		err = res.Failed[bitLockerClass.Name]
	}
	if err != nil {
		c.log.Debug("BitLocker from WMI not read; trying PowerShell", "err", err)
		return msp.Check{}, nil, false
	}
	return winBitLockerFromWMI(res.Rows[bitLockerClass.Name], os.Getenv("SystemDrive"))
}
