package inventory

import (
	"path/filepath"
	"strings"
	"testing"

	"tandem/msp"
)

// TestAntivirusToolCaptures reads every antivirus capture of the macOS and
// Linux agents' tools that the GLPI captures hold: Microsoft Defender
// (macOS 101.98.30, Linux 101.23062.0010), Cortex XDR (macOS 8.2.1.47908,
// Linux 8.2.1.120305) and SentinelOne (30.1.1.10). No ESET capture exists;
// ESET is found by its daemon only (macAVDaemons). bduitool (Bitdefender on
// Linux) is not a macOS tool and is not read.
func TestAntivirusToolCaptures(t *testing.T) {
	cases := []struct {
		name  string
		read  func() (avReport, error)
		want  avReport
		words []string
	}{
		{"defender macOS", func() (avReport, error) {
			return parseMDATPHealth(readTestdata(t, "captures/macos/antivirus/defender-101.98.30.json"))
		}, avReport{Product: "Microsoft Defender for Endpoint", Version: "101.98.30", On: true}, []string{"definitions 1.389.10.0 upToDate"}},
		{"cortex macOS", func() (avReport, error) {
			d := "captures/macos/antivirus/cortex-xdr-8.2.1.47908-"
			return parseCytool(readTestdata(t, d+"info"), readTestdata(t, d+"info-query"), readTestdata(t, d+"runtime-query"))
		}, avReport{Product: "Cortex XDR", Version: "8.2.1.47908", On: true}, []string{"content 1270-79108", "4 processes running or loaded"}},
		{"sentinelone", func() (avReport, error) {
			return parseSentinelCtl(readTestdata(t, "captures/linux/antivirus/sentinelone-30.1.1.10"))
		}, avReport{Product: "SentinelOne", Version: "30.1.1.10", On: true}, []string{"agent enabled"}},
	}
	for _, tc := range cases {
		got, err := tc.read()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.Product != tc.want.Product || got.Version != tc.want.Version || got.On != tc.want.On || got.Stale {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		for _, w := range tc.words {
			if !strings.Contains(got.Detail, w) {
				t.Errorf("%s: detail %q lacks %q", tc.name, got.Detail, w)
			}
		}
		if c := avChecks([]avReport{got}); c.State != msp.CheckOK || !strings.Contains(c.Evidence, tc.want.Version) {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
}

// TestAntivirusToolStates turns the captures into the states they would
// show off, stale or stopped.
func TestAntivirusToolStates(t *testing.T) {
	b := string(readTestdata(t, "captures/macos/antivirus/defender-101.98.30.json"))
	off := strings.Replace(b, `"realTimeProtectionEnabled":{"displayValue":true,"isManaged":false,"value":true}`, `"realTimeProtectionEnabled":{"displayValue":true,"isManaged":false,"value":false}`, 1)
	stale := strings.Replace(b, `{"$type":"upToDate"}`, `{"$type":"outdated"}`, 1)
	if off == b || stale == b {
		t.Fatal("the capture no longer holds the fields this test edits")
	}
	for name, in := range map[string]string{"off": off, "stale": stale} {
		a, err := parseMDATPHealth([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if c := avChecks([]avReport{a}); c.State != msp.CheckFailing {
			t.Errorf("defender %s: %+v", name, c)
		}
	}
	rt := string(readTestdata(t, "captures/macos/antivirus/cortex-xdr-8.2.1.47908-runtime-query"))
	a, err := parseCytool(nil, nil, []byte(strings.Replace(rt, "Running", "Stopped", 1)))
	if err != nil || a.On || !strings.Contains(a.Detail, "not running: cortex xdr") {
		t.Errorf("cortex stopped: %+v, %v", a, err)
	}
	if _, err := parseCytool(nil, nil, []byte("cytool: permission denied\n")); err == nil {
		t.Error("no error for cytool output without its table")
	}
	if _, err := parseMDATPHealth([]byte(`{"$type":"error"}`)); err == nil {
		t.Error("no error for mdatp output without a version")
	}
	if _, err := parseSentinelCtl([]byte("command not found")); err == nil {
		t.Error("no error for sentinelctl output without a version")
	}
	// `sentinelctl version` alone: the version, and no word on the state.
	v, err := parseSentinelCtl([]byte("Agent version: 30.1.1.10\nSentinelCTL version: 30.1.1.10\n"))
	if err != nil || v.Version != "30.1.1.10" || !v.NoState || v.On {
		t.Errorf("sentinelctl version: %+v, %v", v, err)
	}
}

// TestMacFirewallCaptures reads the GLPI macOS firewall captures: the
// Application Firewall's globalstate (1) and launchctl's job list with and
// without its daemon.
func TestMacFirewallCaptures(t *testing.T) {
	state := readTestdata(t, "captures/macos/firewall/defaults_read_preferences_com_alf_globalstate.txt")
	loaded := readTestdata(t, "captures/macos/firewall/launctl_list.txt")
	unloaded := readTestdata(t, "captures/macos/firewall/launctl_list_unloaded.txt")
	if pid, ok := launchctlJob(loaded, "com.apple.alf"); !ok || pid != "8116" {
		t.Errorf("com.apple.alf in launchctl list: %q, %v", pid, ok)
	}
	if _, ok := launchctlJob(unloaded, "com.apple.alf"); ok {
		t.Error("com.apple.alf found in the unloaded list")
	}
	if c := macALF(state, loaded); c.State != msp.CheckOK || !strings.Contains(c.Evidence, "globalstate 1, com.apple.alf loaded (pid 8116)") {
		t.Errorf("on: %+v", c)
	}
	if c := macALF(state, unloaded); c.State != msp.CheckFailing || !strings.Contains(c.Evidence, "not loaded") {
		t.Errorf("daemon unloaded: %+v", c)
	}
	if c := macALF([]byte("0\n"), nil); c.State != msp.CheckFailing {
		t.Errorf("off: %+v", c)
	}
	if c := macALF([]byte("The domain/default pair of (com.apple.alf, globalstate) does not exist"), nil); c.State != msp.CheckUnknown {
		t.Errorf("missing: %+v", c)
	}
}

// FuzzAntivirusTools feeds the antivirus and firewall captures, and what
// the fuzzer makes of them, to their parsers: none may panic.
func FuzzAntivirusTools(f *testing.F) {
	for _, g := range []string{"testdata/captures/macos/antivirus/*", "testdata/captures/macos/firewall/*", "testdata/captures/linux/antivirus/*"} {
		files, _ := filepath.Glob(g)
		for _, name := range files {
			f.Add(readTestdata(f, strings.TrimPrefix(filepath.ToSlash(name), "testdata/")))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseMDATPHealth(b)
		_, _ = parseCytool(b, b, b)
		_, _ = parseSentinelCtl(b)
		_ = macALF(b, b)
	})
}
