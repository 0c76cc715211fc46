package packaging

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tandem/localapi"
	"tandem/tray"
)

// plistValue is one decoded property-list value: a string, an integer (as
// its text), a bool, an array or a dict.
type plistValue struct {
	kind  string // "string", "integer", "true", "false", "array", "dict", ...
	text  string
	items []plistValue
	dict  map[string]plistValue
}

// parsePlist decodes an XML property list (Apple's DTD) with encoding/xml,
// strictly: unknown elements, keys without values and duplicate keys fail.
func parsePlist(b []byte) (plistValue, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err != nil {
			return plistValue{}, fmt.Errorf("looking for <plist>: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return plistValue{}, fmt.Errorf("root element is <%s>, not <plist>", se.Name.Local)
			}
			v, end, err := nextValue(d)
			if err != nil {
				return plistValue{}, err
			}
			if end {
				return plistValue{}, errors.New("empty <plist>")
			}
			if _, end, err := nextValue(d); err != nil || !end {
				return plistValue{}, fmt.Errorf("<plist> holds more than one value (%v)", err)
			}
			return v, nil
		}
	}
}

// nextValue reads the next value element; end is true at the parent's
// closing tag.
func nextValue(d *xml.Decoder) (v plistValue, end bool, err error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return v, false, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return v, true, nil
		case xml.StartElement:
			v.kind = t.Name.Local
			switch v.kind {
			case "string", "integer", "real", "date", "data", "key":
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return v, false, err
				}
				v.text = s
				return v, false, nil
			case "true", "false":
				if err := d.Skip(); err != nil {
					return v, false, err
				}
				return v, false, nil
			case "array":
				for {
					item, end, err := nextValue(d)
					if err != nil {
						return v, false, err
					}
					if end {
						return v, false, nil
					}
					v.items = append(v.items, item)
				}
			case "dict":
				v.dict = map[string]plistValue{}
				for {
					k, end, err := nextValue(d)
					if err != nil {
						return v, false, err
					}
					if end {
						return v, false, nil
					}
					if k.kind != "key" {
						return v, false, fmt.Errorf("<dict> has <%s> where a <key> belongs", k.kind)
					}
					val, end, err := nextValue(d)
					if err != nil {
						return v, false, err
					}
					if end || val.kind == "key" {
						return v, false, fmt.Errorf("key %q has no value", k.text)
					}
					if _, dup := v.dict[k.text]; dup {
						return v, false, fmt.Errorf("key %q twice", k.text)
					}
					v.dict[k.text] = val
				}
			default:
				return v, false, fmt.Errorf("<%s> is not a property-list element", v.kind)
			}
		}
	}
}

func readPlist(t *testing.T, name string) plistValue {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("macos", name))
	if err != nil {
		t.Fatal(err)
	}
	v, err := parsePlist(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if v.kind != "dict" {
		t.Fatalf("%s: top level is <%s>, launchd wants a <dict>", name, v.kind)
	}
	return v
}

func args(v plistValue) []string {
	var out []string
	for _, it := range v.dict["ProgramArguments"].items {
		out = append(out, it.text)
	}
	return out
}

func TestAgentLaunchDaemon(t *testing.T) {
	v := readPlist(t, "tandem-agent.plist")
	// The label is the agent's service name (cmd/tandem-agent serviceName),
	// which `tandem-agent stop/start/uninstall` look for.
	if got := v.dict["Label"].text; got != "tandem-agent" {
		t.Errorf("Label = %q, want tandem-agent", got)
	}
	want := []string{"/usr/local/bin/tandem-agent", "run", "--data", "/Library/Application Support/Tandem/agent"}
	if got := args(v); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("ProgramArguments = %q, want %q", got, want)
	}
	for _, k := range []string{"RunAtLoad", "KeepAlive"} {
		if v.dict[k].kind != "true" {
			t.Errorf("%s is <%s>, want <true/>: the agent must run at boot and be restarted", k, v.dict[k].kind)
		}
	}
}

func TestTrayLaunchAgentMatchesTray(t *testing.T) {
	v := readPlist(t, tray.LaunchAgentLabel+".plist")
	if got := v.dict["Label"].text; got != tray.LaunchAgentLabel {
		t.Errorf("Label = %q, want %q", got, tray.LaunchAgentLabel)
	}
	if got := v.dict["LimitLoadToSessionType"].text; got != "Aqua" {
		t.Errorf("LimitLoadToSessionType = %q, want Aqua (a GUI session)", got)
	}
	exe := args(v)
	if len(exe) == 0 {
		t.Fatal("no ProgramArguments")
	}
	b, err := os.ReadFile(filepath.Join("macos", tray.LaunchAgentLabel+".plist"))
	if err != nil {
		t.Fatal(err)
	}
	if want := tray.LaunchAgent(exe[0], exe[1:]...); string(b) != want {
		t.Errorf("macos/%s.plist differs from tray.LaunchAgent(%q):\n%s\nwant:\n%s", tray.LaunchAgentLabel, exe[0], b, want)
	}
}

func TestParsePlistRejectsBrokenLists(t *testing.T) {
	for name, doc := range map[string]string{
		"key without value": `<plist version="1.0"><dict><key>Label</key></dict></plist>`,
		"duplicate key":     `<plist version="1.0"><dict><key>A</key><true/><key>A</key><false/></dict></plist>`,
		"unknown element":   `<plist version="1.0"><dict><key>A</key><bool/></dict></plist>`,
		"not closed":        `<plist version="1.0"><dict><key>A</key><string>x</dict></plist>`,
		"not a plist":       `<dict></dict>`,
	} {
		if _, err := parsePlist([]byte(doc)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestXDGAutostartMatchesTray(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("linux", tray.DesktopFileName))
	if err != nil {
		t.Fatal(err)
	}
	if want := tray.DesktopEntry("/usr/bin/tandem-tray"); string(b) != want {
		t.Errorf("linux/%s differs from tray.DesktopEntry:\n%s\nwant:\n%s", tray.DesktopFileName, b, want)
	}
}

func TestDesktopEntry(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("linux", "tandem.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	groups := parseDesktop(t, string(b))
	main := groups["Desktop Entry"]
	for k, want := range map[string]string{"Type": "Application", "Icon": "tandem", "Terminal": "false"} {
		if main[k] != want {
			t.Errorf("%s=%q, want %q", k, main[k], want)
		}
	}
	if !strings.HasPrefix(main["Exec"], "tandem open ") {
		t.Errorf("Exec=%q does not run `tandem open …`", main["Exec"])
	}
	for _, a := range strings.Split(strings.TrimSuffix(main["Actions"], ";"), ";") {
		if groups["Desktop Action "+a]["Exec"] == "" {
			t.Errorf("action %q has no [Desktop Action %s] group with Exec", a, a)
		}
	}
}

// parseDesktop reads a .desktop file's groups; a line outside the
// key=value and [group] forms fails the test.
func parseDesktop(t *testing.T, s string) map[string]map[string]string {
	t.Helper()
	groups := map[string]map[string]string{}
	var cur map[string]string
	for i, line := range strings.Split(s, "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = map[string]string{}
			groups[line[1:len(line)-1]] = cur
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == nil {
				t.Fatalf("line %d: %q is not key=value inside a group", i+1, line)
			}
			cur[k] = v
		}
	}
	return groups
}

// TestMSISource checks what the MSI promises: the service under the
// agent's own name, and the tray's Run value where the tray expects it.
func TestMSISource(t *testing.T) {
	f, err := os.Open(filepath.Join("windows", "tandem.wxs"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	var services, runValues int
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("tandem.wxs: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch se.Name.Local {
		case "ServiceInstall", "ServiceControl":
			if attr["Name"] != "tandem-agent" {
				t.Errorf("%s Name=%q, want tandem-agent (the agent's service name)", se.Name.Local, attr["Name"])
			}
			services++
		case "RegistryValue":
			if attr["Key"] == tray.RunKeyPath {
				runValues++
				if attr["Root"] != "HKLM" || attr["Name"] != tray.RunValueName {
					t.Errorf("Run value %s\\%s, want HKLM\\%s", attr["Root"], attr["Name"], tray.RunValueName)
				}
			}
		}
	}
	if services != 2 || runValues != 1 {
		t.Errorf("found %d ServiceInstall/ServiceControl and %d Run values, want 2 and 1", services, runValues)
	}
}

func TestFyneAppMetadata(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("macos", "FyneApp.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	// The icon path is relative to the repository's root, where fyne
	// package reads FyneApp.toml.
	if !strings.Contains(s, `Icon = "assets/icon.png"`) {
		t.Error(`FyneApp.toml: want Icon = "assets/icon.png"`)
	}
	if _, err := os.Stat(filepath.Join("..", "assets", "icon.png")); err != nil {
		t.Errorf("the icon FyneApp.toml names: %v", err)
	}
	if !strings.Contains(s, `ID = "io.tandem.desktop"`) {
		t.Error(`FyneApp.toml: want ID = "io.tandem.desktop" (tandem/app.AppID)`)
	}
}

// The Debian version of a build: a tag is a version, a bare commit hash
// (no tag yet) sorts below every release, even one made only of digits.
func TestDebVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"v1.2.3", "1.2.3"},
		{"v1.2.3-4-gabc1234-dirty", "1.2.3+4.gabc1234.dirty"},
		{"1.4", "1.4"},
		{"abc1234", "0.0~gitabc1234"},
		{"7216862", "0.0~git7216862"},
		{"7216862-dirty", "0.0~git7216862.dirty"},
	} {
		out, err := exec.Command("bash", "-c", `source ../scripts/debversion.sh && debversion "$1"`, "debversion", tc.in).Output()
		if err != nil {
			t.Fatalf("debversion %s: %v", tc.in, err)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("debversion %s = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// unitSettings reads the [Service] and [Unit] settings of a systemd unit:
// each key with every value it is given.
func unitSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not KEY=VALUE", path, line)
			continue
		}
		m[k] = append(m[k], v)
	}
	return m
}

// TestUnitsAreHardened checks that both units keep the sandboxing the
// issue asked for, and, where systemd-analyze is installed (make test's
// packaging stage installs it and checks the same with the built
// packages), that systemd rates their exposure under the limits.
func TestUnitsAreHardened(t *testing.T) {
	for unit, limit := range map[string]float64{"tandem-hub": 2.5, "tandem-agent": 5} {
		path := filepath.Join("systemd", unit+".service")
		s := unitSettings(t, path)
		for k, want := range map[string]string{
			"Type": "notify", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
			"StateDirectory": unit, "RuntimeDirectory": unit,
		} {
			if got := s[k]; len(got) != 1 || got[0] != want {
				t.Errorf("%s: %s=%q, want %s", unit, k, got, want)
			}
		}
		for _, k := range []string{"ProtectHome", "RestrictAddressFamilies", "CapabilityBoundingSet", "SystemCallFilter", "Documentation"} {
			if len(s[k]) == 0 {
				t.Errorf("%s: no %s=", unit, k)
			}
		}
		if unit == "tandem-agent" && !slices.Contains(s["ExecStart"], "/usr/bin/tandem-agent run --data "+localapi.SystemDataDir) {
			t.Errorf("%s: ExecStart=%q does not use %s, the data directory whose socket is in %s", unit, s["ExecStart"], localapi.SystemDataDir, localapi.RuntimeDir)
		}
		if unit == "tandem-agent" && "/run/"+s["RuntimeDirectory"][0] != localapi.RuntimeDir {
			t.Errorf("%s: RuntimeDirectory=%s, but the agent puts its socket in %s", unit, s["RuntimeDirectory"][0], localapi.RuntimeDir)
		}
		sa, err := exec.LookPath("systemd-analyze")
		if err != nil {
			t.Logf("systemd-analyze is not installed: the exposure of %s is checked by make test-packaging-ci", unit)
			continue
		}
		out, err := exec.Command(sa, "security", "--offline=true", path).CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze security %s: %v\n%s", path, err, out)
			continue
		}
		var got float64
		for line := range strings.SplitSeq(string(out), "\n") {
			if _, rest, ok := strings.Cut(line, "Overall exposure level for "+unit+".service: "); ok {
				fmt.Sscanf(rest, "%g", &got)
			}
		}
		if got == 0 || got > limit {
			t.Errorf("systemd-analyze security rates %s %.1f, want at most %.1f:\n%s", unit, got, limit, out)
		}
	}
}
