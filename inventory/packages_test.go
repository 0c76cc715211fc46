package inventory

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

// Tests of the pacman, snap and flatpak parsers on the package listings
// GLPI's contributors recorded on real machines (testdata/captures/linux/
// packaging, see testdata/captures/README.md). Each test derives the count
// it expects from the capture by a rule simpler than the parser, and checks
// a few entries against values read off the capture by hand.

const packagingDir = "testdata/captures/linux/packaging"

// packagingCaptures returns the capture files whose names match pattern.
func packagingCaptures(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(packagingDir, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures %s in %s (%v)", pattern, packagingDir, err)
	}
	return files
}

// countLines counts the lines of b that match re.
func countLines(b []byte, re *regexp.Regexp) int {
	n := 0
	for line := range strings.Lines(string(b)) {
		if re.MatchString(strings.TrimRight(line, "\r\n")) {
			n++
		}
	}
	return n
}

// checkEntries checks what every entry of every parser must hold: a name,
// a version, the source, and that the list is what msp accepts.
func checkEntries(t *testing.T, got []msp.Software, source string) {
	t.Helper()
	for i, s := range got {
		if s.Name == "" || s.Version == "" || s.Source != source {
			t.Errorf("entry %d = %+v, want a name, a version and source %q", i, s, source)
		}
	}
	inv := msp.Inventory{Hostname: "h", CollectedAt: time.Date(2024, 11, 20, 8, 0, 0, 0, time.UTC), Software: got,
		Posture: msp.Posture{Firewall: msp.Check{State: msp.CheckUnknown}, DiskEncryption: msp.Check{State: msp.CheckUnknown},
			AutomaticUpdates: msp.Check{State: msp.CheckUnknown}, Antivirus: msp.Check{State: msp.CheckUnknown}}}
	if err := inv.Validate(); err != nil {
		t.Errorf("msp validation: %v", err)
	}
}

// find returns the entries named name.
func find(got []msp.Software, name string) []msp.Software {
	var out []msp.Software
	for _, s := range got {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func TestParsePacmanCaptures(t *testing.T) {
	// pacman -Qi prints one "Name : x" line per installed package, at the
	// start of a line; continuation lines start with spaces.
	nameLine := regexp.MustCompile(`^Name +: \S`)
	// Hand-picked from the capture (an Arch Linux machine of 2018).
	picked := map[string]map[string]string{
		"pacman": {
			"ca-certificates": "20180821-1", // the first entry
			"vim-runtime":     "8.1.0333-1",
			// pacman prints zlib's epoch and so does Tandem: "1:" orders
			// this version after every version without one. GLPI's
			// expected parse (t/tasks/inventory/linux/softwares.t) drops
			// it and says 1.2.11-3; Tandem keeps what `pacman -Q zlib`
			// prints, as it keeps rpm's and dpkg's epochs.
			"zlib": "1:1.2.11-3",
			"zstd": "1.3.5-1", // the last entry, no blank line after it
		},
	}
	for _, file := range packagingCaptures(t, "pacman*") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b := readFile(t, file)
			got := parsePacmanQi(b)
			if want := countLines(b, nameLine); len(got) != want || want == 0 {
				t.Errorf("%d packages, want %d (the Name lines)", len(got), want)
			}
			checkEntries(t, got, msp.SourcePacman)
			for name, version := range picked[filepath.Base(file)] {
				if e := find(got, name); len(e) != 1 || e[0].Version != version {
					t.Errorf("%s = %+v, want version %s", name, e, version)
				}
			}
			// "Optional Deps : perl: ..." continuation lines name
			// packages too; they must not become entries.
			if e := find(got, "python"); len(e) != 0 {
				t.Errorf("an optional dependency became an entry: %+v", e)
			}
		})
	}
}

func TestParseSnapCaptures(t *testing.T) {
	// snap list prints a header line, then one line per snap.
	line := regexp.MustCompile(`\S`)
	picked := map[string]map[string]string{
		"snap": {"core18": "20191030", "kdenlive": "19.08.2", "scrcpy": "v1.10", "snapd": "2.42"},
	}
	for _, file := range packagingCaptures(t, "snap") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b := readFile(t, file)
			got := parseSnapList(b)
			// GLPI's expected parse lists 3 snaps: it leaves out those
			// whose Notes say base, core or snapd (core18, snapd). `snap
			// list` lists 5, and so does Tandem: a base and snapd are
			// installed, take refreshes and security fixes like any
			// snap, and GLPI itself lists flatpak's runtimes.
			if want := countLines(b, line) - 1; len(got) != want || want <= 0 {
				t.Errorf("%d snaps, want %d (the lines after the header)", len(got), want)
			}
			checkEntries(t, got, msp.SourceSnap)
			for name, version := range picked[filepath.Base(file)] {
				if e := find(got, name); len(e) != 1 || e[0].Version != version {
					t.Errorf("%s = %+v, want version %s", name, e, version)
				}
			}
			// The same machine's `snap info NAME` captures say which
			// version is installed: "installed:   19.08.2   (22) 100MB -".
			for _, info := range packagingCaptures(t, "snap_*") {
				name := strings.TrimPrefix(filepath.Base(info), "snap_")
				installed := ""
				for l := range strings.Lines(string(readFile(t, info))) {
					if v, ok := strings.CutPrefix(l, "installed:"); ok {
						installed = strings.Fields(v)[0]
					}
				}
				if e := find(got, name); len(e) != 1 || e[0].Version != installed {
					t.Errorf("%s = %+v; snap info says installed %q", name, e, installed)
				}
			}
		})
	}
	// `snap list --all` also lists the disabled revisions kept for a
	// revert; they are not the snap in use. (No capture has --all; this
	// line is shaped after the capture's own.)
	all := "Name    Version   Rev   Tracking  Publisher   Notes\ncore18  20191030  1265  stable    canonical*  base\ncore18  20190910  1192  stable    canonical*  base,disabled\n"
	if got := parseSnapList([]byte(all)); len(got) != 1 || got[0].Version != "20191030" {
		t.Errorf("snap list --all: %+v", got)
	}
}

// flatpakInfo reads the fields of one `flatpak info` capture.
func flatpakInfo(t *testing.T, file string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for l := range strings.Lines(string(readFile(t, file))) {
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

func TestParseFlatpakCaptures(t *testing.T) {
	// The capture is `flatpak list -a --columns=application,branch,installation,name`:
	// one ref a line.
	captured := []string{"application", "branch", "installation", "name"}
	line := regexp.MustCompile(`\S`)
	for _, file := range packagingCaptures(t, "flatpak") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b := readFile(t, file)
			got := parseFlatpakList(b, captured)
			if want := countLines(b, line); len(got) != want || want == 0 {
				t.Errorf("%d refs, want %d (the lines)", len(got), want)
			}
			checkEntries(t, got, msp.SourceFlatpak)
			// Without a version column the branch is the version.
			// GLPI names these "VSCodium" and "default": its name is the
			// display name, which three GL refs here share. Tandem names
			// a ref by its application ID, as flatpak install, update and
			// uninstall do.
			if e := find(got, "com.vscodium.codium"); len(e) != 1 || e[0].Version != "stable" {
				t.Errorf("com.vscodium.codium = %+v", e)
			}
			gl := find(got, "org.freedesktop.Platform.GL.default")
			if len(gl) != 3 || gl[0].Version != "19.08" || gl[1].Version != "20.08" || gl[2].Version != "20.08" {
				t.Errorf("GL.default refs = %+v, want 19.08 (system), 20.08 (system), 20.08 (user)", gl)
			}

			// The collector asks for a version column as well, which
			// prints what `flatpak info` calls Version. The same
			// machine's `flatpak info` of every listed ref was captured
			// (flatpak_<id>_<branch>_<installation>): each line of the
			// list must have its info capture, and the list the collector
			// asks for is assembled from the two, cell by cell.
			var assembled strings.Builder
			var wantVersions []string
			seen := 0
			for l := range strings.Lines(string(b)) {
				cells := strings.Split(strings.TrimRight(l, "\n"), "\t")
				id, branch, installation, name := cells[0], cells[1], cells[2], cells[3]
				infoFile := filepath.Join(packagingDir, "flatpak_"+id+"_"+branch+"_"+installation)
				info := flatpakInfo(t, infoFile)
				seen++
				if info["ID"] != id || info["Branch"] != branch || info["Installation"] != installation {
					t.Errorf("%s: ID %q, Branch %q, Installation %q", infoFile, info["ID"], info["Branch"], info["Installation"])
				}
				assembled.WriteString(strings.Join([]string{id, branch, info["Version"], installation, name}, "\t") + "\n")
				wantVersions = append(wantVersions, orDefault(info["Version"], branch))
			}
			if n := len(packagingCaptures(t, "flatpak_*")); seen != n {
				t.Errorf("the list names %d refs; %d info captures", seen, n)
			}
			withVersion := parseFlatpakList([]byte(assembled.String()), flatpakColumns)
			var gotVersions []string
			for _, s := range withVersion {
				gotVersions = append(gotVersions, s.Version)
			}
			// GLPI's expected versions are the same: Version from
			// flatpak info, else the branch (1.52.1 for VSCodium, 27.2.1
			// for OBS, 19.08 for the oldest GL driver).
			if !slices.Equal(gotVersions, wantVersions) {
				t.Errorf("versions with the version column = %q, want %q", gotVersions, wantVersions)
			}
			if e := find(withVersion, "com.obsproject.Studio"); len(e) != 1 || e[0].Version != "27.2.1" {
				t.Errorf("com.obsproject.Studio = %+v", e)
			}
		})
	}
	// flatpak prints a header on a terminal; it is not a ref.
	header := "Application ID\tBranch\tVersion\tInstallation\tName\n"
	if got := parseFlatpakList([]byte(header), flatpakColumns); len(got) != 0 {
		t.Errorf("header parsed as %+v", got)
	}
}

// readFile reads a test file or fails the test.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzPackageLists feeds every package capture to the three parsers: none
// may panic, and every entry they return has a name.
func FuzzPackageLists(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(packagingDir, "*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lists := [][]msp.Software{parsePacmanQi(b), parseSnapList(b), parseFlatpakList(b, flatpakColumns), parseFlatpakList(b, nil)}
		for _, l := range lists {
			for _, s := range l {
				if strings.TrimSpace(s.Name) == "" {
					t.Fatalf("an entry without a name: %+v", s)
				}
			}
		}
	})
}
