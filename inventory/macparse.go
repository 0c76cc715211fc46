package inventory

// Parsers for what the macOS collector reads: softwareupdate -l,
// system_profiler (macprofile.go), fdesetup status, socketfilterfw --getglobalstate and
// `defaults read` of the software update preferences. They are pure
// functions with no build tag, tested on every platform against samples in
// testdata/darwin.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"tandem/msp"
)

// macUpdate is one entry of `softwareupdate -l`.
type macUpdate struct {
	Label       string
	Title       string
	Version     string
	Recommended bool
	Restart     bool // the update restarts the Mac when installed
}

// oldUpdateDetail matches the detail line of softwareupdate before macOS
// 10.15: "Safari (12.0.3), 63864K [recommended]", "Security Update 2019-001 (Mojave) (10.14.3), 1577000K [recommended] [restart]".
var oldUpdateDetail = regexp.MustCompile(`^(.*) \(([^()]*)\), \d+K((?: \[[a-z]+\])*)\s*$`)

// parseSoftwareUpdate reads `softwareupdate -l` in both formats, that of
// macOS 10.15 and later:
//
//	Software Update found the following new or updated software:
//	* Label: macOS Sonoma 14.4.1-23E224
//		Title: macOS Sonoma 14.4.1, Version: 14.4.1, Size: 3023539KiB, Recommended: YES, Action: restart,
//
// and that of 10.14 and earlier:
//
//	Software Update found the following new or updated software:
//	   * Security Update 2019-001 (Mojave)-10.14.3
//		Security Update 2019-001 (Mojave) (10.14.3), 1577000K [recommended] [restart]
func parseSoftwareUpdate(b []byte) []macUpdate {
	var out []macUpdate
	var cur *macUpdate
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		t := strings.TrimSpace(line)
		if label, ok := strings.CutPrefix(t, "* "); ok {
			label = strings.TrimSpace(strings.TrimPrefix(label, "Label:"))
			out = append(out, macUpdate{Label: label})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil || t == "" {
			continue
		}
		if strings.HasPrefix(t, "Title:") {
			for f := range strings.SplitSeq(t, ", ") {
				k, v, ok := strings.Cut(f, ":")
				if !ok {
					continue
				}
				v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), ","))
				switch strings.TrimSpace(k) {
				case "Title":
					cur.Title = v
				case "Version":
					cur.Version = v
				case "Recommended":
					cur.Recommended = strings.EqualFold(v, "YES")
				case "Action":
					cur.Restart = strings.EqualFold(v, "restart")
				}
			}
			cur = nil
			continue
		}
		if m := oldUpdateDetail.FindStringSubmatch(t); m != nil {
			cur.Title, cur.Version = m[1], m[2]
			cur.Recommended = strings.Contains(m[3], "[recommended]")
			cur.Restart = strings.Contains(m[3], "[restart]")
			cur = nil
		}
	}
	for i := range out {
		if out[i].Title == "" {
			out[i].Title = out[i].Label
		}
	}
	return out
}

// macPatches turns the updates into patches. An update is a security update
// when its title or label says "Security" (Security Update, Rapid Security
// Response, Background Security Improvement) or when it updates macOS
// itself: Apple ships the security fixes of macOS in its point releases.
// osVersion (the installed macOS version) is the installed version of a
// macOS update.
func macPatches(ups []macUpdate, osVersion string) []msp.Patch {
	out := []msp.Patch{}
	for _, u := range ups {
		p := msp.Patch{Name: u.Title, CandidateVersion: u.Version}
		os := strings.HasPrefix(u.Title, "macOS") || strings.HasPrefix(u.Label, "macOS")
		if os {
			p.InstalledVersion = osVersion
		}
		p.Security = os || strings.Contains(u.Title, "Security") || strings.Contains(u.Label, "Security")
		out = append(out, p)
	}
	return out
}

// macHardware is what parseMacProfile gives.
type macHardware struct {
	Name, Model, Serial, UUID, BootROM string
	CPUModel                           string
	Cores                              int // physical cores
	Sockets                            int
	MHz                                int
	MemoryBytes                        uint64
	OSFullName                         string // "macOS 14.4.1 (23E224)"
	OSVersion                          string // "14.4.1"
	Build                              string // "23E224"
	Kernel                             string // "23.4.0"
}

// parseMacProfile reads `system_profiler SPHardwareDataType
// SPSoftwareDataType` in either of its forms (-xml or text).
func parseMacProfile(b []byte) (macHardware, error) {
	d, err := parseSystemProfiler(b)
	if err != nil {
		return macHardware{}, err
	}
	return macProfileOf(d)
}

// macProfileOf reads the hardware and software overviews.
func macProfileOf(d spData) (macHardware, error) {
	var h macHardware
	hw, sw := d["SPHardwareDataType"], d["SPSoftwareDataType"]
	if len(hw) == 0 && len(sw) == 0 {
		return h, fmt.Errorf("system_profiler's output holds neither SPHardwareDataType nor SPSoftwareDataType")
	}
	if len(hw) > 0 {
		x := hw[0]
		h.Name, h.Model, h.Serial = spString(x, "machine_name"), spString(x, "machine_model"), spString(x, "serial_number")
		h.UUID, h.BootROM = spString(x, "platform_UUID"), spString(x, "boot_rom_version")
		h.CPUModel = orDefault(spString(x, "chip_type"), spString(x, "cpu_type"))
		h.Sockets = spInt(x, "packages")
		// number_processors counts cores: 4 (Intel), "proc 10:6:4" (Apple
		// silicon: total, performance, efficiency), "8 (4 performance and
		// 4 efficiency)" in text. Before 10.5 there is only the number of
		// processors, one core each (PowerPC G4 and G5).
		h.Cores = spInt(x, "number_processors")
		if h.Cores == 0 {
			h.Cores = h.Sockets
		}
		h.MemoryBytes = macSize(spString(x, "physical_memory"))
		h.MHz = macMHz(spString(x, "current_processor_speed"))
	}
	if len(sw) > 0 {
		x := sw[0]
		h.OSFullName = spString(x, "os_version")
		f := strings.Fields(h.OSFullName) // "macOS 14.4.1 (23E224)"; "Mac OS X Server 10.6.8 (10K549)"
		for i, w := range f {
			if len(w) > 0 && w[0] >= '0' && w[0] <= '9' {
				h.OSVersion = w
				if i+1 < len(f) {
					h.Build = strings.Trim(f[i+1], "()")
				}
				break
			}
		}
		h.Kernel = strings.TrimSpace(strings.TrimPrefix(spString(x, "kernel_version"), "Darwin"))
	}
	return h, nil
}

// macSize reads "16 GB", "512 MB" (binary units, as system_profiler means them).
func macSize(s string) uint64 {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(f[0], ",", "."), 64)
	if err != nil {
		return 0
	}
	mult := map[string]float64{"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[strings.ToUpper(f[1])]
	return uint64(n * mult)
}

// macMHz reads "2,3 GHz" or "2.6 GHz" (the decimal mark follows the locale).
func macMHz(s string) int {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(f[0], ",", "."), 64)
	if err != nil {
		return 0
	}
	switch strings.ToUpper(f[1]) {
	case "GHZ":
		return int(n*1000 + 0.5)
	case "MHZ":
		return int(n + 0.5)
	}
	return 0
}

// macApp is one application system_profiler lists.
type macApp struct {
	Name, Version, Path string
	Info                string // "Get Info String": "1.1, Copyright 2007-2008 Apple Inc."
	// Modified is the bundle's last modification, which GLPI reports as
	// the install date; zero when the output has none or its dates cannot
	// be read without guessing the day and month apart.
	Modified time.Time
}

// parseMacApps reads `system_profiler SPApplicationsDataType` in any of its
// forms, in the order it lists them.
func parseMacApps(b []byte) ([]macApp, error) {
	d, err := parseSystemProfiler(b)
	if err != nil {
		return nil, err
	}
	items, ok := d["SPApplicationsDataType"]
	if !ok {
		return nil, fmt.Errorf("system_profiler's output holds no SPApplicationsDataType")
	}
	var local []string
	for _, it := range items {
		if s, ok := it["lastModified"].(string); ok {
			local = append(local, s)
		}
	}
	dates := spLocalDates(local)
	out := make([]macApp, 0, len(items))
	for _, it := range items {
		a := macApp{Name: spString(it, "_name"), Version: spString(it, "version"), Path: spString(it, "path"), Info: spString(it, "info")}
		if t, ok := spTime(it, "lastModified"); ok {
			a.Modified = t
		} else if s, ok := it["lastModified"].(string); ok {
			a.Modified = dates[s]
		}
		out = append(out, a)
	}
	return out, nil
}

// windowsProgram matches the Get Info String of the stubs Parallels Desktop
// puts in ~/Applications for the programs of a Windows virtual machine:
// "6.0, C:\\Program Files\\Mozilla Firefox\\firefox.exe".
var windowsProgram = regexp.MustCompile(`^[^,]*, [A-Za-z]:\\`)

// macApps reads `system_profiler -xml -detailLevel mini SPApplicationsDataType`
// (or its text form) into software, sorted by name, one entry per
// name and version. The programs of a Windows virtual machine that
// Parallels Desktop shows as Mac applications are not the Mac's software
// and are left out, as GLPI leaves them out.
func macApps(b []byte) ([]msp.Software, error) {
	apps, err := parseMacApps(b)
	if err != nil {
		return nil, fmt.Errorf("reading system_profiler's application list: %w", err)
	}
	out := []msp.Software{}
	seen := map[msp.Software]bool{}
	for _, a := range apps {
		s := msp.Software{Name: a.Name, Version: a.Version, Source: msp.SourceApp}
		if s.Name == "" || seen[s] || windowsProgram.MatchString(a.Info) {
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
	return out, nil
}

// localDate matches the text form's dates: "2/20/11 3:34 PM",
// "17/02/12 10:21", "30/05/2023 14:36" (the locale's order, two- or
// four-digit years, 12- or 24-hour clock).
var localDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})(?:,? (\d{1,2}):(\d{2})(?::\d{2})?(?: ?([AaPp][Mm]))?)?$`)

// spLocalDates reads the text form's dates. The order of day and month is
// the machine's locale, which the output does not name, so it is taken from
// the dates themselves: a first field above 12 means day first, a second
// above 12 month first. When no date settles it, a 12-hour clock means the
// US order (month first) and a 24-hour one day first. Dates that contradict
// the order found, or every date when they contradict each other, are left
// out. Times are the Mac's local time, which the output does not name
// either; they are kept as if UTC.
func spLocalDates(ss []string) map[string]time.Time {
	dayFirst, monthFirst, ampm := false, false, false
	type parts struct{ a, b, y, h, m int }
	parsed := map[string]parts{}
	for _, s := range ss {
		m := localDate.FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			continue
		}
		var p parts
		p.a, _ = strconv.Atoi(m[1])
		p.b, _ = strconv.Atoi(m[2])
		p.y, _ = strconv.Atoi(m[3])
		if len(m[3]) == 2 {
			p.y += 2000
			if p.y > 2069 {
				p.y -= 100
			}
		}
		p.h, _ = strconv.Atoi(m[4])
		p.m, _ = strconv.Atoi(m[5])
		if m[6] != "" {
			ampm = true
			p.h %= 12
			if strings.EqualFold(m[6], "PM") {
				p.h += 12
			}
		}
		dayFirst = dayFirst || p.a > 12
		monthFirst = monthFirst || p.b > 12
		parsed[s] = p
	}
	out := map[string]time.Time{}
	if dayFirst && monthFirst {
		return out
	}
	if !dayFirst && !monthFirst {
		monthFirst = ampm
	}
	for s, p := range parsed {
		day, month := p.a, p.b
		if monthFirst {
			day, month = p.b, p.a
		}
		t := time.Date(p.y, time.Month(month), day, p.h, p.m, 0, 0, time.UTC)
		if t.Day() != day || int(t.Month()) != month || p.h > 23 || p.m > 59 {
			continue // 31/02, or a field out of range
		}
		out[s] = t
	}
	return out
}

// macFileVault judges `fdesetup status`: "FileVault is On.", "FileVault is
// Off.", "Encryption in progress: Percent completed = 42.1", "FileVault is
// Off, but will be enabled after the next restart."
func macFileVault(b []byte) msp.Check {
	s := strings.TrimSpace(string(b))
	first, _, _ := strings.Cut(s, "\n")
	ev := "fdesetup status: " + strings.Join(strings.Fields(s), " ")
	switch {
	case strings.Contains(s, "Decryption in progress"):
		return check(msp.CheckFailing, "%s", ev)
	case strings.HasPrefix(first, "FileVault is On"):
		return check(msp.CheckOK, "%s", ev)
	case strings.HasPrefix(first, "FileVault is Off"):
		return check(msp.CheckFailing, "%s", ev)
	}
	return check(msp.CheckUnknown, "%s", ev)
}

// socketFilterState matches "Firewall is enabled. (State = 1)".
var socketFilterState = regexp.MustCompile(`State = (\d)`)

// macFirewall judges `socketfilterfw --getglobalstate`: State 1 (on) and 2
// (block all incoming) are on, 0 is off.
func macFirewall(b []byte) msp.Check {
	s := strings.TrimSpace(string(b))
	ev := "Application Firewall: " + s
	if m := socketFilterState.FindStringSubmatch(s); m != nil {
		if m[1] == "0" {
			return check(msp.CheckFailing, "%s", ev)
		}
		return check(msp.CheckOK, "%s", ev)
	}
	switch {
	case strings.Contains(s, "is enabled"), strings.Contains(s, "is blocking all"):
		return check(msp.CheckOK, "%s", ev)
	case strings.Contains(s, "is disabled"):
		return check(msp.CheckFailing, "%s", ev)
	}
	return check(msp.CheckUnknown, "%s", ev)
}

// macALF judges `defaults read /Library/Preferences/com.apple.alf
// globalstate`, where macOS before 15 keeps the Application Firewall's
// state: 0 off, 1 on, 2 on and blocking all incoming connections but
// essential services. launchctl is `launchctl list` (nil when not run): the
// firewall's daemon com.apple.alf must be loaded for the state to hold.
func macALF(globalstate, launchctl []byte) msp.Check {
	s := strings.TrimSpace(string(globalstate))
	ev := "com.apple.alf globalstate " + s
	loaded := true
	if launchctl != nil {
		pid, ok := launchctlJob(launchctl, "com.apple.alf")
		loaded = ok
		if ok {
			ev += ", com.apple.alf loaded (pid " + pid + ")"
		} else {
			ev += ", com.apple.alf not loaded"
		}
	}
	switch s {
	case "1", "2":
		if !loaded {
			return check(msp.CheckFailing, "%s", ev)
		}
		return check(msp.CheckOK, "%s", ev)
	case "0":
		return check(msp.CheckFailing, "%s", ev)
	}
	return check(msp.CheckUnknown, "%s", ev)
}

// launchctlJob finds a job in `launchctl list` (PID, status and label,
// tab-separated; "-" for the PID of a job that is loaded but not running).
func launchctlJob(b []byte, label string) (pid string, ok bool) {
	for line := range strings.Lines(string(b)) {
		f := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
		if len(f) == 3 && f[2] == label {
			return f[0], true
		}
	}
	return "", false
}

// parseDefaults reads the top-level "Key = value;" pairs of `defaults read`
// output (an old-style property list), unquoting strings. Nested
// dictionaries and arrays are skipped.
func parseDefaults(b []byte) map[string]string {
	out := map[string]string{}
	depth := 0
	for line := range strings.Lines(string(b)) {
		t := strings.TrimSpace(line)
		if depth == 1 {
			if k, v, ok := strings.Cut(t, " = "); ok {
				v = strings.TrimSuffix(strings.TrimSpace(v), ";")
				if v != "{" && v != "(" {
					out[strings.Trim(k, `"`)] = strings.Trim(v, `"`)
				}
			}
		}
		depth += strings.Count(t, "{") + strings.Count(t, "(") - strings.Count(t, "}") - strings.Count(t, ")")
	}
	return out
}

// macAutoUpdate judges /Library/Preferences/com.apple.SoftwareUpdate. macOS
// checks for updates and installs security responses and system data files
// unless AutomaticCheckEnabled or CriticalUpdateInstall is 0; a key that is
// not set keeps that default. AutomaticallyInstallMacOSUpdates (off by
// default) is in the evidence.
func macAutoUpdate(prefs map[string]string) msp.Check {
	val := func(k, def string) string {
		if v, ok := prefs[k]; ok {
			return v
		}
		return def + " (default)"
	}
	check1 := val("AutomaticCheckEnabled", "1")
	critical := val("CriticalUpdateInstall", "1")
	download := val("AutomaticDownload", "1")
	osInstall := val("AutomaticallyInstallMacOSUpdates", "0")
	ev := fmt.Sprintf("com.apple.SoftwareUpdate: AutomaticCheckEnabled %s, AutomaticDownload %s, CriticalUpdateInstall %s, AutomaticallyInstallMacOSUpdates %s",
		check1, download, critical, osInstall)
	if strings.HasPrefix(check1, "0") || strings.HasPrefix(critical, "0") {
		return check(msp.CheckFailing, "%s", ev)
	}
	return check(msp.CheckOK, "%s", ev)
}

// xprotectVersion finds CFBundleShortVersionString in an XML Info.plist.
var xprotectVersion = regexp.MustCompile(`<key>CFBundleShortVersionString</key>\s*<string>([^<]*)</string>`)

// plistVersion returns the bundle version of an XML Info.plist, or "".
func plistVersion(b []byte) string {
	if m := xprotectVersion.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// macAVDaemons maps process names (p_comm, at most 16 bytes) to the
// antivirus products they belong to.
var macAVDaemons = map[string]string{
	"wdavdaemon":       "Microsoft Defender for Endpoint",
	"falcond":          "CrowdStrike Falcon",
	"com.crowdstrike.": "CrowdStrike Falcon",
	"sentineld":        "SentinelOne",
	"SentinelAgent":    "SentinelOne",
	"cortex xdr":       "Cortex XDR", // its agent, as cytool lists its processes
	"SophosScanD":      "Sophos",
	"esets_daemon":     "ESET",
	"clamd":            "ClamAV",
	"iCoreService":     "Trend Micro",
	"Malwarebytes":     "Malwarebytes",
	"RTProtectionDaem": "Malwarebytes",
}
