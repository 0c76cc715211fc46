package inventory

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAptCachedAnswerEqualsAFreshRun checks the kept answer of apt-get -s
// dist-upgrade against a fresh run on this machine, package for package:
// the first collection asks apt and keeps the answer; the second finds it
// with apt out of reach (PATH empty), so the answer it gives is the kept
// one; a changed input (APT_CONFIG) makes it ask again.
func TestAptCachedAnswerEqualsAFreshRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs apt-get on this machine")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get here")
	}
	if _, err := os.Stat(dpkgStatus); err != nil {
		t.Skip("no dpkg status here")
	}
	ctx := context.Background()
	dir := t.TempDir()
	first := newCollector(Options{CacheDir: dir})
	p1 := first.patches(ctx)
	if w := first.warnings(); len(w) > 0 && slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "not checked") || strings.Contains(s, "not kept") }) {
		t.Fatalf("first collection: %q", w)
	}
	if _, err := os.Stat(filepath.Join(dir, aptCacheFile)); err != nil {
		t.Fatalf("no answer kept: %v", err)
	}
	res, err := first.run(ctx, time.Minute, "apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade")
	if err != nil || res.Code != 0 {
		t.Fatalf("apt-get -s dist-upgrade: %v, exit %d: %s", err, res.Code, res.Stderr)
	}
	fresh := parseAptSimulate(res.Stdout)
	if !slices.Equal(p1.Pending, fresh) {
		t.Fatalf("the first collection's answer differs from apt-get's:\n%v\n%v", p1.Pending, fresh)
	}

	path := os.Getenv("PATH")
	t.Setenv("PATH", t.TempDir()) // apt-get cannot be run: only the kept answer can give one
	second := newCollector(Options{CacheDir: dir})
	p2 := second.patches(ctx)
	if w := second.warnings(); slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "not checked") }) {
		t.Fatalf("the kept answer was not used: %q", w)
	}
	if !slices.Equal(p2.Pending, fresh) || p2.LastChecked.IsZero() {
		t.Errorf("the kept answer (%d updates) differs from apt-get's (%d):\n%v\n%v", len(p2.Pending), len(fresh), p2.Pending, fresh)
	}
	t.Logf("%d pending updates, the same fresh and kept", len(fresh))

	// Without a cache, or with an input changed, apt must be asked: with it
	// out of reach, the check says so.
	for name, opts := range map[string]Options{"no cache": {}, "changed input": {CacheDir: dir}} {
		if name == "changed input" {
			t.Setenv("APT_CONFIG", "/nonexistent/apt.conf")
		}
		c := newCollector(opts)
		c.patches(ctx)
		if w := c.warnings(); !slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "not checked") }) {
			t.Errorf("%s: apt was not asked: %q", name, w)
		}
	}

	// A kept answer that cannot be read is asked afresh and replaced.
	t.Setenv("PATH", path)
	t.Setenv("APT_CONFIG", "")
	if err := os.WriteFile(filepath.Join(dir, aptCacheFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	third := newCollector(Options{CacheDir: dir})
	if p3 := third.patches(ctx); !slices.Equal(p3.Pending, fresh) {
		t.Errorf("after a damaged cache: %d updates, want %d", len(p3.Pending), len(fresh))
	}
	if _, ok := third.cachedPatches(aptCacheFile, mustKey(t, third)); !ok {
		t.Error("the damaged answer was not replaced")
	}
}

func mustKey(t *testing.T, c *collector) string {
	t.Helper()
	k, err := c.inputsKey(aptInputs, map[string]bool{"partial": true},
		"apt-get", "APT_CONFIG="+os.Getenv("APT_CONFIG"), "-s", "-o", "Debug::NoLocking=1", "dist-upgrade")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAptInputsKey checks what changes the key on a fake root: the status
// file's time or size, a package list, a file added to apt's
// configuration, the machine id; and what does not: a partial download,
// a file put back with its old time.
func TestAptInputsKey(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(dpkgStatus, "Package: a\nStatus: install ok installed\nVersion: 1\n")
	write(aptListsDir+"/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", "Package: a\nVersion: 2\n")
	write(aptListsDir+"/partial/x", "half")
	write("/etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n")
	c := newCollector(Options{Root: root})
	key := func() string { return mustKey(t, c) }
	k0 := key()
	if key() != k0 {
		t.Fatal("the key is not stable")
	}
	status := filepath.Join(root, dpkgStatus)
	fi, err := os.Stat(status)
	if err != nil {
		t.Fatal(err)
	}
	old := fi.ModTime()
	if err := os.Chtimes(status, old, old.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if key() == k0 {
		t.Error("a newer status file kept the key")
	}
	if err := os.Chtimes(status, old, old); err != nil {
		t.Fatal(err)
	}
	if key() != k0 {
		t.Error("the status file back at its old time changed the key")
	}
	write(aptListsDir+"/partial/x", "more of a partial download")
	if key() != k0 {
		t.Error("a partial download changed the key")
	}
	steps := []struct {
		what string
		do   func()
	}{
		{"a longer status file at the same time", func() {
			write(dpkgStatus, "Package: a\nStatus: install ok installed\nVersion: 1.1\n")
			if err := os.Chtimes(status, old, old); err != nil {
				t.Fatal(err)
			}
		}},
		{"a new package list", func() { write(aptListsDir+"/security_Packages", "Package: b\n") }},
		{"a pin", func() { write("/etc/apt/preferences.d/pin", "Package: a\nPin: version 1\nPin-Priority: 1001\n") }},
		{"a machine id", func() { write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n") }},
	}
	seen := map[string]string{k0: "the start"}
	for _, s := range steps {
		s.do()
		k := key()
		if prev, ok := seen[k]; ok {
			t.Errorf("%s: the key is that of %s", s.what, prev)
		}
		seen[k] = s.what
	}
}
