package inventory

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

// The macOS captures (testdata/captures/macos, see its README): system_profiler
// text from 10.4 on PowerPC to 14.4 on Apple silicon, its XML form, GLPI's
// expected parse of four application lists, and antivirus and firewall
// outputs.
const macSPDir = "testdata/captures/macos/system_profiler"

// spCaptures returns the system_profiler captures that hold a data type, in
// the text form (a top-level section or the overview GLPI's dumps hold)
// or the XML one.
func spCaptures(t *testing.T, textMark, dataType string) []string {
	t.Helper()
	files, err := os.ReadDir(macSPDir)
	if err != nil || len(files) < 30 {
		t.Fatalf("reading the system_profiler captures: %v (%d files)", err, len(files))
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".results.txt") {
			continue
		}
		b := readTestdata(t, "captures/macos/system_profiler/"+f.Name())
		if regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(textMark)+`$`).Match(b) ||
			bytes.Contains(b, []byte("<key>_dataType</key>\n\t\t<string>"+dataType+"</string>")) {
			out = append(out, f.Name())
		}
	}
	return out
}

// TestMacProfileCaptures reads the hardware and software overview of every
// capture that holds one. The values are read off the dumps by hand.
func TestMacProfileCaptures(t *testing.T) {
	want := map[string]macHardware{
		// 10.4 names the fields "Machine Name" and "Number Of CPUs", and has
		// neither cores nor a UUID: a G5 has one core per processor.
		"10.4-powerpc": {Name: "Power Mac G5", Model: "PowerMac11,2", Serial: "CK54202SR6V", BootROM: "5.2.7f1",
			CPUModel: "PowerPC G5 (1.1)", Cores: 2, Sockets: 2, MHz: 2300, MemoryBytes: 2 << 30,
			OSFullName: "Mac OS X 10.4.11 (8S165)", OSVersion: "10.4.11", Build: "8S165", Kernel: "8.11.0"},
		"10.5-powerpc": {Name: "Power Mac G5", Model: "PowerMac11,2", Serial: "CK54202SR6V", UUID: "00000000-0000-1000-8000-00145161EF08",
			BootROM: "5.2.7f1", CPUModel: "PowerPC G5 (1.1)", Cores: 2, Sockets: 2, MHz: 2300, MemoryBytes: 2 << 30,
			OSFullName: "Mac OS X 10.5.8 (9L31a)", OSVersion: "10.5.8", Build: "9L31a", Kernel: "9.8.0"},
		// A French locale: "Processor Speed: 2,4 GHz".
		"10.6-intel": {Name: "iMac", Model: "iMac7,1", Serial: "W8805BRDX89", UUID: "00000000-0000-1000-8000-001EC20C3627",
			BootROM: "IM71.007A.B03", CPUModel: "Intel Core 2 Duo", Cores: 2, Sockets: 1, MHz: 2400, MemoryBytes: 2 << 30,
			OSFullName: "Mac OS X 10.6.4 (10F569)", OSVersion: "10.6.4", Build: "10F569", Kernel: "10.4.0"},
		"10.6-macmini": {Name: "Mac mini", Model: "Macmini3,1", Serial: "YM008ASN9G5", UUID: "402127FE-F62F-5F2F-B899-BC9F25C44006",
			BootROM: "MM31.00AD.B00", CPUModel: "Intel Core 2 Duo", Cores: 2, Sockets: 1, MHz: 2260, MemoryBytes: 4 << 30,
			OSFullName: "Mac OS X 10.6.8 (10K549)", OSVersion: "10.6.8", Build: "10K549", Kernel: "10.8.0"},
		// Apple silicon: "Chip", "Total Number of Cores: 8 (4 performance
		// and 4 efficiency)", "System Firmware Version"; no clock, no
		// processor count.
		"11.0-apple-M1": {Name: "MacBook Air", Model: "MacBookAir10,1", Serial: "E9O1Q6W5FAKE", UUID: "2B05150B-FA33-45BD-90F0-3369BF908E3E",
			BootROM: "6723.81.1", CPUModel: "Apple M1", Cores: 8, MemoryBytes: 16 << 30,
			OSFullName: "macOS 11.2.3 (20D91)", OSVersion: "11.2.3", Build: "20D91", Kernel: "20.3.0"},
		// Named 10.6 by GLPI, but it is OS X 10.11.6: the software overview only.
		"10.6-system_profiler_Software_SPSoftwareDataType": {OSFullName: "OS X 10.11.6 (15G1217)", OSVersion: "10.11.6", Build: "15G1217", Kernel: "15.6.0"},
	}
	files := spCaptures(t, "Hardware:", "SPHardwareDataType")
	files = append(files, spCaptures(t, "Software:", "SPSoftwareDataType")...)
	slices.Sort(files)
	files = slices.Compact(files)
	for _, f := range files {
		if strings.Contains(f, "SPApplicationsDataType") {
			continue // an application list; its XML names SPSoftwareDataType as its parent
		}
		w, ok := want[f]
		if !ok {
			t.Errorf("%s holds a hardware or software overview that this test does not check", f)
			continue
		}
		got, err := parseMacProfile(readTestdata(t, "captures/macos/system_profiler/"+f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
		} else if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", f, got, w)
		}
		delete(want, f)
	}
	for f := range want {
		t.Errorf("%s was not found among the captures with an overview", f)
	}
}

// glpiApp is one entry of GLPI's expected parse (*.results.txt).
type glpiApp struct{ Name, Version, InstallDate string }

var (
	glpiBlock = regexp.MustCompile(`(?s)\{(.*?)\n\s*\}`)
	glpiKV    = regexp.MustCompile(`'(\w+)' => (?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,\n]+))`)
	perlX     = regexp.MustCompile(`\\x\{([0-9a-fA-F]+)\}`)
)

// glpiResults reads a Perl literal of GLPI's tests: single-quoted strings,
// double-quoted ones with \x{2019} escapes, bare numbers and undef.
func glpiResults(t *testing.T, file string) []glpiApp {
	t.Helper()
	var out []glpiApp
	for _, m := range glpiBlock.FindAllStringSubmatch(string(readTestdata(t, file)), -1) {
		e := map[string]string{}
		for _, kv := range glpiKV.FindAllStringSubmatch(m[1], -1) {
			v := strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(kv[2])
			if kv[3] != "" {
				v = perlX.ReplaceAllStringFunc(kv[3], func(x string) string {
					n, _ := strconv.ParseUint(x[3:len(x)-1], 16, 32)
					return string(rune(n))
				})
			}
			if kv[4] != "" {
				v = strings.TrimSpace(kv[4])
				if v == "undef" {
					v = ""
				}
			}
			e[kv[1]] = v
		}
		out = append(out, glpiApp{e["NAME"], e["VERSION"], e["INSTALLDATE"]})
	}
	if len(out) == 0 {
		t.Fatalf("%s: no entries read", file)
	}
	return out
}

// TestMacAppsCaptures reads every application list among the captures:
// each item is read with its name, version and date, and where GLPI gives
// its expected parse, the two are cross-checked entry by entry.
//
// Where Tandem and GLPI disagree, and who is right:
//
//   - Duplicate names. GLPI keys applications by name, so the second
//     "Python Launcher" (2.6.1 beside 2.5.4) becomes "Python Launcher_0",
//     a name that exists nowhere on the Mac; where two such renames collide
//     one application is lost (sample4: "Siri" 3105.3.1 beside "Siri" 1.0).
//     Tandem keeps the names system_profiler gives. Tandem is right.
//   - Versions with spaces. Adobe's updaters declare "1 . 2 . 2"; GLPI
//     strips the spaces. Tandem reports what the bundle declares, as
//     system_profiler shows it; both are defensible, Tandem's is the
//     bundle's own word.
//   - Install dates with four-digit years. sample4's "26/02/2024 06:47"
//     is 02/26/2020 in GLPI: it reads the year's first two digits as a
//     two-digit year. Tandem gives 2024-02-26. Tandem is right (the same
//     applications' XML dates, in sample5, say 2024).
//   - Date order. The text form's dates follow the locale (17/02/12 is
//     day first, 2/20/11 3:34 PM month first); GLPI prints the date it
//     found month first in sample1 and sample4 and day first in sample2 and
//     sample5. Both read the same day; only GLPI's printing differs.
//   - Windows programs. sample2 lists 84 stubs Parallels Desktop made for
//     a Windows virtual machine's programs ("6.0, C:\\Program Files\\...").
//     GLPI leaves them out, and so does Tandem's software list: they are
//     not installed on the Mac.
func TestMacAppsCaptures(t *testing.T) {
	type want struct {
		items, software, dated, versioned int
		glpi                              string // GLPI's expected parse, if any
		glpiLayout                        string // how it prints dates
	}
	wants := map[string]want{
		// Counts checked with grep: items are the 4-space "Name:" lines
		// (XML: the _items), dated the "Last Modified" lines, versioned the
		// "Version" lines. software is after Parallels' stubs and duplicate
		// name-and-version pairs are left out.
		"sample1.SPApplicationsDataType":                               {349, 348, 349, 337, "sample1.SPApplicationsDataType.results.txt", "01/02/2006"},
		"sample2.SPApplicationsDataType":                               {491, 407, 491, 476, "sample2.SPApplicationsDataType.results.txt", "02/01/2006"},
		"sample4.SPApplicationsDataType":                               {367, 361, 367, 361, "sample4.SPApplicationsDataType.results.txt", "01/02/2006"},
		"sample5.SPApplicationsDataType-xml":                           {367, 361, 367, 361, "sample5.SPApplicationsDataType-xml.results.txt", "02/01/2006"},
		"10.8-system_profiler_SPApplicationsDataType.example.txt":      {291, 281, 291, 279, "", ""},
		"10.8-system_profiler_SPApplicationsDataType_-xml.example.xml": {291, 281, 291, 279, "", ""},
	}
	files := spCaptures(t, "Applications:", "SPApplicationsDataType")
	if len(files) != len(wants) {
		t.Errorf("application lists among the captures: %v; this test checks %d", files, len(wants))
	}
	for _, f := range files {
		w, ok := wants[f]
		if !ok {
			t.Errorf("%s: an application list this test does not check", f)
			continue
		}
		b := readTestdata(t, "captures/macos/system_profiler/"+f)
		apps, err := parseMacApps(b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		sw, err := macApps(b)
		if err != nil {
			t.Fatal(err)
		}
		dated, versioned := 0, 0
		for _, a := range apps {
			if a.Name == "" {
				t.Errorf("%s: an application without a name: %+v", f, a)
			}
			if !a.Modified.IsZero() {
				dated++
				if y := a.Modified.Year(); y < 2000 || y > 2024 {
					t.Errorf("%s: %s modified in %d", f, a.Name, y)
				}
			}
			if a.Version != "" {
				versioned++
			}
		}
		if len(apps) != w.items || len(sw) != w.software || dated != w.dated || versioned != w.versioned {
			t.Errorf("%s: %d items, %d software, %d dated, %d versioned; want %+v", f, len(apps), len(sw), dated, versioned, w)
		}
		if w.glpi == "" {
			continue
		}
		crossCheckGLPIApps(t, f, apps, sw, glpiResults(t, "captures/macos/system_profiler/"+w.glpi), w.glpiLayout)
	}
}

// crossCheckGLPIApps matches GLPI's entries to Tandem's by name and version
// and fails on any disagreement that TestMacAppsCaptures does not explain.
func crossCheckGLPIApps(t *testing.T, file string, apps []macApp, sw []msp.Software, glpi []glpiApp, layout string) {
	t.Helper()
	type key struct{ name, version string }
	tandem := map[key][]macApp{}
	for _, a := range apps {
		if windowsProgram.MatchString(a.Info) {
			continue
		}
		k := key{a.Name, a.Version}
		tandem[k] = append(tandem[k], a)
	}
	renamed, respaced, wrongYear, matched := 0, 0, 0, 0
	suffix := regexp.MustCompile(`_\d+$`)
	for _, g := range glpi {
		k := key{g.Name, g.Version}
		as := tandem[k]
		if len(as) == 0 {
			if base := suffix.ReplaceAllString(g.Name, ""); base != g.Name && len(tandem[key{base, g.Version}]) > 0 {
				renamed++ // GLPI's "_0" for a second application of that name
				continue
			}
			for tk := range tandem {
				if tk.name == g.Name && strings.ReplaceAll(tk.version, " ", "") == g.Version {
					as = tandem[tk]
					respaced++
				}
			}
			if len(as) == 0 {
				t.Errorf("%s: GLPI lists %q %q; Tandem does not", file, g.Name, g.Version)
				continue
			}
		}
		matched++
		gd, err := time.Parse(layout, g.InstallDate)
		if err != nil {
			t.Errorf("%s: GLPI's date %q of %s: %v", file, g.InstallDate, g.Name, err)
			continue
		}
		ok := false
		for _, a := range as {
			y, m, d := a.Modified.Date()
			gy, gm, gd := gd.Date()
			switch {
			case y == gy && m == gm && d == gd:
				ok = true
			case gy == 2000+y/100 && m == gm && d == gd && !ok:
				ok = true // GLPI's year from a four-digit year's first two digits
				wrongYear++
			}
		}
		if !ok {
			t.Errorf("%s: %s %s modified %v; GLPI says %s", file, g.Name, g.Version, as[0].Modified, g.InstallDate)
		}
	}
	// Tandem's list, with duplicates and Parallels' stubs left out, is never longer than GLPI's.
	if len(sw) > len(glpi) {
		t.Errorf("%s: %d software entries; GLPI lists %d", file, len(sw), len(glpi))
	}
	t.Logf("%s: %d of GLPI's %d entries match, %d renamed by GLPI, %d with spaces GLPI stripped, %d with GLPI's two-digit year",
		file, matched, len(glpi), renamed, respaced, wrongYear)
}

// TestMacAppsTextAndXML checks that the text and XML forms of one machine's
// application list (10.8, GLPI's *.example.*) give the same applications.
func TestMacAppsTextAndXML(t *testing.T) {
	txt, err := macApps(readTestdata(t, "captures/macos/system_profiler/10.8-system_profiler_SPApplicationsDataType.example.txt"))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := macApps(readTestdata(t, "captures/macos/system_profiler/10.8-system_profiler_SPApplicationsDataType_-xml.example.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(txt, xml) {
		t.Errorf("text and XML differ:\n%v\n%v", txt, xml)
	}
}

func TestSPLocalDates(t *testing.T) {
	cases := []struct {
		in   []string
		want map[string]string
	}{
		{[]string{"2/20/11 3:34 PM", "1/5/11 5:56 AM"}, map[string]string{"2/20/11 3:34 PM": "2011-02-20 15:34", "1/5/11 5:56 AM": "2011-01-05 05:56"}},
		{[]string{"17/02/12 10:21", "04/09/11 22:43"}, map[string]string{"17/02/12 10:21": "2012-02-17 10:21", "04/09/11 22:43": "2011-09-04 22:43"}},
		{[]string{"30/05/2023 14:36"}, map[string]string{"30/05/2023 14:36": "2023-05-30 14:36"}},
		{[]string{"12/1/11 12:05 AM"}, map[string]string{"12/1/11 12:05 AM": "2011-12-01 00:05"}}, // a 12-hour clock: the US order
		{[]string{"13/01/11 10:00", "01/13/11 10:00"}, map[string]string{}},                       // contradicting: none
		{[]string{"31/02/11 10:00", "yesterday"}, map[string]string{}},
	}
	for _, tc := range cases {
		got := map[string]string{}
		for k, v := range spLocalDates(tc.in) {
			got[k] = v.Format("2006-01-02 15:04")
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%q: %s gave %q, want %q", tc.in, k, got[k], v)
			}
		}
	}
}

// TestParseSystemProfilerEveryCapture reads every system_profiler capture in
// whichever form it is: none may fail, and each gives its data types.
func TestParseSystemProfilerEveryCapture(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(macSPDir, "*"))
	if err != nil || len(files) < 30 {
		t.Fatalf("%d captures (%v)", len(files), err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".results.txt") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := parseSystemProfiler(b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if filepath.Base(f) == "datatypes" {
			continue // the list of data types, no data
		}
		if len(d) == 0 {
			t.Errorf("%s: no data type read", f)
		}
		for dt, items := range d {
			if dt == "" || len(items) == 0 && bytes.Contains(b, []byte("<key>_items</key>\n\t\t<array>\n\t\t\t<dict>")) {
				t.Errorf("%s: data type %q with %d items", f, dt, len(items))
			}
		}
	}
}

// FuzzParseSystemProfiler feeds the captures, and what the fuzzer makes of
// them, to every system_profiler parser: none may panic or loop.
func FuzzParseSystemProfiler(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(macSPDir, "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := parseSystemProfiler(b); err == nil {
			_ = macDrives(d)
		}
		_, _ = parseMacProfile(b)
		if apps, err := parseMacApps(b); err == nil {
			_ = apps
			_, _ = macApps(b)
		}
	})
}

// TestMacDrivesCaptures lists the drives of every capture that holds one:
// SATA disks (a WD and a VirtualBox disk with its CD drive), USB disks and
// card readers, a FireWire Mac in target disk mode, a DVD burner, and the
// M1's internal SSD from the storage list (not the disk image mounted
// beside it). A hub's entry that carries its device's BSD name is the
// device's, listed once.
func TestMacDrivesCaptures(t *testing.T) {
	want := map[string][]macDrive{
		"11.0-apple-M1": {{Name: "APPLE SSD AP0512Q", Model: "APPLE SSD AP0512Q", Bus: "Apple Fabric", Medium: "SSD"}},
		"SPCardReaderDataType_with_inserted_card.xml": {{Name: "SDHC Card", BSDName: "disk2", Bus: "card reader", SizeBytes: 15931539456}},
		"SPDiscBurningDataType.xml":                   {{Name: "OPTIARC DVD RW AD-5630A", Bus: "optical"}},
		"SPFireWireDataType.xml":                      {{Name: "Target Disk Mode SBP-LUN", BSDName: "disk2", Bus: "FireWire"}},
		"SPSerialATADataType.xml": {{Name: "WDC WD2500AAJS-40VWA1", Model: "WDC WD2500AAJS-40VWA1", Serial: "WD-WCARY1264478",
			BSDName: "disk0", Bus: "SATA", Medium: "Rotational", SizeBytes: 250059350016}},
		"SPSerialATADataType3.xml": {
			{Name: "VBOX CD-ROM", Model: "VBOX CD-ROM", Serial: "VB1-1a2b3c4d", Bus: "SATA"},
			{Name: "VBOX HARDDISK", Model: "VBOX HARDDISK", Serial: "VB52cb5022-c69e4cc4", BSDName: "disk0", Bus: "SATA", Medium: "Solid State", SizeBytes: 41943040000},
		},
		"SPUSBDataType.xml": {{Name: "External USB 3.0", Serial: "20150123045944", BSDName: "disk1", Bus: "USB", SizeBytes: 500107859968}},
		"SPUSBDataType2.xml": {
			{Name: "JumpDrive", BSDName: "disk1", Bus: "USB"},
			{Name: "UDisk 2.0", BSDName: "disk2", Bus: "USB"},
			{Name: "External USB 3.0", BSDName: "disk3", Bus: "USB"},
		},
		"SPUSBDataType_with_inserted_dvd.xml": {
			{Name: "Internal Memory Card Reader", Serial: "000000000820", BSDName: "disk2", Bus: "USB", SizeBytes: 15931539456},
			{Name: "Optical USB 2.0", Serial: "DEF109C77CF6", BSDName: "disk3", Bus: "USB", SizeBytes: 392647584},
		},
	}
	files, err := filepath.Glob(filepath.Join(macSPDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".results.txt") {
			continue
		}
		d, err := parseSystemProfiler(readTestdata(t, strings.TrimPrefix(filepath.ToSlash(f), "testdata/")))
		if err != nil {
			t.Fatal(err)
		}
		got := macDrives(d)
		w := want[filepath.Base(f)]
		if !slices.Equal(got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", filepath.Base(f), got, w)
		}
		delete(want, filepath.Base(f))
	}
	for f := range want {
		t.Errorf("%s: not among the captures", f)
	}
	// An Apple silicon Mac lists its SSD under NVMe and under each volume
	// of the storage list: one drive, with the NVMe entry's details.
	nvme := spItem{"_name": "APPLE SSD AP0512Q", "device_model": "APPLE SSD AP0512Q", "device_serial": "0ba0147ce0c3e51c", "bsd_name": "disk0", "size_in_bytes": uint64(500277792768)}
	d := spData{
		"SPNVMeDataType":    {{"_name": "Apple SSD Controller", "_items": []any{nvme}}},
		"SPStorageDataType": {{"_name": "Macintosh HD", "physical_drive": spItem{"device_name": "APPLE SSD AP0512Q", "protocol": "Apple Fabric"}}},
	}
	got := macDrives(d)
	if len(got) != 1 || got[0].Bus != "NVMe" || got[0].Serial != "0ba0147ce0c3e51c" || got[0].SizeBytes != 500277792768 {
		t.Errorf("NVMe and storage list: %+v", got)
	}
}
