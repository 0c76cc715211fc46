package inventory

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/windows/registry"

	"tandem/internal/winebed"
)

// The real Uninstall keys of real machines, imported into this Windows's
// registry with regedit, come back from the collector's registry reads
// entry for entry as the export holds them. It changes HKLM, so it runs
// under wine (the test bed's own prefix) alone, and removes what it added.
func TestUninstallCapturesReadBackFromTheRegistry(t *testing.T) {
	if !winebed.UnderWine() {
		t.Skip("imports real machines' Uninstall keys into HKLM: only in the wine test bed")
	}
	c := newCollector(Options{})
	before := map[string]bool{}
	for _, s := range c.software() {
		before[s.Name+"\x00"+s.Version] = true
	}
	for _, file := range []string{"xp-Uninstall.reg", "10_russian-Uninstall.reg", "mssql_engine-Uninstall.reg"} {
		t.Run(file, func(t *testing.T) {
			path, err := filepath.Abs(regCapture(file))
			if err != nil {
				t.Fatal(err)
			}
			exported := uninstallEntries(loadReg(t, path))
			if out, err := exec.Command("regedit.exe", "/S", path).CombinedOutput(); err != nil {
				t.Fatalf("regedit /S %s: %v: %s", file, err, out)
			}
			t.Cleanup(func() { removeUninstall(t, exported) })
			var entries []winUninstall
			for _, e := range exported {
				entries = append(entries, e)
			}
			want := winSoftware(entries)
			var got []string
			for _, s := range c.software() {
				if !before[s.Name+"\x00"+s.Version] {
					got = append(got, s.Name+" | "+s.Version)
				}
			}
			var wantText []string
			for _, s := range want {
				wantText = append(wantText, s.Name+" | "+s.Version)
			}
			if !slices.Equal(got, wantText) {
				t.Errorf("%s: the registry gives %d programs, the export %d", file, len(got), len(wantText))
				for _, w := range wantText {
					if !slices.Contains(got, w) {
						t.Errorf("missing: %s", w)
					}
				}
				for _, g := range got {
					if !slices.Contains(wantText, g) {
						t.Errorf("extra: %s", g)
					}
				}
			}
			t.Logf("%s: %d Uninstall keys, %d programs listed, entry for entry", file, len(exported), len(got))
		})
	}
}

// removeUninstall deletes the imported Uninstall subkeys (and what they hold).
func removeUninstall(t *testing.T, exported map[string]winUninstall) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, uninstallPath, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if err != nil {
		t.Errorf("cleaning up: %v", err)
		return
	}
	defer k.Close()
	for sub := range exported {
		if err := deleteTree(k, sub); err != nil {
			t.Errorf("cleaning up %s: %v", sub, err)
		}
	}
}

func deleteTree(parent registry.Key, name string) error {
	k, err := registry.OpenKey(parent, name, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if err != nil {
		return nil // already gone
	}
	subs, _ := k.ReadSubKeyNames(-1)
	for _, s := range subs {
		if err := deleteTree(k, s); err != nil {
			k.Close()
			return err
		}
	}
	k.Close()
	return registry.DeleteKey(parent, name)
}
