package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tandem/internal/version"
	"tandem/msp"
)

// GLPI renders r in the GLPI native inventory format (the JSON that GLPI
// servers accept from their own agent; schema in testdata/glpi) for the
// device deviceID. The machine's vendor, model, serial and BIOS go to
// bios, its memory modules to memories, its antivirus products to
// antivirus, software publishers and install dates (where the system
// records them) to softwares. Sizes are in MB, dates "YYYY-MM-DD" and datetimes
// "YYYY-MM-DD hh:mm:ss" in the device's local time. What the format has no
// place for (pending updates, posture, warnings) goes into content's
// extra properties tandem_patches, tandem_posture and tandem_warnings, which
// the schema allows.
func GLPI(r Report, deviceID string) ([]byte, error) { return GLPITagged(r, deviceID, "") }

// GLPITagged is GLPI with GLPI's tag, which GLPI's rules use to put the
// computer into the customer's entity: the tenant's slug (TenantTag) or a
// tag the MSP chose; empty leaves it out.
func GLPITagged(r Report, deviceID, tag string) ([]byte, error) {
	if strings.TrimSpace(deviceID) == "" {
		return nil, errors.New("glpi export: the device id is empty; pass the enrolled device's id")
	}
	doc := glpiDoc{
		Action:   "inventory",
		DeviceID: deviceID,
		ItemType: "Computer",
		Tag:      strings.TrimSpace(tag),
		Content:  newGLPIBody(r),
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("glpi export: encoding the inventory: %w", err)
	}
	return b, nil
}

type glpiDoc struct {
	Action   string   `json:"action"`
	DeviceID string   `json:"deviceid"`
	ItemType string   `json:"itemtype"`
	Tag      string   `json:"tag,omitempty"`
	Content  glpiBody `json:"content"`
}

// TenantTag is the GLPI tag of a tenant named name when the MSP chose none:
// its slug, lower-case letters and digits with single hyphens between
// words ("Demo Accounting (Pty) Ltd" gives "demo-accounting-pty-ltd").
// The tandem-hub export and tandem-agent collect --glpi use it.
func TenantTag(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			hyphen = true
			continue
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteRune(r)
	}
	return b.String()
}

type glpiBody struct {
	VersionClient   string         `json:"versionclient"`
	Hardware        glpiHardware   `json:"hardware"`
	OperatingSystem glpiOS         `json:"operatingsystem"`
	BIOS            *glpiBIOS      `json:"bios,omitempty"`
	CPUs            []glpiCPU      `json:"cpus,omitempty"`
	Memories        []glpiMemory   `json:"memories,omitempty"`
	Drives          []glpiDrive    `json:"drives,omitempty"`
	Networks        []glpiNetwork  `json:"networks,omitempty"`
	Softwares       []glpiSoftware `json:"softwares,omitempty"`
	Firewalls       []glpiFirewall `json:"firewalls,omitempty"`
	Antivirus       []glpiAV       `json:"antivirus,omitempty"`
	Patches         glpiPatches    `json:"tandem_patches"`
	Posture         msp.Posture    `json:"tandem_posture"`
	Warnings        []string       `json:"tandem_warnings,omitempty"`
	CollectedAt     string         `json:"tandem_collected_at,omitempty"`
}

type glpiHardware struct {
	Name   string `json:"name,omitempty"`
	Memory uint64 `json:"memory,omitempty"` // MB
	Swap   uint64 `json:"swap,omitempty"`   // MB
	UUID   string `json:"uuid,omitempty"`
}

type glpiOS struct {
	Name          string        `json:"name,omitempty"`
	Version       string        `json:"version,omitempty"`
	FullName      string        `json:"full_name,omitempty"`
	KernelName    string        `json:"kernel_name,omitempty"`
	KernelVersion string        `json:"kernel_version,omitempty"`
	Arch          string        `json:"arch,omitempty"`
	BootTime      string        `json:"boot_time,omitempty"`
	InstallDate   string        `json:"install_date,omitempty"`
	Timezone      *glpiTimezone `json:"timezone,omitempty"`
}

type glpiTimezone struct {
	Name   string `json:"name"`
	Offset string `json:"offset"` // "+0200"
}

type glpiBIOS struct {
	SManufacturer string `json:"smanufacturer,omitempty"`
	SModel        string `json:"smodel,omitempty"`
	SSN           string `json:"ssn,omitempty"`
	BManufacturer string `json:"bmanufacturer,omitempty"`
	BVersion      string `json:"bversion,omitempty"`
	BDate         string `json:"bdate,omitempty"`
}

type glpiCPU struct {
	Name         string `json:"name,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Arch         string `json:"arch,omitempty"`
	Core         int    `json:"core,omitempty"`
	Thread       int    `json:"thread,omitempty"`
	Speed        int    `json:"speed,omitempty"`
}

// glpiMemory is one installed memory module. GLPI's own agent lists empty
// sockets too, without a capacity; Tandem lists the modules only.
type glpiMemory struct {
	Capacity     uint64 `json:"capacity,omitempty"` // MB
	Caption      string `json:"caption,omitempty"`  // the slot: "DIMM_A1"
	Description  string `json:"description,omitempty"`
	Type         string `json:"type,omitempty"`
	Speed        string `json:"speed,omitempty"` // MT/s, a bare number as GLPI's agent sends it: "2133"
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"` // the part number
	SerialNumber string `json:"serialnumber,omitempty"`
}

type glpiDrive struct {
	Type          string `json:"type,omitempty"`   // mount point (*nix)
	Letter        string `json:"letter,omitempty"` // "C:" (Windows)
	Filesystem    string `json:"filesystem,omitempty"`
	Total         uint64 `json:"total"` // MB
	Free          uint64 `json:"free"`  // MB
	EncryptStatus string `json:"encrypt_status"`
}

type glpiNetwork struct {
	Description string `json:"description"`
	MAC         string `json:"mac,omitempty"`
	Status      string `json:"status"`
	Type        string `json:"type,omitempty"`
	VirtualDev  bool   `json:"virtualdev,omitempty"`
	IPAddress   string `json:"ipaddress,omitempty"`
	IPMask      string `json:"ipmask,omitempty"`
	IPSubnet    string `json:"ipsubnet,omitempty"`
	IPAddress6  string `json:"ipaddress6,omitempty"`
	IPMask6     string `json:"ipmask6,omitempty"`
	IPSubnet6   string `json:"ipsubnet6,omitempty"`
}

type glpiSoftware struct {
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	From        string `json:"from,omitempty"`
	Publisher   string `json:"publisher,omitempty"`
	InstallDate string `json:"install_date,omitempty"` // "YYYY-MM-DD"
}

// glpiAV is one antivirus product (GLPI's antivirus section).
type glpiAV struct {
	Name         string `json:"name"`
	Company      string `json:"company,omitempty"`
	Enabled      bool   `json:"enabled"`
	UpToDate     *bool  `json:"uptodate,omitempty"`
	BaseVersion  string `json:"base_version,omitempty"`
	BaseCreation string `json:"base_creation,omitempty"` // "YYYY-MM-DD"
}

type glpiFirewall struct {
	Status string `json:"status"`
}

type glpiPatches struct {
	Pending        []msp.Patch `json:"pending"`
	SecurityCount  int         `json:"security_pending"`
	RebootRequired bool        `json:"reboot_required"`
	LastChecked    string      `json:"last_checked,omitempty"`
}

// glpiDateTime formats t as GLPI wants, in the device's local time.
func glpiDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.DateTime)
}

func mb(b uint64) uint64 { return b / (1 << 20) }

var winDrive = regexp.MustCompile(`^[A-Za-z]:\\?$`)

func newGLPIBody(r Report) glpiBody {
	m := r.Machine
	c := glpiBody{
		VersionClient: "Tandem-Agent-" + version.Version,
		Hardware: glpiHardware{
			Name:   r.Hostname,
			Memory: mb(r.Memory.TotalBytes),
			Swap:   mb(m.SwapBytes),
			UUID:   m.UUID,
		},
		OperatingSystem: glpiOS{
			Name:          r.OS.Name,
			Version:       r.OS.Version,
			FullName:      orDefault(m.OSFullName, r.OS.Summary()),
			KernelName:    glpiKernelName(r.OS.ID),
			KernelVersion: r.OS.Kernel,
			Arch:          m.Arch,
			BootTime:      glpiDateTime(r.BootTime),
			InstallDate:   glpiDateTime(m.InstallDate),
		},
		Patches: glpiPatches{
			Pending:        r.Patches.Pending,
			SecurityCount:  r.Patches.SecurityPending(),
			RebootRequired: r.Patches.RebootRequired,
			LastChecked:    glpiDateTime(r.Patches.LastChecked),
		},
		Posture:     r.Posture,
		Warnings:    r.Warnings,
		CollectedAt: glpiDateTime(r.CollectedAt),
	}
	if c.Patches.Pending == nil {
		c.Patches.Pending = []msp.Patch{}
	}
	if !r.CollectedAt.IsZero() {
		name, off := r.CollectedAt.Local().Zone()
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		c.OperatingSystem.Timezone = &glpiTimezone{Name: name, Offset: fmt.Sprintf("%c%02d%02d", sign, off/3600, off%3600/60)}
	}
	h := r.Hardware
	if b := (glpiBIOS{h.Vendor, h.Model, h.Serial, h.BIOS.Vendor, h.BIOS.Version, h.BIOS.Date}); b != (glpiBIOS{}) {
		c.BIOS = &b
	}
	if r.CPU.Model != "" || r.CPU.Cores > 0 {
		sockets := max(m.CPUSockets, 1)
		cpu := glpiCPU{Name: r.CPU.Model, Manufacturer: glpiCPUVendor(m.CPUVendor), Arch: glpiArch(m.Arch), Speed: m.CPUMHz}
		if m.CPUCores > 0 {
			cpu.Core = m.CPUCores / sockets
			cpu.Thread = r.CPU.Cores / m.CPUCores
		} else {
			cpu.Core = r.CPU.Cores / sockets
		}
		for range sockets {
			c.CPUs = append(c.CPUs, cpu)
		}
	}
	for _, x := range r.Memory.Modules {
		g := glpiMemory{Capacity: mb(x.SizeBytes), Caption: x.Slot, Description: x.FormFactor, Type: x.Type,
			Manufacturer: x.Manufacturer, Model: x.PartNumber, SerialNumber: x.Serial}
		if x.SpeedMTs > 0 {
			g.Speed = strconv.Itoa(x.SpeedMTs)
		}
		c.Memories = append(c.Memories, g)
	}
	for _, d := range r.Disks {
		g := glpiDrive{Filesystem: d.FS, Total: mb(d.TotalBytes), Free: mb(d.FreeBytes), EncryptStatus: "No"}
		if d.Encrypted {
			g.EncryptStatus = "Yes"
		}
		if winDrive.MatchString(d.Mount) {
			g.Letter = strings.ToUpper(d.Mount[:2])
		} else {
			g.Type = d.Mount
		}
		c.Drives = append(c.Drives, g)
	}
	for _, n := range r.Network {
		c.Networks = append(c.Networks, glpiNetworks(n)...)
	}
	for _, s := range r.Software {
		// An entry names its source; an older agent's report has only the
		// system's package format.
		c.Softwares = append(c.Softwares, glpiSoftware{Name: s.Name, Version: s.Version, From: orDefault(s.Source, m.PackageFormat),
			Publisher: s.Publisher, InstallDate: s.InstallDate})
	}
	for _, a := range r.Posture.AntivirusProducts {
		c.Antivirus = append(c.Antivirus, glpiAV{Name: a.Name, Company: a.Company, Enabled: a.Enabled, UpToDate: a.UpToDate,
			BaseVersion: a.SignatureVersion, BaseCreation: a.SignatureDate})
	}
	switch r.Posture.Firewall.State {
	case msp.CheckOK:
		c.Firewalls = []glpiFirewall{{Status: "on"}}
	case msp.CheckFailing:
		c.Firewalls = []glpiFirewall{{Status: "off"}}
	}
	return c
}

// glpiNetworks gives one GLPI entry per address of n (the way GLPI's own
// agent reports them), or one without an address.
func glpiNetworks(n msp.NetInterface) []glpiNetwork {
	base := glpiNetwork{Description: n.Name, MAC: n.MAC, Status: "down"}
	if n.Up {
		base.Status = "up"
	}
	var out []glpiNetwork
	for _, a := range n.Addresses {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			ip, err := netip.ParseAddr(a)
			if err != nil {
				continue
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		e := base
		ip := p.Addr().Unmap()
		if ip.IsLoopback() {
			e.Type, e.VirtualDev = "loopback", true
		}
		if ip.Is4() {
			e.IPAddress = ip.String()
			e.IPMask = netip.MustParseAddr(maskV4(p.Bits())).String()
			e.IPSubnet = p.Masked().Addr().String()
		} else {
			e.IPAddress6 = ip.WithZone("").String()
			e.IPMask6 = maskV6(p.Bits())
			e.IPSubnet6 = netip.PrefixFrom(ip.WithZone(""), p.Bits()).Masked().Addr().String()
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		out = append(out, base)
	}
	return out
}

func maskV4(bits int) string {
	m := uint32(0)
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

func maskV6(bits int) string {
	var b [16]byte
	for i := range b {
		switch {
		case bits >= 8:
			b[i] = 0xff
			bits -= 8
		case bits > 0:
			b[i] = byte(0xff << (8 - bits))
			bits = 0
		}
	}
	return netip.AddrFrom16(b).String()
}

func glpiKernelName(osID string) string {
	switch osID {
	case "windows":
		return "win32"
	case "darwin", "macos":
		return "darwin"
	}
	return "linux"
}

var glpiArchRE = regexp.MustCompile(`^(mips|mips64|alpha|sparc|sparc64|m68k|i\d86|x86_64|powerpc|powerpc64|arm.*|aarch64)$`)

// glpiArch returns arch when the schema's cpus[].arch pattern accepts it.
func glpiArch(arch string) string {
	if glpiArchRE.MatchString(arch) {
		return arch
	}
	switch arch {
	case "amd64", "AMD64", "x64":
		return "x86_64"
	case "arm64", "ARM64":
		return "aarch64"
	}
	return ""
}

func glpiCPUVendor(v string) string {
	switch v {
	case "GenuineIntel":
		return "Intel"
	case "AuthenticAMD":
		return "AMD"
	}
	return v
}
