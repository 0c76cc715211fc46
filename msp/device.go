package msp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Caps on the lists an inventory may carry, so one device cannot flood the hub.
const (
	MaxDisks          = 256
	MaxInterfaces     = 256
	MaxSoftware       = 20_000
	MaxPendingPatches = 10_000
	MaxEvidenceRunes  = 2_000
	MaxMemoryModules  = 1_024 // a large server has 96 DIMM sockets
	MaxHardwareRunes  = 200   // vendor, model, serial, BIOS and module strings
	MaxSourceBytes    = 32    // a software entry's source ("deb", "flatpak")
	// MaxAntivirusProducts caps posture.antivirus_products.
	MaxAntivirusProducts = 16
)

// Device is an enrolled endpoint.
type Device struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant"`
	Hostname   string    `json:"hostname"`
	OS         string    `json:"os"` // a summary such as "Ubuntu 24.04.1 LTS" or "Windows 11 Pro 23H2"
	EnrolledAt time.Time `json:"enrolled_at"`
	LastSeen   time.Time `json:"last_seen,omitzero"`
	// RevokedAt is when the MSP retired the device (tandem-hub device
	// revoke); zero while it is in service. A retired device's certificate
	// is refused on every request.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// Validate checks the device lightly: id, tenant and hostname present,
// enrolment time set, last seen not before enrolment.
func (d Device) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkRef("id", d.ID, true))
	add(checkRef("tenant", d.Tenant, true))
	add(checkHostname("hostname", d.Hostname))
	add(checkText("os", d.OS, false, MaxNameRunes, false))
	if d.EnrolledAt.IsZero() {
		add(invalid("enrolled_at", "is missing"))
	}
	if !d.LastSeen.IsZero() && d.LastSeen.Before(d.EnrolledAt) {
		add(invalid("last_seen", "is before enrolled_at"))
	}
	return errors.Join(errs...)
}

// Inventory is what the agent collects from a device, as it prints it.
type Inventory struct {
	Hostname    string         `json:"hostname"`
	OS          OSInfo         `json:"os"`
	BootTime    time.Time      `json:"boot_time,omitzero"`
	Hardware    Hardware       `json:"hardware,omitzero"`
	CPU         CPU            `json:"cpu"`
	Memory      Memory         `json:"memory"`
	Disks       []Disk         `json:"disks"`
	Network     []NetInterface `json:"network"`
	Software    []Software     `json:"software"`
	Patches     PatchState     `json:"patches"`
	Posture     Posture        `json:"posture"`
	CollectedAt time.Time      `json:"collected_at"`
}

// OSInfo names the operating system.
type OSInfo struct {
	Name    string `json:"name"`    // "Ubuntu", "Windows 11 Pro", "macOS"
	Version string `json:"version"` // "24.04.1 LTS", "23H2 (22631.4460)", "15.1"
	ID      string `json:"id"`      // a short machine id: "ubuntu", "windows", "darwin"
	Kernel  string `json:"kernel"`  // "6.8.0-49-generic", "10.0.22631", "24.1.0"
}

// Summary returns "Name Version", the Device.OS string.
func (o OSInfo) Summary() string { return strings.TrimSpace(o.Name + " " + o.Version) }

// Hardware is the machine itself as its firmware (SMBIOS, DMI) describes it.
// Every field may be empty: placeholders such as "To Be Filled By O.E.M." or
// "System Serial Number" are left out, not reported.
type Hardware struct {
	Vendor string `json:"vendor,omitempty"` // system manufacturer: "Dell Inc.", "LENOVO"
	Model  string `json:"model,omitempty"`  // "OptiPlex FX160", "ThinkPad Edge E320 (1298A8G)"
	Serial string `json:"serial,omitempty"` // system serial number (the service tag on Dell)
	BIOS   BIOS   `json:"bios,omitzero"`
}

// BIOS names the firmware.
type BIOS struct {
	Vendor  string `json:"vendor,omitempty"`
	Version string `json:"version,omitempty"`
	Date    string `json:"date,omitempty"` // release date, YYYY-MM-DD
}

// CPU describes the processor.
type CPU struct {
	Model string `json:"model"`
	Cores int    `json:"cores"` // logical cores
}

// Memory describes the installed memory.
type Memory struct {
	TotalBytes uint64 `json:"total_bytes"` // what the OS may use
	// Slots counts the memory sockets the firmware lists, filled or
	// not; zero when unknown. Modules lists the filled ones only, so
	// Slots - len(Modules) sockets are free.
	Slots   int            `json:"slots,omitempty"`
	Modules []MemoryModule `json:"modules,omitempty"`
}

// MemoryModule is one installed memory module (a DIMM).
type MemoryModule struct {
	Slot         string `json:"slot,omitempty"`         // the socket's locator: "DIMM_A1", "ChannelA-DIMM0"
	Bank         string `json:"bank,omitempty"`         // the bank locator: "BANK 0", "/SYS/MB/P0"
	SizeBytes    uint64 `json:"size_bytes,omitempty"`   // zero when the firmware does not know
	Type         string `json:"type,omitempty"`         // "DDR4", "DDR3"
	SpeedMTs     int    `json:"speed_mts,omitempty"`    // rated speed in MT/s (older dmidecode says MHz for the same number)
	FormFactor   string `json:"form_factor,omitempty"`  // "DIMM", "SODIMM"
	Manufacturer string `json:"manufacturer,omitempty"` // "Samsung"
	PartNumber   string `json:"part_number,omitempty"`  // "M386A4G40DM0-CPB"
	Serial       string `json:"serial,omitempty"`
}

// Disk is one mounted file system.
type Disk struct {
	Mount      string `json:"mount"` // "/", "C:\"
	FS         string `json:"fs"`    // "ext4", "NTFS", "apfs"
	TotalBytes uint64 `json:"total_bytes"`
	FreeBytes  uint64 `json:"free_bytes"`
	Encrypted  bool   `json:"encrypted"`
}

// NetInterface is one network interface.
type NetInterface struct {
	Name      string   `json:"name"`
	MAC       string   `json:"mac,omitempty"`
	Addresses []string `json:"addresses"` // "192.168.1.20/24", "fe80::1/64", or bare addresses
	Up        bool     `json:"up"`
}

// Software is one installed program or package.
type Software struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Source names where the entry was found: a package manager ("deb",
	// "rpm", "pacman", "snap", "flatpak") or a platform's list of
	// programs ("registry" on Windows, "app" on macOS). A short
	// lower-case word; empty only in inventories from older agents.
	Source string `json:"source,omitempty"`
	// Publisher and InstallDate ("YYYY-MM-DD") where the source records
	// them (the Windows registry's Uninstall entries); empty otherwise.
	Publisher   string `json:"publisher,omitempty"`
	InstallDate string `json:"install_date,omitempty"`
}

// Software sources the agents name.
const (
	SourceDeb      = "deb"
	SourceRPM      = "rpm"
	SourcePacman   = "pacman"
	SourceSnap     = "snap"
	SourceFlatpak  = "flatpak"
	SourceRegistry = "registry"
	SourceApp      = "app"
)

// PatchState is what updates the device is missing.
type PatchState struct {
	Pending        []Patch   `json:"pending"`
	RebootRequired bool      `json:"reboot_required"`
	LastChecked    time.Time `json:"last_checked,omitzero"`
}

// Patch is one pending update.
type Patch struct {
	Name             string `json:"name"`
	InstalledVersion string `json:"installed_version"`
	CandidateVersion string `json:"candidate_version"`
	Security         bool   `json:"security"`
}

// SecurityPending counts the pending updates that fix security problems.
func (p PatchState) SecurityPending() int {
	n := 0
	for _, x := range p.Pending {
		if x.Security {
			n++
		}
	}
	return n
}

// CheckState is the outcome of one posture check.
type CheckState string

const (
	CheckOK      CheckState = "ok"
	CheckFailing CheckState = "failing"
	CheckUnknown CheckState = "unknown" // the agent could not tell
)

// Valid reports whether s is ok, failing or unknown.
func (s CheckState) Valid() bool { return s == CheckOK || s == CheckFailing || s == CheckUnknown }

// Check is one posture check with the evidence it rests on, such as
// "ufw: Status: active" or "BitLocker: C: protection on".
type Check struct {
	State    CheckState `json:"state"`
	Evidence string     `json:"evidence"`
}

// Posture is the device's security baseline.
type Posture struct {
	Firewall         Check `json:"firewall"`
	DiskEncryption   Check `json:"disk_encryption"`
	AutomaticUpdates Check `json:"automatic_updates"`
	Antivirus        Check `json:"antivirus"`
	// AntivirusProducts are the products behind the Antivirus check, as
	// far as the system names them (GLPI's antivirus section).
	AntivirusProducts []AntivirusProduct `json:"antivirus_products,omitempty"`
}

// AntivirusProduct is one antivirus product a device runs.
type AntivirusProduct struct {
	Name    string `json:"name"`
	Company string `json:"company,omitempty"`
	Enabled bool   `json:"enabled"`
	// UpToDate says whether its signatures are current, when the product
	// or the system tells.
	UpToDate         *bool  `json:"up_to_date,omitempty"`
	SignatureVersion string `json:"signature_version,omitempty"`
	SignatureDate    string `json:"signature_date,omitempty"` // YYYY-MM-DD
}

// Checks returns the four checks keyed by their JSON names, in display order.
func (p Posture) Checks() []NamedCheck {
	return []NamedCheck{
		{"firewall", "Firewall", p.Firewall},
		{"disk_encryption", "Disk encryption", p.DiskEncryption},
		{"automatic_updates", "Automatic updates", p.AutomaticUpdates},
		{"antivirus", "Antivirus", p.Antivirus},
	}
}

// NamedCheck is a posture check with its key and display name.
type NamedCheck struct {
	Key   string
	Name  string
	Check Check
}

// Failing returns the display names of the checks that are failing.
func (p Posture) Failing() []string {
	var out []string
	for _, c := range p.Checks() {
		if c.Check.State == CheckFailing {
			out = append(out, c.Name)
		}
	}
	return out
}

// Validate checks the inventory lightly: a hostname and collection time,
// free space within each disk, parseable MAC and IP addresses, known check
// states, one-line hardware strings and a real BIOS date, no more memory
// modules than slots, software sources that are short lower-case words,
// and list lengths within the caps.
func (inv *Inventory) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkHostname("hostname", inv.Hostname))
	if inv.CollectedAt.IsZero() {
		add(invalid("collected_at", "is missing"))
	}
	if inv.CPU.Cores < 0 {
		add(invalid("cpu.cores", "must not be negative"))
	}
	if len(inv.Disks) > MaxDisks {
		add(invalid("disks", "lists %d disks; the most allowed is %d", len(inv.Disks), MaxDisks))
	}
	for i, d := range inv.Disks {
		if d.FreeBytes > d.TotalBytes {
			add(invalid(fmt.Sprintf("disks[%d].free_bytes", i), "is more than total_bytes"))
		}
		if d.Mount == "" {
			add(invalid(fmt.Sprintf("disks[%d].mount", i), "is missing"))
		}
	}
	if len(inv.Network) > MaxInterfaces {
		add(invalid("network", "lists %d interfaces; the most allowed is %d", len(inv.Network), MaxInterfaces))
	}
	for i, n := range inv.Network {
		field := fmt.Sprintf("network[%d]", i)
		if n.Name == "" {
			add(invalid(field+".name", "is missing"))
		}
		if n.MAC != "" {
			if _, err := net.ParseMAC(n.MAC); err != nil {
				add(invalid(field+".mac", "%q is not a MAC address", clip(n.MAC)))
			}
		}
		for j, a := range n.Addresses {
			if !validAddress(a) {
				add(invalid(fmt.Sprintf("%s.addresses[%d]", field, j), "%q is not an IP address", clip(a)))
			}
		}
	}
	add(inv.Hardware.validate())
	add(inv.Memory.validate())
	if len(inv.Software) > MaxSoftware {
		add(invalid("software", "lists %d programs; the most allowed is %d", len(inv.Software), MaxSoftware))
	}
	for i, s := range inv.Software {
		if strings.TrimSpace(s.Name) == "" {
			add(invalid(fmt.Sprintf("software[%d].name", i), "is missing"))
		}
		add(checkSource(fmt.Sprintf("software[%d].source", i), s.Source))
		add(checkText(fmt.Sprintf("software[%d].publisher", i), s.Publisher, false, MaxHardwareRunes, false))
		add(checkDate(fmt.Sprintf("software[%d].install_date", i), s.InstallDate))
	}
	if len(inv.Patches.Pending) > MaxPendingPatches {
		add(invalid("patches.pending", "lists %d updates; the most allowed is %d", len(inv.Patches.Pending), MaxPendingPatches))
	}
	for i, p := range inv.Patches.Pending {
		if strings.TrimSpace(p.Name) == "" {
			add(invalid(fmt.Sprintf("patches.pending[%d].name", i), "is missing"))
		}
	}
	for _, c := range inv.Posture.Checks() {
		field := "posture." + c.Key
		if !c.Check.State.Valid() {
			add(invalid(field+".state", "must be ok, failing or unknown, not %q", clip(string(c.Check.State))))
		}
		add(checkText(field+".evidence", c.Check.Evidence, false, MaxEvidenceRunes, true))
	}
	if n := len(inv.Posture.AntivirusProducts); n > MaxAntivirusProducts {
		add(invalid("posture.antivirus_products", "lists %d products; the most allowed is %d", n, MaxAntivirusProducts))
	}
	for i, a := range inv.Posture.AntivirusProducts {
		field := fmt.Sprintf("posture.antivirus_products[%d]", i)
		if strings.TrimSpace(a.Name) == "" {
			add(invalid(field+".name", "is missing"))
		}
		for _, f := range []struct{ name, value string }{{"name", a.Name}, {"company", a.Company}, {"signature_version", a.SignatureVersion}} {
			add(checkText(field+"."+f.name, f.value, false, MaxHardwareRunes, false))
		}
		add(checkDate(field+".signature_date", a.SignatureDate))
	}
	return errors.Join(errs...)
}

// checkDate checks that s, if set, is a real YYYY-MM-DD date.
func checkDate(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return invalid(field, "%q is not a YYYY-MM-DD date", clip(s))
	}
	return nil
}

// validate checks the hardware strings (one line, at most
// MaxHardwareRunes each) and that the BIOS date is a real YYYY-MM-DD date.
func (h Hardware) validate() error {
	var errs []error
	for _, f := range []struct{ name, value string }{
		{"hardware.vendor", h.Vendor}, {"hardware.model", h.Model}, {"hardware.serial", h.Serial},
		{"hardware.bios.vendor", h.BIOS.Vendor}, {"hardware.bios.version", h.BIOS.Version},
	} {
		if err := checkText(f.name, f.value, false, MaxHardwareRunes, false); err != nil {
			errs = append(errs, err)
		}
	}
	if h.BIOS.Date != "" {
		if _, err := time.Parse(time.DateOnly, h.BIOS.Date); err != nil {
			errs = append(errs, invalid("hardware.bios.date", "%q is not a YYYY-MM-DD date", clip(h.BIOS.Date)))
		}
	}
	return errors.Join(errs...)
}

// validate checks the module list: at most MaxMemoryModules, no more
// modules than slots when the slots are known, non-negative counts and
// one-line strings.
func (m Memory) validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if m.Slots < 0 {
		add(invalid("memory.slots", "must not be negative"))
	}
	if len(m.Modules) > MaxMemoryModules {
		add(invalid("memory.modules", "lists %d modules; the most allowed is %d", len(m.Modules), MaxMemoryModules))
	}
	if m.Slots > 0 && len(m.Modules) > m.Slots {
		add(invalid("memory.modules", "lists %d modules in %d slots", len(m.Modules), m.Slots))
	}
	for i, x := range m.Modules {
		field := fmt.Sprintf("memory.modules[%d]", i)
		if x.SpeedMTs < 0 {
			add(invalid(field+".speed_mts", "must not be negative"))
		}
		for _, f := range []struct{ name, value string }{
			{"slot", x.Slot}, {"bank", x.Bank}, {"type", x.Type}, {"form_factor", x.FormFactor},
			{"manufacturer", x.Manufacturer}, {"part_number", x.PartNumber}, {"serial", x.Serial},
		} {
			add(checkText(field+"."+f.name, f.value, false, MaxHardwareRunes, false))
		}
	}
	return errors.Join(errs...)
}

// checkSource accepts an empty source or a lower-case word of letters,
// digits and hyphens, at most MaxSourceBytes long. Sources the hub does
// not know yet pass: a newer agent may name a new package manager.
func checkSource(field, s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxSourceBytes {
		return invalid(field, "is %d bytes long; the most allowed is %d", len(s), MaxSourceBytes)
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') {
			return invalid(field, "%q must be a lower-case word such as deb or flatpak", clip(s))
		}
	}
	return nil
}

func validAddress(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// checkHostname accepts any one-line name up to 253 bytes: Windows and macOS
// computer names are looser than DNS host names.
func checkHostname(field, s string) error {
	if s == "" {
		return invalid(field, "is missing")
	}
	if len(s) > 253 {
		return invalid(field, "is %d bytes long; the most allowed is 253", len(s))
	}
	return checkText(field, s, true, 253, false)
}
