package localdb

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// KeySize is the length of an encryption key: AES-256.
const KeySize = 32

// CreateKey writes a new random key to path, readable by its owner alone.
// It refuses to overwrite an existing file: losing a key loses the store.
func CreateKey(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("localdb: generate an encryption key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("localdb: create the key's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%w: create key file %s: %v", ErrKey, path, err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return fmt.Errorf("%w: write key file %s: %v", ErrKey, path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%w: sync key file %s: %v", ErrKey, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w: close key file %s: %v", ErrKey, path, err)
	}
	return nil
}

// readKey reads and checks the key file for the store in dir.
func readKey(path, dir string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: key file %q: %v", ErrKey, path, err)
	}
	if rel, err := filepath.Rel(dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("%w: the key file %s lies inside the data directory %s; keep it elsewhere (a copy of the directory must not carry its key)", ErrKey, abs, dir)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read the key file %s: %v; without it the encrypted store cannot be opened (restore the file from your backup)", ErrKey, abs, err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: the key file %s can be read by other users (mode %v); make it private with: chmod 600 %s", ErrKey, abs, info.Mode().Perm(), abs)
	}
	key, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: read key file %s: %v", ErrKey, abs, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: the key file %s holds %d bytes, not %d; it is not a Tandem key", ErrKey, abs, len(key), KeySize)
	}
	return key, nil
}
