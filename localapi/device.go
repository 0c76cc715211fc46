package localapi

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"tandem/msp"
)

// Disk thresholds for the health summary, in percent used.
const (
	diskWarnPercent     = 90
	diskCriticalPercent = 97
)

// deviceView turns the agent's last inventory into what a person sees: the
// computer's health in plain words and the details a ticket carries. user
// is the caller. An inventory with a zero CollectedAt means nothing has
// been collected yet; it still names the computer.
func deviceView(inv msp.Inventory, user string) Device {
	d := Device{
		Hostname:    inv.Hostname,
		OS:          inv.OS.Summary(),
		Model:       machineModel(inv.Hardware),
		Serial:      inv.Hardware.Serial,
		CollectedAt: inv.CollectedAt,
		Health:      []Health{},
	}
	if !inv.CollectedAt.IsZero() {
		d.Health = health(inv)
	}
	add := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			d.Details = append(d.Details, Detail{Label: label, Value: value})
		}
	}
	add("Computer", inv.Hostname)
	add("System", d.OS)
	add("User", user)
	add("Model", d.Model)
	add("Serial number", d.Serial)
	if inv.CPU.Model != "" {
		cpu := inv.CPU.Model
		if inv.CPU.Cores > 0 {
			cpu += fmt.Sprintf(" (%d cores)", inv.CPU.Cores)
		}
		add("Processor", cpu)
	}
	if inv.Memory.TotalBytes > 0 {
		add("Memory", humanSize(inv.Memory.TotalBytes))
	}
	if disk, ok := mainDisk(inv.Disks); ok {
		add("Free disk", humanSize(disk.FreeBytes)+" of "+humanSize(disk.TotalBytes))
	}
	add("IP address", strings.Join(addresses(inv.Network), ", "))
	if !inv.CollectedAt.IsZero() {
		n := len(inv.Patches.Pending)
		switch {
		case n == 0 && inv.Patches.LastChecked.IsZero():
			// The search failed or never ran: nothing pending is not
			// the same as up to date.
			add("Updates", "not checked")
		case n == 0:
			add("Updates", "up to date")
		default:
			add("Updates", fmt.Sprintf("%d waiting (%d for security)", n, inv.Patches.SecurityPending()))
		}
		add("Checked", inv.CollectedAt.Local().Format("2 Jan 2006 15:04"))
	}
	if d.Details == nil {
		d.Details = []Detail{}
	}
	return d
}

// machineModel names the machine as its label does: "Dell Inc. Latitude
// D610", the vendor left out when the model already starts with it.
func machineModel(h msp.Hardware) string {
	if h.Vendor == "" || strings.HasPrefix(strings.ToLower(h.Model), strings.ToLower(h.Vendor)) {
		return h.Model
	}
	if h.Model == "" {
		return ""
	}
	return h.Vendor + " " + h.Model
}

// health lists what needs attention, most serious first.
func health(inv msp.Inventory) []Health {
	var out []Health
	warn := func(code, text string) { out = append(out, Health{Code: code, Severity: SeverityWarning, Text: text}) }
	crit := func(code, text string) { out = append(out, Health{Code: code, Severity: SeverityCritical, Text: text}) }

	p := inv.Posture
	if p.Antivirus.State == msp.CheckFailing {
		if outdated(p.Antivirus.Evidence) {
			crit(HealthProtectionOutdated, "Virus protection is out of date")
		} else {
			crit(HealthProtectionOff, "Virus protection is off")
		}
	}
	if p.Firewall.State == msp.CheckFailing {
		crit(HealthFirewallOff, "The firewall is off")
	}
	if sec := inv.Patches.SecurityPending(); sec > 0 {
		warn(HealthUpdatesPending, plural(sec, "security update is", "security updates are")+" waiting")
	} else if n := len(inv.Patches.Pending); n > 0 {
		warn(HealthUpdatesPending, plural(n, "update is", "updates are")+" waiting")
	}
	if inv.Patches.RebootRequired {
		warn(HealthRestartNeeded, "Restart needed to finish updates")
	}
	for _, disk := range inv.Disks {
		if !userDisk(disk) {
			continue
		}
		used := int((disk.TotalBytes - disk.FreeBytes) * 100 / disk.TotalBytes)
		text := fmt.Sprintf("%s is %d%% full", diskName(disk.Mount), used)
		switch {
		case used >= diskCriticalPercent:
			crit(HealthDiskNearlyFull, text)
		case used >= diskWarnPercent:
			warn(HealthDiskNearlyFull, text)
		}
	}
	if p.DiskEncryption.State == msp.CheckFailing {
		warn(HealthEncryptionOff, "The disk is not encrypted")
	}
	if p.AutomaticUpdates.State == msp.CheckFailing {
		warn(HealthUpdatesOff, "Automatic updates are off")
	}
	slices.SortStableFunc(out, func(a, b Health) int {
		if a.Severity == b.Severity {
			return 0
		}
		if a.Severity == SeverityCritical {
			return -1
		}
		return 1
	})
	if out == nil {
		out = []Health{}
	}
	return out
}

func outdated(evidence string) bool {
	e := strings.ToLower(evidence)
	return strings.Contains(e, "out of date") || strings.Contains(e, "outdated") || strings.Contains(e, "old signatures")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// userDisk reports whether a person would recognise the disk as theirs:
// at least 1 GB, and not a boot, snap or system mount.
func userDisk(d msp.Disk) bool {
	if d.TotalBytes < 1<<30 || d.FreeBytes > d.TotalBytes {
		return false
	}
	for _, skip := range []string{"/boot", "/snap", "/run", "/dev", "/sys", "/proc", "/var/lib/docker", "/System/Volumes"} {
		if d.Mount == skip || strings.HasPrefix(d.Mount, skip+"/") {
			return false
		}
	}
	return true
}

// diskName names a mount for a person: "Disk C:", "The main disk",
// "Disk /home".
func diskName(mount string) string {
	switch {
	case mount == "/":
		return "The main disk"
	case len(mount) >= 2 && mount[1] == ':':
		return "Disk " + strings.ToUpper(mount[:2])
	}
	return "Disk " + mount
}

// mainDisk is the system disk: "/" or "C:\", else the largest user disk.
func mainDisk(disks []msp.Disk) (msp.Disk, bool) {
	var best msp.Disk
	found := false
	for _, d := range disks {
		if !userDisk(d) {
			continue
		}
		if d.Mount == "/" || strings.EqualFold(strings.TrimRight(d.Mount, `\`), "C:") {
			return d, true
		}
		if !found || d.TotalBytes > best.TotalBytes {
			best, found = d, true
		}
	}
	return best, found
}

// addresses lists the IPv4 addresses of interfaces that are up (IPv6 link
// addresses mean nothing to a person on the phone), without loopback.
func addresses(ifs []msp.NetInterface) []string {
	var out []string
	for _, n := range ifs {
		if !n.Up {
			continue
		}
		for _, a := range n.Addresses {
			addr, err := netip.ParseAddr(a)
			if err != nil {
				p, perr := netip.ParsePrefix(a)
				if perr != nil {
					continue
				}
				addr = p.Addr()
			}
			if addr.Is4() && !addr.IsLoopback() && !addr.IsLinkLocalUnicast() {
				out = append(out, addr.String())
			}
		}
	}
	return out
}

// humanSize writes bytes as "41 GB", "512 MB" (powers of 1024, as the
// systems' own tools show them).
func humanSize(n uint64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TB", float64(n)/(1<<40))
	case n >= 10<<30:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}
