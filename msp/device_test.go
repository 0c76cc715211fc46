package msp

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func sampleInventory() Inventory {
	return Inventory{
		Hostname: "ACME-LT-014",
		OS:       OSInfo{Name: "Ubuntu", Version: "24.04.1 LTS", ID: "ubuntu", Kernel: "6.8.0-49-generic"},
		BootTime: t0.Add(-48 * time.Hour),
		Hardware: Hardware{Vendor: "LENOVO", Model: "ThinkPad T14 Gen 3 (21AHS0BX00)", Serial: "PF4ABCDE",
			BIOS: BIOS{Vendor: "LENOVO", Version: "R23ET65W (1.35 )", Date: "2024-06-12"}},
		CPU: CPU{Model: "Intel(R) Core(TM) i5-1235U", Cores: 12},
		Memory: Memory{TotalBytes: 16 << 30, Slots: 2, Modules: []MemoryModule{
			{Slot: "ChannelA-DIMM0", Bank: "BANK 0", SizeBytes: 16 << 30, Type: "DDR4", SpeedMTs: 3200, FormFactor: "SODIMM",
				Manufacturer: "Samsung", PartNumber: "M471A2K43EB1-CWE", Serial: "12345678"},
		}},
		Disks: []Disk{{Mount: "/", FS: "ext4", TotalBytes: 512 << 30, FreeBytes: 200 << 30, Encrypted: true}},
		Network: []NetInterface{
			{Name: "wlp0s20f3", MAC: "3c:a9:f4:12:34:56", Addresses: []string{"192.168.1.20/24", "fe80::1c2b:3dff:fe4e:5f60/64"}, Up: true},
			{Name: "lo", Addresses: []string{"127.0.0.1"}, Up: true},
		},
		Software: []Software{{Name: "firefox", Version: "133.0", Source: SourceSnap}},
		Patches: PatchState{
			Pending: []Patch{
				{Name: "openssl", InstalledVersion: "3.0.13-0ubuntu3.3", CandidateVersion: "3.0.13-0ubuntu3.4", Security: true},
				{Name: "vim", InstalledVersion: "2:9.1.0016-1ubuntu7.4", CandidateVersion: "2:9.1.0016-1ubuntu7.5"},
			},
			RebootRequired: true,
			LastChecked:    t0.Add(-time.Hour),
		},
		Posture: Posture{
			Firewall:         Check{State: CheckOK, Evidence: "ufw: Status: active"},
			DiskEncryption:   Check{State: CheckOK, Evidence: "/ on dm-crypt (LUKS2)"},
			AutomaticUpdates: Check{State: CheckFailing, Evidence: "APT::Periodic::Unattended-Upgrade \"0\""},
			Antivirus:        Check{State: CheckUnknown, Evidence: "no known antivirus found"},
		},
		CollectedAt: t0,
	}
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not an object", v)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestInventoryJSONNames(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(sampleInventory())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	first := func(v any) any { return v.([]any)[0] }
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{"top", doc, "boot_time collected_at cpu disks hardware hostname memory network os patches posture software"},
		{"os", doc["os"], "id kernel name version"},
		{"hardware", doc["hardware"], "bios model serial vendor"},
		{"bios", doc["hardware"].(map[string]any)["bios"], "date vendor version"},
		{"cpu", doc["cpu"], "cores model"},
		{"memory", doc["memory"], "modules slots total_bytes"},
		{"module", first(doc["memory"].(map[string]any)["modules"]), "bank form_factor manufacturer part_number serial size_bytes slot speed_mts type"},
		{"disk", first(doc["disks"]), "encrypted free_bytes fs mount total_bytes"},
		{"network", first(doc["network"]), "addresses mac name up"},
		{"software", first(doc["software"]), "name source version"},
		{"patches", doc["patches"], "last_checked pending reboot_required"},
		{"patch", first(doc["patches"].(map[string]any)["pending"]), "candidate_version installed_version name security"},
		{"posture", doc["posture"], "antivirus automatic_updates disk_encryption firewall"},
		{"check", doc["posture"].(map[string]any)["firewall"], "evidence state"},
	}
	for _, tt := range tests {
		if got := strings.Join(keysOf(t, tt.obj), " "); got != tt.want {
			t.Errorf("%s keys = %q, want %q", tt.name, got, tt.want)
		}
	}
	var back Inventory
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sampleInventory()) {
		t.Errorf("round trip changed the inventory:\n%+v\n%+v", back, sampleInventory())
	}
}

func TestInventoryValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Inventory)
		field string
	}{
		{"sample", func(*Inventory) {}, ""},
		{"unknown boot time", func(i *Inventory) { i.BootTime = time.Time{} }, ""},
		{"no hostname", func(i *Inventory) { i.Hostname = "" }, "hostname"},
		{"hostname with newline", func(i *Inventory) { i.Hostname = "a\nb" }, "hostname"},
		{"not collected", func(i *Inventory) { i.CollectedAt = time.Time{} }, "collected_at"},
		{"negative cores", func(i *Inventory) { i.CPU.Cores = -1 }, "cpu.cores"},
		{"free over total", func(i *Inventory) { i.Disks[0].FreeBytes = i.Disks[0].TotalBytes + 1 }, "disks[0].free_bytes"},
		{"disk without mount", func(i *Inventory) { i.Disks[0].Mount = "" }, "disks[0].mount"},
		{"bad mac", func(i *Inventory) { i.Network[0].MAC = "zz:zz" }, "network[0].mac"},
		{"bad address", func(i *Inventory) { i.Network[1].Addresses = []string{"localhost"} }, "network[1].addresses[0]"},
		{"interface without name", func(i *Inventory) { i.Network[1].Name = "" }, "network[1].name"},
		{"software without name", func(i *Inventory) { i.Software[0].Name = " " }, "software[0].name"},
		{"patch without name", func(i *Inventory) { i.Patches.Pending[1].Name = "" }, "patches.pending[1].name"},
		{"bad check state", func(i *Inventory) { i.Posture.Antivirus.State = "meh" }, "posture.antivirus.state"},
		{"empty check state", func(i *Inventory) { i.Posture.Firewall.State = "" }, "posture.firewall.state"},
		{"too much software", func(i *Inventory) { i.Software = make([]Software, MaxSoftware+1) }, "software"},
		{"no software source", func(i *Inventory) { i.Software[0].Source = "" }, ""},
		{"unknown software source", func(i *Inventory) { i.Software[0].Source = "nix" }, ""},
		{"capitalised software source", func(i *Inventory) { i.Software[0].Source = "Flatpak" }, "software[0].source"},
		{"long software source", func(i *Inventory) { i.Software[0].Source = strings.Repeat("a", MaxSourceBytes+1) }, "software[0].source"},
		{"no hardware", func(i *Inventory) { i.Hardware = Hardware{} }, ""},
		{"serial with newline", func(i *Inventory) { i.Hardware.Serial = "PF4\nABCDE" }, "hardware.serial"},
		{"long model", func(i *Inventory) { i.Hardware.Model = strings.Repeat("m", MaxHardwareRunes+1) }, "hardware.model"},
		{"BIOS date as dmidecode prints it", func(i *Inventory) { i.Hardware.BIOS.Date = "06/12/2024" }, "hardware.bios.date"},
		{"BIOS date that does not exist", func(i *Inventory) { i.Hardware.BIOS.Date = "2024-02-30" }, "hardware.bios.date"},
		{"no modules", func(i *Inventory) { i.Memory.Modules, i.Memory.Slots = nil, 0 }, ""},
		{"slots unknown", func(i *Inventory) { i.Memory.Slots = 0 }, ""},
		{"negative slots", func(i *Inventory) { i.Memory.Slots = -1 }, "memory.slots"},
		{"more modules than slots", func(i *Inventory) {
			i.Memory.Modules = append(i.Memory.Modules, i.Memory.Modules[0], i.Memory.Modules[0])
		}, "memory.modules"},
		{"too many modules", func(i *Inventory) { i.Memory.Slots, i.Memory.Modules = 0, make([]MemoryModule, MaxMemoryModules+1) }, "memory.modules"},
		{"negative speed", func(i *Inventory) { i.Memory.Modules[0].SpeedMTs = -1 }, "memory.modules[0].speed_mts"},
		{"slot with tab", func(i *Inventory) { i.Memory.Modules[0].Slot = "DIMM\t0" }, "memory.modules[0].slot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := sampleInventory()
			tt.edit(&inv)
			err := inv.Validate()
			if tt.field == "" {
				wantErrIs(t, err, nil)
				return
			}
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, tt.field)
		})
	}
}

func TestInventoryHelpers(t *testing.T) {
	t.Parallel()
	inv := sampleInventory()
	if n := inv.Patches.SecurityPending(); n != 1 {
		t.Errorf("SecurityPending = %d, want 1", n)
	}
	if got := inv.Posture.Failing(); !slices.Equal(got, []string{"Automatic updates"}) {
		t.Errorf("Failing = %v", got)
	}
	if got := inv.OS.Summary(); got != "Ubuntu 24.04.1 LTS" {
		t.Errorf("Summary = %q", got)
	}
}

func TestDeviceValidate(t *testing.T) {
	t.Parallel()
	good := Device{ID: NewID(), Tenant: tenantAcme, Hostname: "ACME-LT-014", OS: "Windows 11 Pro 23H2", EnrolledAt: t0, LastSeen: t0.Add(time.Hour)}
	tests := []struct {
		name  string
		edit  func(*Device)
		field string
	}{
		{"good", func(*Device) {}, ""},
		{"never seen", func(d *Device) { d.LastSeen = time.Time{} }, ""},
		{"no id", func(d *Device) { d.ID = "" }, "id"},
		{"no tenant", func(d *Device) { d.Tenant = "" }, "tenant"},
		{"no hostname", func(d *Device) { d.Hostname = "" }, "hostname"},
		{"long hostname", func(d *Device) { d.Hostname = strings.Repeat("a", 254) }, "hostname"},
		{"not enrolled", func(d *Device) { d.EnrolledAt = time.Time{}; d.LastSeen = time.Time{} }, "enrolled_at"},
		{"seen before enrolled", func(d *Device) { d.LastSeen = t0.Add(-time.Hour) }, "last_seen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := good
			tt.edit(&d)
			err := d.Validate()
			if tt.field == "" {
				wantErrIs(t, err, nil)
				return
			}
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, tt.field)
		})
	}
}
