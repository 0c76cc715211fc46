package inventory

// Parsers for what the macOS collector reads: softwareupdate -l,
// system_profiler -json, fdesetup status, socketfilterfw --getglobalstate and
// `defaults read` of the software update preferences. They are pure
// functions with no build tag, tested on every platform against samples in
// testdata/darwin.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

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

// macProfile is the part of `system_profiler -json SPHardwareDataType
// SPSoftwareDataType` the collector uses.
type macProfile struct {
	Hardware []struct {
		MachineName   string          `json:"machine_name"`  // "MacBook Pro"
		MachineModel  string          `json:"machine_model"` // "Mac14,9"
		ChipType      string          `json:"chip_type"`     // Apple silicon: "Apple M2 Pro"
		CPUType       string          `json:"cpu_type"`      // Intel: "Quad-Core Intel Core i7"
		Speed         string          `json:"current_processor_speed"`
		Processors    json.RawMessage `json:"number_processors"` // "proc 10:6:4" (Apple silicon) or 4 (Intel cores)
		Packages      int             `json:"packages"`
		Memory        string          `json:"physical_memory"` // "16 GB"
		Serial        string          `json:"serial_number"`
		UUID          string          `json:"platform_UUID"`
		BootROM       string          `json:"boot_rom_version"`
		ModelNumber   string          `json:"model_number"`
		HyperThreaded string          `json:"platform_cpu_htt"`
	} `json:"SPHardwareDataType"`
	Software []struct {
		OSVersion string `json:"os_version"`     // "macOS 14.4.1 (23E224)"
		Kernel    string `json:"kernel_version"` // "Darwin 23.4.0"
		LocalHost string `json:"local_host_name"`
		BootMode  string `json:"boot_mode"`
	} `json:"SPSoftwareDataType"`
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

// parseMacProfile reads `system_profiler -json SPHardwareDataType SPSoftwareDataType`.
func parseMacProfile(b []byte) (macHardware, error) {
	var p macProfile
	var h macHardware
	if err := json.Unmarshal(b, &p); err != nil {
		return h, fmt.Errorf("reading system_profiler's JSON: %w", err)
	}
	if len(p.Hardware) > 0 {
		x := p.Hardware[0]
		h.Name, h.Model, h.Serial, h.UUID, h.BootROM = x.MachineName, x.MachineModel, x.Serial, x.UUID, x.BootROM
		h.CPUModel = orDefault(x.ChipType, x.CPUType)
		h.Sockets = x.Packages
		var n int
		var s string
		switch {
		case json.Unmarshal(x.Processors, &n) == nil:
			h.Cores = n
		case json.Unmarshal(x.Processors, &s) == nil:
			// "proc 10:6:4": total, performance, efficiency cores.
			f := strings.Fields(s)
			if len(f) == 2 {
				total, _, _ := strings.Cut(f[1], ":")
				h.Cores, _ = strconv.Atoi(total)
			}
		}
		h.MemoryBytes = macSize(x.Memory)
		h.MHz = macMHz(x.Speed)
	}
	if len(p.Software) > 0 {
		x := p.Software[0]
		h.OSFullName = x.OSVersion
		f := strings.Fields(x.OSVersion) // "macOS 14.4.1 (23E224)"; "OS X 10.11.6 (15G31)"
		for i, w := range f {
			if len(w) > 0 && w[0] >= '0' && w[0] <= '9' {
				h.OSVersion = w
				if i+1 < len(f) {
					h.Build = strings.Trim(f[i+1], "()")
				}
				break
			}
		}
		h.Kernel = strings.TrimSpace(strings.TrimPrefix(x.Kernel, "Darwin"))
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

// macApps reads `system_profiler -json -detailLevel mini SPApplicationsDataType`
// into software, sorted by name, one entry per name and version.
func macApps(b []byte) ([]msp.Software, error) {
	var p struct {
		Apps []struct {
			Name    string `json:"_name"`
			Version string `json:"version"`
			Path    string `json:"path"`
		} `json:"SPApplicationsDataType"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("reading system_profiler's application list: %w", err)
	}
	out := []msp.Software{}
	seen := map[msp.Software]bool{}
	for _, a := range p.Apps {
		s := msp.Software{Name: strings.TrimSpace(a.Name), Version: strings.TrimSpace(a.Version), Source: msp.SourceApp}
		if s.Name == "" || seen[s] {
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
	"SophosScanD":      "Sophos",
	"esets_daemon":     "ESET",
	"clamd":            "ClamAV",
	"iCoreService":     "Trend Micro",
	"Malwarebytes":     "Malwarebytes",
	"RTProtectionDaem": "Malwarebytes",
}
