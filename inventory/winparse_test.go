package inventory

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"tandem/msp"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseWinSystemWindows11(t *testing.T) {
	var r Report
	errs, err := parseWinSystem(readTestdata(t, "windows/system.win11.json"), &r)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 0 {
		t.Errorf("errors = %q, want none", errs)
	}
	want := msp.OSInfo{Name: "Windows 11 Pro", Version: "23H2 (22631.4460)", ID: "windows", Kernel: "10.0.22631"}
	if r.OS != want {
		t.Errorf("os = %+v, want %+v", r.OS, want)
	}
	if r.Hostname != "ACME-LT-042" || r.CPU.Model != "13th Gen Intel(R) Core(TM) i7-1365U" || r.CPU.Cores != 12 {
		t.Errorf("hostname %q, cpu %+v", r.Hostname, r.CPU)
	}
	if r.Memory.TotalBytes != 16856424448 {
		t.Errorf("memory = %d, want Win32_ComputerSystem's 16856424448", r.Memory.TotalBytes)
	}
	if !r.BootTime.Equal(time.Date(2024, 11, 18, 7, 15, 2, 500e6, time.UTC)) {
		t.Errorf("boot time = %v", r.BootTime)
	}
	wantDisks := []msp.Disk{
		{Mount: `C:\`, FS: "NTFS", TotalBytes: 510770802688, FreeBytes: 312444121088},
		{Mount: `D:\`, FS: "NTFS", TotalBytes: 1000186310656, FreeBytes: 734003200000},
	}
	if !slices.Equal(r.Disks, wantDisks) {
		t.Errorf("disks = %+v", r.Disks)
	}
	if hw := r.Hardware; hw.Vendor != "LENOVO" || hw.Serial != "PF4ABCDE" || hw.BIOS.Date != "2024-06-12" {
		t.Errorf("hardware = %+v", hw)
	}
	m := r.Machine
	if m.Arch != "x86_64" ||
		m.CPUCores != 10 || m.CPUSockets != 1 || m.CPUMHz != 1800 || m.UUID != "4C4C4544-0042-3510-8052-B7C04F4E3432" ||
		m.SwapBytes != (18558504-16461352)*1024 || m.PackageFormat != "registry" || m.OSFullName != "Microsoft Windows 11 Pro" {
		t.Errorf("machine = %+v", m)
	}
	if !m.InstallDate.Equal(time.Date(2023, 9, 1, 10, 0, 12, 0, time.UTC)) {
		t.Errorf("install date = %v", m.InstallDate)
	}
}

func TestParseWinSystemServer2019(t *testing.T) {
	var r Report
	errs, err := parseWinSystem(readTestdata(t, "windows/system.server2019.json"), &r)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "Win32_BIOS:") {
		t.Errorf("errors = %q, want the Win32_BIOS one", errs)
	}
	if r.OS.Name != "Windows Server 2019 Standard" || r.OS.Version != "1809 (17763.6532)" {
		t.Errorf("os = %+v", r.OS)
	}
	// "/Date(1568629212000)/" and the DMTF "20241110031502.500000+060".
	if !r.Machine.InstallDate.Equal(time.UnixMilli(1568629212000)) {
		t.Errorf("install date = %v", r.Machine.InstallDate)
	}
	if !r.BootTime.Equal(time.Date(2024, 11, 10, 2, 15, 2, 500e6, time.UTC)) {
		t.Errorf("boot time = %v, want 02:15:02.5 UTC", r.BootTime)
	}
	if r.CPU.Cores != 32 || r.Machine.CPUSockets != 2 || r.Machine.CPUCores != 16 {
		t.Errorf("cpu %+v, sockets %d, cores %d", r.CPU, r.Machine.CPUSockets, r.Machine.CPUCores)
	}
	if len(r.Disks) != 1 || r.Disks[0].Mount != `C:\` || r.Disks[0].TotalBytes != 479555595264 {
		t.Errorf("disks = %+v (one object where ConvertTo-Json unwrapped the list)", r.Disks)
	}
	if r.Hardware.BIOS.Vendor != "" || r.Hardware.Serial != "" {
		t.Errorf("BIOS details from a failed query: %+v", r.Hardware)
	}
}

func TestParseWinSystemRejectsGarbage(t *testing.T) {
	var r Report
	if _, err := parseWinSystem([]byte("Get-CimInstance : Access denied"), &r); err == nil {
		t.Error("no error for output that is not JSON")
	}
}

func TestParseWinUpdates(t *testing.T) {
	pending, reboot, last, errs, err := parseWinUpdates(readTestdata(t, "windows/updates.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []msp.Patch{
		{Name: "2024-11 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5046633)", CandidateVersion: "KB5046633", Security: true},
		{Name: "2024-11 Cumulative Update for .NET Framework 3.5 and 4.8.1 for Windows 11, version 23H2 for x64 (KB5045934)", CandidateVersion: "KB5045934", Security: true},
		{Name: "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.421.1614.0) - Current Channel (Broad)", CandidateVersion: "KB2267602"},
		{Name: "Windows Malicious Software Removal Tool x64 - v5.129 (KB890830)", CandidateVersion: "KB890830"},
		{Name: "Intel Corporation - Display - 31.0.101.5590"},
	}
	if !slices.Equal(pending, want) {
		t.Errorf("pending =\n%+v\nwant\n%+v", pending, want)
	}
	if !reboot {
		t.Error("the staged driver update wants a reboot; reboot = false")
	}
	if !last.Equal(time.Date(2024, 11, 20, 6, 2, 41, 0, time.UTC)) || len(errs) != 0 {
		t.Errorf("last search %v, errors %q", last, errs)
	}

	pending, reboot, _, errs, err = parseWinUpdates(readTestdata(t, "windows/updates.none.json"))
	if err != nil || len(pending) != 0 || pending == nil || reboot || len(errs) != 0 {
		t.Errorf("no updates: %v %v %v %q", err, pending, reboot, errs)
	}
	_, _, _, errs, err = parseWinUpdates(readTestdata(t, "windows/updates.error.json"))
	if err != nil || len(errs) != 1 || !strings.Contains(errs[0], "0x8024402C") {
		t.Errorf("failed search: %v %q", err, errs)
	}
}

func TestParseWinPosture(t *testing.T) {
	cases := []struct {
		file                           string
		firewall, antivirus, bitlocker msp.CheckState
		evidence                       []string // substrings of the joined evidence
		encrypted                      map[string]bool
	}{
		{
			file: "windows/posture.admin.json", firewall: msp.CheckOK, antivirus: msp.CheckOK, bitlocker: msp.CheckOK,
			evidence:  []string{"Domain on, Private on, Public on (inbound block)", "Microsoft Defender: real-time protection on, mode Normal, signatures 1.421.1614.0, 0 days old", "C: protection on, FullyEncrypted, XtsAes128, 100% encrypted"},
			encrypted: map[string]bool{"C:": true, "D:": false},
		},
		{
			file: "windows/posture.user.json", firewall: msp.CheckFailing, antivirus: msp.CheckOK, bitlocker: msp.CheckFailing,
			evidence:  []string{"Public off", "ESET Security: on, signatures up to date", "Windows Defender: off", "Microsoft Defender: Passive Mode", "C: off (shell property System.Volume.BitLockerProtection = 2"},
			encrypted: map[string]bool{"C:": false},
		},
		{
			file: "windows/posture.server-ps51.json", firewall: msp.CheckOK, antivirus: msp.CheckFailing, bitlocker: msp.CheckFailing,
			evidence:  []string{"Public on (inbound block)", "real-time protection on but signatures 1.419.233.0, 14 days old", "C: protection off, EncryptionPaused, XtsAes128, 61% encrypted"},
			encrypted: map[string]bool{"C:": true},
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			p, enc, _, err := parseWinPosture(readTestdata(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.Firewall.State != tc.firewall || p.Antivirus.State != tc.antivirus || p.DiskEncryption.State != tc.bitlocker {
				t.Errorf("firewall %s, antivirus %s, bitlocker %s; want %s, %s, %s\n%+v",
					p.Firewall.State, p.Antivirus.State, p.DiskEncryption.State, tc.firewall, tc.antivirus, tc.bitlocker, p)
			}
			all := p.Firewall.Evidence + "\n" + p.Antivirus.Evidence + "\n" + p.DiskEncryption.Evidence
			for _, e := range tc.evidence {
				if !strings.Contains(all, e) {
					t.Errorf("evidence lacks %q:\n%s", e, all)
				}
			}
			for d, want := range tc.encrypted {
				if enc[d] != want {
					t.Errorf("encrypted[%s] = %v, want %v", d, enc[d], want)
				}
			}
		})
	}
}

func TestWinAutoUpdate(t *testing.T) {
	u := func(v uint64) *uint64 { return &v }
	cases := []struct {
		no, au, start *uint64
		want          msp.CheckState
	}{
		{nil, nil, nil, msp.CheckOK},
		{nil, nil, u(3), msp.CheckOK},
		{nil, nil, u(4), msp.CheckFailing},
		{u(1), u(4), nil, msp.CheckFailing},
		{u(0), u(2), nil, msp.CheckFailing},
		{u(0), u(3), nil, msp.CheckFailing},
		{u(0), u(4), nil, msp.CheckOK},
		{nil, u(9), nil, msp.CheckUnknown},
	}
	for _, tc := range cases {
		if got := winAutoUpdate(tc.no, tc.au, tc.start); got.State != tc.want || got.Evidence == "" {
			t.Errorf("winAutoUpdate(%v, %v, %v) = %+v, want %s", tc.no, tc.au, tc.start, got, tc.want)
		}
	}
}

func TestWinSoftware(t *testing.T) {
	var entries []winUninstall
	if err := json.Unmarshal(readTestdata(t, "windows/uninstall.json"), &entries); err != nil {
		t.Fatal(err)
	}
	got := winSoftware(entries)
	want := []msp.Software{
		{Name: "7-Zip 24.08 (x64)", Version: "24.08", Source: msp.SourceRegistry, Publisher: "Igor Pavlov"},
		{Name: "Adobe Acrobat Reader (64-bit)", Version: "24.004.20272", Source: msp.SourceRegistry, Publisher: "Adobe"},
		// Listed twice (64- and 32-bit views), once with its install date.
		{Name: "Google Chrome", Version: "131.0.6778.86", Source: msp.SourceRegistry, Publisher: "Google LLC", InstallDate: "2024-11-13"},
		{Name: "Microsoft 365 Apps for business - en-us", Version: "16.0.18129.20158", Source: msp.SourceRegistry, Publisher: "Microsoft Corporation"},
		{Name: "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810", Version: "14.40.33810.0", Source: msp.SourceRegistry, Publisher: "Microsoft Corporation"},
		{Name: "Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.40.33810", Version: "14.40.33810.0", Source: msp.SourceRegistry, Publisher: "Microsoft Corporation"},
		{Name: "Zoom Workplace (64-bit)", Version: "6.2.10 (51201)", Source: msp.SourceRegistry, Publisher: "Zoom Video Communications, Inc."},
	}
	if !slices.Equal(got, want) {
		t.Errorf("software =\n%+v\nwant\n%+v", got, want)
	}
}

func TestPSTime(t *testing.T) {
	want := time.Date(2024, 11, 18, 7, 15, 2, 0, time.UTC)
	for _, s := range []string{
		`"2024-11-18T07:15:02Z"`, `"2024-11-18T08:15:02.0000000+01:00"`, `"\/Date(1731914102000)\/"`,
		`"20241118081502.000000+060"`, `{"value":"\/Date(1731914102000)\/","DisplayHint":2,"DateTime":"Monday, November 18, 2024 8:15:02 AM"}`,
	} {
		var p psTime
		if err := json.Unmarshal([]byte(s), &p); err != nil || !p.Equal(want) {
			t.Errorf("%s: %v, %v; want %v", s, p.Time, err, want)
		}
	}
	var p psTime
	if err := json.Unmarshal([]byte(`"last Tuesday"`), &p); err == nil {
		t.Error("no error for a date in no known format")
	}
	if err := json.Unmarshal([]byte(`null`), &p); err != nil || !p.IsZero() {
		t.Errorf("null: %v %v", p.Time, err)
	}
}

func TestPSEncode(t *testing.T) {
	b, err := base64.StdEncoding.DecodeString(psEncode("Get-Date | ConvertTo-Json # é"))
	if err != nil {
		t.Fatal(err)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	if got := string(utf16.Decode(u)); got != "Get-Date | ConvertTo-Json # é" {
		t.Errorf("decoded %q", got)
	}
}

// TestGLPIWindowsSamples exports a report built from the Windows samples
// and validates it against the GLPI schema.
func TestGLPIWindowsSamples(t *testing.T) {
	var r Report
	if _, err := parseWinSystem(readTestdata(t, "windows/system.win11.json"), &r); err != nil {
		t.Fatal(err)
	}
	var entries []winUninstall
	if err := json.Unmarshal(readTestdata(t, "windows/uninstall.json"), &entries); err != nil {
		t.Fatal(err)
	}
	r.Software = winSoftware(entries)
	var err error
	r.Patches.Pending, r.Patches.RebootRequired, _, _, err = parseWinUpdates(readTestdata(t, "windows/updates.json"))
	if err != nil {
		t.Fatal(err)
	}
	var enc map[string]bool
	r.Posture, enc, _, err = parseWinPosture(readTestdata(t, "windows/posture.admin.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.Posture.AutomaticUpdates = winAutoUpdate(nil, nil, nil)
	for i, d := range r.Disks {
		r.Disks[i].Encrypted = enc[strings.TrimSuffix(d.Mount, `\`)]
	}
	r.CollectedAt = time.Date(2024, 11, 20, 8, 0, 0, 0, time.UTC)
	if err := r.Validate(); err != nil {
		t.Errorf("msp validation: %v", err)
	}
	b, err := GLPI(r, "acme-lt-042")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGLPI(t, glpiSchema(t), b); err != nil {
		t.Fatalf("GLPI export of the Windows samples does not validate: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), `"antivirus": [`) || !strings.Contains(string(b), `"publisher": "`) {
		t.Errorf("the Windows samples' antivirus or software publishers are not in the export:\n%s", b)
	}
	if !strings.Contains(string(b), `"letter": "C:"`) || !strings.Contains(string(b), `"encrypt_status": "Yes"`) {
		t.Errorf("drive C: is not listed as an encrypted letter drive:\n%s", b)
	}
}
