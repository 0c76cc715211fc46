package inventory

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

func TestParseOSRelease(t *testing.T) {
	cases := []struct{ file, name, version, id, pretty string }{
		{"linux/os-release.debian12", "Debian GNU/Linux", "12", "debian", "Debian GNU/Linux 12 (bookworm)"},
		{"linux/os-release.ubuntu2404", "Ubuntu", "24.04", "ubuntu", "Ubuntu 24.04.1 LTS"},
		{"linux/os-release.rocky9", "Rocky Linux", "9.4", "rocky", "Rocky Linux 9.4 (Blue Onyx)"},
		// The real machines' captures (testdata/captures/linux/distro):
		// quoted and bare values, an empty one, a blank line.
		{"captures/linux/distro/os-release-centos-7.9", "CentOS Linux", "7", "centos", "CentOS Linux 7 (Core)"},
		{"captures/linux/distro/os-release-debian-11.2", "Debian GNU/Linux", "11", "debian", "Debian GNU/Linux 11 (bullseye)"},
		{"captures/linux/distro/os-release-fedora-35", "Fedora Linux", "35", "fedora", "Fedora Linux 35 (Thirty Five)"},
	}
	if files, _ := filepath.Glob("testdata/captures/linux/distro/os-release-*"); len(files) != 3 {
		t.Errorf("%d os-release captures; this test reads 3", len(files))
	}
	for _, tc := range cases {
		m := parseOSRelease(readTestdata(t, tc.file))
		if m["NAME"] != tc.name || m["VERSION_ID"] != tc.version || m["ID"] != tc.id || m["PRETTY_NAME"] != tc.pretty {
			t.Errorf("%s: NAME %q VERSION_ID %q ID %q PRETTY_NAME %q", tc.file, m["NAME"], m["VERSION_ID"], m["ID"], m["PRETTY_NAME"])
		}
	}
	if m := parseOSRelease([]byte(`NAME="A \"quoted\" \$name"` + "\n# X=1\nVERSION='1 2'\n")); m["NAME"] != `A "quoted" $name` || m["VERSION"] != "1 2" || m["X"] != "" {
		t.Errorf("escapes: %q", m)
	}
}

func TestParseCPUInfo(t *testing.T) {
	ci := parseCPUInfo(readTestdata(t, "linux/cpuinfo.amd-epyc-2cpu.txt"))
	want := cpuInfo{Model: "AMD EPYC", Vendor: "AuthenticAMD", Logical: 2, Cores: 2, Sockets: 1, MHz: 2096}
	if ci != want {
		t.Errorf("got %+v, want %+v", ci, want)
	}
}

// TestParseCPUInfoCaptures reads every /proc/cpuinfo capture
// (testdata/captures/linux/proc/cpuinfo): x86 from a Pentium M to two-socket
// Xeons with hyper-threading, VMware guests, ARM from an XScale to a
// Raspberry Pi 3 on arm64, Alpha, Itanium, MIPS, PowerPC and SPARC. The
// values are read off the files by hand.
//
// linux-hp-dl180 lists 3 processors of socket 1 with core ids 0-2 while
// "cpu cores" says the package has 4: the capture holds only the
// processors the kernel listed (one was offline, or the dump was cut).
// Tandem counts the 3 cores listed, what the machine ran with, not the 4
// of "cpu cores".
func TestParseCPUInfoCaptures(t *testing.T) {
	want := map[string]cpuInfo{
		"cpuinfo-vmware-esx":           {}, // an empty file
		"esx":                          {Model: "Quad-Core AMD Opteron(tm) Processor 2376", Vendor: "AuthenticAMD", Logical: 1, Cores: 1, MHz: 2300},
		"linux-2.6.35-1-core-2-thread": {Model: "Intel(R) Atom(TM) CPU N270 @ 1.60GHz", Vendor: "GenuineIntel", Logical: 2, Cores: 1, Sockets: 1, MHz: 800},
		"linux-686-1":                  {Model: "Intel(R) Pentium(R) M processor 1.73GHz", Vendor: "GenuineIntel", Logical: 1, Cores: 1, MHz: 1729},
		"linux-686-samsung-nc10-1":     {Model: "Intel(R) Atom(TM) CPU N270 @ 1.60GHz", Vendor: "GenuineIntel", Logical: 2, Cores: 1, Sockets: 1, MHz: 800},
		"linux-alpha-1":                {Model: "EV68CB", Logical: 3, Cores: 3},                                 // "cpus active : 3"
		"linux-armel-1":                {Model: "XScale-80219 rev 0 (v5l)", Logical: 1, Cores: 1},               // no "processor" line
		"linux-armel-2":                {Model: "Feroceon 88FR131 rev 1 (v5l)", Logical: 1, Cores: 1},           // nor here
		"linux-armel-3":                {Model: "ARMv6-compatible processor rev 7 (v6l)", Logical: 1, Cores: 1}, // not the board, BCM2708
		"linux-hp-dl180":               {Model: "Intel(R) Xeon(R) CPU E5504 @ 2.00GHz", Vendor: "GenuineIntel", Logical: 3, Cores: 3, Sockets: 1, MHz: 2000},
		"linux-ia64-1":                 {Model: "Itanium 2", Vendor: "GenuineIntel", Logical: 2, Cores: 2, MHz: 1600},
		"linux-mips-1":                 {Model: "R4400SC V5.0 FPU V0.0", Logical: 1, Cores: 1},
		"linux-ppc-1":                  {Model: "604r", Logical: 1, Cores: 1},
		"linux-ppc-2":                  {Model: "POWER4+ (gq)", Logical: 2, Cores: 2},
		"linux-ppc-3":                  {Model: "PPC970FX, altivec supported", Logical: 2, Cores: 2}, // not the machine, PowerMac7,3
		"linux-raspberry-pi-3-model-b": {Model: "ARMv7 Processor rev 4 (v7l)", Logical: 4, Cores: 4},
		"linux-raspberry-pi-3-model-b-on-bookworm": {Model: "Cortex-A53", Logical: 4, Cores: 4}, // arm64: only "CPU part : 0xd03"
		"linux-sparc-1":          {Model: "TI UltraSparc IIIi (Jalapeno)", Logical: 2, Cores: 2}, // "ncpus active : 2"
		"oracle-server-6.7-oda":  {Model: "Intel(R) Xeon(R) CPU E5-2699 v3 @ 2.30GHz", Vendor: "GenuineIntel", Logical: 16, Cores: 8, Sockets: 2, MHz: 2301},
		"rhel-5.6":               {Model: "Intel(R) Xeon(R) CPU E5620 @ 2.40GHz", Vendor: "GenuineIntel", Logical: 16, Cores: 8, Sockets: 2, MHz: 2394},
		"rhel-6.2-vmware-2vcpus": {Model: "Intel(R) Xeon(R) CPU E7520 @ 1.87GHz", Vendor: "GenuineIntel", Logical: 2, Cores: 2, MHz: 2694},
		"rhel-6.3-esx-1vcpu":     {Model: "Intel(R) Core(TM) i5-2500S CPU @ 2.70GHz", Vendor: "GenuineIntel", Logical: 1, Cores: 1, MHz: 2694},
		"toshiba-r630-2-core":    {Model: "Intel(R) Core(TM) i3 CPU M 350 @ 2.27GHz", Vendor: "GenuineIntel", Logical: 4, Cores: 2, Sockets: 1, MHz: 933},
	}
	files, err := filepath.Glob("testdata/captures/linux/proc/cpuinfo/*")
	if err != nil || len(files) != len(want) {
		t.Fatalf("%d captures, %d checked (%v)", len(files), len(want), err)
	}
	for _, f := range files {
		w, ok := want[filepath.Base(f)]
		if !ok {
			t.Errorf("%s: a capture this test does not check", f)
			continue
		}
		if got := parseCPUInfo(readTestdata(t, strings.TrimPrefix(filepath.ToSlash(f), "testdata/"))); got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", filepath.Base(f), got, w)
		}
	}
}

// FuzzParseCPUInfo feeds the captures, and what the fuzzer makes of them,
// to parseCPUInfo: it may not panic, and never counts fewer cores than
// sockets or more cores than logical processors.
func FuzzParseCPUInfo(f *testing.F) {
	files, _ := filepath.Glob("testdata/captures/linux/proc/cpuinfo/*")
	for _, name := range files {
		f.Add(readTestdata(f, strings.TrimPrefix(filepath.ToSlash(name), "testdata/")))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ci := parseCPUInfo(b)
		if ci.Cores > ci.Logical && ci.Logical > 0 {
			t.Errorf("%d cores, %d logical processors", ci.Cores, ci.Logical)
		}
	})
}

func TestParseMeminfo(t *testing.T) {
	m := parseMeminfo(readTestdata(t, "linux/meminfo.txt"))
	if m["MemTotal"] != 24683620*1024 || m["SwapTotal"] != 0 {
		t.Errorf("MemTotal %d, SwapTotal %d", m["MemTotal"], m["SwapTotal"])
	}
	if m["HugePages_Total"] != 0 {
		t.Errorf("HugePages_Total (a count, no unit) = %d", m["HugePages_Total"])
	}
}

func TestParseBootTime(t *testing.T) {
	bt, err := parseBootTime(readTestdata(t, "linux/stat.txt"))
	if err != nil || !bt.Equal(time.Unix(1795415008, 0)) {
		t.Errorf("got %v, %v", bt, err)
	}
	if _, err := parseBootTime([]byte("cpu 1 2 3\n")); err == nil {
		t.Error("no error without a btime line")
	}
}

func TestParseMountInfoAndDiskMounts(t *testing.T) {
	ms, err := parseMountInfo(readTestdata(t, "linux/mountinfo.vm.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 22 {
		t.Errorf("%d mounts, want 22", len(ms))
	}
	disks := diskMounts(ms)
	want := []mount{{Major: 254, Minor: 0, Root: "/", Point: "/", FSType: "ext4", Source: "/dev/vda"}}
	if !slices.Equal(disks, want) {
		t.Errorf("disk mounts = %+v, want %+v", disks, want)
	}
	// A bind mount of the same device and a path with an escaped space.
	extra := "50 26 254:0 /srv /var/www rw - ext4 /dev/vda rw\n51 26 8:17 / /media/USB\\040Stick rw - vfat /dev/sdb1 rw\n"
	ms2, err := parseMountInfo(append(readTestdata(t, "linux/mountinfo.vm.txt"), extra...))
	if err != nil {
		t.Fatal(err)
	}
	disks = diskMounts(ms2)
	if len(disks) != 2 || disks[0].Point != "/" || disks[1].Point != "/media/USB Stick" {
		t.Errorf("disk mounts = %+v", disks)
	}
	if _, err := parseMountInfo([]byte("1 2 3\n")); err == nil {
		t.Error("no error for a short line")
	}
}

func TestParseDpkgStatus(t *testing.T) {
	pkgs, err := parseDpkgStatus(bytes.NewReader(readTestdata(t, "linux/dpkg-status.txt")))
	if err != nil {
		t.Fatal(err)
	}
	// 14 "install ok installed", 1 "hold ok installed", 1 "deinstall ok
	// installed" count; config-files, half-installed, not-installed do not.
	if len(pkgs) != 16 {
		t.Errorf("%d packages, want 16: %+v", len(pkgs), pkgs)
	}
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" {
			t.Errorf("package without a name or version: %+v", p)
		}
	}
	multi := "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36-9\nDescription: GNU C Library\n more text\n"
	pkgs, err = parseDpkgStatus(strings.NewReader(multi))
	if err != nil || len(pkgs) != 2 || pkgs[0].Name != "libc6:amd64" || pkgs[1].Name != "libc6:i386" {
		t.Errorf("multi-arch: %+v, %v", pkgs, err)
	}
}

func TestParseAptSimulate(t *testing.T) {
	ps := parseAptSimulate(readTestdata(t, "linux/apt-get-s-dist-upgrade.debian12.txt"))
	if len(ps) != 80 {
		t.Errorf("%d patches, want the 80 Inst lines", len(ps))
	}
	sec := msp.PatchState{Pending: ps}.SecurityPending()
	if sec != 20 {
		t.Errorf("%d security updates, want 20 (the Debian-Security lines)", sec)
	}
	want := msp.Patch{Name: "bash", InstalledVersion: "5.2.15-2+b8", CandidateVersion: "5.2.15-2+b13"}
	if i := slices.IndexFunc(ps, func(p msp.Patch) bool { return p.Name == "bash" }); i < 0 || ps[i] != want {
		t.Errorf("bash patch missing or wrong: %+v", ps)
	}
	ubuntu := "Inst linux-image-6.8.0-50-generic (6.8.0-50.51 Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security [amd64])\n"
	if ps := parseAptSimulate([]byte(ubuntu)); len(ps) != 1 || !ps[0].Security || ps[0].InstalledVersion != "" || ps[0].CandidateVersion != "6.8.0-50.51" {
		t.Errorf("new package from noble-security: %+v", ps)
	}
}

func TestParseDnf(t *testing.T) {
	ups := parseDnfCheckUpdate(readTestdata(t, "linux/dnf-check-update.rocky9.txt"))
	if len(ups) != 6 {
		t.Fatalf("%d updates, want 6 (the obsoletes section is not updates): %+v", len(ups), ups)
	}
	if u := ups[3]; u != (dnfUpdate{Name: "openssl-libs", Arch: "x86_64", EVR: "1:3.0.7-28.el9_4", Repo: "baseos"}) {
		t.Errorf("openssl-libs = %+v", u)
	}
	sec := parseDnfUpdateinfo(readTestdata(t, "linux/dnf-updateinfo-security.rocky9.txt"))
	for _, k := range []string{"glibc.x86_64", "glibc-common.x86_64", "kernel.x86_64", "python3-urllib3.noarch"} {
		if !sec[k] {
			t.Errorf("%s is not marked security: %v", k, sec)
		}
	}
	if sec["openssl-libs.x86_64"] || len(sec) != 4 {
		t.Errorf("security set = %v", sec)
	}
	rpms := parseRPMQuery(readTestdata(t, "linux/rpm-qa.rocky9.txt"))
	want := []rpmPackage{
		{Name: "glibc", Arch: "x86_64", EVR: "2.34-100.el9_4.2"},
		{Name: "openssl-libs", Arch: "x86_64", EVR: "1:3.0.7-27.el9"},
		{Name: "gpg-pubkey", Arch: "(none)", EVR: "350d275d-6279464b"},
		{Name: "vim-minimal", Arch: "x86_64", EVR: "2:8.2.2637-20.el9_1"},
	}
	if !slices.Equal(rpms, want) {
		t.Errorf("rpm -qa = %+v", rpms)
	}
}

func TestParseAptConf(t *testing.T) {
	m := map[string]string{}
	parseAptConf([]byte(`// Debian's 20auto-upgrades
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
`), m)
	parseAptConf([]byte(`APT { Periodic { Unattended-Upgrade "0"; }; };
/* a comment */ Unattended-Upgrade::Origins-Pattern { "origin=Debian"; };`), m)
	if m["apt::periodic::unattended-upgrade"] != "0" || m["apt::periodic::update-package-lists"] != "1" {
		t.Errorf("parsed %q", m)
	}
}

func TestParseNftRuleset(t *testing.T) {
	rs := `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 22 accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
}
`
	s := parseNftRuleset([]byte(rs))
	if s != (nftSummary{Tables: 1, InputChains: 1, InputRules: 3, InputPolicy: "drop"}) {
		t.Errorf("got %+v", s)
	}
	if s := parseNftRuleset(nil); s.Tables != 0 {
		t.Errorf("empty: %+v", s)
	}
}

func TestDMIDate(t *testing.T) {
	if d := dmiDate("04/01/2014\n"); d != "2014-04-01" {
		t.Errorf("got %q", d)
	}
	if d := dmiDate("not a date"); d != "" {
		t.Errorf("got %q", d)
	}
}

// FuzzLinuxParsers feeds the Linux samples and captures, and what the
// fuzzer makes of them, to every Linux parser that reads a file or a
// tool's output: none may panic or loop.
func FuzzLinuxParsers(f *testing.F) {
	for _, g := range []string{"testdata/linux/*", "testdata/captures/linux/distro/*"} {
		files, _ := filepath.Glob(g)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = parseOSRelease(b)
		_ = parseShellVars(b)
		_ = parseMeminfo(b)
		_, _ = parseBootTime(b)
		_, _ = parseMountInfo(b)
		_, _ = parseDpkgStatus(bytes.NewReader(b))
		_ = parseRPMQuery(b)
		_ = parseAptSimulate(b)
		_ = parseDnfCheckUpdate(b)
		_ = parseDnfUpdateinfo(b)
		parseAptConf(b, map[string]string{})
		_ = parseNftRuleset(b)
	})
}
