package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"tandem/msp"
)

const (
	dpkgStatus     = "/var/lib/dpkg/status"
	pacmanLocalDB  = "/var/lib/pacman/local"
	aptListsDir    = "/var/lib/apt/lists"
	aptListsMaxAge = 7 * 24 * time.Hour
)

// collect fills r on Linux: the system parts in this goroutine, the update
// check and the posture checks in two more, all done before it returns.
func (c *collector) collect(ctx context.Context, r *Report) error {
	var wg sync.WaitGroup
	wg.Go(func() { r.Patches = c.patches(ctx) })
	wg.Go(func() { r.Posture = c.posture(ctx) })
	c.system(r)
	c.hardware(ctx, r)
	r.Disks = c.disks()
	r.Network = c.network()
	r.Software, r.Machine.PackageFormat = c.software(ctx)
	wg.Wait()
	return nil
}

// readFile reads p (a path of the target system) under the root.
func (c *collector) readFile(p string) ([]byte, error) {
	return os.ReadFile(c.path(p))
}

// exists reports whether p (a path of the target system) exists under the root.
func (c *collector) exists(p string) bool {
	_, err := os.Stat(c.path(p))
	return err == nil
}

// readLine reads a one-line file such as /proc/sys/kernel/hostname, trimmed.
// A missing file gives ""; a file that needs root gives "" and a warning.
func (c *collector) readLine(p, what string) string {
	b, err := c.readFile(p)
	switch {
	case errors.Is(err, fs.ErrPermission):
		c.warn("%s needs root: %s is readable by root only", what, p)
		return ""
	case err != nil:
		return ""
	}
	return strings.TrimSpace(string(b))
}

// system fills the host name, OS, boot time, CPU, memory and machine details.
func (c *collector) system(r *Report) {
	r.Hostname = c.readLine("/proc/sys/kernel/hostname", "host name")
	if r.Hostname == "" && !c.fakeRoot {
		if h, err := os.Hostname(); err == nil {
			r.Hostname = h
		} else {
			c.warn("host name: %v", err)
		}
	}
	r.OS.Kernel = c.readLine("/proc/sys/kernel/osrelease", "kernel release")

	osr, err := c.readFile("/etc/os-release")
	if errors.Is(err, fs.ErrNotExist) {
		osr, err = c.readFile("/usr/lib/os-release")
	}
	if err != nil {
		c.warn("operating system name unknown: reading /etc/os-release: %v", err)
	}
	rel := parseOSRelease(osr)
	r.OS.Name = orDefault(rel["NAME"], "Linux")
	r.OS.Version = rel["VERSION_ID"]
	r.OS.ID = orDefault(rel["ID"], "linux")
	r.Machine.OSFullName = rel["PRETTY_NAME"]

	if b, err := c.readFile("/proc/stat"); err != nil {
		c.warn("boot time unknown: reading /proc/stat: %v", err)
	} else if t, err := parseBootTime(b); err != nil {
		c.warn("boot time unknown: /proc/stat: %v", err)
	} else {
		r.BootTime = t
	}

	if b, err := c.readFile("/proc/cpuinfo"); err != nil {
		c.warn("processor unknown: reading /proc/cpuinfo: %v", err)
	} else {
		ci := parseCPUInfo(b)
		r.CPU = msp.CPU{Model: ci.Model, Cores: ci.Logical}
		r.Machine.CPUVendor, r.Machine.CPUSockets, r.Machine.CPUCores, r.Machine.CPUMHz = ci.Vendor, ci.Sockets, ci.Cores, ci.MHz
	}

	if b, err := c.readFile("/proc/meminfo"); err != nil {
		c.warn("memory unknown: reading /proc/meminfo: %v", err)
	} else {
		mi := parseMeminfo(b)
		r.Memory.TotalBytes = mi["MemTotal"]
		r.Machine.SwapBytes = mi["SwapTotal"]
	}

	r.Machine.Arch = c.arch()
}

const (
	dmiIDDir    = "/sys/class/dmi/id"
	dmiTableDir = "/sys/firmware/dmi/tables"
)

// hardware fills the machine's vendor, model, serial, BIOS and UUID, and
// its memory slots and modules. It runs dmidecode when it is installed and
// the SMBIOS table is readable (root), and reads /sys/class/dmi/id
// otherwise: the kernel's copy of the same strings, without the memory
// modules, and with the serial numbers and UUID readable by root only.
func (c *collector) hardware(ctx context.Context, r *Report) {
	if !c.exists(dmiIDDir) && !c.exists(dmiTableDir) {
		c.warn("hardware unknown: the firmware publishes no SMBIOS table (no %s), as on some virtual machines", dmiIDDir)
		return
	}
	if info, ok := c.dmidecode(ctx); ok {
		r.Hardware, r.Machine.UUID = info.Hardware, info.UUID
		r.Memory.Slots, r.Memory.Modules = info.Slots, info.Modules
		return
	}
	read := func(name, what string) string { return c.readLine(dmiIDDir+"/"+name, what) }
	r.Hardware = dmiSystem{
		Vendor:        read("sys_vendor", "system vendor"),
		Product:       read("product_name", "system model"),
		Version:       read("product_version", "system version"),
		Serial:        read("product_serial", "system serial number"),
		ChassisSerial: read("chassis_serial", "chassis serial number"),
		BIOSVendor:    read("bios_vendor", "BIOS vendor"),
		BIOSVersion:   read("bios_version", "BIOS version"),
		BIOSDate:      read("bios_date", "BIOS date"),
	}.hardware()
	r.Machine.UUID = dmiUUID(read("product_uuid", "system UUID"))
}

// dmidecode reads the SMBIOS table with `dmidecode -t 0,1,3,6,17` (BIOS,
// system, chassis, memory). It reports false, with a warning that says
// why, when dmidecode is missing, cannot read the table or finds no system
// in it; the caller then reads /sys/class/dmi/id.
func (c *collector) dmidecode(ctx context.Context) (dmiInfo, bool) {
	if c.fakeRoot {
		return dmiInfo{}, false
	}
	// dmidecode reads /sys/firmware/dmi/tables/DMI, or /dev/mem on kernels
	// before 4.2: both for root only.
	if f, err := os.Open(dmiTableDir + "/DMI"); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) || os.Geteuid() != 0 {
		c.warn("memory modules need root: dmidecode reads the SMBIOS table (%s/DMI), which only root may read", dmiTableDir)
		return dmiInfo{}, false
	}
	res, err := c.run(ctx, c.cmdTO, "dmidecode", "-t", "0,1,3,6,17")
	switch {
	case errors.Is(err, errNoTool):
		c.warn("memory modules unknown: dmidecode is not installed")
		return dmiInfo{}, false
	case err != nil:
		c.warn("memory modules unknown: %v", err)
		return dmiInfo{}, false
	case res.Code != 0:
		c.warn("memory modules unknown: dmidecode exited with %d: %s", res.Code, res.stderrLine())
		return dmiInfo{}, false
	}
	info := dmiInventory(parseDMIDecode(res.Stdout))
	if !info.System {
		c.warn("memory modules unknown: dmidecode found no BIOS or system record: %s", clipRunes(strings.TrimSpace(string(res.Stdout)), 200))
		return dmiInfo{}, false
	}
	return info, true
}

// arch returns the machine architecture as uname -m prints it.
func (c *collector) arch() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		c.warn("architecture unknown: uname: %v", err)
		return ""
	}
	return unix.ByteSliceToString(u.Machine[:])
}

// mounts reads /proc/self/mountinfo.
func (c *collector) mounts() []mount {
	b, err := c.readFile("/proc/self/mountinfo")
	if err != nil {
		c.warn("disks unknown: reading /proc/self/mountinfo: %v", err)
		return nil
	}
	ms, err := parseMountInfo(b)
	if err != nil {
		c.warn("disks unknown: %v", err)
	}
	return ms
}

// disks lists the mounted disk file systems with the sizes `df -B1` shows:
// total is f_blocks × f_frsize, free is f_bavail × f_frsize (df's
// "Available", what an unprivileged user may still write).
func (c *collector) disks() []msp.Disk {
	out := []msp.Disk{}
	for _, m := range diskMounts(c.mounts()) {
		var st unix.Statfs_t
		if err := unix.Statfs(c.path(m.Point), &st); err != nil {
			c.warn("disk %s: statfs: %v", m.Point, err)
			continue
		}
		bs := uint64(st.Frsize)
		if bs == 0 {
			bs = uint64(st.Bsize)
		}
		if st.Blocks == 0 {
			continue
		}
		enc, _ := c.dmCrypt(m.Major, m.Minor)
		out = append(out, msp.Disk{
			Mount:      m.Point,
			FS:         m.FSType,
			TotalBytes: st.Blocks * bs,
			FreeBytes:  st.Bavail * bs,
			Encrypted:  enc,
		})
	}
	return out
}

// dmCrypt reports whether the block device major:minor is, or sits on, a
// dm-crypt mapping (its /sys/dev/block/M:m/dm/uuid starts with "CRYPT-"),
// following device-mapper slaves down (LVM on LUKS). It returns the name and
// uuid of the crypt mapping it found.
func (c *collector) dmCrypt(major, minor int) (bool, string) {
	return c.dmCryptAt(c.path(fmt.Sprintf("/sys/dev/block/%d:%d", major, minor)), 0)
}

func (c *collector) dmCryptAt(dir string, depth int) (bool, string) {
	if depth > 8 {
		return false, ""
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dm", "uuid")); err == nil {
		uuid := strings.TrimSpace(string(b))
		if strings.HasPrefix(uuid, "CRYPT-") {
			name, _ := os.ReadFile(filepath.Join(dir, "dm", "name"))
			return true, fmt.Sprintf("%s (%s)", strings.TrimSpace(string(name)), uuid)
		}
	}
	slaves, err := os.ReadDir(filepath.Join(dir, "slaves"))
	if err != nil {
		return false, ""
	}
	for _, s := range slaves {
		if ok, what := c.dmCryptAt(filepath.Join(dir, "slaves", s.Name()), depth+1); ok {
			return true, what
		}
	}
	return false, ""
}

// software lists the installed packages of the system's package manager
// (the dpkg status file, else pacman's local database, else rpm) and adds
// the snaps and flatpaks, each entry naming its source. It returns the
// system's package format.
func (c *collector) software(ctx context.Context) ([]msp.Software, string) {
	out, format := c.systemPackages(ctx)
	out = append(out, c.snaps(ctx)...)
	out = append(out, c.flatpaks(ctx)...)
	return out, format
}

// systemPackages lists the packages of the distribution's package manager.
func (c *collector) systemPackages(ctx context.Context) ([]msp.Software, string) {
	out := []msp.Software{}
	f, err := os.Open(c.path(dpkgStatus))
	if err == nil {
		defer f.Close()
		pkgs, err := parseDpkgStatus(f)
		if err != nil {
			c.warn("installed software unknown: %s: %v", dpkgStatus, err)
			return out, msp.SourceDeb
		}
		for _, p := range pkgs {
			out = append(out, msp.Software{Name: p.Name, Version: p.Version, Source: msp.SourceDeb})
		}
		return out, msp.SourceDeb
	}
	if !errors.Is(err, fs.ErrNotExist) {
		c.warn("installed software unknown: %v", err)
		return out, ""
	}
	if c.exists(pacmanLocalDB) {
		res, err := c.run(ctx, c.cmdTO, "pacman", "-Qi")
		switch {
		case err != nil:
			c.warn("installed software unknown: %v", err)
		case res.Code != 0:
			c.warn("installed software unknown: pacman -Qi exited with %d: %s", res.Code, res.stderrLine())
		default:
			out = parsePacmanQi(res.Stdout)
		}
		return out, msp.SourcePacman
	}
	pkgs, err := c.rpmPackages(ctx)
	if errors.Is(err, errNoTool) {
		c.warn("installed software unknown: no package database found (no %s, no %s, no rpm)", dpkgStatus, pacmanLocalDB)
		return out, ""
	}
	if err != nil {
		c.warn("installed software unknown: %v", err)
		return out, msp.SourceRPM
	}
	for _, p := range pkgs {
		out = append(out, msp.Software{Name: p.Name, Version: p.EVR, Source: msp.SourceRPM})
	}
	return out, msp.SourceRPM
}

// snaps lists the snaps `snap list` shows. No snap command is no snaps;
// a snapd that does not answer is a warning.
func (c *collector) snaps(ctx context.Context) []msp.Software {
	res, err := c.run(ctx, c.cmdTO, "snap", "list", "--color=never", "--unicode=never")
	switch {
	case errors.Is(err, errNoTool), errors.Is(err, errFakeRoot):
		return nil
	case err != nil:
		c.warn("snaps unknown: %v", err)
		return nil
	case res.Code != 0:
		c.warn("snaps unknown: snap list exited with %d: %s", res.Code, res.stderrLine())
		return nil
	}
	return parseSnapList(res.Stdout)
}

// flatpaks lists the flatpak refs, applications and runtimes, of the
// system installation and of the agent's own account: what `flatpak list
// --all` shows to the user the agent runs as. Refs that other accounts
// installed for themselves (in their home directories) are not listed.
func (c *collector) flatpaks(ctx context.Context) []msp.Software {
	res, err := c.run(ctx, c.cmdTO, "flatpak", "list", "--all", "--columns="+strings.Join(flatpakColumns, ","))
	switch {
	case errors.Is(err, errNoTool), errors.Is(err, errFakeRoot):
		return nil
	case err != nil:
		c.warn("flatpaks unknown: %v", err)
		return nil
	case res.Code != 0:
		c.warn("flatpaks unknown: flatpak list exited with %d: %s", res.Code, res.stderrLine())
		return nil
	}
	return parseFlatpakList(res.Stdout, flatpakColumns)
}

func (c *collector) rpmPackages(ctx context.Context) ([]rpmPackage, error) {
	res, err := c.run(ctx, c.cmdTO, "rpm", "-qa", "--qf", rpmQueryFormat)
	if err != nil {
		return nil, err
	}
	if res.Code != 0 {
		return nil, fmt.Errorf("rpm -qa exited with %d: %s", res.Code, res.stderrLine())
	}
	return parseRPMQuery(res.Stdout), nil
}

// patches checks the pending updates with apt (Debian, Ubuntu) or dnf
// (RHEL, Rocky, Fedora), and whether the system asks for a reboot.
func (c *collector) patches(ctx context.Context) msp.PatchState {
	p := msp.PatchState{Pending: []msp.Patch{}}
	switch {
	case c.exists(dpkgStatus):
		c.aptPatches(ctx, &p)
	case c.exists("/var/lib/rpm") || c.exists("/usr/lib/sysimage/rpm"):
		c.dnfPatches(ctx, &p)
	default:
		c.warn("pending updates not checked: no apt or dnf package database found")
	}
	return p
}

func (c *collector) aptPatches(ctx context.Context, p *msp.PatchState) {
	p.RebootRequired = c.exists("/run/reboot-required") || c.exists("/var/run/reboot-required")
	c.aptListsAge()
	args := []string{"-s", "-o", "Debug::NoLocking=1", "dist-upgrade"}
	// The answer is kept while apt's inputs stay as they were: a
	// collection then costs a walk of their sizes and times, not apt's
	// dependency resolution.
	key, err := c.inputsKey(aptInputs, map[string]bool{"partial": true},
		append([]string{"apt-get", "APT_CONFIG=" + os.Getenv("APT_CONFIG")}, args...)...)
	if err != nil {
		c.warn("the update check's answer is not kept: %v", err)
	}
	if key != "" {
		if a, ok := c.cachedPatches(aptCacheFile, key); ok {
			p.Pending = a.Pending
			p.LastChecked = c.now() // the answer apt-get would give now: its inputs are unchanged
			return
		}
	}
	res, err := c.run(ctx, c.patchTO, "apt-get", args...)
	if err != nil {
		c.warn("pending updates not checked: %v", err)
		return
	}
	if res.Code != 0 {
		c.warn("pending updates not checked: apt-get -s dist-upgrade exited with %d: %s", res.Code, res.stderrLine())
		return
	}
	p.Pending = parseAptSimulate(res.Stdout)
	p.LastChecked = c.now()
	if key != "" {
		if err := c.storePatches(aptCacheFile, cachedAnswer{Key: key, Asked: p.LastChecked, Pending: p.Pending}); err != nil {
			c.warn("the update check's answer is not kept, so the next collection asks apt again: %v", err)
		}
	}
}

// aptCacheFile is the cached answer of apt-get -s dist-upgrade.
const aptCacheFile = "apt-dist-upgrade.json"

// aptInputs are what apt-get -s dist-upgrade's answer depends on: the
// installed packages (dpkg's status, its journal of an interrupted run, its
// foreign architectures, and which packages apt installed automatically),
// the package lists of the last apt-get update, apt's configuration
// (sources, preferences and pinning, apt.conf), the machine id that phased
// updates are drawn from, and apt itself.
var aptInputs = []string{
	dpkgStatus, "/var/lib/dpkg/updates", "/var/lib/dpkg/arch", "/var/lib/apt/extended_states",
	aptListsDir, "/etc/apt", "/etc/machine-id", "/usr/bin/apt-get",
}

// aptListsAge warns when the package lists are old: apt-get -s only knows
// the updates of the last `apt-get update`, which the agent does not run.
func (c *collector) aptListsAge() {
	ents, err := os.ReadDir(c.path(aptListsDir))
	if err != nil {
		return
	}
	var newest time.Time
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), "Release") {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	if newest.IsZero() {
		c.warn("apt has no package lists in %s: run apt-get update, or pending updates cannot be known", aptListsDir)
		return
	}
	if age := c.now().Sub(newest); age > aptListsMaxAge {
		c.warn("apt package lists were last refreshed %s (%d days ago): pending updates may be missing until apt-get update runs",
			newest.UTC().Format(time.DateOnly), int(age.Hours()/24))
	}
}

func (c *collector) dnfPatches(ctx context.Context, p *msp.PatchState) {
	c.rpmReboot(ctx, p)
	dnf := "dnf"
	res, err := c.run(ctx, c.patchTO, dnf, "-q", "check-update")
	if errors.Is(err, errNoTool) {
		dnf = "yum"
		res, err = c.run(ctx, c.patchTO, dnf, "-q", "check-update")
	}
	if err != nil {
		c.warn("pending updates not checked: %v", err)
		return
	}
	if res.Code != 0 && res.Code != 100 { // 100: updates available
		c.warn("pending updates not checked: %s check-update exited with %d: %s", dnf, res.Code, res.stderrLine())
		return
	}
	ups := parseDnfCheckUpdate(res.Stdout)
	security := map[string]bool{}
	if len(ups) > 0 {
		sres, err := c.run(ctx, c.patchTO, dnf, "-q", "updateinfo", "list", "--security")
		switch {
		case err != nil:
			c.warn("security updates not told apart: %v", err)
		case sres.Code != 0:
			c.warn("security updates not told apart: %s updateinfo exited with %d: %s", dnf, sres.Code, sres.stderrLine())
		default:
			security = parseDnfUpdateinfo(sres.Stdout)
		}
	}
	installed := map[string]string{}
	if len(ups) > 0 {
		pkgs, err := c.rpmPackages(ctx)
		if err != nil {
			c.warn("installed versions of pending updates unknown: %v", err)
		}
		for _, q := range pkgs {
			installed[q.Name+"."+q.Arch] = q.EVR
		}
	}
	for _, u := range ups {
		key := u.Name + "." + u.Arch
		p.Pending = append(p.Pending, msp.Patch{
			Name:             u.Name,
			InstalledVersion: installed[key],
			CandidateVersion: u.EVR,
			Security:         security[key],
		})
	}
	p.LastChecked = c.now()
}

// rpmReboot asks needs-restarting -r whether a reboot is needed (exit 1).
func (c *collector) rpmReboot(ctx context.Context, p *msp.PatchState) {
	res, err := c.run(ctx, c.cmdTO, "needs-restarting", "-r")
	if errors.Is(err, errNoTool) {
		res, err = c.run(ctx, c.cmdTO, "dnf", "needs-restarting", "-r")
	}
	switch {
	case err != nil:
		c.warn("reboot need unknown: %v (install dnf-utils for needs-restarting)", err)
	case res.Code == 1:
		p.RebootRequired = true
	case res.Code != 0:
		c.warn("reboot need unknown: needs-restarting -r exited with %d: %s", res.Code, res.stderrLine())
	}
}

// posture runs the four posture checks.
func (c *collector) posture(ctx context.Context) msp.Posture {
	return msp.Posture{
		Firewall:         c.firewall(ctx),
		DiskEncryption:   c.diskEncryption(),
		AutomaticUpdates: c.autoUpdates(),
		Antivirus:        c.antivirus(),
	}
}

// firewall looks at ufw, firewalld and nftables: on when any of them filters
// inbound traffic, failing when those present are off, unknown otherwise.
func (c *collector) firewall(ctx context.Context) msp.Check {
	var on, off, unknown []string
	if b, err := c.readFile("/etc/ufw/ufw.conf"); err == nil {
		v := strings.ToLower(parseShellVars(b)["ENABLED"])
		if v == "yes" {
			on = append(on, "ufw: ENABLED=yes in /etc/ufw/ufw.conf")
		} else {
			off = append(off, fmt.Sprintf("ufw: ENABLED=%s in /etc/ufw/ufw.conf", orDefault(v, "(unset)")))
		}
	}
	if !c.fakeRoot || c.exists("/usr/bin/firewall-cmd") {
		res, err := c.run(ctx, c.cmdTO, "firewall-cmd", "--state")
		state := strings.TrimSpace(string(res.Stdout) + string(res.Stderr))
		switch {
		case errors.Is(err, errNoTool), errors.Is(err, errFakeRoot):
		case err != nil:
			unknown = append(unknown, fmt.Sprintf("firewalld: %v", err))
		case res.Code == 0 && state == "running":
			on = append(on, "firewalld: firewall-cmd --state says running")
		default:
			off = append(off, fmt.Sprintf("firewalld: firewall-cmd --state says %q (exit %d)", clipRunes(state, 80), res.Code))
		}
	}
	if len(on) == 0 {
		nftOn, nftOff, nftUnknown := c.nftables(ctx)
		on, off, unknown = append(on, nftOn...), append(off, nftOff...), append(unknown, nftUnknown...)
	}
	switch {
	case len(on) > 0:
		return check(msp.CheckOK, "%s", strings.Join(append(on, off...), "; "))
	case len(off) > 0:
		return check(msp.CheckFailing, "%s", strings.Join(append(off, unknown...), "; "))
	case len(unknown) > 0:
		return check(msp.CheckUnknown, "%s", strings.Join(unknown, "; "))
	}
	return check(msp.CheckUnknown, "no firewall manager found: no /etc/ufw/ufw.conf, no firewall-cmd, no nft")
}

// nftables reads the ruleset, which needs root.
func (c *collector) nftables(ctx context.Context) (on, off, unknown []string) {
	if c.fakeRoot {
		return nil, nil, nil
	}
	if os.Geteuid() != 0 {
		if _, err := c.run(ctx, c.cmdTO, "nft", "--version"); err == nil {
			c.warn("the nftables ruleset needs root to read: run the agent as root to check the firewall rules")
			return nil, nil, []string{"nftables: ruleset not read (needs root)"}
		}
		return nil, nil, nil
	}
	res, err := c.run(ctx, c.cmdTO, "nft", "list", "ruleset")
	switch {
	case errors.Is(err, errNoTool):
		return nil, nil, nil
	case err != nil:
		return nil, nil, []string{fmt.Sprintf("nftables: %v", err)}
	case res.Code != 0:
		return nil, nil, []string{fmt.Sprintf("nftables: nft list ruleset exited with %d: %s", res.Code, res.stderrLine())}
	}
	s := parseNftRuleset(res.Stdout)
	switch {
	case s.Tables == 0:
		return nil, []string{"nftables: ruleset is empty"}, nil
	case s.InputChains == 0:
		return nil, []string{fmt.Sprintf("nftables: %d tables but no chain filters inbound traffic", s.Tables)}, nil
	case s.InputPolicy == "drop" || s.InputRules > 0:
		return []string{fmt.Sprintf("nftables: %d input chains, policy %s, %d rules", s.InputChains, s.InputPolicy, s.InputRules)}, nil, nil
	}
	return nil, []string{fmt.Sprintf("nftables: %d input chains accept everything (policy accept, no rules)", s.InputChains)}, nil
}

// diskEncryption checks whether the root file system sits on dm-crypt.
func (c *collector) diskEncryption() msp.Check {
	var root mount
	found := false
	for _, m := range c.mounts() { // the last mount on / is the one in use
		if m.Point == "/" {
			root, found = m, true
		}
	}
	if !found {
		return check(msp.CheckUnknown, "no / mount in /proc/self/mountinfo")
	}
	if ok, what := c.dmCrypt(root.Major, root.Minor); ok {
		return check(msp.CheckOK, "/ (%s on %s) is on dm-crypt mapping %s", root.FSType, root.Source, what)
	}
	if root.Major == 0 { // btrfs, zfs, overlay: an anonymous device, look at the source
		var st unix.Stat_t
		if !c.fakeRoot && strings.HasPrefix(root.Source, "/dev/") && unix.Stat(root.Source, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFBLK {
			if ok, what := c.dmCrypt(int(unix.Major(st.Rdev)), int(unix.Minor(st.Rdev))); ok {
				return check(msp.CheckOK, "/ (%s on %s) is on dm-crypt mapping %s", root.FSType, root.Source, what)
			}
			return check(msp.CheckFailing, "/ (%s on %s) is not on a dm-crypt/LUKS device", root.FSType, root.Source)
		}
		return check(msp.CheckUnknown, "/ is %s from %q, not a block device: encryption not checked", root.FSType, root.Source)
	}
	return check(msp.CheckFailing, "/ (%s on %s, device %d:%d) is not on a dm-crypt/LUKS device", root.FSType, root.Source, root.Major, root.Minor)
}

// aptPartName matches the apt.conf.d file names apt reads.
var aptPartName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// autoUpdates checks unattended-upgrades (apt) or dnf-automatic (dnf).
func (c *collector) autoUpdates() msp.Check {
	switch {
	case c.exists("/etc/apt"):
		return c.unattendedUpgrades()
	case c.exists("/etc/dnf") || c.exists("/etc/yum.conf"):
		return c.dnfAutomatic()
	}
	return check(msp.CheckUnknown, "neither apt nor dnf is configured here (/etc/apt, /etc/dnf missing): automatic updates not checked")
}

const unattendedKey = "apt::periodic::unattended-upgrade"

func (c *collector) unattendedUpgrades() msp.Check {
	// apt reads the parts in apt.conf.d in name order, then apt.conf; the
	// last assignment wins.
	var files []string
	if ents, err := os.ReadDir(c.path("/etc/apt/apt.conf.d")); err == nil {
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || !aptPartName.MatchString(n) || aptIgnored(n) {
				continue
			}
			files = append(files, "/etc/apt/apt.conf.d/"+n)
		}
	}
	files = append(files, "/etc/apt/apt.conf")
	value, from := "", ""
	for _, f := range files {
		b, err := c.readFile(f)
		if err != nil {
			continue
		}
		m := map[string]string{}
		parseAptConf(b, m)
		if v, ok := m[unattendedKey]; ok {
			value, from = v, f
		}
	}
	installed := c.exists("/usr/bin/unattended-upgrade")
	setting := "APT::Periodic::Unattended-Upgrade is not set"
	if from != "" {
		setting = fmt.Sprintf("APT::Periodic::Unattended-Upgrade %q in %s", value, from)
	}
	switch {
	case !installed:
		return check(msp.CheckFailing, "unattended-upgrades is not installed (no /usr/bin/unattended-upgrade); %s", setting)
	case from == "":
		return check(msp.CheckFailing, "unattended-upgrades is installed but APT::Periodic::Unattended-Upgrade is not set, so it never runs")
	case value == "" || value == "0":
		return check(msp.CheckFailing, "unattended-upgrades is installed but switched off: %s", setting)
	}
	return check(msp.CheckOK, "unattended-upgrades installed; %s", setting)
}

// aptIgnored reports names apt skips in its parts directories.
func aptIgnored(n string) bool {
	for _, suf := range []string{".disabled", ".bak", ".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-tmp", ".ucf-old", ".ucf-dist", ".ucf-new", ".save", ".orig"} {
		if strings.HasSuffix(n, suf) {
			return true
		}
	}
	return false
}

func (c *collector) dnfAutomatic() msp.Check {
	const wants = "/etc/systemd/system/timers.target.wants/"
	for _, t := range []string{"dnf-automatic-install.timer", "dnf5-automatic.timer", "dnf-automatic.timer"} {
		if !c.exists(wants + t) {
			continue
		}
		if t == "dnf-automatic-install.timer" {
			return check(msp.CheckOK, "%s is enabled (%s%s)", t, wants, t)
		}
		conf := "/etc/dnf/automatic.conf"
		if t == "dnf5-automatic.timer" && c.exists("/etc/dnf/dnf5-plugins/automatic.conf") {
			conf = "/etc/dnf/dnf5-plugins/automatic.conf"
		}
		b, err := c.readFile(conf)
		if err != nil {
			return check(msp.CheckUnknown, "%s is enabled but %s cannot be read: %v", t, conf, err)
		}
		if v := iniValue(b, "commands", "apply_updates"); v == "yes" || v == "true" || v == "1" {
			return check(msp.CheckOK, "%s is enabled; apply_updates = %s in %s", t, v, conf)
		}
		return check(msp.CheckFailing, "%s is enabled but only downloads: apply_updates is not yes in %s", t, conf)
	}
	if c.exists("/usr/lib/systemd/system/dnf-automatic.timer") || c.exists("/usr/lib/systemd/system/dnf5-automatic.timer") {
		return check(msp.CheckFailing, "dnf-automatic is installed but no dnf-automatic timer is enabled")
	}
	return check(msp.CheckFailing, "dnf-automatic is not installed (no dnf-automatic timer)")
}

// iniValue returns key in [section] of an INI file, lower-cased.
func iniValue(b []byte, section, key string) string {
	cur := ""
	val := ""
	for line := range strings.Lines(string(b)) {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		if t[0] == '[' && strings.HasSuffix(t, "]") {
			cur = strings.TrimSpace(t[1 : len(t)-1])
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if ok && cur == section && strings.TrimSpace(k) == key {
			val = strings.ToLower(strings.TrimSpace(v))
		}
	}
	return val
}

// avDaemons maps process names (as /proc/PID/comm shows them, at most 15
// bytes) to the antivirus products they belong to.
var avDaemons = map[string]string{
	"clamd":          "ClamAV",
	"wdavdaemon":     "Microsoft Defender for Endpoint",
	"falcon-sensor":  "CrowdStrike Falcon",
	"sentinelone-ag": "SentinelOne",
	"s1-agent":       "SentinelOne",
	"ds_agent":       "Trend Micro Deep Security",
	"savd":           "Sophos Anti-Virus",
	"sophos_threat_": "Sophos",
	"esets_daemon":   "ESET",
	"oaeventmanager": "ESET",
}

// antivirus looks for a running antivirus daemon in /proc.
func (c *collector) antivirus() msp.Check {
	ents, err := os.ReadDir(c.path("/proc"))
	if err != nil {
		return check(msp.CheckUnknown, "processes not listed: %v", err)
	}
	var found []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join(c.path("/proc"), e.Name(), "comm"))
		if err != nil {
			continue
		}
		name := string(bytes.TrimSpace(comm))
		if product, ok := avDaemons[name]; ok {
			found = append(found, fmt.Sprintf("%s: %s running (pid %s)", product, name, e.Name()))
		}
	}
	if len(found) > 0 {
		slices.Sort(found)
		ev := strings.Join(found, "; ")
		if c.exists("/var/lib/clamav") && strings.Contains(ev, "ClamAV") {
			ev += "; " + c.clamSignatures()
		}
		return check(msp.CheckOK, "%s", ev)
	}
	for _, p := range []string{"/usr/sbin/clamd", "/usr/bin/clamd"} {
		if c.exists(p) {
			return check(msp.CheckFailing, "ClamAV is installed (%s) but clamd is not running", p)
		}
	}
	return check(msp.CheckUnknown, "no antivirus daemon running (looked for clamd, wdavdaemon, falcon-sensor, SentinelOne, Sophos, ESET, Trend Micro)")
}

// clamSignatures says how old ClamAV's daily signatures are.
func (c *collector) clamSignatures() string {
	for _, f := range []string{"daily.cld", "daily.cvd"} {
		if fi, err := os.Stat(c.path("/var/lib/clamav/" + f)); err == nil {
			return fmt.Sprintf("signatures %s updated %s", f, fi.ModTime().UTC().Format(time.DateOnly))
		}
	}
	return "no daily signatures in /var/lib/clamav"
}
