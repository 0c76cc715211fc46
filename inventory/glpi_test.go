package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"tandem/msp"
)

// glpiSchema compiles testdata/glpi/inventory.schema.json (MIT, from
// glpi-project/inventory_format) with format assertions on.
func glpiSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile("testdata/glpi/inventory.schema.json")
	if err != nil {
		t.Fatalf("compiling the GLPI schema: %v", err)
	}
	return s
}

func validateGLPI(t *testing.T, s *jsonschema.Schema, b []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("GLPI output is not JSON: %v\n%s", err, b)
	}
	return s.Validate(inst)
}

// fullReport is a report with every field filled, as a Windows machine
// would give it.
func fullReport() Report {
	at := time.Date(2024, 11, 20, 8, 15, 2, 0, time.UTC)
	yes := true
	return Report{
		Inventory: msp.Inventory{
			Hostname: "ACME-LT-042",
			OS:       msp.OSInfo{Name: "Windows 11 Pro", Version: "23H2 (22631.4460)", ID: "windows", Kernel: "10.0.22631"},
			BootTime: at.Add(-49 * time.Hour),
			Hardware: msp.Hardware{Vendor: "LENOVO", Model: "21HES0BX00", Serial: "PF4ABCDE",
				BIOS: msp.BIOS{Vendor: "LENOVO", Version: "R2EET41W (1.22 )", Date: "2024-06-12"}},
			CPU: msp.CPU{Model: "13th Gen Intel(R) Core(TM) i7-1365U", Cores: 12},
			Memory: msp.Memory{TotalBytes: 16_856_424_448, Slots: 2, Modules: []msp.MemoryModule{
				{Slot: "ChannelA-DIMM0", Bank: "BANK 0", SizeBytes: 16 << 30, Type: "DDR5", SpeedMTs: 5200, FormFactor: "SODIMM",
					Manufacturer: "Samsung", PartNumber: "M425R2GA3BB0-CQKOL", Serial: "A1B2C3D4"},
			}},
			Disks: []msp.Disk{
				{Mount: `C:\`, FS: "NTFS", TotalBytes: 510_770_802_688, FreeBytes: 312_444_121_088, Encrypted: true},
				{Mount: "/home", FS: "ext4", TotalBytes: 1 << 40, FreeBytes: 1 << 39},
			},
			Network: []msp.NetInterface{
				{Name: "Ethernet", MAC: "3c:52:82:4a:10:be", Addresses: []string{"192.168.10.42/24", "fe80::1c2b:7a1f:9e3d:5a10/64", "2001:db8:10::42/64"}, Up: true},
				{Name: "Wi-Fi", MAC: "a4:c3:f0:85:11:02", Addresses: []string{}, Up: false},
				{Name: "Loopback Pseudo-Interface 1", Addresses: []string{"127.0.0.1/8", "::1"}, Up: true},
			},
			Software: []msp.Software{
				{Name: "Google Chrome", Version: "131.0.6778.86", Publisher: "Google LLC", InstallDate: "2024-11-13"},
				{Name: "Microsoft 365 Apps for business - en-us", Version: "16.0.18129.20158"},
				{Name: "7-Zip 24.08 (x64)", Version: "24.08"},
			},
			Patches: msp.PatchState{
				Pending: []msp.Patch{
					{Name: "2024-11 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5046633)", CandidateVersion: "KB5046633", Security: true},
					{Name: "Windows Malicious Software Removal Tool x64 - v5.129 (KB890830)", CandidateVersion: "KB890830"},
				},
				RebootRequired: true,
				LastChecked:    at.Add(-time.Hour),
			},
			Posture: msp.Posture{
				Firewall:         msp.Check{State: msp.CheckOK, Evidence: "Windows Firewall: Domain on, Private on, Public on"},
				DiskEncryption:   msp.Check{State: msp.CheckOK, Evidence: "BitLocker: C: protection on, FullyEncrypted, XtsAes128"},
				AutomaticUpdates: msp.Check{State: msp.CheckOK, Evidence: "no Windows Update policy: Windows installs updates automatically"},
				Antivirus:        msp.Check{State: msp.CheckFailing, Evidence: "Microsoft Defender: real-time protection off"},
				AntivirusProducts: []msp.AntivirusProduct{{Name: "Microsoft Defender Antivirus", Company: "Microsoft Corporation",
					Enabled: false, UpToDate: &yes, SignatureVersion: "1.421.1234.0", SignatureDate: "2024-11-19"}},
			},
			CollectedAt: at,
		},
		Machine: Machine{
			Arch: "x86_64", OSFullName: "Microsoft Windows 11 Pro",
			UUID: "4C4C4544-0042-3510-8052-B7C04F4E3432", CPUVendor: "GenuineIntel",
			CPUSockets: 1, CPUCores: 10, CPUMHz: 1800, SwapBytes: 2 << 30, PackageFormat: "registry",
			InstallDate: time.Date(2023, 9, 1, 10, 0, 0, 0, time.UTC),
		},
		Warnings: []string{"BitLocker status needs administrator rights"},
	}
}

func TestGLPIFullReportValidates(t *testing.T) {
	s := glpiSchema(t)
	b, err := GLPI(fullReport(), "acme-lt-042-2024-11-20-08-15-02")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGLPI(t, s, b); err != nil {
		t.Fatalf("GLPI export of a full report does not validate: %v\n%s", err, b)
	}
	var doc struct {
		ItemType string `json:"itemtype"`
		Content  struct {
			VersionClient string `json:"versionclient"`
			Hardware      struct {
				Memory uint64 `json:"memory"`
			} `json:"hardware"`
			OperatingSystem struct {
				BootTime string `json:"boot_time"`
			} `json:"operatingsystem"`
			BIOS struct {
				BDate string `json:"bdate"`
			} `json:"bios"`
			CPUs     []glpiCPU     `json:"cpus"`
			Memories []glpiMemory  `json:"memories"`
			Drives   []glpiDrive   `json:"drives"`
			Nets     []glpiNetwork `json:"networks"`
			Soft     []glpiSoftware
			Patch    glpiPatches `json:"tandem_patches"`
		} `json:"content"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Content
	if doc.ItemType != "Computer" || !strings.HasPrefix(c.VersionClient, "Tandem-Agent-") {
		t.Errorf("itemtype %q, versionclient %q", doc.ItemType, c.VersionClient)
	}
	if c.Hardware.Memory != 16_856_424_448>>20 {
		t.Errorf("memory = %d MB, want %d", c.Hardware.Memory, 16_856_424_448>>20)
	}
	if _, err := time.ParseInLocation(time.DateTime, c.OperatingSystem.BootTime, time.Local); err != nil {
		t.Errorf("boot_time %q is not YYYY-MM-DD hh:mm:ss: %v", c.OperatingSystem.BootTime, err)
	}
	if c.BIOS.BDate != "2024-06-12" {
		t.Errorf("bdate = %q", c.BIOS.BDate)
	}
	if want := (glpiMemory{Capacity: 16384, Caption: "ChannelA-DIMM0", Description: "SODIMM", Type: "DDR5", Speed: "5200",
		Manufacturer: "Samsung", Model: "M425R2GA3BB0-CQKOL", SerialNumber: "A1B2C3D4"}); len(c.Memories) != 1 || c.Memories[0] != want {
		t.Errorf("memories = %+v, want %+v", c.Memories, want)
	}
	if len(c.CPUs) != 1 || c.CPUs[0].Core != 10 || c.CPUs[0].Thread != 1 || c.CPUs[0].Manufacturer != "Intel" {
		t.Errorf("cpus = %+v", c.CPUs)
	}
	if len(c.Drives) != 2 || c.Drives[0].Letter != "C:" || c.Drives[0].EncryptStatus != "Yes" || c.Drives[1].Type != "/home" || c.Drives[1].Total != 1<<20 {
		t.Errorf("drives = %+v", c.Drives)
	}
	// Ethernet: 3 addresses; Wi-Fi: none, so one entry; loopback: 2.
	if len(c.Nets) != 6 {
		t.Fatalf("networks = %d entries, want 6: %+v", len(c.Nets), c.Nets)
	}
	if n := c.Nets[0]; n.IPAddress != "192.168.10.42" || n.IPMask != "255.255.255.0" || n.IPSubnet != "192.168.10.0" || n.Status != "up" {
		t.Errorf("first network = %+v", n)
	}
	if n := c.Nets[2]; n.IPAddress6 != "2001:db8:10::42" || n.IPMask6 != "ffff:ffff:ffff:ffff::" || n.IPSubnet6 != "2001:db8:10::" {
		t.Errorf("third network = %+v", n)
	}
	if n := c.Nets[3]; n.Status != "down" || n.IPAddress != "" {
		t.Errorf("Wi-Fi = %+v", n)
	}
	if c.Patch.SecurityCount != 1 || !c.Patch.RebootRequired || len(c.Patch.Pending) != 2 {
		t.Errorf("tandem_patches = %+v", c.Patch)
	}
}

func TestGLPIThisMachineValidates(t *testing.T) {
	if testing.Short() {
		t.Skip("collects from this machine")
	}
	r, err := Collect(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := GLPI(r, "this-machine")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGLPI(t, glpiSchema(t), b); err != nil {
		t.Fatalf("GLPI export of this machine does not validate: %v", err)
	}
	var doc struct {
		DeviceID string `json:"deviceid"`
		Content  struct {
			Hardware struct {
				Name   string `json:"name"`
				Memory uint64 `json:"memory"`
			} `json:"hardware"`
			Softwares []glpiSoftware `json:"softwares"`
			Drives    []glpiDrive    `json:"drives"`
			Patches   glpiPatches    `json:"tandem_patches"`
		} `json:"content"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Content
	if doc.DeviceID != "this-machine" || c.Hardware.Name != r.Hostname || c.Hardware.Memory != r.Memory.TotalBytes>>20 {
		t.Errorf("deviceid %q, hardware %+v; want this-machine, %q, %d MB", doc.DeviceID, c.Hardware, r.Hostname, r.Memory.TotalBytes>>20)
	}
	if len(c.Softwares) != len(r.Software) || len(c.Drives) != len(r.Disks) || len(c.Patches.Pending) != len(r.Patches.Pending) {
		t.Errorf("GLPI lists %d programs, %d drives, %d updates; the report %d, %d, %d",
			len(c.Softwares), len(c.Drives), len(c.Patches.Pending), len(r.Software), len(r.Disks), len(r.Patches.Pending))
	}
}

// TestGLPISchemaRejects proves the validation can fail: each mutation of a
// valid export breaks one rule of the schema.
func TestGLPISchemaRejects(t *testing.T) {
	s := glpiSchema(t)
	good, err := GLPI(fullReport(), "dev-1")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(doc map[string]any){
		"uppercase status": func(d map[string]any) {
			d["content"].(map[string]any)["networks"].([]any)[0].(map[string]any)["status"] = "Up"
		},
		"RFC 3339 boot time": func(d map[string]any) {
			d["content"].(map[string]any)["operatingsystem"].(map[string]any)["boot_time"] = "2024-11-18T07:15:02Z07:00"
		},
		"unknown top-level key": func(d map[string]any) { d["tandem"] = true },
		"bad itemtype":          func(d map[string]any) { d["itemtype"] = "Laptop" },
		"no deviceid":           func(d map[string]any) { delete(d, "deviceid") },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(good, &doc); err != nil {
				t.Fatal(err)
			}
			mutate(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if validateGLPI(t, s, b) == nil {
				t.Errorf("the schema accepted a document with %s", name)
			}
		})
	}
}

func TestGLPIEmptyDeviceID(t *testing.T) {
	if _, err := GLPI(fullReport(), " "); err == nil {
		t.Error("GLPI accepted an empty device id")
	}
}

// TestGLPIFromCaptures exports, for every dmidecode capture, a report
// with that machine's hardware and memory and the software of the pacman,
// snap and flatpak captures: each must validate against the schema, carry
// the BIOS and one memories entry per module, and name each program's
// source in from.
func TestGLPIFromCaptures(t *testing.T) {
	s := glpiSchema(t)
	var software []msp.Software
	software = append(software, parsePacmanQi(readFile(t, packagingDir+"/pacman"))...)
	software = append(software, parseSnapList(readFile(t, packagingDir+"/snap"))...)
	software = append(software, parseFlatpakList(readFile(t, packagingDir+"/flatpak"), []string{"application", "branch", "installation", "name"})...)
	for name, b := range dmiCaptures(t) {
		info := dmiInventory(parseDMIDecode(b))
		r := fullReport()
		r.Hardware, r.Machine.UUID = info.Hardware, info.UUID
		r.Memory.Slots, r.Memory.Modules = info.Slots, info.Modules
		r.Software, r.Machine.PackageFormat = software, msp.SourcePacman
		out, err := GLPI(r, "dev-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := validateGLPI(t, s, out); err != nil {
			t.Errorf("%s: GLPI export does not validate: %v", name, err)
			continue
		}
		var doc struct {
			Content struct {
				BIOS      *glpiBIOS      `json:"bios"`
				Memories  []glpiMemory   `json:"memories"`
				Softwares []glpiSoftware `json:"softwares"`
			} `json:"content"`
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		c := doc.Content
		h := info.Hardware
		if want := (glpiBIOS{h.Vendor, h.Model, h.Serial, h.BIOS.Vendor, h.BIOS.Version, h.BIOS.Date}); (c.BIOS == nil) != (want == glpiBIOS{}) || c.BIOS != nil && *c.BIOS != want {
			t.Errorf("%s: bios = %+v, want %+v", name, c.BIOS, want)
		}
		if len(c.Memories) != len(info.Modules) {
			t.Errorf("%s: %d memories for %d modules", name, len(c.Memories), len(info.Modules))
		}
		for i, m := range c.Memories {
			if m.Capacity != info.Modules[i].SizeBytes>>20 || m.Caption != info.Modules[i].Slot {
				t.Errorf("%s: memories[%d] = %+v for %+v", name, i, m, info.Modules[i])
			}
		}
		from := map[string]int{}
		for _, sw := range c.Softwares {
			from[sw.From]++
		}
		if from["pacman"] != 11 || from["snap"] != 5 || from["flatpak"] != 12 || len(from) != 3 {
			t.Errorf("%s: softwares by from = %v", name, from)
		}
	}
}

// The tag routes the computer to the customer's entity in GLPI; the
// antivirus and the software's publishers and install dates go to the
// sections GLPI has for them, and the whole validates.
func TestGLPITagAntivirusAndPublishers(t *testing.T) {
	b, err := GLPITagged(fullReport(), "acme-lt-042", TenantTag("Demo Accounting (Pty) Ltd"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGLPI(t, glpiSchema(t), b); err != nil {
		t.Fatalf("does not validate: %v\n%s", err, b)
	}
	var doc struct {
		Tag     string `json:"tag"`
		Content struct {
			Antivirus []glpiAV       `json:"antivirus"`
			Softwares []glpiSoftware `json:"softwares"`
		} `json:"content"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tag != "demo-accounting-pty-ltd" {
		t.Errorf("tag = %q, want demo-accounting-pty-ltd", doc.Tag)
	}
	if av := doc.Content.Antivirus; len(av) != 1 || av[0].Name != "Microsoft Defender Antivirus" || av[0].Company != "Microsoft Corporation" ||
		av[0].Enabled || av[0].UpToDate == nil || !*av[0].UpToDate || av[0].BaseVersion != "1.421.1234.0" || av[0].BaseCreation != "2024-11-19" {
		t.Errorf("antivirus = %+v", av)
	}
	if sw := doc.Content.Softwares[0]; sw.Publisher != "Google LLC" || sw.InstallDate != "2024-11-13" {
		t.Errorf("softwares[0] = %+v, want Google LLC installed 2024-11-13", sw)
	}
	if untagged, err := GLPI(fullReport(), "acme-lt-042"); err != nil || strings.Contains(string(untagged), `"tag"`) {
		t.Errorf("without a tag the export still has one (%v):\n%s", err, untagged)
	}
	// The schema checks the antivirus section: a date that is not one fails.
	bad := strings.Replace(string(b), `"base_creation": "2024-11-19"`, `"base_creation": "19/11/2024"`, 1)
	if bad == string(b) || validateGLPI(t, glpiSchema(t), []byte(bad)) == nil {
		t.Error("the schema accepted an antivirus base_creation that is not a date")
	}
}

func TestTenantTag(t *testing.T) {
	for in, want := range map[string]string{
		"Demo Accounting":            "demo-accounting",
		"  Karoo  Logistics & Sons ": "karoo-logistics-sons",
		"Ünal Bau GmbH":              "ünal-bau-gmbh",
		"---":                        "",
	} {
		if got := TenantTag(in); got != want {
			t.Errorf("TenantTag(%q) = %q, want %q", in, got, want)
		}
	}
}
