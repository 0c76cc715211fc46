package inventory

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"tandem/msp"
)

// loadWMI reads a `wmic path CLASS get /format:list` dump, as recorded on
// real machines (testdata/captures: UTF-16LE with a byte-order mark, CRLF,
// one Name=Value line per property, instances apart by blank lines, and
// `#` comment lines in some), into one propSet per instance.
func loadWMI(t *testing.T, path string) []propSet {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimPrefix(b, []byte{0xff, 0xfe})
	if len(b)%2 != 0 {
		t.Fatalf("%s: an odd number of bytes is not UTF-16", path)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	var out []propSet
	cur := propSet{}
	for _, line := range strings.Split(string(utf16.Decode(u)), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			if len(cur) > 0 {
				out = append(out, cur)
				cur = propSet{}
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: %q is not Name=Value", path, line)
			}
			cur[k] = v
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// captures returns the dumps of class in testdata/captures/windows/wmi.
func captures(t *testing.T, class string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "captures", "windows", "wmi", "*-"+class+".wmi"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no capture of %s: %v", class, err)
	}
	return files
}

func fromWMI(rows map[string][]propSet) (Report, winSystem) {
	s := winSystemFromWMI(rows)
	var r Report
	applyWinSystem(s, &r)
	return r, s
}

// Every capture of every class the system details read maps without a
// note: the mapping reads the format real Windows writes, from XP to 10.
func TestWMICapturesMapWithoutNotes(t *testing.T) {
	for _, c := range wmiSystemClasses {
		name := c.Name
		if name == "Win32_BIOS" {
			name = "Win32_Bios" // GLPI's file name
		}
		if name == "Win32_ComputerSystemProduct" {
			continue // no capture exists
		}
		for _, f := range captures(t, name) {
			rows := loadWMI(t, f)
			if len(rows) == 0 {
				t.Errorf("%s: no instance", f)
			}
			if _, s := fromWMI(map[string][]propSet{c.Name: rows}); len(s.Errors) > 0 {
				t.Errorf("%s: %q", filepath.Base(f), s.Errors)
			}
		}
	}
}

// Windows 7 Professional, French, build 7600, 32-bit (the capture's name
// says x64; its content says 32 bits).
func TestWMIOperatingSystemCapture(t *testing.T) {
	rows := loadWMI(t, filepath.Join("testdata", "captures", "windows", "wmi", "win7-sp1-x64-Win32_OperatingSystem.wmi"))
	r, _ := fromWMI(map[string][]propSet{"Win32_OperatingSystem": rows})
	if r.OS.Name != "Windows 7 Professionnel" || r.OS.Version != "7600" || r.OS.Kernel != "6.1.7600" || r.Machine.Arch != "i686" {
		t.Errorf("OS = %+v, arch %q", r.OS, r.Machine.Arch)
	}
	// LastBootUpTime=20130822204218.500000+120: 20:42:18.5 at UTC+2.
	if want := time.Date(2013, 8, 22, 18, 42, 18, 500e6, time.UTC); !r.BootTime.Equal(want) {
		t.Errorf("boot time %v, want %v", r.BootTime, want)
	}
	if r.Memory.TotalBytes != 2096696*1024 || r.Machine.SwapBytes != (4193392-2096696)*1024 {
		t.Errorf("memory %d, swap %d", r.Memory.TotalBytes, r.Machine.SwapBytes)
	}
}

func TestWMIProcessorCaptures(t *testing.T) {
	dir := filepath.Join("testdata", "captures", "windows", "wmi")
	for _, c := range []struct {
		file                    string
		model                   string
		sockets, cores, logical int
	}{
		{"2019-amd-epyc-Win32_Processor.wmi", "AMD EPYC 7302 16-Core Processor", 1, 2, 4},
		{"2008-with-2-different-cpus-Win32_Processor.wmi", "Intel(R) Xeon(R) CPU E5506 @ 2.13GHz", 2, 8, 8},
		{"7-Win32_Processor.wmi", "Intel(R) Core(TM) i5-2300 CPU @ 2.80GHz", 1, 4, 4},
		// Server 2003 has no core counts: one per processor.
		{"2003-Win32_Processor.wmi", "Intel(R) Xeon(TM) CPU 3.06GHz", 2, 0, 2},
	} {
		r, _ := fromWMI(map[string][]propSet{"Win32_Processor": loadWMI(t, filepath.Join(dir, c.file))})
		if r.CPU.Model != c.model || r.Machine.CPUSockets != c.sockets || r.Machine.CPUCores != c.cores || r.CPU.Cores != c.logical {
			t.Errorf("%s: model %q, sockets %d, cores %d, logical %d; want %q, %d, %d, %d",
				c.file, r.CPU.Model, r.Machine.CPUSockets, r.Machine.CPUCores, r.CPU.Cores, c.model, c.sockets, c.cores, c.logical)
		}
	}
}

// Only local fixed disks (DriveType 3) are the computer's: the floppy,
// CD-ROM and network drives of the captures are not.
func TestWMILogicalDiskCaptures(t *testing.T) {
	dir := filepath.Join("testdata", "captures", "windows", "wmi")
	for file, want := range map[string][3]uint64{
		"win10-crypt-Win32_LogicalDisk.wmi":   {1, 510462619648, 271162613760},
		"win7-sp1-x64-Win32_LogicalDisk.wmi":  {1, 64317550592, 38306471936},
		"winxp-sp3-x86-Win32_LogicalDisk.wmi": {1, 128849014784, 75903143936},
	} {
		r, _ := fromWMI(map[string][]propSet{"Win32_LogicalDisk": loadWMI(t, filepath.Join(dir, file))})
		if uint64(len(r.Disks)) != want[0] || r.Disks[0].Mount != `C:\` || r.Disks[0].TotalBytes != want[1] || r.Disks[0].FreeBytes != want[2] {
			t.Errorf("%s: disks %+v, want C:\\ of %d with %d free", file, r.Disks, want[1], want[2])
		}
	}
}

// A Proxmox VM: the vendor's padding is trimmed, an empty serial is none,
// and the BIOS date is read from its DMTF form.
func TestWMIComputerSystemAndBIOSCaptures(t *testing.T) {
	dir := filepath.Join("testdata", "captures", "windows", "wmi")
	r, _ := fromWMI(map[string][]propSet{
		"Win32_ComputerSystem": loadWMI(t, filepath.Join(dir, "proxmox-Win32_ComputerSystem.wmi")),
		"Win32_BIOS":           loadWMI(t, filepath.Join(dir, "proxmox-Win32_Bios.wmi")),
	})
	if h := r.Hardware; h.Vendor != "BOCHS_" || h.Model != "BXPC____" || h.Serial != "" || h.BIOS.Date != "2014-04-01" {
		t.Errorf("hardware = %+v", h)
	}
}

// A value that is not what the class documents is a note naming the class
// and property, and the rest is still read.
func TestWMIBadValueIsNamed(t *testing.T) {
	_, s := fromWMI(map[string][]propSet{"Win32_LogicalDisk": {{"DeviceID": "C:", "DriveType": "3", "Size": "lots", "FreeSpace": "10"}}})
	if len(s.Errors) != 1 || !strings.Contains(s.Errors[0], "Win32_LogicalDisk.Size") || len(s.Disks) != 1 || s.Disks[0].FreeSpace != 10 {
		t.Errorf("errors %q, disks %+v", s.Errors, s.Disks)
	}
}

// TestWMIMemoryCaptures maps every Win32_PhysicalMemory and
// Win32_PhysicalMemoryArray capture through the collector's own path
// (winSystemFromWMI, applyWinSystem). Where GLPI's set also has a dmidecode
// run of the machine (generic/dmidecode/windows-7, and windows-xp, which
// has the same sockets and sizes), WMI and dmidecode read the same SMBIOS
// table and must agree:
//
//   - Windows 7: they agree module for module. WMI says MemoryType 0
//     (Windows 7 has no number for DDR3), dmidecode "<OUT OF SPEC>": both
//     leave the type empty.
//   - Windows XP: XP's WMI leaves the maker, part number and serial empty
//     and knows no DDR2 (MemoryType 0), which dmidecode reads (Elpida
//     EBE21UE8ACUA-8G-E, DDR2); slots, sockets, sizes and speed agree.
func TestWMIMemoryCaptures(t *testing.T) {
	type want struct {
		slots   int
		modules []msp.MemoryModule
	}
	dimm := func(slot, bank string, size uint64, typ string, speed int, part string) msp.MemoryModule {
		return msp.MemoryModule{Slot: slot, Bank: bank, SizeBytes: size, Type: typ, SpeedMTs: speed, FormFactor: "DIMM", PartNumber: part}
	}
	wants := map[string]want{
		"2003": {4, []msp.MemoryModule{dimm("DIMM 01", "", 1<<30, "", 266, ""), dimm("DIMM 02", "", 1<<30, "", 266, "")}},
		// A VMware guest: 15 sockets, MemoryType 2 (DRAM), no speed.
		"2003SP2": {15, []msp.MemoryModule{dimm("RAM slot #0", "RAM slot #0", 1<<30, "DRAM", 0, "")}},
		"7":       {4, []msp.MemoryModule{dimm("DIMM1", "BANK1", 2<<30, "", 1600, "F3-12800CL9-2GBXL"), dimm("DIMM3", "BANK3", 2<<30, "", 1600, "F3-12800CL9-2GBXL")}},
		"xp":      {2, []msp.MemoryModule{dimm("DIMM_A", "", 2<<30, "", 800, ""), dimm("DIMM_B", "", 2<<30, "", 800, "")}},
	}
	files := captures(t, "Win32_PhysicalMemory")
	if len(files) != len(wants) {
		t.Errorf("%d captures, %d checked", len(files), len(wants))
	}
	for _, f := range files {
		set := strings.TrimSuffix(filepath.Base(f), "-Win32_PhysicalMemory.wmi")
		w, ok := wants[set]
		if !ok {
			t.Errorf("%s: not checked", f)
			continue
		}
		rows := map[string][]propSet{
			"Win32_PhysicalMemory":      loadWMI(t, f),
			"Win32_PhysicalMemoryArray": loadWMI(t, strings.Replace(f, "Win32_PhysicalMemory", "Win32_PhysicalMemoryArray", 1)),
		}
		r, s := fromWMI(rows)
		if len(s.Errors) > 0 {
			t.Errorf("%s: %q", set, s.Errors)
		}
		if r.Memory.Slots != w.slots || !slices.Equal(r.Memory.Modules, w.modules) {
			t.Errorf("%s: %d slots %+v\nwant %d slots %+v", set, r.Memory.Slots, r.Memory.Modules, w.slots, w.modules)
		}
	}
	for set, dump := range map[string]string{"7": "windows-7", "xp": "windows-xp"} {
		dmi := dmiInventory(parseDMIDecode(readTestdata(t, "captures/generic/dmidecode/"+dump)))
		w := wants[set]
		if dmi.Slots != w.slots || len(dmi.Modules) != len(w.modules) {
			t.Fatalf("%s: dmidecode has %d slots, %d modules", dump, dmi.Slots, len(dmi.Modules))
		}
		for i, m := range dmi.Modules {
			wm := w.modules[i]
			if set == "xp" {
				m.Manufacturer, m.PartNumber, m.Serial, m.Type = "", "", "", "" // what XP's WMI does not give
			}
			if m != wm {
				t.Errorf("%s module %d: dmidecode %+v, WMI %+v", set, i, m, wm)
			}
		}
	}
	// Windows 10 and later name the type through SMBIOSMemoryType, and a
	// JEDEC code where the maker belongs is the maker's name.
	r, _ := fromWMI(map[string][]propSet{"Win32_PhysicalMemory": {{"Capacity": "17179869184", "DeviceLocator": "DIMM A", "MemoryType": "0",
		"SMBIOSMemoryType": "34", "FormFactor": "12", "Speed": "4800", "Manufacturer": "80CE000080CE", "PartNumber": "M425R2GA3BB0-CQKOD "}}})
	w10 := msp.MemoryModule{Slot: "DIMM A", SizeBytes: 16 << 30, Type: "DDR5", SpeedMTs: 4800, FormFactor: "SODIMM", Manufacturer: "Samsung", PartNumber: "M425R2GA3BB0-CQKOD"}
	if len(r.Memory.Modules) != 1 || r.Memory.Modules[0] != w10 {
		t.Errorf("Windows 10 module: %+v, want %+v", r.Memory.Modules, w10)
	}
}

// FuzzWMIMemory maps fuzzed property values of the memory classes: no
// panic, no negative count, never more modules than slots.
func FuzzWMIMemory(f *testing.F) {
	f.Add("2147483648", "0", "24", "8", "1600", "Undefined", "F3-12800CL9-2GBXL ", "4")
	f.Add("", "", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, capacity, memType, smbiosType, form, speed, maker, part, slots string) {
		r, _ := fromWMI(map[string][]propSet{
			"Win32_PhysicalMemory":      {{"Capacity": capacity, "MemoryType": memType, "SMBIOSMemoryType": smbiosType, "FormFactor": form, "Speed": speed, "Manufacturer": maker, "PartNumber": part}},
			"Win32_PhysicalMemoryArray": {{"MemoryDevices": slots, "Use": "3"}},
		})
		m := r.Memory
		if m.Slots < 0 || (m.Slots > 0 && len(m.Modules) > m.Slots) || (len(m.Modules) > 0 && m.Modules[0].SpeedMTs < 0) {
			t.Errorf("%+v", m)
		}
	})
}

// propSetsFromText reads `Name=Value` lines, instances apart by blank
// lines, as loadWMI does but without failing: the fuzzer's input.
func propSetsFromText(s string) []propSet {
	var out []propSet
	cur := propSet{}
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = propSet{}
			}
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			cur[k] = v
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// FuzzWMIClasses feeds every WMI capture (decoded to text), and what the
// fuzzer makes of them, to every mapping from WMI instances to the report:
// the system classes, the antivirus and BitLocker. None may panic.
func FuzzWMIClasses(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "captures", "windows", "wmi", "*.wmi"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b = bytes.TrimPrefix(b, []byte{0xff, 0xfe})
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		f.Add(string(utf16.Decode(u)))
	}
	f.Fuzz(func(t *testing.T, s string) {
		rows := propSetsFromText(s)
		all := map[string][]propSet{}
		for _, c := range wmiSystemClasses {
			all[c.Name] = rows
		}
		var r Report
		applyWinSystem(winSystemFromWMI(all), &r)
		_, _, _ = winAVFromWMI(rows, rows)
		_, _, _ = winBitLockerFromWMI(rows, "C:")
	})
}
