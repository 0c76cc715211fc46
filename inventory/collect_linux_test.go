package inventory

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"tandem/msp"
)

// thisMachine collects one report for the tests that compare it with this
// machine's own tools.
var thisMachine = sync.OnceValues(func() (Report, error) {
	return Collect(context.Background(), Options{})
})

func collected(t *testing.T) Report {
	t.Helper()
	if testing.Short() {
		t.Skip("collects from this machine")
	}
	r, err := thisMachine()
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return r
}

// tool runs a command of this machine, or skips the test when it is absent.
func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed here", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

// bySource returns the entries of r.Software from source.
func bySource(r Report, source string) []msp.Software {
	var out []msp.Software
	for _, s := range r.Software {
		if s.Source == source {
			out = append(out, s)
		}
	}
	return out
}

func TestThisMachineSoftwareCountMatchesDpkgQuery(t *testing.T) {
	r := collected(t)
	if _, err := os.Stat(dpkgStatus); err != nil {
		t.Skipf("no dpkg database here: %v", err)
	}
	out := tool(t, "dpkg-query", "-W", "-f=${Status}\n")
	want := 0
	for line := range strings.Lines(out) {
		if strings.Contains(line, "ok installed") {
			want++
		}
	}
	debs := bySource(r, msp.SourceDeb)
	if len(debs) != want {
		t.Errorf("software lists %d packages from dpkg; dpkg-query counts %d installed", len(debs), want)
	}
	if r.Machine.PackageFormat != "deb" {
		t.Errorf("package format = %q, want deb", r.Machine.PackageFormat)
	}
	// Spot-check a version against dpkg-query's own answer.
	if len(debs) > 0 {
		s := debs[len(debs)/2]
		v := strings.TrimSpace(tool(t, "dpkg-query", "-W", "-f=${Version}", s.Name))
		if v != s.Version {
			t.Errorf("%s: version %q; dpkg-query says %q", s.Name, s.Version, v)
		}
	}
}

// TestThisMachineSnapsAndFlatpaks compares the snaps and flatpaks with
// what `snap list` and `flatpak list --all` print, one line each, where
// those tools are installed and answer.
func TestThisMachineSnapsAndFlatpaks(t *testing.T) {
	r := collected(t)
	count := func(name string, args ...string) (int, bool) {
		if _, err := exec.LookPath(name); err != nil {
			return 0, false
		}
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			return 0, false
		}
		n := 0
		for line := range strings.Lines(string(out)) {
			if strings.TrimSpace(line) != "" {
				n++
			}
		}
		return n, true
	}
	checked := false
	if n, ok := count("snap", "list", "--color=never"); ok {
		checked = true
		if n > 0 {
			n-- // the header
		}
		if got := len(bySource(r, msp.SourceSnap)); got != n {
			t.Errorf("%d snaps; snap list lists %d", got, n)
		}
	}
	if n, ok := count("flatpak", "list", "--all", "--columns=application"); ok {
		checked = true
		if got := len(bySource(r, msp.SourceFlatpak)); got != n {
			t.Errorf("%d flatpaks; flatpak list --all lists %d", got, n)
		}
	}
	if !checked {
		t.Skip("neither snap nor flatpak answers here")
	}
}

// dfRoot returns `df -B1`'s size and avail of /.
func dfRoot(t *testing.T) (size, avail uint64) {
	t.Helper()
	out := tool(t, "df", "-B1", "--output=size,avail", "/")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != 2 {
		t.Fatalf("df printed %q", out)
	}
	size, err1 := strconv.ParseUint(f[0], 10, 64)
	avail, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("df printed %q", out)
	}
	return size, avail
}

// TestThisMachineRootDiskMatchesDf compares / with `df -B1`. The total must
// be equal. Free space moves while the machine writes, so df runs before and
// after the collector's statfs, and the collector's figure must lie between
// the two (equal when nothing wrote); five tries.
func TestThisMachineRootDiskMatchesDf(t *testing.T) {
	collected(t)
	var last string
	for range 5 {
		c := newCollector(Options{})
		dfSize, before := dfRoot(t)
		disks := c.disks()
		_, after := dfRoot(t)
		i := slices.IndexFunc(disks, func(d msp.Disk) bool { return d.Mount == "/" })
		if i < 0 {
			t.Skipf("/ is not a disk file system here: %+v", c.mounts())
		}
		d := disks[i]
		if d.TotalBytes != dfSize {
			t.Fatalf("/ total = %d; df -B1 size = %d", d.TotalBytes, dfSize)
		}
		if min(before, after) <= d.FreeBytes && d.FreeBytes <= max(before, after) {
			return
		}
		last = fmt.Sprintf("free %d, df avail %d before and %d after", d.FreeBytes, before, after)
	}
	t.Errorf("/ free space never matched df -B1 avail in five tries; last %s", last)
}

func TestThisMachineMemoryMatchesMeminfo(t *testing.T) {
	r := collected(t)
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skipf("no /proc/meminfo: %v", err)
	}
	var want uint64
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			n, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			want = n * 1024
		}
	}
	if want == 0 {
		t.Fatalf("no MemTotal line in /proc/meminfo")
	}
	if r.Memory.TotalBytes != want {
		t.Errorf("memory = %d bytes; /proc/meminfo MemTotal = %d", r.Memory.TotalBytes, want)
	}
}

func TestThisMachineCoresMatchGetconf(t *testing.T) {
	r := collected(t)
	want, err := strconv.Atoi(strings.TrimSpace(tool(t, "getconf", "_NPROCESSORS_CONF")))
	if err != nil {
		t.Fatal(err)
	}
	if r.CPU.Cores != want {
		t.Errorf("cores = %d; getconf _NPROCESSORS_CONF = %d", r.CPU.Cores, want)
	}
	if r.CPU.Model == "" {
		t.Error("no processor model")
	}
}

func TestThisMachineOSAndKernel(t *testing.T) {
	r := collected(t)
	if k := strings.TrimSpace(tool(t, "uname", "-r")); r.OS.Kernel != k {
		t.Errorf("kernel = %q; uname -r = %q", r.OS.Kernel, k)
	}
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		t.Skipf("no /etc/os-release: %v", err)
	}
	rel := parseOSRelease(b)
	if r.OS.ID != rel["ID"] || r.OS.Version != rel["VERSION_ID"] {
		t.Errorf("os = %+v; os-release ID %q VERSION_ID %q", r.OS, rel["ID"], rel["VERSION_ID"])
	}
	if h, err := os.Hostname(); err == nil && r.Hostname != h {
		t.Errorf("hostname = %q; os.Hostname = %q", r.Hostname, h)
	}
	if r.BootTime.IsZero() || r.BootTime.After(r.CollectedAt) {
		t.Errorf("boot time %v, collected at %v", r.BootTime, r.CollectedAt)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("the report of this machine does not pass msp validation: %v", err)
	}
	for _, c := range r.Posture.Checks() {
		if c.Check.Evidence == "" {
			t.Errorf("posture %s has no evidence", c.Key)
		}
	}
}

// TestFakeRootRunsNoCommand collects from an empty tree: no command may
// run (their answers would describe this machine) and every part says why
// it is empty.
func TestFakeRootRunsNoCommand(t *testing.T) {
	r, err := Collect(context.Background(), Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Software) != 0 || len(r.Disks) != 0 || len(r.Patches.Pending) != 0 {
		t.Errorf("an empty tree gave software %v, disks %v, patches %v", r.Software, r.Disks, r.Patches.Pending)
	}
	if len(r.Warnings) == 0 {
		t.Error("an empty tree gave no warnings")
	}
	for _, c := range r.Posture.Checks() {
		if c.Check.State == "" || c.Check.Evidence == "" {
			t.Errorf("posture %s = %+v", c.Key, c.Check)
		}
	}
}

// BenchmarkCollect collects from this machine: "fresh" asks apt-get -s
// dist-upgrade every time (no cache, as before the answer was kept);
// "kept" has the answer of a first collection in its cache, as the
// agent's every collection after the first while apt's inputs stay the
// same.
func BenchmarkCollect(b *testing.B) {
	ctx := context.Background()
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			if _, err := Collect(ctx, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kept", func(b *testing.B) {
		opts := Options{CacheDir: b.TempDir()}
		if _, err := Collect(ctx, opts); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := Collect(ctx, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSysfsDMIFallback collects from fake roots holding only
// /sys/class/dmi/id, with the strings of two captured machines (see
// testdata/linux/README.md). No dmidecode runs on a fake root, so the
// fallback answers, and it must give what dmidecode gives on the same
// machine, less the memory modules, which only dmidecode sees.
func TestSysfsDMIFallback(t *testing.T) {
	for root, capture := range map[string]string{
		"testdata/linux/dmi-latitude-d610": "linux-2.6",
		"testdata/linux/dmi-thinkpad-e320": "lenovo-thinkpad",
	} {
		t.Run(capture, func(t *testing.T) {
			r, err := Collect(context.Background(), Options{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile("testdata/captures/generic/dmidecode/" + capture)
			if err != nil {
				t.Fatal(err)
			}
			want := dmiInventory(parseDMIDecode(b))
			if r.Hardware != want.Hardware {
				t.Errorf("from sysfs %+v\nfrom dmidecode %+v", r.Hardware, want.Hardware)
			}
			// The kernel prints the UUID in lower case.
			if !strings.EqualFold(r.Machine.UUID, want.UUID) || r.Machine.UUID == "" {
				t.Errorf("uuid %q, dmidecode %q", r.Machine.UUID, want.UUID)
			}
			if r.Memory.Slots != 0 || len(r.Memory.Modules) != 0 {
				t.Errorf("memory from sysfs: %+v", r.Memory)
			}
		})
	}
	// A tree without /sys/class/dmi/id says why the hardware is unknown.
	r, err := Collect(context.Background(), Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if r.Hardware != (msp.Hardware{}) || !slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "SMBIOS") }) {
		t.Errorf("no DMI: hardware %+v, warnings %q", r.Hardware, r.Warnings)
	}
}

// TestDmidecodeRun runs a stand-in dmidecode that prints a capture, and
// one that fails as dmidecode 3.4 does on a machine without SMBIOS (this
// test machine, a Firecracker VM). It needs what the real one needs: root,
// or a readable SMBIOS table.
func TestDmidecodeRun(t *testing.T) {
	if f, err := os.Open(dmiTableDir + "/DMI"); err == nil {
		f.Close()
	} else if os.Geteuid() != 0 {
		t.Skip("dmidecode needs root or a readable SMBIOS table")
	}
	capture, err := filepath.Abs("testdata/captures/generic/dmidecode/dell-r640")
	if err != nil {
		t.Fatal(err)
	}
	stub := func(script string) *collector {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "dmidecode"), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		return newCollector(Options{})
	}
	c := stub("cat '" + capture + "'")
	info, ok := c.dmidecode(context.Background())
	if !ok || info.Hardware.Model != "PowerEdge R640" || info.Slots != 24 || len(info.Modules) != 8 {
		t.Errorf("ok %v, hardware %+v, %d slots, %d modules; warnings %q", ok, info.Hardware, info.Slots, len(info.Modules), c.warnings())
	}
	c = stub("echo '# dmidecode 3.4'; echo 'Scanning /dev/mem for entry point.'; echo '/dev/mem: No such file or directory' >&2; exit 1")
	if _, ok := c.dmidecode(context.Background()); ok || len(c.warnings()) != 1 || !strings.Contains(c.warnings()[0], "/dev/mem") {
		t.Errorf("a failing dmidecode: ok %v, warnings %q", ok, c.warnings())
	}
}
