package inventory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"tandem/msp"
)

// collect fills r on macOS: sysctl, the mounted volumes and system_profiler
// here; software update, the posture checks and the application list in
// three more goroutines, all done before it returns.
func (c *collector) collect(ctx context.Context, r *Report) error {
	var wg sync.WaitGroup
	wg.Go(func() { r.Patches = c.patches(ctx) })
	wg.Go(func() { r.Posture = c.posture(ctx) })
	wg.Go(func() { r.Software = c.software(ctx) })
	c.system(ctx, r)
	r.Disks = c.disks()
	r.Network = c.network()
	wg.Wait()
	r.Machine.PackageFormat = "app"
	if r.Posture.DiskEncryption.State == msp.CheckOK {
		for i := range r.Disks {
			if r.Disks[i].Mount == "/" {
				r.Disks[i].Encrypted = true // FileVault encrypts the boot volume group
			}
		}
	}
	return nil
}

// system fills the host name, OS, boot time, CPU, memory and hardware.
func (c *collector) system(ctx context.Context, r *Report) {
	r.OS.ID = "darwin"
	r.OS.Name = "macOS"
	if h, err := os.Hostname(); err == nil {
		r.Hostname = h
	} else {
		c.warn("host name: %v", err)
	}
	if v, err := unix.Sysctl("kern.osproductversion"); err == nil {
		r.OS.Version = v
	}
	if v, err := unix.Sysctl("kern.osrelease"); err == nil {
		r.OS.Kernel = v
	}
	if tv, err := unix.SysctlTimeval("kern.boottime"); err == nil {
		r.BootTime = time.Unix(tv.Unix()).UTC()
	} else {
		c.warn("boot time unknown: sysctl kern.boottime: %v", err)
	}
	if v, err := unix.Sysctl("machdep.cpu.brand_string"); err == nil {
		r.CPU.Model = strings.TrimSpace(v)
	}
	if v, err := unix.Sysctl("machdep.cpu.vendor"); err == nil {
		r.Machine.CPUVendor = v
	} else if strings.HasPrefix(r.CPU.Model, "Apple") {
		r.Machine.CPUVendor = "Apple"
	}
	if n, err := unix.SysctlUint32("hw.logicalcpu_max"); err == nil {
		r.CPU.Cores = int(n)
	} else {
		c.warn("logical processors unknown: sysctl hw.logicalcpu_max: %v", err)
	}
	if n, err := unix.SysctlUint32("hw.physicalcpu_max"); err == nil {
		r.Machine.CPUCores = int(n)
	}
	if n, err := unix.SysctlUint64("hw.memsize"); err == nil {
		r.Memory.TotalBytes = n
	} else {
		c.warn("memory unknown: sysctl hw.memsize: %v", err)
	}
	if v, err := unix.Sysctl("hw.machine"); err == nil {
		r.Machine.Arch = glpiArch(v) // "arm64" -> "aarch64"
		if r.Machine.Arch == "" {
			r.Machine.Arch = v
		}
	}
	r.Hardware.Vendor = "Apple Inc."

	res, err := c.run(ctx, c.cmdTO, "system_profiler", "-xml", "SPHardwareDataType", "SPSoftwareDataType",
		"SPStorageDataType", "SPNVMeDataType", "SPSerialATADataType")
	switch {
	case err != nil:
		c.warn("hardware details unknown: %v", err)
		return
	case res.Code != 0:
		c.warn("hardware details unknown: system_profiler exited with %d: %s", res.Code, res.stderrLine())
		return
	}
	d, err := parseSystemProfiler(res.Stdout)
	if err != nil {
		c.warn("hardware details unknown: %v", err)
		return
	}
	for _, x := range macDrives(d) {
		r.Machine.Drives = append(r.Machine.Drives, Drive{Name: x.Name, Model: x.Model, Serial: x.Serial, Device: x.BSDName,
			Bus: x.Bus, Medium: x.Medium, SizeBytes: x.SizeBytes})
	}
	h, err := macProfileOf(d)
	if err != nil {
		c.warn("hardware details unknown: %v", err)
		return
	}
	r.Hardware.Model = h.Name
	if h.Model != "" {
		r.Hardware.Model = strings.TrimSpace(h.Name + " (" + h.Model + ")")
	}
	r.Hardware.Serial, r.Machine.UUID, r.Hardware.BIOS.Version = h.Serial, h.UUID, h.BootROM
	r.Machine.OSFullName = h.OSFullName
	r.Machine.CPUSockets = max(h.Sockets, 1)
	r.Machine.CPUMHz = h.MHz
	if r.CPU.Model == "" {
		r.CPU.Model = h.CPUModel
	}
	if r.OS.Version == "" {
		r.OS.Version = h.OSVersion
	}
	if r.Memory.TotalBytes == 0 {
		r.Memory.TotalBytes = h.MemoryBytes
	}
}

// disks lists the local volumes the Finder shows (not the nobrowse system
// volumes such as VM and Preboot), with the sizes df shows.
func (c *collector) disks() []msp.Disk {
	out := []msp.Disk{}
	n, err := unix.Getfsstat(nil, unix.MNT_NOWAIT)
	if err != nil {
		c.warn("disks unknown: getfsstat: %v", err)
		return out
	}
	buf := make([]unix.Statfs_t, n)
	n, err = unix.Getfsstat(buf, unix.MNT_NOWAIT)
	if err != nil {
		c.warn("disks unknown: getfsstat: %v", err)
		return out
	}
	for _, st := range buf[:n] {
		fs := unix.ByteSliceToString(st.Fstypename[:])
		point := unix.ByteSliceToString(st.Mntonname[:])
		if st.Flags&unix.MNT_LOCAL == 0 || st.Blocks == 0 || !diskFS[fs] {
			continue
		}
		if st.Flags&unix.MNT_DONTBROWSE != 0 && point != "/" {
			continue
		}
		bs := uint64(st.Bsize)
		out = append(out, msp.Disk{Mount: point, FS: fs, TotalBytes: st.Blocks * bs, FreeBytes: st.Bavail * bs})
	}
	return out
}

// software lists the applications system_profiler finds.
func (c *collector) software(ctx context.Context) []msp.Software {
	res, err := c.run(ctx, c.patchTO, "system_profiler", "-xml", "-detailLevel", "mini", "SPApplicationsDataType")
	switch {
	case err != nil:
		c.warn("installed applications unknown: %v", err)
		return []msp.Software{}
	case res.Code != 0:
		c.warn("installed applications unknown: system_profiler exited with %d: %s", res.Code, res.stderrLine())
		return []msp.Software{}
	}
	apps, err := macApps(res.Stdout)
	if err != nil {
		c.warn("installed applications unknown: %v", err)
		return []msp.Software{}
	}
	return apps
}

// patches asks softwareupdate for the pending updates. macOS records no
// "reboot required" state of its own; RebootRequired stays false.
func (c *collector) patches(ctx context.Context) msp.PatchState {
	p := msp.PatchState{Pending: []msp.Patch{}}
	res, err := c.run(ctx, c.patchTO, "softwareupdate", "-l")
	switch {
	case err != nil:
		c.warn("pending updates not checked: %v", err)
		return p
	case res.Code != 0:
		c.warn("pending updates not checked: softwareupdate -l exited with %d: %s", res.Code, res.stderrLine())
		return p
	}
	osVersion, _ := unix.Sysctl("kern.osproductversion")
	p.Pending = macPatches(parseSoftwareUpdate(res.Stdout), osVersion)
	p.LastChecked = c.now()
	return p
}

// posture runs the four posture checks.
func (c *collector) posture(ctx context.Context) msp.Posture {
	return msp.Posture{
		Firewall:         c.firewall(ctx),
		DiskEncryption:   c.cmdCheck(ctx, macFileVault, "fdesetup", "status"),
		AutomaticUpdates: c.autoUpdates(ctx),
		Antivirus:        c.antivirus(ctx),
	}
}

// firewall asks socketfilterfw for the Application Firewall's state, and
// falls back on its preference (com.apple.alf globalstate, before macOS 15)
// and launchd's job list when socketfilterfw cannot tell.
func (c *collector) firewall(ctx context.Context) msp.Check {
	ch := c.cmdCheck(ctx, macFirewall, "/usr/libexec/ApplicationFirewall/socketfilterfw", "--getglobalstate")
	if ch.State != msp.CheckUnknown {
		return ch
	}
	res, err := c.run(ctx, c.cmdTO, "defaults", "read", "/Library/Preferences/com.apple.alf", "globalstate")
	if err != nil || res.Code != 0 {
		return ch
	}
	var jobs []byte
	if l, err := c.run(ctx, c.cmdTO, "launchctl", "list"); err == nil && l.Code == 0 {
		jobs = l.Stdout
	}
	return macALF(res.Stdout, jobs)
}

// cmdCheck runs a command and judges its output with judge.
func (c *collector) cmdCheck(ctx context.Context, judge func([]byte) msp.Check, name string, args ...string) msp.Check {
	res, err := c.run(ctx, c.cmdTO, name, args...)
	switch {
	case err != nil:
		return check(msp.CheckUnknown, "not checked: %v", err)
	case res.Code != 0:
		return check(msp.CheckUnknown, "not checked: %s exited with %d: %s", name, res.Code, res.stderrLine())
	}
	return judge(res.Stdout)
}

func (c *collector) autoUpdates(ctx context.Context) msp.Check {
	const prefs = "/Library/Preferences/com.apple.SoftwareUpdate"
	res, err := c.run(ctx, c.cmdTO, "defaults", "read", prefs)
	switch {
	case err != nil:
		return check(msp.CheckUnknown, "not checked: %v", err)
	case res.Code != 0: // the domain does not exist: every key keeps its default
		return macAutoUpdate(map[string]string{})
	}
	return macAutoUpdate(parseDefaults(res.Stdout))
}

// The antivirus tools asked once their product's daemon runs.
const (
	mdatpPath  = "/usr/local/bin/mdatp"
	cytoolPath = "/Library/Application Support/PaloAltoNetworks/Traps/bin/cytool"
	s1ctlPath  = "/usr/local/bin/sentinelctl"
)

// antivirus looks for a third-party antivirus daemon and for XProtect, the
// malware scanner built into macOS. The products whose tool says more
// (Defender, Cortex XDR, SentinelOne) are judged by their tool's answer.
func (c *collector) antivirus(ctx context.Context) msp.Check {
	var found []string
	products := map[string]bool{}
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		c.warn("processes not listed for the antivirus check: %v", err)
	}
	for _, p := range procs {
		name := unix.ByteSliceToString(p.Proc.P_comm[:])
		for prefix, product := range macAVDaemons {
			if strings.HasPrefix(name, prefix) {
				products[product] = true
				found = append(found, fmt.Sprintf("%s: %s running (pid %d)", product, name, p.Proc.P_pid))
			}
		}
	}
	slices.Sort(found)
	found = slices.Compact(found)
	var reports []avReport
	ask := func(product string, parse func(...[]byte) (avReport, error), name string, argss ...[]string) {
		if !products[product] {
			return
		}
		var outs [][]byte
		for _, args := range argss {
			res, err := c.run(ctx, c.cmdTO, name, args...)
			if err != nil || res.Code != 0 {
				c.warn("%s runs, but %s %s did not answer: %v %s", product, name, strings.Join(args, " "), err, res.stderrLine())
				return
			}
			outs = append(outs, res.Stdout)
		}
		a, err := parse(outs...)
		if err != nil {
			c.warn("%s: %v", product, err)
			return
		}
		if a.NoState {
			a.On = true // its daemon runs, and its tool says no more
		}
		reports = append(reports, a)
	}
	ask("Microsoft Defender for Endpoint", func(b ...[]byte) (avReport, error) { return parseMDATPHealth(b[0]) },
		mdatpPath, []string{"health", "--output", "json"})
	ask("Cortex XDR", func(b ...[]byte) (avReport, error) { return parseCytool(b[0], b[1], b[2]) },
		cytoolPath, []string{"info"}, []string{"info", "query"}, []string{"runtime", "query"})
	ask("SentinelOne", func(b ...[]byte) (avReport, error) { return parseSentinelCtl(b[0]) },
		s1ctlPath, []string{"version"})
	const xp = "/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist"
	xprotect := ""
	if fi, err := os.Stat(xp); err == nil {
		b, err := os.ReadFile(xp)
		v := ""
		if err == nil {
			v = plistVersion(b)
		}
		xprotect = fmt.Sprintf("XProtect %s (built in), updated %s", orDefault(v, "(version in a binary plist)"), fi.ModTime().UTC().Format(time.DateOnly))
	} else if !errors.Is(err, os.ErrNotExist) {
		xprotect = fmt.Sprintf("XProtect: %v", err)
	}
	switch {
	case len(reports) > 0:
		return avChecks(reports, append(found, xprotect)...)
	case len(found) > 0:
		return check(msp.CheckOK, "%s", strings.Join(append(found, xprotect), "; "))
	case xprotect != "":
		return check(msp.CheckOK, "no third-party antivirus running; %s", xprotect)
	}
	return check(msp.CheckUnknown, "no antivirus daemon running and no XProtect bundle at %s", xp)
}
