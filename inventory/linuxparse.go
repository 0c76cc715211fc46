package inventory

// Parsers for Linux files and command output. They are pure functions with
// no build tag, tested against recorded output in testdata/linux.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"tandem/msp"
)

// parseOSRelease reads an os-release(5) file: KEY=value lines, values
// optionally in single or double quotes with backslash escapes.
func parseOSRelease(b []byte) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		m[strings.TrimSpace(k)] = unquoteShell(strings.TrimSpace(v))
	}
	return m
}

// unquoteShell removes one level of shell-style quotes from v.
func unquoteShell(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		q := v[0]
		v = v[1 : len(v)-1]
		if q == '"' {
			var b strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			v = b.String()
		}
	}
	return v
}

// cpuInfo is what /proc/cpuinfo tells.
type cpuInfo struct {
	Model   string
	Vendor  string
	Logical int // logical processors
	Cores   int // physical cores
	Sockets int // distinct physical ids; 0 when not listed
	MHz     int
}

// armParts names the cores of ARM Ltd (implementer 0x41) that arm64
// kernels describe only by number ("CPU part : 0xd03"), as lscpu names
// them.
var armParts = map[string]string{
	"0xb76": "ARM1176", "0xc07": "Cortex-A7", "0xc08": "Cortex-A8", "0xc09": "Cortex-A9", "0xc0f": "Cortex-A15",
	"0xd03": "Cortex-A53", "0xd04": "Cortex-A35", "0xd05": "Cortex-A55", "0xd07": "Cortex-A57", "0xd08": "Cortex-A72",
	"0xd09": "Cortex-A73", "0xd0a": "Cortex-A75", "0xd0b": "Cortex-A76", "0xd0c": "Neoverse-N1", "0xd0d": "Cortex-A77",
	"0xd40": "Neoverse-V1", "0xd41": "Cortex-A78", "0xd44": "Cortex-X1", "0xd46": "Cortex-A510", "0xd47": "Cortex-A710",
	"0xd48": "Cortex-X2", "0xd49": "Neoverse-N2", "0xd4f": "Neoverse-V2",
}

// parseCPUInfo reads /proc/cpuinfo as every architecture's kernel writes it.
//
//   - Logical processors: the numbered "processor" entries (the processors
//     the kernel knows, not the ones this process may run on). Kernels that
//     write none count them elsewhere: "cpus active" (Alpha), "ncpus
//     active" (SPARC); an old ARM kernel's single entry has neither, and is
//     one processor.
//   - Physical cores: the distinct (physical id, core id) pairs. Where the
//     kernel lists no topology (ARM, MIPS, PowerPC, Alpha, SPARC, Itanium,
//     and x86 guests whose hypervisor hides it) each logical processor is a
//     core of its own, as on every such capture: none of those processors
//     runs two threads per core.
//   - Sockets: the distinct physical ids, 0 when not listed.
//   - Model: "model name" (x86, ARM 32-bit), "cpu model" (MIPS, Alpha),
//     then "Processor" (old ARM), "cpu" (PowerPC, SPARC), "family"
//     (Itanium), and last the ARM part number (arm64), never the board
//     ("Hardware", "Model").
func parseCPUInfo(b []byte) cpuInfo {
	var ci cpuInfo
	cores := map[string]bool{}
	sockets := map[string]bool{}
	var phys, core string
	flush := func() {
		if phys != "" {
			sockets[phys] = true
			if core != "" {
				cores[phys+"/"+core] = true
			}
		}
		phys, core = "", ""
	}
	var fallback, fallbackKey string
	fallbackRank := map[string]int{"Processor": 1, "cpu": 2, "family": 3}
	var implementer, part string
	active, keys := 0, 0
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			if strings.TrimSpace(line) == "" {
				flush()
			}
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		keys++
		switch k {
		case "processor":
			// On arm64 a "processor" line leads each entry; on older arm
			// "Processor" (capital P) is the model name.
			if _, err := strconv.Atoi(v); err == nil {
				ci.Logical++
			}
		case "model name", "cpu model":
			if ci.Model == "" {
				ci.Model = strings.Join(strings.Fields(v), " ") // "Intel(R) Xeon(R) CPU           E5504  @ 2.00GHz"
			}
		case "Processor", "cpu", "family":
			if r := fallbackRank[k]; fallback == "" || r < fallbackRank[fallbackKey] {
				if _, err := strconv.Atoi(v); err != nil && v != "" { // x86's "cpu family" is a number and another key
					fallback, fallbackKey = v, k
				}
			}
		case "CPU implementer":
			implementer = orDefault(implementer, v)
		case "CPU part":
			part = orDefault(part, v)
		case "cpus active", "ncpus active":
			active, _ = strconv.Atoi(v)
		case "vendor_id", "vendor":
			if ci.Vendor == "" {
				ci.Vendor = v
			}
		case "physical id":
			phys = v
		case "core id":
			core = v
		case "cpu MHz":
			if ci.MHz == 0 {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					ci.MHz = int(f + 0.5)
				}
			}
		}
	}
	flush()
	if ci.Model == "" {
		ci.Model = fallback
	}
	if ci.Model == "" && implementer == "0x41" {
		ci.Model = armParts[part]
	}
	if ci.Logical == 0 {
		switch {
		case active > 0:
			ci.Logical = active
		case keys > 0:
			ci.Logical = 1
		}
	}
	ci.Cores = len(cores)
	if ci.Cores == 0 || ci.Cores > ci.Logical { // a core runs at least one logical processor
		ci.Cores = ci.Logical
	}
	ci.Sockets = len(sockets)
	return ci
}

// parseMeminfo reads /proc/meminfo into bytes per key ("MemTotal").
func parseMeminfo(b []byte) map[string]uint64 {
	m := map[string]uint64{}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		m[strings.TrimSpace(k)] = n
	}
	return m
}

// parseBootTime reads the "btime" line of /proc/stat: the boot time in
// seconds since the epoch.
func parseBootTime(b []byte) (time.Time, error) {
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("reading btime %q: %w", strings.TrimSpace(v), err)
			}
			return time.Unix(n, 0).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("no btime line")
}

// mount is one line of /proc/self/mountinfo.
type mount struct {
	Major, Minor int
	Root         string // the part of the file system mounted here
	Point        string // where it is mounted
	FSType       string
	Source       string // "/dev/sda1", "tmpfs"
}

// parseMountInfo reads /proc/self/mountinfo (proc(5)).
func parseMountInfo(b []byte) ([]mount, error) {
	var out []mount
	for n, line := range bytes.Split(b, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue
		}
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 7 || sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("mountinfo line %d: %d fields, no separator: %q", n+1, len(f), clipRunes(string(line), 120))
		}
		maj, min, ok := strings.Cut(f[2], ":")
		if !ok {
			return nil, fmt.Errorf("mountinfo line %d: device %q is not major:minor", n+1, f[2])
		}
		m := mount{Root: unescapeOctal(f[3]), Point: unescapeOctal(f[4]), FSType: f[sep+1], Source: unescapeOctal(f[sep+2])}
		var err1, err2 error
		m.Major, err1 = strconv.Atoi(maj)
		m.Minor, err2 = strconv.Atoi(min)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("mountinfo line %d: device %q is not major:minor", n+1, f[2])
		}
		out = append(out, m)
	}
	return out, nil
}

// unescapeOctal undoes the \040-style escapes the kernel writes for spaces,
// tabs, newlines and backslashes in paths.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// diskFS lists the file systems that hold data on local storage. The rest
// (proc, sysfs, tmpfs, devtmpfs, cgroup, overlay, squashfs snaps, network
// file systems whose statfs can hang) are not disks of the device.
var diskFS = map[string]bool{
	"ext2": true, "ext3": true, "ext4": true, "xfs": true, "btrfs": true, "zfs": true,
	"f2fs": true, "jfs": true, "reiserfs": true, "bcachefs": true, "nilfs2": true,
	"vfat": true, "msdos": true, "exfat": true, "ntfs": true, "ntfs3": true, "fuseblk": true,
	"hfs": true, "hfsplus": true, "apfs": true, "udf": true, "iso9660": true,
}

// diskMounts picks the mounts of disk file systems, one per device: bind
// mounts and btrfs subvolumes of a file system already listed are left out
// (they show the same sizes), keeping the shortest mount point.
func diskMounts(ms []mount) []mount {
	var out []mount
	seen := map[[2]int]int{}
	for _, m := range ms {
		if !diskFS[m.FSType] {
			continue
		}
		key := [2]int{m.Major, m.Minor}
		if i, ok := seen[key]; ok {
			if len(m.Point) < len(out[i].Point) {
				out[i] = m
			}
			continue
		}
		seen[key] = len(out)
		out = append(out, m)
	}
	return out
}

// dpkgPackage is one installed package of a dpkg status file.
type dpkgPackage struct {
	Name, Version, Arch string
}

// parseDpkgStatus reads a dpkg status file and returns the installed
// packages: those whose Status reads "<want> ok installed", which is what
// `dpkg-query -W -f='${Status}\n' | grep -c 'ok installed'` counts. A
// package installed for two architectures is named "name:arch" both times.
func parseDpkgStatus(r io.Reader) ([]dpkgPackage, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var out []dpkgPackage
	var cur dpkgPackage
	var status string
	flush := func() {
		f := strings.Fields(status)
		if cur.Name != "" && len(f) == 3 && f[1] == "ok" && f[2] == "installed" {
			out = append(out, cur)
		}
		cur, status = dpkgPackage{}, ""
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Name = v
		case "Status":
			status = v
		case "Version":
			cur.Version = v
		case "Architecture":
			cur.Arch = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading dpkg status: %w", err)
	}
	flush()
	count := map[string]int{}
	for _, p := range out {
		count[p.Name]++
	}
	for i, p := range out {
		if count[p.Name] > 1 {
			out[i].Name = p.Name + ":" + p.Arch
		}
	}
	return out, nil
}

// rpmQueryFormat is the --qf argument parseRPMQuery reads.
const rpmQueryFormat = `%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n`

// rpmPackage is one line of `rpm -qa --qf rpmQueryFormat`.
type rpmPackage struct {
	Name, Arch string
	EVR        string // "[epoch:]version-release"
}

// parseRPMQuery reads `rpm -qa --qf rpmQueryFormat` output.
func parseRPMQuery(b []byte) []rpmPackage {
	var out []rpmPackage
	for line := range strings.Lines(string(b)) {
		f := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
		if len(f) != 5 || f[0] == "" {
			continue
		}
		evr := f[2] + "-" + f[3]
		if f[1] != "(none)" && f[1] != "" && f[1] != "0" {
			evr = f[1] + ":" + evr
		}
		if f[3] == "(none)" { // gpg-pubkey and friends have no release? keep the version alone
			evr = f[2]
		}
		out = append(out, rpmPackage{Name: f[0], Arch: f[4], EVR: evr})
	}
	return out
}

// aptInst matches the "Inst" lines of `apt-get -s upgrade|dist-upgrade`:
//
//	Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.14/oldstable [amd64])
//	Inst libperl5.36 [5.36.0-7+deb12u2] (5.36.0-7+deb12u3 Debian:12.14/oldstable [amd64]) [perl:amd64 ]
//	Inst linux-image-6.8.0-50-generic (6.8.0-50.51 Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security [amd64])
var aptInst = regexp.MustCompile(`^Inst (\S+) (?:\[([^\]]*)\] )?\((\S+) (.*) \[[^\]]*\]\)`)

// parseAptSimulate reads the output of `apt-get -s dist-upgrade` and
// returns one patch per package it would install or upgrade. A package is a
// security update when one of the archives it comes from is a security
// suite ("Debian-Security:12/stable-security", "Ubuntu:24.04/noble-security").
func parseAptSimulate(b []byte) []msp.Patch {
	var out []msp.Patch
	for line := range strings.Lines(string(b)) {
		m := aptInst.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
		if m == nil {
			continue
		}
		out = append(out, msp.Patch{
			Name:             m[1],
			InstalledVersion: m[2],
			CandidateVersion: m[3],
			Security:         aptSecurityOrigin(m[4]),
		})
	}
	return out
}

// aptSecurityOrigin reports whether a comma-separated list of
// "Origin:version/suite" archives names a security archive.
func aptSecurityOrigin(origins string) bool {
	for o := range strings.SplitSeq(origins, ",") {
		o = strings.ToLower(strings.TrimSpace(o))
		origin, suite, _ := strings.Cut(o, "/")
		if strings.HasSuffix(suite, "-security") || strings.Contains(origin, "security") {
			return true
		}
	}
	return false
}

// dnfUpdate is one line of `dnf check-update`.
type dnfUpdate struct {
	Name, Arch, EVR, Repo string
}

// parseDnfCheckUpdate reads `dnf -q check-update` output:
//
//	openssl-libs.x86_64        1:3.0.7-27.el9.0.2     baseos
//
// It stops at the "Obsoleting Packages" section and skips the "Security:"
// and metadata notices dnf prints around the list.
func parseDnfCheckUpdate(b []byte) []dnfUpdate {
	var out []dnfUpdate
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "Obsoleting Packages") {
			break
		}
		f := strings.Fields(line)
		if len(f) != 3 || strings.HasSuffix(f[0], ":") {
			continue
		}
		dot := strings.LastIndexByte(f[0], '.')
		if dot <= 0 || !strings.ContainsAny(f[1], "0123456789") {
			continue
		}
		out = append(out, dnfUpdate{Name: f[0][:dot], Arch: f[0][dot+1:], EVR: f[1], Repo: f[2]})
	}
	return out
}

// parseDnfUpdateinfo reads `dnf -q updateinfo list --security` output:
//
//	RHSA-2024:3339 Important/Sec.  glibc-2.34-100.el9_4.2.x86_64
//
// and returns the "name.arch" keys of the packages with a security advisory.
func parseDnfUpdateinfo(b []byte) map[string]bool {
	out := map[string]bool{}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		name, _, _, arch, ok := parseNEVRA(f[len(f)-1])
		if !ok {
			continue
		}
		out[name+"."+arch] = true
	}
	return out
}

// parseNEVRA splits "name-[epoch:]version-release.arch".
func parseNEVRA(s string) (name, epoch, vr, arch string, ok bool) {
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 {
		return "", "", "", "", false
	}
	nevr, arch := s[:dot], s[dot+1:]
	r := strings.LastIndexByte(nevr, '-')
	if r < 0 {
		return "", "", "", "", false
	}
	v := strings.LastIndexByte(nevr[:r], '-')
	if v <= 0 {
		return "", "", "", "", false
	}
	name, vr = nevr[:v], nevr[v+1:]
	if e, rest, found := strings.Cut(vr, ":"); found {
		epoch, vr = e, rest
	}
	return name, epoch, vr, arch, true
}

// parseShellVars reads KEY=value lines such as /etc/ufw/ufw.conf or
// /etc/default/* (comments and blank lines skipped, quotes removed).
func parseShellVars(b []byte) map[string]string { return parseOSRelease(b) }

// parseAptConf reads apt.conf(5) text, flat ("APT::Periodic::Unattended-Upgrade "1";")
// or nested ("APT { Periodic { Unattended-Upgrade "1"; }; };"), into lower-case
// keys joined with "::". Later assignments win, as in apt. Lists (keys with
// "{ "a"; "b"; }") and #clear/#include directives are skipped.
func parseAptConf(b []byte, into map[string]string) {
	toks := aptTokens(string(b))
	var scope []string
	var key []string // pending key words
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t == "{":
			if len(key) > 0 {
				scope = append(scope, key[0])
				key = nil
			} else {
				scope = append(scope, "") // anonymous list entry
			}
		case t == "}":
			if len(scope) > 0 {
				scope = scope[:len(scope)-1]
			}
			key = nil
		case t == ";":
			if len(key) == 2 {
				full := strings.Join(append(append([]string{}, scope...), key[0]), "::")
				into[strings.ToLower(full)] = key[1]
			}
			key = nil
		default:
			key = append(key, t)
		}
	}
}

// aptTokens splits apt.conf text into words, quoted strings (unquoted),
// braces and semicolons, dropping comments and # directives.
func aptTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(s) && s[i+1] == '/', c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '{' || c == '}' || c == ';':
			out = append(out, string(c))
			i++
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return out
			}
			out = append(out, s[i+1:i+1+end])
			i += end + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n{};\"", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

// nftSummary is what `nft list ruleset` says about inbound filtering.
type nftSummary struct {
	Tables      int
	InputChains int    // base chains hooked on input
	InputRules  int    // rules in those chains
	InputPolicy string // "drop" when any input chain drops by default
}

// parseNftRuleset reads `nft list ruleset` text output.
func parseNftRuleset(b []byte) nftSummary {
	var s nftSummary
	inInput := false
	depth := 0
	for line := range strings.Lines(string(b)) {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "table "):
			s.Tables++
		case strings.HasPrefix(t, "chain ") && strings.HasSuffix(t, "{"):
			inInput = false
			depth = 0
		case strings.HasPrefix(t, "type filter hook input"):
			inInput = true
			s.InputChains++
			if strings.Contains(t, "policy drop") || strings.Contains(t, "policy reject") {
				s.InputPolicy = "drop"
			} else if s.InputPolicy == "" {
				s.InputPolicy = "accept"
			}
		case t == "}":
			if depth == 0 {
				inInput = false
			} else {
				depth--
			}
		case inInput && t != "" && !strings.HasPrefix(t, "#"):
			if strings.HasSuffix(t, "{") {
				depth++
			}
			s.InputRules++
		}
	}
	return s
}

// parsePacmanQi reads `pacman -Qi` (or -Qqi) output in the C locale: one
// block of "Key : value" lines per installed package, blocks separated by
// an empty line, multi-valued fields continued on lines that start with
// spaces. It returns one entry per "Name" line, with its "Version" as
// pacman prints it, epoch included ("1:1.2.11-3").
func parsePacmanQi(b []byte) []msp.Software {
	var out []msp.Software
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue // a block's end, or the continuation of a list
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Name":
			if v != "" {
				out = append(out, msp.Software{Name: v, Source: msp.SourcePacman})
			}
		case "Version":
			if n := len(out); n > 0 && out[n-1].Version == "" {
				out[n-1].Version = v
			}
		}
	}
	return out
}

// parseSnapList reads `snap list --color=never --unicode=never`: a header
// line "Name Version Rev Tracking Publisher Notes", then one line per
// installed snap, in columns separated by spaces. Every snap listed counts,
// bases (core18) and snapd included; a revision marked "disabled" (shown
// only by `snap list --all`) is not installed in use and is left out.
func parseSnapList(b []byte) []msp.Software {
	var out []msp.Software
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 2 || (f[0] == "Name" && f[1] == "Version") {
			continue
		}
		if len(f) >= 6 && slices.Contains(strings.Split(f[5], ","), "disabled") {
			continue
		}
		out = append(out, msp.Software{Name: f[0], Version: f[1], Source: msp.SourceSnap})
	}
	return out
}

// flatpakColumns are the columns the collector asks `flatpak list` for.
var flatpakColumns = []string{"application", "branch", "version", "installation", "name"}

// parseFlatpakList reads `flatpak list --columns=...` output: one ref a
// line, cells separated by tabs, in the order of columns. A header line
// ("Application ID", printed on a terminal) is skipped. The entry's name is
// the application ID, which names the ref uniquely where display names do
// not ("default" for every GL driver); the version is the "version" column,
// or the branch ("20.08", "stable") when the ref has no version or the
// column was not asked for.
func parseFlatpakList(b []byte, columns []string) []msp.Software {
	col := func(cells []string, name string) string {
		if i := slices.Index(columns, name); i >= 0 && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var out []msp.Software
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		cells := strings.Split(line, "\t")
		id := col(cells, "application")
		if id == "" || id == "Application ID" || strings.ContainsAny(id, " ") {
			continue
		}
		out = append(out, msp.Software{
			Name:    id,
			Version: orDefault(col(cells, "version"), col(cells, "branch")),
			Source:  msp.SourceFlatpak,
		})
	}
	return out
}
