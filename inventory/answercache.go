package inventory

// A cache of answers that change only when their inputs change: the
// package manager's update check (`apt-get -s dist-upgrade`), which is most
// of a collection's time, answers the same until the package database, the
// package lists or the package manager's configuration change. The key is
// the size and modification time of every input file; the answer is reused
// while the key is the same, and asked afresh, then stored, when it is not.
//
// Only apt is cached so: its simulation reads local files alone (the lists
// of the last apt-get update). The other update checks ask a server, so
// local files cannot say their answer is still the same: `dnf
// check-update` refreshes expired metadata from the mirrors (its answer is
// local only with -C, which would report stale metadata as current),
// `softwareupdate -l` asks Apple's catalog, and the Windows Update search
// asks Microsoft or WSUS. What they could share is a minimum interval
// between checks, which is a scheduling choice (agent.Schedule), not a
// cache of an exact answer.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"tandem/msp"
)

// cachedAnswer is one stored answer.
type cachedAnswer struct {
	Key     string      `json:"key"`
	Asked   time.Time   `json:"asked"` // when the tool gave it
	Pending []msp.Patch `json:"pending"`
}

// inputsKey hashes the size, mode and modification time of each path and,
// for a directory, of every file under it, with extra (the command and the
// environment that steer it). A path that does not exist is part of the
// key as missing. skip names directories under the paths whose content is
// not an input (apt's partial downloads).
func (c *collector) inputsKey(paths []string, skip map[string]bool, extra ...string) (string, error) {
	h := sha256.New()
	for _, e := range extra {
		fmt.Fprintf(h, "extra %q\n", e)
	}
	for _, p := range paths {
		root := c.path(p)
		var lines []string
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					lines = append(lines, fmt.Sprintf("%q missing", path))
					return nil
				}
				return err
			}
			if d.IsDir() && path != root && skip[d.Name()] {
				return filepath.SkipDir
			}
			fi, err := d.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walked: the next key differs anyway
			}
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%q %d %o %d", path, fi.Size(), fi.Mode(), fi.ModTime().UnixNano()))
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("reading the inputs of the cached answer: %w", err)
		}
		slices.Sort(lines)
		for _, l := range lines {
			fmt.Fprintln(h, l)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cachedPatches returns the stored answer of name when its key is key.
func (c *collector) cachedPatches(name, key string) (cachedAnswer, bool) {
	if c.cacheDir == "" {
		return cachedAnswer{}, false
	}
	b, err := os.ReadFile(filepath.Join(c.cacheDir, name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.log.Debug("inventory: cached answer not read", "file", name, "err", err)
		}
		return cachedAnswer{}, false
	}
	var a cachedAnswer
	if err := json.Unmarshal(b, &a); err != nil || a.Key != key || a.Pending == nil {
		return cachedAnswer{}, false
	}
	return a, true
}

// storePatches keeps an answer under key, written whole or not at all.
func (c *collector) storePatches(name string, a cachedAnswer) error {
	if c.cacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(c.cacheDir, 0o700); err != nil {
		return fmt.Errorf("keeping the update check's answer: %w", err)
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("keeping the update check's answer: %w", err)
	}
	f, err := os.CreateTemp(c.cacheDir, name+".*")
	if err != nil {
		return fmt.Errorf("keeping the update check's answer: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return errors.Join(fmt.Errorf("keeping the update check's answer in %s: %w", f.Name(), err), os.Remove(f.Name()))
	}
	if err := os.Rename(f.Name(), filepath.Join(c.cacheDir, name)); err != nil {
		return errors.Join(fmt.Errorf("keeping the update check's answer: %w", err), os.Remove(f.Name()))
	}
	return nil
}
