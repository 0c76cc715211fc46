package inventory

// Parsers for what the Windows collector reads: the JSON that its
// PowerShell scripts print (ConvertTo-Json) and the Uninstall registry
// entries. They are pure functions with no build tag, tested on every
// platform against samples in testdata/windows.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"tandem/msp"
)

// psPrelude makes a script print UTF-8 and stop on the first error inside
// each try block.
const psPrelude = "[Console]::OutputEncoding = [Text.Encoding]::UTF8\n$ProgressPreference = 'SilentlyContinue'\n"

// winSystemScript prints a winSystem object. Every part sits in its own try
// block: one failing query is an entry in Errors, not a failed script.
// Dates are ISO 8601 strings so Windows PowerShell 5.1 and PowerShell 7
// print them alike; enums are strings.
const winSystemScript = psPrelude + `$o = [ordered]@{ OS = $null; ComputerSystem = $null; Processors = @(); BIOS = $null; Product = $null; CurrentVersion = $null; Disks = @(); MemoryModules = @(); MemorySlots = 0; Errors = @() }
try {
  $x = Get-CimInstance Win32_OperatingSystem -ErrorAction Stop
  $o.OS = [pscustomobject]@{ Caption = $x.Caption; Version = $x.Version; BuildNumber = $x.BuildNumber; OSArchitecture = $x.OSArchitecture
    InstallDate = $x.InstallDate.ToUniversalTime().ToString('o'); LastBootUpTime = $x.LastBootUpTime.ToUniversalTime().ToString('o')
    TotalVisibleMemorySize = $x.TotalVisibleMemorySize; TotalVirtualMemorySize = $x.TotalVirtualMemorySize }
} catch { $o.Errors += "Win32_OperatingSystem: $($_.Exception.Message)" }
try {
  $x = Get-CimInstance Win32_ComputerSystem -ErrorAction Stop
  $o.ComputerSystem = [pscustomobject]@{ Name = $x.Name; Domain = $x.Domain; Manufacturer = $x.Manufacturer; Model = $x.Model
    TotalPhysicalMemory = $x.TotalPhysicalMemory; NumberOfProcessors = $x.NumberOfProcessors; NumberOfLogicalProcessors = $x.NumberOfLogicalProcessors }
} catch { $o.Errors += "Win32_ComputerSystem: $($_.Exception.Message)" }
try {
  $o.Processors = @(Get-CimInstance Win32_Processor -ErrorAction Stop | ForEach-Object { [pscustomobject]@{ Name = $_.Name.Trim(); Manufacturer = $_.Manufacturer
    NumberOfCores = $_.NumberOfCores; NumberOfLogicalProcessors = $_.NumberOfLogicalProcessors; MaxClockSpeed = $_.MaxClockSpeed; Architecture = $_.Architecture } })
} catch { $o.Errors += "Win32_Processor: $($_.Exception.Message)" }
try {
  $x = Get-CimInstance Win32_BIOS -ErrorAction Stop
  $o.BIOS = [pscustomobject]@{ Manufacturer = $x.Manufacturer; SMBIOSBIOSVersion = $x.SMBIOSBIOSVersion; SerialNumber = $x.SerialNumber
    ReleaseDate = $(if ($x.ReleaseDate) { $x.ReleaseDate.ToString('yyyy-MM-dd') } else { $null }) }
} catch { $o.Errors += "Win32_BIOS: $($_.Exception.Message)" }
try {
  $x = Get-CimInstance Win32_ComputerSystemProduct -ErrorAction Stop
  $o.Product = [pscustomobject]@{ UUID = $x.UUID; Vendor = $x.Vendor; Name = $x.Name }
} catch { $o.Errors += "Win32_ComputerSystemProduct: $($_.Exception.Message)" }
try {
  $x = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -ErrorAction Stop
  $o.CurrentVersion = [pscustomobject]@{ ProductName = $x.ProductName; DisplayVersion = $x.DisplayVersion; ReleaseId = $x.ReleaseId; CurrentBuild = $x.CurrentBuild; UBR = $x.UBR; EditionID = $x.EditionID }
} catch { $o.Errors += "CurrentVersion registry key: $($_.Exception.Message)" }
try {
  $o.Disks = @(Get-CimInstance Win32_LogicalDisk -Filter 'DriveType=3' -ErrorAction Stop | ForEach-Object { [pscustomobject]@{ DeviceID = $_.DeviceID; FileSystem = $_.FileSystem; Size = $_.Size; FreeSpace = $_.FreeSpace; VolumeName = $_.VolumeName } })
} catch { $o.Errors += "Win32_LogicalDisk: $($_.Exception.Message)" }
try {
  $o.MemoryModules = @(Get-CimInstance Win32_PhysicalMemory -ErrorAction Stop | ForEach-Object { [pscustomobject]@{ BankLabel = $_.BankLabel; DeviceLocator = $_.DeviceLocator
    Capacity = $_.Capacity; MemoryType = $_.MemoryType; SMBIOSMemoryType = $_.SMBIOSMemoryType; FormFactor = $_.FormFactor; Speed = $_.Speed
    Manufacturer = $_.Manufacturer; PartNumber = $_.PartNumber; SerialNumber = $_.SerialNumber } })
  $o.MemorySlots = [int](@(Get-CimInstance Win32_PhysicalMemoryArray -ErrorAction Stop | Where-Object { $_.Use -eq 3 } | Measure-Object -Property MemoryDevices -Sum).Sum)
} catch { $o.Errors += "Win32_PhysicalMemory: $($_.Exception.Message)" }
[pscustomobject]$o | ConvertTo-Json -Depth 5 -Compress
`

// winPatchesScript asks the Windows Update Agent for the updates that are
// applicable and neither installed nor hidden.
const winPatchesScript = psPrelude + `$o = [ordered]@{ Updates = @(); LastSearchSuccessDate = $null; Errors = @() }
try {
  $session = New-Object -ComObject Microsoft.Update.Session
  $result = $session.CreateUpdateSearcher().Search('IsInstalled=0 and IsHidden=0')
  $o.Updates = @(foreach ($u in $result.Updates) { [pscustomobject]@{
    Title = $u.Title; KBArticleIDs = @($u.KBArticleIDs); MsrcSeverity = $u.MsrcSeverity
    Categories = @(foreach ($c in $u.Categories) { $c.Name }); Type = [int]$u.Type
    RebootRequired = $u.RebootRequired; IsDownloaded = $u.IsDownloaded } })
} catch { $o.Errors += "Windows Update search: $($_.Exception.Message)" }
try {
  $d = (New-Object -ComObject Microsoft.Update.AutoUpdate).Results.LastSearchSuccessDate
  if ($d) { $o.LastSearchSuccessDate = ([datetime]$d).ToUniversalTime().ToString('o') }
} catch { }
[pscustomobject]$o | ConvertTo-Json -Depth 5 -Compress
`

// winPostureScript prints the firewall profiles, Defender's status, the
// antivirus products Security Center knows (workstations only) and the
// BitLocker volumes. Get-BitLockerVolume needs administrator rights; without
// them the script falls back to the shell's BitLockerProtection property.
const winPostureScript = psPrelude + `$o = [ordered]@{ SystemDrive = $env:SystemDrive; Firewall = @(); Defender = $null; AntivirusProducts = @(); BitLocker = @(); BitLockerShell = @(); Errors = @() }
try {
  $o.Firewall = @(Get-NetFirewallProfile -ErrorAction Stop | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Enabled = "$($_.Enabled)"; DefaultInboundAction = "$($_.DefaultInboundAction)" } })
} catch { $o.Errors += "Get-NetFirewallProfile: $($_.Exception.Message)" }
try {
  $m = Get-MpComputerStatus -ErrorAction Stop
  $o.Defender = [pscustomobject]@{ AMServiceEnabled = $m.AMServiceEnabled; AntivirusEnabled = $m.AntivirusEnabled; RealTimeProtectionEnabled = $m.RealTimeProtectionEnabled
    AMRunningMode = $m.AMRunningMode; AntivirusSignatureVersion = $m.AntivirusSignatureVersion; AntivirusSignatureAge = $m.AntivirusSignatureAge
    AntivirusSignatureLastUpdated = $(if ($m.AntivirusSignatureLastUpdated) { $m.AntivirusSignatureLastUpdated.ToUniversalTime().ToString('o') } else { $null })
    IsTamperProtected = $m.IsTamperProtected }
} catch { $o.Errors += "Get-MpComputerStatus: $($_.Exception.Message)" }
try {
  $o.AntivirusProducts = @(Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct -ErrorAction Stop | ForEach-Object { [pscustomobject]@{ displayName = $_.displayName; productState = $_.productState } })
} catch { $o.Errors += "SecurityCenter2 AntiVirusProduct: $($_.Exception.Message)" }
try {
  $o.BitLocker = @(Get-BitLockerVolume -ErrorAction Stop | ForEach-Object { [pscustomobject]@{ MountPoint = $_.MountPoint; VolumeType = "$($_.VolumeType)"; VolumeStatus = "$($_.VolumeStatus)"
    ProtectionStatus = "$($_.ProtectionStatus)"; EncryptionMethod = "$($_.EncryptionMethod)"; EncryptionPercentage = $_.EncryptionPercentage } })
} catch {
  $o.Errors += "Get-BitLockerVolume: $($_.Exception.Message)"
  try {
    $sh = New-Object -ComObject Shell.Application
    $o.BitLockerShell = @(Get-CimInstance Win32_LogicalDisk -Filter 'DriveType=3' -ErrorAction Stop | ForEach-Object { [pscustomobject]@{ MountPoint = $_.DeviceID
      Protection = $sh.NameSpace($_.DeviceID + '\').Self.ExtendedProperty('System.Volume.BitLockerProtection') } })
  } catch { $o.Errors += "Shell BitLockerProtection: $($_.Exception.Message)" }
}
[pscustomobject]$o | ConvertTo-Json -Depth 5 -Compress
`

// psEncode encodes a script for powershell -EncodedCommand: base64 of its
// UTF-16LE text. It spares the script Windows' command-line quoting.
func psEncode(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// psList decodes a JSON array, or a single object where ConvertTo-Json
// unwrapped a one-element array, or null.
type psList[T any] []T

func (l *psList[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*l = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var s []T
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = s
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = psList[T]{v}
	return nil
}

// psTime decodes the dates PowerShell prints: ISO 8601 ("2024-11-18T07:15:02.5000000Z"),
// Windows PowerShell 5.1's "/Date(1731914102500)/", a WMI DMTF string
// ("20241118081502.500000+060"), an object with a "value" member
// (ConvertTo-Json of Get-Date), or null.
type psTime struct{ time.Time }

func (t *psTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Value psTime `json:"value"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*t = o.Value
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date %s: %w", b, err)
	}
	v, err := parsePSTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

func parsePSTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if ms, ok := strings.CutPrefix(s, "/Date("); ok {
		ms, _, _ = strings.Cut(ms, ")")
		// "/Date(1731914102500+0100)/": the offset does not change the instant.
		if i := strings.IndexAny(ms[1:], "+-"); i >= 0 {
			ms = ms[:i+1]
		}
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("date %q: %w", s, err)
		}
		return time.UnixMilli(n).UTC(), nil
	}
	if len(s) == 25 && s[14] == '.' && (s[21] == '+' || s[21] == '-') { // DMTF
		t, err := time.Parse("20060102150405", s[:14])
		if err != nil {
			return time.Time{}, fmt.Errorf("date %q: %w", s, err)
		}
		if us, err := strconv.Atoi(s[15:21]); err == nil { // microseconds; "******" when unknown
			t = t.Add(time.Duration(us) * time.Microsecond)
		}
		off, err := strconv.Atoi(s[22:])
		if err != nil {
			return time.Time{}, fmt.Errorf("date %q: %w", s, err)
		}
		if s[21] == '-' {
			off = -off
		}
		return t.Add(-time.Duration(off) * time.Minute).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", time.DateOnly, time.DateTime} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is in no format PowerShell prints", s)
}

// psString decodes a string, or a number where Windows PowerShell 5.1
// printed an enum as its value, or null.
type psString string

func (p *psString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*p = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = psString(s)
		return nil
	}
	*p = psString(b)
	return nil
}

// winSystem is what winSystemScript prints, and what winSystemFromWMI
// reads from WMI: one field per class.
type winSystem struct {
	OS             *winOS
	ComputerSystem *winComputerSystem
	Processors     psList[winProcessor]
	BIOS           *winBIOS
	Product        *winProduct
	CurrentVersion *winCurrentVersion
	Disks          psList[winLogicalDisk]
	MemoryModules  psList[winMemoryModule]
	MemorySlots    int // Win32_PhysicalMemoryArray.MemoryDevices of the system memory
	Errors         psList[string]
}

// winMemoryModule is Win32_PhysicalMemory: one filled memory socket, as
// the firmware's SMBIOS table describes it.
type winMemoryModule struct {
	BankLabel, DeviceLocator string
	Capacity                 uint64 // bytes
	MemoryType               int    // CIM's numbering; 0 for anything after DDR2 before Windows 10
	SMBIOSMemoryType         int    // SMBIOS's numbering (Windows 10 on)
	FormFactor               int
	Speed                    int // MT/s, as SMBIOS rates the module
	Manufacturer, PartNumber string
	SerialNumber             string
}

// winMemoryTypes names Win32_PhysicalMemory.MemoryType (CIM's numbering).
var winMemoryTypes = map[int]string{
	2: "DRAM", 3: "Synchronous DRAM", 4: "Cache DRAM", 5: "EDO", 6: "EDRAM", 7: "VRAM", 8: "SRAM", 9: "RAM", 10: "ROM",
	11: "Flash", 12: "EEPROM", 13: "FEPROM", 14: "EPROM", 15: "CDRAM", 16: "3DRAM", 17: "SDRAM", 18: "SGRAM",
	19: "RDRAM", 20: "DDR", 21: "DDR2", 22: "DDR2 FB-DIMM", 24: "DDR3", 25: "FBD2",
}

// smbiosMemoryTypes names SMBIOSMemoryType (the SMBIOS type 17 Memory Type
// byte), as dmidecode names them.
var smbiosMemoryTypes = map[int]string{
	0x03: "DRAM", 0x04: "EDRAM", 0x05: "VRAM", 0x06: "SRAM", 0x07: "RAM", 0x08: "ROM", 0x09: "Flash", 0x0A: "EEPROM",
	0x0B: "FEPROM", 0x0C: "EPROM", 0x0D: "CDRAM", 0x0E: "3DRAM", 0x0F: "SDRAM", 0x10: "SGRAM", 0x11: "RDRAM",
	0x12: "DDR", 0x13: "DDR2", 0x14: "DDR2 FB-DIMM", 0x18: "DDR3", 0x19: "FBD2", 0x1A: "DDR4", 0x1B: "LPDDR",
	0x1C: "LPDDR2", 0x1D: "LPDDR3", 0x1E: "LPDDR4", 0x1F: "Logical non-volatile device", 0x20: "HBM", 0x21: "HBM2",
	0x22: "DDR5", 0x23: "LPDDR5", 0x24: "HBM3",
}

// winFormFactors names Win32_PhysicalMemory.FormFactor as dmidecode names
// the same SMBIOS form factors.
var winFormFactors = map[int]string{
	2: "SIP", 3: "DIP", 4: "ZIP", 5: "SOJ", 6: "Proprietary Card", 7: "SIMM", 8: "DIMM", 9: "TSOP", 10: "PGA",
	11: "RIMM", 12: "SODIMM", 13: "SRIMM", 14: "SMD", 15: "SSMP", 16: "QFP", 17: "TQFP", 18: "SOIC", 19: "LCC",
	20: "PLCC", 21: "BGA", 22: "FPBGA", 23: "LGA",
}

// module turns the instance into the report's module, its strings judged
// as dmiparse judges the same SMBIOS strings ("Undefined", "0000000" and
// template text are no value; a JEDEC code is the maker's name).
func (m winMemoryModule) module() msp.MemoryModule {
	maker := dmiValue(m.Manufacturer)
	if dmiHexID.MatchString(maker) {
		maker = jedecName(maker)
	}
	return msp.MemoryModule{
		Slot:         dmiValue(m.DeviceLocator),
		Bank:         dmiValue(m.BankLabel),
		SizeBytes:    m.Capacity,
		Type:         orDefault(smbiosMemoryTypes[m.SMBIOSMemoryType], winMemoryTypes[m.MemoryType]),
		SpeedMTs:     m.Speed,
		FormFactor:   winFormFactors[m.FormFactor],
		Manufacturer: maker,
		PartNumber:   dmiPartNumber(m.PartNumber),
		Serial:       dmiValue(m.SerialNumber),
	}
}

// winOS is Win32_OperatingSystem.
type winOS struct {
	Caption                string
	Version                string
	BuildNumber            string
	OSArchitecture         string
	InstallDate            psTime
	LastBootUpTime         psTime
	TotalVisibleMemorySize uint64 // KiB
	TotalVirtualMemorySize uint64 // KiB
}

// winComputerSystem is Win32_ComputerSystem.
type winComputerSystem struct {
	Name                      string
	Domain                    string
	Manufacturer              string
	Model                     string
	TotalPhysicalMemory       uint64
	NumberOfProcessors        int
	NumberOfLogicalProcessors int
}

// winProcessor is Win32_Processor.
type winProcessor struct {
	Name                      string
	Manufacturer              string
	NumberOfCores             int
	NumberOfLogicalProcessors int
	MaxClockSpeed             int
	Architecture              int
}

// winBIOS is Win32_BIOS.
type winBIOS struct {
	Manufacturer      string
	SMBIOSBIOSVersion string
	SerialNumber      string
	ReleaseDate       psString
}

// winProduct is Win32_ComputerSystemProduct.
type winProduct struct {
	UUID, Vendor, Name string
}

// winCurrentVersion is HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion.
type winCurrentVersion struct {
	ProductName    string
	DisplayVersion string
	ReleaseId      string
	CurrentBuild   string
	UBR            int
	EditionID      string
}

// winLogicalDisk is Win32_LogicalDisk (local fixed disks only).
type winLogicalDisk struct {
	DeviceID   string
	FileSystem string
	Size       uint64
	FreeSpace  uint64
	VolumeName string
}

// parseWinSystem reads winSystemScript's output into r (everything but
// disks' encryption, software, patches and posture) and returns the errors
// the script reported.
func parseWinSystem(b []byte, r *Report) ([]string, error) {
	var s winSystem
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading the system script's JSON: %w", err)
	}
	applyWinSystem(s, r)
	return s.Errors, nil
}

// applyWinSystem puts what the system queries found into r, whether they
// came from WMI (winSystemFromWMI) or from the PowerShell script.
func applyWinSystem(s winSystem, r *Report) {
	r.OS.ID = "windows"
	r.Machine.PackageFormat = "registry"
	if o := s.OS; o != nil {
		r.OS.Name = strings.TrimSpace(strings.TrimPrefix(o.Caption, "Microsoft "))
		r.OS.Kernel = o.Version
		r.Machine.OSFullName = o.Caption
		r.BootTime = o.LastBootUpTime.Time
		r.Machine.InstallDate = o.InstallDate.Time
		if o.TotalVirtualMemorySize > o.TotalVisibleMemorySize {
			r.Machine.SwapBytes = (o.TotalVirtualMemorySize - o.TotalVisibleMemorySize) * 1024
		}
		r.Memory.TotalBytes = o.TotalVisibleMemorySize * 1024
		r.Machine.Arch = winArch(o.OSArchitecture)
	}
	build := ""
	if o := s.OS; o != nil {
		build = o.BuildNumber
	}
	if cv := s.CurrentVersion; cv != nil {
		if cv.CurrentBuild != "" {
			build = cv.CurrentBuild
		}
		if cv.UBR > 0 {
			build = fmt.Sprintf("%s.%d", build, cv.UBR)
		}
		if r.OS.Name == "" {
			r.OS.Name = cv.ProductName
		}
		rel := orDefault(cv.DisplayVersion, cv.ReleaseId)
		switch {
		case rel != "" && build != "":
			r.OS.Version = fmt.Sprintf("%s (%s)", rel, build)
		default:
			r.OS.Version = orDefault(rel, build)
		}
	} else {
		r.OS.Version = build
	}
	if r.OS.Name == "" {
		r.OS.Name = "Windows"
	}
	if cs := s.ComputerSystem; cs != nil {
		r.Hostname = cs.Name
		r.CPU.Cores = cs.NumberOfLogicalProcessors
		r.Machine.CPUSockets = cs.NumberOfProcessors
		r.Hardware.Vendor = cs.Manufacturer
		r.Hardware.Model = cs.Model
		if cs.TotalPhysicalMemory > 0 {
			// Win32_ComputerSystem counts the memory Windows may use, in
			// bytes; Win32_OperatingSystem rounds it to KiB.
			r.Memory.TotalBytes = cs.TotalPhysicalMemory
		}
	}
	logical, cores := 0, 0
	for i, p := range s.Processors {
		if i == 0 {
			r.CPU.Model = p.Name
			r.Machine.CPUVendor = p.Manufacturer
			r.Machine.CPUMHz = p.MaxClockSpeed
		}
		logical += p.NumberOfLogicalProcessors
		cores += p.NumberOfCores
	}
	if r.CPU.Cores == 0 {
		r.CPU.Cores = logical
	}
	if r.CPU.Cores == 0 {
		// Windows Server 2003 and XP have no core counts: one per processor.
		r.CPU.Cores = len(s.Processors)
	}
	r.Machine.CPUCores = cores
	if len(s.Processors) > 0 {
		r.Machine.CPUSockets = len(s.Processors)
	}
	if b := s.BIOS; b != nil {
		r.Hardware.BIOS.Vendor = b.Manufacturer
		r.Hardware.BIOS.Version = b.SMBIOSBIOSVersion
		r.Hardware.Serial = winSerial(b.SerialNumber)
		if t, err := parsePSTime(string(b.ReleaseDate)); err == nil && !t.IsZero() {
			r.Hardware.BIOS.Date = t.Format(time.DateOnly)
		}
	}
	if p := s.Product; p != nil && p.UUID != "" && p.UUID != "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF" && p.UUID != "00000000-0000-0000-0000-000000000000" {
		r.Machine.UUID = p.UUID
	}
	r.Disks = []msp.Disk{}
	for _, m := range s.MemoryModules {
		if m.Capacity == 0 {
			continue // an empty socket, as some firmware lists it
		}
		r.Memory.Modules = append(r.Memory.Modules, m.module())
	}
	r.Memory.Slots = s.MemorySlots
	if r.Memory.Slots > 0 && r.Memory.Slots < len(r.Memory.Modules) {
		r.Memory.Slots = len(r.Memory.Modules) // an array that undercounts its sockets
	}
	for _, d := range s.Disks {
		if d.Size == 0 {
			continue
		}
		r.Disks = append(r.Disks, msp.Disk{Mount: d.DeviceID + `\`, FS: d.FileSystem, TotalBytes: d.Size, FreeBytes: d.FreeSpace})
	}
}

// winSerial drops the placeholders vendors leave in the serial number.
func winSerial(s string) string {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "to be filled by o.e.m.", "default string", "system serial number", "none", "0":
		return ""
	}
	return s
}

// winArch turns Win32_OperatingSystem.OSArchitecture ("64-bit", "ARM 64-bit
// Processor", "32-bit") into uname-style names.
func winArch(s string) string {
	s = strings.ToLower(s)
	switch {
	case strings.Contains(s, "arm"):
		return "aarch64"
	case strings.Contains(s, "64"):
		return "x86_64"
	case strings.Contains(s, "32"):
		return "i686"
	}
	return ""
}

// winUpdates is what winPatchesScript prints.
type winUpdates struct {
	Updates               psList[winUpdate]
	LastSearchSuccessDate psTime
	Errors                psList[string]
}

// winUpdate is one IUpdate the search found.
type winUpdate struct {
	Title          string
	KBArticleIDs   psList[string]
	MsrcSeverity   string
	Categories     psList[string]
	Type           int // 1 software, 2 driver
	RebootRequired bool
	IsDownloaded   bool
}

// parseWinUpdates reads winPatchesScript's output. An update is a security
// update when Microsoft rated its severity (MsrcSeverity "Critical",
// "Important", "Moderate", "Low") or filed it under "Security Updates".
// CandidateVersion is the KB number; InstalledVersion is empty, since
// Windows updates replace no numbered version. The bool says whether an
// update already installed waits for a reboot (RebootRequired on a pending
// update means it was staged and wants one).
func parseWinUpdates(b []byte) (pending []msp.Patch, reboot bool, lastSearch time.Time, errs []string, err error) {
	var u winUpdates
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, false, time.Time{}, nil, fmt.Errorf("reading the Windows Update script's JSON: %w", err)
	}
	pending, reboot = winPending(u.Updates)
	return pending, reboot, u.LastSearchSuccessDate.Time, u.Errors, nil
}

// winPending turns the updates the search found, from the Windows Update
// Agent's COM API or from the script, into pending patches, and says
// whether one of them needs a restart.
func winPending(updates []winUpdate) (pending []msp.Patch, reboot bool) {
	pending = []msp.Patch{}
	for _, x := range updates {
		p := msp.Patch{Name: strings.TrimSpace(x.Title)}
		if len(x.KBArticleIDs) > 0 {
			p.CandidateVersion = "KB" + strings.TrimPrefix(x.KBArticleIDs[0], "KB")
		}
		p.Security = x.MsrcSeverity != "" || slices.ContainsFunc(x.Categories, func(c string) bool {
			return strings.EqualFold(c, "Security Updates")
		})
		if x.RebootRequired {
			reboot = true
		}
		pending = append(pending, p)
	}
	return pending, reboot
}

// winDefender is Defender's MSFT_MpComputerStatus (Get-MpComputerStatus).
type winDefender struct {
	AMServiceEnabled              bool
	AntivirusEnabled              bool
	RealTimeProtectionEnabled     bool
	AMRunningMode                 string // "Normal", "Passive Mode", "EDR Block Mode", "SxS Passive Mode"
	AntivirusSignatureVersion     string
	AntivirusSignatureAge         int // days
	AntivirusSignatureLastUpdated psTime
	IsTamperProtected             bool
}

// winAVProduct is Security Center's AntiVirusProduct.
type winAVProduct struct {
	DisplayName  string `json:"displayName"`
	ProductState uint32 `json:"productState"`
}

// winPosture is what winPostureScript prints.
type winPosture struct {
	SystemDrive string
	Firewall    psList[struct {
		Name                 string
		Enabled              psString // "True", "False", "NotConfigured" (1, 0, 2 in PowerShell 5.1 enums)
		DefaultInboundAction psString
	}]
	Defender          *winDefender
	AntivirusProducts psList[winAVProduct]
	BitLocker         psList[winBitLockerVolume]
	// BitLockerShell is the fallback without administrator rights: the
	// shell's System.Volume.BitLockerProtection per drive.
	BitLockerShell psList[struct {
		MountPoint string
		Protection *int
	}]
	Errors psList[string]
}

type winBitLockerVolume struct {
	MountPoint           string
	VolumeType           psString
	VolumeStatus         psString // "FullyEncrypted", "FullyDecrypted", "EncryptionInProgress", ...
	ProtectionStatus     psString // "On", "Off", "Unknown"
	EncryptionMethod     psString
	EncryptionPercentage float64
}

// Enum values of Windows PowerShell 5.1, which prints enums as numbers.
var (
	blVolumeStatus     = map[int]string{0: "FullyDecrypted", 1: "FullyEncrypted", 2: "EncryptionInProgress", 3: "DecryptionInProgress", 4: "EncryptionPaused", 5: "DecryptionPaused"}
	blProtectionStatus = map[int]string{0: "Off", 1: "On", 2: "Unknown"}
	blMethod           = map[int]string{0: "None", 1: "Aes128Diffuser", 2: "Aes256Diffuser", 3: "Aes128", 4: "Aes256", 5: "Hardware", 6: "XtsAes128", 7: "XtsAes256"}
	gpoBoolean         = map[int]string{0: "False", 1: "True", 2: "NotConfigured"}
	fwAction           = map[int]string{0: "NotConfigured", 2: "Allow", 4: "Block"}
)

// enumName returns names[n] when s is the number n, else s.
func enumName(s psString, names map[int]string) string {
	if n, err := strconv.Atoi(string(s)); err == nil {
		if name, ok := names[n]; ok {
			return name
		}
	}
	return string(s)
}

// shellBitLocker names the values of System.Volume.BitLockerProtection.
var shellBitLocker = map[int]string{
	0: "not encryptable", 1: "protection on", 2: "off", 3: "encrypting", 4: "decrypting",
	5: "protection suspended", 6: "on, locked",
}

// winPostureChecks is the posture and the drives (upper-case "C:") that are
// encrypted, from winPostureScript's output.
func parseWinPosture(b []byte) (msp.Posture, map[string]bool, []string, error) {
	var w winPosture
	if err := json.Unmarshal(b, &w); err != nil {
		return msp.Posture{}, nil, nil, fmt.Errorf("reading the posture script's JSON: %w", err)
	}
	errs := []string(w.Errors)
	p := msp.Posture{
		Firewall:  winFirewall(w, errs),
		Antivirus: winAntivirus(w, errs),
	}
	var enc map[string]bool
	p.DiskEncryption, enc = winBitLocker(w, errs)
	return p, enc, errs, nil
}

// errorAbout returns the first script error that starts with prefix.
func errorAbout(errs []string, prefix string) string {
	for _, e := range errs {
		if strings.HasPrefix(e, prefix) {
			return clipRunes(strings.TrimSpace(e), 300)
		}
	}
	return ""
}

// winFirewall is ok when every profile is on, failing when any is off.
func winFirewall(w winPosture, errs []string) msp.Check {
	if len(w.Firewall) == 0 {
		if e := errorAbout(errs, "Get-NetFirewallProfile"); e != "" {
			return check(msp.CheckUnknown, "Windows Firewall: %s", e)
		}
		return check(msp.CheckUnknown, "Windows Firewall: Get-NetFirewallProfile listed no profiles")
	}
	var parts, off []string
	for _, f := range w.Firewall {
		en := enumName(f.Enabled, gpoBoolean)
		state := "on"
		if !strings.EqualFold(en, "True") {
			state = "off"
			off = append(off, f.Name)
		}
		part := f.Name + " " + state
		if a := enumName(f.DefaultInboundAction, fwAction); state == "on" && a != "" && a != "NotConfigured" {
			part += " (inbound " + strings.ToLower(a) + ")"
		}
		parts = append(parts, part)
	}
	if len(off) > 0 {
		return check(msp.CheckFailing, "Windows Firewall: %s", strings.Join(parts, ", "))
	}
	return check(msp.CheckOK, "Windows Firewall: %s", strings.Join(parts, ", "))
}

// winAntivirus is ok when Defender's real-time protection is on or another
// product Security Center knows is on and up to date.
func winAntivirus(w winPosture, errs []string) msp.Check {
	var ok, bad []string
	for _, a := range w.AntivirusProducts {
		on := (a.ProductState>>12)&0xf == 1
		current := (a.ProductState>>4)&0xf == 0
		switch {
		case on && current:
			ok = append(ok, fmt.Sprintf("%s: on, signatures up to date (Security Center state 0x%06x)", a.DisplayName, a.ProductState))
		case on:
			bad = append(bad, fmt.Sprintf("%s: on, signatures out of date (Security Center state 0x%06x)", a.DisplayName, a.ProductState))
		default:
			bad = append(bad, fmt.Sprintf("%s: off (Security Center state 0x%06x)", a.DisplayName, a.ProductState))
		}
	}
	if d := w.Defender; d != nil {
		sig := fmt.Sprintf("signatures %s, %d days old", orDefault(d.AntivirusSignatureVersion, "?"), d.AntivirusSignatureAge)
		switch {
		case d.AntivirusEnabled && d.RealTimeProtectionEnabled && d.AntivirusSignatureAge <= 7:
			ok = append(ok, fmt.Sprintf("Microsoft Defender: real-time protection on, mode %s, %s", orDefault(d.AMRunningMode, "Normal"), sig))
		case d.AntivirusEnabled && d.RealTimeProtectionEnabled:
			bad = append(bad, fmt.Sprintf("Microsoft Defender: real-time protection on but %s", sig))
		case strings.Contains(d.AMRunningMode, "Passive"):
			// Another product is the primary antivirus; Security Center says which.
			bad = append(bad, fmt.Sprintf("Microsoft Defender: %s", d.AMRunningMode))
		case !d.AMServiceEnabled:
			bad = append(bad, "Microsoft Defender: antimalware service off")
		default:
			bad = append(bad, "Microsoft Defender: real-time protection off")
		}
	} else if e := errorAbout(errs, "Get-MpComputerStatus"); e != "" && len(w.AntivirusProducts) == 0 {
		return check(msp.CheckUnknown, "antivirus not checked: %s", e)
	}
	switch {
	case len(ok) > 0:
		return check(msp.CheckOK, "%s", strings.Join(append(ok, bad...), "; "))
	case len(bad) > 0:
		return check(msp.CheckFailing, "%s", strings.Join(bad, "; "))
	}
	return check(msp.CheckUnknown, "no antivirus found: Defender's status and Security Center's product list are both empty")
}

// winBitLocker checks the system drive: ok when BitLocker protection is on.
func winBitLocker(w winPosture, errs []string) (msp.Check, map[string]bool) {
	sys := strings.ToUpper(orDefault(w.SystemDrive, "C:"))
	enc := map[string]bool{}
	if len(w.BitLocker) > 0 {
		var out msp.Check
		found := false
		for _, v := range w.BitLocker {
			mp := strings.ToUpper(strings.TrimSuffix(v.MountPoint, `\`))
			status := enumName(v.VolumeStatus, blVolumeStatus)
			prot := enumName(v.ProtectionStatus, blProtectionStatus)
			method := enumName(v.EncryptionMethod, blMethod)
			enc[mp] = status != "" && status != "FullyDecrypted"
			if mp != sys {
				continue
			}
			found = true
			desc := fmt.Sprintf("BitLocker: %s protection %s, %s, %s, %.0f%% encrypted", mp, strings.ToLower(prot), status, method, v.EncryptionPercentage)
			if prot == "On" {
				out = check(msp.CheckOK, "%s", desc)
			} else {
				out = check(msp.CheckFailing, "%s", desc)
			}
		}
		if found {
			return out, enc
		}
		return check(msp.CheckUnknown, "BitLocker: Get-BitLockerVolume does not list the system drive %s", sys), enc
	}
	for _, v := range w.BitLockerShell {
		mp := strings.ToUpper(strings.TrimSuffix(v.MountPoint, `\`))
		if v.Protection == nil {
			continue
		}
		n := *v.Protection
		enc[mp] = n == 1 || n == 3 || n == 5 || n == 6
		if mp != sys {
			continue
		}
		desc := fmt.Sprintf("BitLocker: %s %s (shell property System.Volume.BitLockerProtection = %d; Get-BitLockerVolume needs administrator rights)", mp, orDefault(shellBitLocker[n], "unknown state"), n)
		if n == 1 || n == 6 {
			return check(msp.CheckOK, "%s", desc), enc
		}
		return check(msp.CheckFailing, "%s", desc), enc
	}
	if e := errorAbout(errs, "Get-BitLockerVolume"); e != "" {
		return check(msp.CheckUnknown, "BitLocker not checked: %s", e), enc
	}
	return check(msp.CheckUnknown, "BitLocker not checked: no volume listed"), enc
}

// winAutoUpdate judges the Windows Update policy values
// (HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU NoAutoUpdate
// and AUOptions; nil when not set) and the wuauserv service's start type
// (4 = disabled; nil when unknown).
func winAutoUpdate(noAutoUpdate, auOptions, serviceStart *uint64) msp.Check {
	const key = `HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU`
	if serviceStart != nil && *serviceStart == 4 {
		return check(msp.CheckFailing, "the Windows Update service (wuauserv) is disabled (Start = 4)")
	}
	if noAutoUpdate != nil && *noAutoUpdate == 1 {
		return check(msp.CheckFailing, "automatic updates switched off by policy: NoAutoUpdate = 1 in %s", key)
	}
	if auOptions != nil {
		switch *auOptions {
		case 2:
			return check(msp.CheckFailing, "policy only notifies before downloading updates: AUOptions = 2 in %s", key)
		case 3:
			return check(msp.CheckFailing, "policy downloads updates but waits for a user to install them: AUOptions = 3 in %s", key)
		case 4:
			return check(msp.CheckOK, "policy installs updates automatically on a schedule: AUOptions = 4 in %s", key)
		case 5:
			return check(msp.CheckOK, "policy lets local administrators choose, default automatic: AUOptions = 5 in %s", key)
		case 7:
			return check(msp.CheckOK, "policy downloads automatically, installs at restart: AUOptions = 7 in %s", key)
		}
		return check(msp.CheckUnknown, "AUOptions = %d in %s is not a value Windows documents", *auOptions, key)
	}
	return check(msp.CheckOK, "no Windows Update policy in %s and wuauserv is not disabled: Windows downloads and installs updates automatically", key)
}

// winUninstall is one subkey of an Uninstall registry key. The JSON names
// are the value names, so `Get-ItemProperty ...\Uninstall\* | ConvertTo-Json`
// decodes into it.
type winUninstall struct {
	DisplayName     string
	DisplayVersion  psString
	Publisher       string
	SystemComponent uint64
	ParentKeyName   string
	ReleaseType     string
}

// winSoftware keeps the entries Programs and Features shows: those with a
// DisplayName that are not system components and not updates of another
// entry; duplicates (the same program in the 64- and 32-bit views, or for
// the machine and the user) are listed once. The result is sorted by name.
func winSoftware(entries []winUninstall) []msp.Software {
	out := []msp.Software{}
	seen := map[msp.Software]bool{}
	for _, e := range entries {
		name := strings.TrimSpace(e.DisplayName)
		if name == "" || e.SystemComponent == 1 || e.ParentKeyName != "" {
			continue
		}
		switch strings.ToLower(e.ReleaseType) {
		case "update", "hotfix", "security update", "service pack":
			continue
		}
		s := msp.Software{Name: name, Version: strings.TrimSpace(string(e.DisplayVersion)), Source: msp.SourceRegistry}
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b msp.Software) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return out
}
