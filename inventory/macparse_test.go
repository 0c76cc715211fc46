package inventory

import (
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

func TestParseSoftwareUpdateNewFormat(t *testing.T) {
	got := parseSoftwareUpdate(readTestdata(t, "darwin/softwareupdate-l.sonoma.txt"))
	want := []macUpdate{
		{Label: "Command Line Tools for Xcode-15.3", Title: "Command Line Tools for Xcode", Version: "15.3", Recommended: true},
		{Label: "macOS Sonoma 14.4.1-23E224", Title: "macOS Sonoma 14.4.1", Version: "14.4.1", Recommended: true, Restart: true},
		{Label: "Safari17.4.1SonomaAuto-17.4.1", Title: "Safari", Version: "17.4.1", Recommended: true},
		{Label: "macOS Sequoia 15.1-24B83", Title: "macOS Sequoia 15.1", Version: "15.1", Recommended: true, Restart: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	patches := macPatches(got, "14.4")
	wantP := []msp.Patch{
		{Name: "Command Line Tools for Xcode", CandidateVersion: "15.3"},
		{Name: "macOS Sonoma 14.4.1", InstalledVersion: "14.4", CandidateVersion: "14.4.1", Security: true},
		{Name: "Safari", CandidateVersion: "17.4.1"},
		{Name: "macOS Sequoia 15.1", InstalledVersion: "14.4", CandidateVersion: "15.1", Security: true},
	}
	if !slices.Equal(patches, wantP) {
		t.Errorf("patches\n%+v\nwant\n%+v", patches, wantP)
	}
}

func TestParseSoftwareUpdateOldFormat(t *testing.T) {
	got := parseSoftwareUpdate(readTestdata(t, "darwin/softwareupdate-l.mojave.txt"))
	want := []macUpdate{
		{Label: "Security Update 2019-001 (Mojave)-10.14.3", Title: "Security Update 2019-001 (Mojave)", Version: "10.14.3", Recommended: true, Restart: true},
		{Label: "Safari12.0.3MojaveAuto-12.0.3", Title: "Safari", Version: "12.0.3", Recommended: true},
		{Label: "iTunesX-12.8.2", Title: "iTunes", Version: "12.8.2"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	p := macPatches(got, "10.14.2")
	if !p[0].Security || p[0].InstalledVersion != "" || p[1].Security {
		t.Errorf("patches = %+v", p)
	}
}

func TestParseSoftwareUpdateNone(t *testing.T) {
	if got := parseSoftwareUpdate(readTestdata(t, "darwin/softwareupdate-l.none.txt")); len(got) != 0 {
		t.Errorf("got %+v, want none", got)
	}
	if p := macPatches(nil, "15.1"); p == nil || len(p) != 0 {
		t.Errorf("macPatches(nil) = %#v, want an empty list", p)
	}
}

func TestMacPostureJudges(t *testing.T) {
	cases := []struct {
		file  string
		judge func([]byte) msp.Check
		want  msp.CheckState
	}{
		{"darwin/fdesetup.on.txt", macFileVault, msp.CheckOK},
		{"darwin/fdesetup.encrypting.txt", macFileVault, msp.CheckOK},
		{"darwin/fdesetup.off.txt", macFileVault, msp.CheckFailing},
		{"darwin/fdesetup.decrypting.txt", macFileVault, msp.CheckFailing},
		{"darwin/fdesetup.deferred.txt", macFileVault, msp.CheckFailing},
		{"darwin/socketfilterfw.on.txt", macFirewall, msp.CheckOK},
		{"darwin/socketfilterfw.blockall.txt", macFirewall, msp.CheckOK},
		{"darwin/socketfilterfw.off.txt", macFirewall, msp.CheckFailing},
	}
	for _, tc := range cases {
		b := readTestdata(t, tc.file)
		got := tc.judge(b)
		first, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		if got.State != tc.want || !strings.Contains(got.Evidence, first) {
			t.Errorf("%s: %+v, want %s with the tool's words as evidence", tc.file, got, tc.want)
		}
	}
	if got := macFirewall([]byte("socketfilterfw: unexpected")); got.State != msp.CheckUnknown {
		t.Errorf("unknown output judged %s", got.State)
	}
}

func TestMacAutoUpdate(t *testing.T) {
	prefs := parseDefaults(readTestdata(t, "darwin/defaults-softwareupdate.txt"))
	if prefs["AutomaticCheckEnabled"] != "1" || prefs["LastSuccessfulDate"] != "2024-11-19 08:12:40 +0000" {
		t.Errorf("parsed %q", prefs)
	}
	if _, ok := prefs["Identifier"]; ok {
		t.Error("a key of a nested dictionary was read as a top-level key")
	}
	if got := macAutoUpdate(prefs); got.State != msp.CheckOK || !strings.Contains(got.Evidence, "AutomaticallyInstallMacOSUpdates 0") {
		t.Errorf("on: %+v", got)
	}
	off := macAutoUpdate(parseDefaults(readTestdata(t, "darwin/defaults-softwareupdate.off.txt")))
	if off.State != msp.CheckFailing || !strings.Contains(off.Evidence, "AutomaticCheckEnabled 0") || !strings.Contains(off.Evidence, "CriticalUpdateInstall 1 (default)") {
		t.Errorf("off: %+v", off)
	}
	if got := macAutoUpdate(map[string]string{}); got.State != msp.CheckOK {
		t.Errorf("defaults only: %+v", got)
	}
}

func TestPlistVersion(t *testing.T) {
	if v := plistVersion(readTestdata(t, "darwin/xprotect-Info.plist")); v != "5280" {
		t.Errorf("version = %q, want 5280", v)
	}
	if v := plistVersion([]byte("bplist00\x00\x01")); v != "" {
		t.Errorf("binary plist gave %q", v)
	}
}

// TestGLPIMacSamples exports a report built from the macOS captures (an M1
// MacBook Air's hardware, a 14.4 Mac's applications) and samples, and
// validates it against the GLPI schema.
func TestGLPIMacSamples(t *testing.T) {
	h, err := parseMacProfile(readTestdata(t, "captures/macos/system_profiler/11.0-apple-M1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseMacProfile([]byte("system_profiler: unknown data type")); err == nil {
		t.Error("no error for output that holds no overview")
	}
	apps, err := macApps(readTestdata(t, "captures/macos/system_profiler/sample5.SPApplicationsDataType-xml"))
	if err != nil {
		t.Fatal(err)
	}
	r := Report{Inventory: msp.Inventory{
		Hostname: "Alices-MacBook-Pro",
		OS:       msp.OSInfo{Name: "macOS", Version: h.OSVersion, ID: "darwin", Kernel: h.Kernel},
		CPU:      msp.CPU{Model: h.CPUModel, Cores: h.Cores},
		Memory:   msp.Memory{TotalBytes: h.MemoryBytes},
		Hardware: msp.Hardware{Vendor: "Apple Inc.", Model: h.Name + " (" + h.Model + ")", Serial: h.Serial, BIOS: msp.BIOS{Version: h.BootROM}},
		Disks:    []msp.Disk{{Mount: "/", FS: "apfs", TotalBytes: 494384795648, FreeBytes: 201326592000, Encrypted: true}},
		Network:  []msp.NetInterface{{Name: "en0", MAC: "a4:83:e7:12:34:56", Addresses: []string{"192.168.1.23/24", "fe80::1c8b:2f3a:4d5e:6f70/64"}, Up: true}},
		Software: apps,
		Patches: msp.PatchState{
			Pending:     macPatches(parseSoftwareUpdate(readTestdata(t, "darwin/softwareupdate-l.sonoma.txt")), h.OSVersion),
			LastChecked: time.Date(2024, 11, 20, 7, 0, 0, 0, time.UTC),
		},
		Posture: msp.Posture{
			Firewall:         macFirewall(readTestdata(t, "darwin/socketfilterfw.on.txt")),
			DiskEncryption:   macFileVault(readTestdata(t, "darwin/fdesetup.on.txt")),
			AutomaticUpdates: macAutoUpdate(parseDefaults(readTestdata(t, "darwin/defaults-softwareupdate.txt"))),
			Antivirus:        check(msp.CheckOK, "no third-party antivirus running; XProtect 5280 (built in), updated 2024-11-12"),
		},
		CollectedAt: time.Date(2024, 11, 20, 8, 0, 0, 0, time.UTC),
	}, Machine: Machine{Arch: "aarch64", OSFullName: h.OSFullName,
		UUID: h.UUID, CPUVendor: "Apple", CPUSockets: 1, CPUCores: h.Cores, PackageFormat: "app"}}
	if err := r.Validate(); err != nil {
		t.Errorf("msp validation: %v", err)
	}
	b, err := GLPI(r, "alices-macbook-pro")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGLPI(t, glpiSchema(t), b); err != nil {
		t.Fatalf("GLPI export of the macOS samples does not validate: %v\n%s", err, b)
	}
}

// FuzzMacPosture feeds the macOS samples (no capture of these tools exists)
// and what the fuzzer makes of them to the softwareupdate, FileVault,
// firewall and defaults parsers: none may panic or loop.
func FuzzMacPosture(f *testing.F) {
	for _, name := range []string{"softwareupdate-l.sonoma.txt", "softwareupdate-l.mojave.txt", "fdesetup.on.txt",
		"socketfilterfw.on.txt", "defaults-softwareupdate.txt", "xprotect-Info.plist"} {
		f.Add(readTestdata(f, "darwin/"+name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = macPatches(parseSoftwareUpdate(b), "14.4")
		_ = macFileVault(b)
		_ = macFirewall(b)
		_ = macAutoUpdate(parseDefaults(b))
		_ = plistVersion(b)
	})
}
