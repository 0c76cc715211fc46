package inventory

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// propSet is one WMI instance: each property as text, as `wmic ... get
// /format:list` prints it and as the Windows query (wmiQuery) gives it. A
// property the class lacks on that Windows (or on wine) is absent.
type propSet map[string]string

// number reads prop (of an instance of class) as a number: 0 when it is
// absent or empty, and 0 with a note naming the class and property when
// it is not a number.
func (p propSet) number(class, prop string) (uint64, string) {
	v := strings.TrimSpace(p[prop])
	if v == "" {
		return 0, ""
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("%s.%s: %q is not a number: %v", class, prop, v, err)
	}
	return n, ""
}

// wmiClass names a class and the properties read from it.
type wmiClass struct {
	Name  string
	Props []string
}

// wmiSystemClasses are the classes of the system details.
var wmiSystemClasses = []wmiClass{
	{"Win32_OperatingSystem", []string{"Caption", "Version", "BuildNumber", "OSArchitecture", "InstallDate", "LastBootUpTime", "TotalVisibleMemorySize", "TotalVirtualMemorySize"}},
	{"Win32_ComputerSystem", []string{"Name", "Domain", "Manufacturer", "Model", "TotalPhysicalMemory", "NumberOfProcessors", "NumberOfLogicalProcessors"}},
	{"Win32_Processor", []string{"Name", "Manufacturer", "NumberOfCores", "NumberOfLogicalProcessors", "MaxClockSpeed", "Architecture"}},
	{"Win32_BIOS", []string{"Manufacturer", "SMBIOSBIOSVersion", "SerialNumber", "ReleaseDate"}},
	{"Win32_ComputerSystemProduct", []string{"UUID", "Vendor", "Name"}},
	{"Win32_LogicalDisk", []string{"DeviceID", "DriveType", "FileSystem", "Size", "FreeSpace", "VolumeName"}},
	// SMBIOSMemoryType exists from Windows 10 on; before, MemoryType says
	// 0 (unknown) for any DDR3 or later module.
	{"Win32_PhysicalMemory", []string{"BankLabel", "DeviceLocator", "Capacity", "MemoryType", "SMBIOSMemoryType", "FormFactor", "Speed",
		"Manufacturer", "PartNumber", "SerialNumber"}},
	{"Win32_PhysicalMemoryArray", []string{"MemoryDevices", "Use"}},
}

// systemMemoryArray is Win32_PhysicalMemoryArray.Use for the system's
// memory (not video or flash memory).
const systemMemoryArray = "3"

// fixedDisk is Win32_LogicalDisk.DriveType for a local disk.
const fixedDisk = "3"

// winSystemFromWMI reads the system classes' instances (by class name)
// into a winSystem. A value that is not what its class documents is left
// out with a note in Errors naming the class and property; a class with no
// instance leaves its part empty.
func winSystemFromWMI(rows map[string][]propSet) winSystem {
	var s winSystem
	num := func(class string, p propSet, prop string) uint64 {
		n, note := p.number(class, prop)
		if note != "" {
			s.Errors = append(s.Errors, note)
		}
		return n
	}
	date := func(class string, p propSet, prop string) psTime {
		t, err := parsePSTime(p[prop])
		if err != nil {
			s.Errors = append(s.Errors, fmt.Sprintf("%s.%s: %v", class, prop, err))
		}
		return psTime{t}
	}
	if ps := rows["Win32_OperatingSystem"]; len(ps) > 0 {
		const c = "Win32_OperatingSystem"
		p := ps[0]
		s.OS = &winOS{
			Caption: strings.TrimSpace(p["Caption"]), Version: p["Version"], BuildNumber: p["BuildNumber"],
			OSArchitecture: p["OSArchitecture"], InstallDate: date(c, p, "InstallDate"), LastBootUpTime: date(c, p, "LastBootUpTime"),
			TotalVisibleMemorySize: num(c, p, "TotalVisibleMemorySize"), TotalVirtualMemorySize: num(c, p, "TotalVirtualMemorySize"),
		}
	}
	if ps := rows["Win32_ComputerSystem"]; len(ps) > 0 {
		const c = "Win32_ComputerSystem"
		p := ps[0]
		s.ComputerSystem = &winComputerSystem{
			Name: p["Name"], Domain: p["Domain"], Manufacturer: strings.TrimSpace(p["Manufacturer"]), Model: strings.TrimSpace(p["Model"]),
			TotalPhysicalMemory: num(c, p, "TotalPhysicalMemory"), NumberOfProcessors: int(num(c, p, "NumberOfProcessors")),
			NumberOfLogicalProcessors: int(num(c, p, "NumberOfLogicalProcessors")),
		}
	}
	for _, p := range rows["Win32_Processor"] {
		const c = "Win32_Processor"
		s.Processors = append(s.Processors, winProcessor{
			Name: strings.TrimSpace(p["Name"]), Manufacturer: strings.TrimSpace(p["Manufacturer"]),
			NumberOfCores: int(num(c, p, "NumberOfCores")), NumberOfLogicalProcessors: int(num(c, p, "NumberOfLogicalProcessors")),
			MaxClockSpeed: int(num(c, p, "MaxClockSpeed")), Architecture: int(num(c, p, "Architecture")),
		})
	}
	if ps := rows["Win32_BIOS"]; len(ps) > 0 {
		p := ps[0]
		s.BIOS = &winBIOS{Manufacturer: strings.TrimSpace(p["Manufacturer"]), SMBIOSBIOSVersion: strings.TrimSpace(p["SMBIOSBIOSVersion"]),
			SerialNumber: p["SerialNumber"], ReleaseDate: psString(p["ReleaseDate"])}
	}
	if ps := rows["Win32_ComputerSystemProduct"]; len(ps) > 0 {
		p := ps[0]
		s.Product = &winProduct{UUID: strings.TrimSpace(p["UUID"]), Vendor: strings.TrimSpace(p["Vendor"]), Name: strings.TrimSpace(p["Name"])}
	}
	for _, p := range rows["Win32_PhysicalMemory"] {
		const c = "Win32_PhysicalMemory"
		s.MemoryModules = append(s.MemoryModules, winMemoryModule{
			BankLabel: p["BankLabel"], DeviceLocator: p["DeviceLocator"], Capacity: num(c, p, "Capacity"),
			MemoryType: small(num(c, p, "MemoryType")), SMBIOSMemoryType: small(num(c, p, "SMBIOSMemoryType")),
			FormFactor: small(num(c, p, "FormFactor")), Speed: small(num(c, p, "Speed")),
			Manufacturer: p["Manufacturer"], PartNumber: p["PartNumber"], SerialNumber: p["SerialNumber"],
		})
	}
	for _, p := range rows["Win32_PhysicalMemoryArray"] {
		if u := strings.TrimSpace(p["Use"]); u == "" || u == systemMemoryArray {
			s.MemorySlots += small(num("Win32_PhysicalMemoryArray", p, "MemoryDevices"))
		}
	}
	for _, p := range rows["Win32_LogicalDisk"] {
		const c = "Win32_LogicalDisk"
		if strings.TrimSpace(p["DriveType"]) != fixedDisk {
			continue // removable, network, optical and RAM disks are not the computer's own
		}
		s.Disks = append(s.Disks, winLogicalDisk{DeviceID: p["DeviceID"], FileSystem: p["FileSystem"],
			Size: num(c, p, "Size"), FreeSpace: num(c, p, "FreeSpace"), VolumeName: p["VolumeName"]})
	}
	return s
}

// small returns n as an int, 0 when it is beyond what a count or a code
// of these classes can be (a uint64 would turn negative).
func small(n uint64) int {
	if n > math.MaxInt32 {
		return 0
	}
	return int(n)
}
