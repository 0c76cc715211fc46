package localapi

import (
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

func TestHealthWindowsWords(t *testing.T) {
	t.Parallel()
	inv := msp.Inventory{
		Hostname: "PC-0042", OS: msp.OSInfo{Name: "Windows 11 Pro", Version: "23H2"},
		Disks: []msp.Disk{
			{Mount: `C:\`, FS: "NTFS", TotalBytes: 100 << 30, FreeBytes: 2 << 30},   // 98% full: critical
			{Mount: `D:\`, FS: "NTFS", TotalBytes: 500 << 30, FreeBytes: 400 << 30}, // fine
			{Mount: `E:\`, FS: "FAT32", TotalBytes: 100 << 20, FreeBytes: 0},        // a tiny stick: ignored
		},
		Patches: msp.PatchState{Pending: []msp.Patch{{Name: "KB5032190"}}},
		Posture: msp.Posture{
			Antivirus:        msp.Check{State: msp.CheckFailing, Evidence: "Microsoft Defender: signatures out of date (9 days)"},
			DiskEncryption:   msp.Check{State: msp.CheckFailing, Evidence: "BitLocker: C: protection off"},
			AutomaticUpdates: msp.Check{State: msp.CheckFailing, Evidence: "NoAutoUpdate=1"},
			Firewall:         msp.Check{State: msp.CheckUnknown},
		},
		CollectedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
	}
	d := deviceView(inv, `ACME\thandi`)
	var got []string
	for _, h := range d.Health {
		got = append(got, h.Severity+" "+h.Code+" "+h.Text)
	}
	want := []string{
		"critical protection-outdated Virus protection is out of date",
		"critical disk-nearly-full Disk C: is 98% full",
		"warning updates-pending 1 update is waiting",
		"warning encryption-off The disk is not encrypted",
		"warning updates-off Automatic updates are off",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("health:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d.Details[0] != (Detail{"Computer", "PC-0042"}) || d.Details[1] != (Detail{"System", "Windows 11 Pro 23H2"}) || d.Details[2] != (Detail{"User", `ACME\thandi`}) {
		t.Fatalf("details: %+v", d.Details)
	}
	for _, x := range d.Details {
		if x.Label == "Free disk" && x.Value != "2.0 GB of 100 GB" {
			t.Fatalf("free disk %q", x.Value)
		}
	}
}

// The machine's model and serial number, from the firmware, name it on
// the device page and in a new ticket's details.
func TestDeviceModelAndSerial(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		hw          msp.Hardware
		model, want string
	}{
		{msp.Hardware{Vendor: "Dell Inc.", Model: "Latitude D610", Serial: "D8XD62J"}, "Dell Inc. Latitude D610", "D8XD62J"},
		{msp.Hardware{Vendor: "HP", Model: "HP Pavilion dv6 Notebook PC"}, "HP Pavilion dv6 Notebook PC", ""},
		{msp.Hardware{Vendor: "Intel"}, "", ""},
		{msp.Hardware{}, "", ""},
	} {
		d := deviceView(msp.Inventory{Hostname: "pc", Hardware: c.hw}, "thandi")
		if d.Model != c.model || d.Serial != c.want {
			t.Errorf("%+v: model %q, serial %q; want %q, %q", c.hw, d.Model, d.Serial, c.model, c.want)
		}
		details := map[string]string{}
		for _, x := range d.Details {
			details[x.Label] = x.Value
		}
		if details["Model"] != c.model || details["Serial number"] != c.want {
			t.Errorf("%+v: details %v", c.hw, details)
		}
	}
}

func TestHealthBeforeCollection(t *testing.T) {
	t.Parallel()
	d := deviceView(msp.Inventory{Hostname: "reception-pc"}, "thandi")
	if d.Health == nil || len(d.Health) != 0 || !d.CollectedAt.IsZero() || d.Details[0].Value != "reception-pc" {
		t.Fatalf("device before collection: %+v", d)
	}
}

// An update search that failed (wine's PowerShell, a blocked script, a dead
// Windows Update service) leaves nothing pending and no time checked: the
// person is told the updates were not checked, never that they are up to
// date.
func TestUpdatesNotCheckedAreNotUpToDate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		patches msp.PatchState
		want    string
	}{
		{msp.PatchState{Pending: []msp.Patch{}}, "not checked"},
		{msp.PatchState{Pending: []msp.Patch{}, LastChecked: at}, "up to date"},
		{msp.PatchState{Pending: []msp.Patch{{Name: "KB5032190"}}, LastChecked: at}, "1 waiting (0 for security)"},
	} {
		d := deviceView(msp.Inventory{Hostname: "PC-0042", Patches: c.patches, CollectedAt: at}, "thandi")
		var got string
		for _, x := range d.Details {
			if x.Label == "Updates" {
				got = x.Value
			}
		}
		if got != c.want {
			t.Errorf("patches %+v: Updates %q, want %q", c.patches, got, c.want)
		}
	}
}

func TestAttachmentsChecks(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	atts, files, problem := attachments([]Upload{
		{Name: "../../etc/passwd", Data: []byte("x")},
		{Name: `C:\Users\t\shot.png`, Data: png},
		{Name: "copy.png", MediaType: "image/png", Data: png}, // same bytes: kept once
		{Name: "", MediaType: "not a type", Data: []byte("hello")},
	}, now)
	if problem != "" {
		t.Fatal(problem)
	}
	names := []string{atts[0].Name, atts[1].Name, atts[2].Name, atts[3].Name}
	if strings.Join(names, ",") != "passwd,shot.png,copy.png,attachment-4" {
		t.Fatalf("names %v", names)
	}
	if atts[1].MediaType != "image/png" || !strings.HasPrefix(atts[3].MediaType, "text/plain") {
		t.Fatalf("media types %q %q", atts[1].MediaType, atts[3].MediaType)
	}
	if len(files) != 3 {
		t.Fatalf("%d files kept, want 3 (one pair is the same bytes)", len(files))
	}
	for _, a := range atts {
		if err := a.Validate(); err != nil {
			t.Fatalf("attachment %q: %v", a.Name, err)
		}
	}
	if _, _, p := attachments([]Upload{{Name: "empty.txt"}}, now); !strings.Contains(p, "empty") {
		t.Fatalf("an empty file: %q", p)
	}
}
