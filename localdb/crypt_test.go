package localdb

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestEncryptedStore(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "data")
	keyFile := filepath.Join(base, "keys", "store.key")
	if err := CreateKey(keyFile); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		info, err := os.Stat(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
		}
	}
	if err := CreateKey(keyFile); err == nil {
		t.Error("CreateKey overwrote an existing key")
	}

	secret := []byte("Jane Doe's payroll spreadsheet will not open")
	db, err := Open(t.Context(), dir, Options{EncryptionKeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(t.Context(), func(tx *Tx) error { return tx.Put(Key(SpaceTicket, "1"), secret) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Nothing on disk shows the plain text.
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, secret) || bytes.Contains(b, []byte("payroll")) {
			t.Errorf("%s holds the ticket in plain text", d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The right key reads it back.
	db, err = Open(t.Context(), dir, Options{EncryptionKeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		v, err := tx.Get(Key(SpaceTicket, "1"))
		if err != nil || !bytes.Equal(v, secret) {
			t.Errorf("read back %q, %v", v, err)
		}
		return nil
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// No key, or another key: a clear ErrKey.
	if _, err := Open(t.Context(), dir, Options{}); !errors.Is(err, ErrKey) {
		t.Errorf("open without key: %v, want ErrKey", err)
	}
	other := filepath.Join(base, "other.key")
	if err := CreateKey(other); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), dir, Options{EncryptionKeyFile: other}); !errors.Is(err, ErrKey) {
		t.Errorf("open with another key: %v, want ErrKey", err)
	}
	if _, err := Open(t.Context(), dir, Options{EncryptionKeyFile: filepath.Join(base, "gone.key")}); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "restore") {
		t.Errorf("open with a missing key file: %v", err)
	}
}

func TestUnsafeKeyFilesAreRefused(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "data")
	inside := filepath.Join(dir, "store.key")
	if err := CreateKey(inside); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), dir, Options{EncryptionKeyFile: inside}); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "inside the data directory") {
		t.Errorf("key inside the data directory: %v", err)
	}
	short := filepath.Join(base, "short.key")
	if err := os.WriteFile(short, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), dir, Options{EncryptionKeyFile: short}); !errors.Is(err, ErrKey) {
		t.Errorf("short key: %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	open := filepath.Join(base, "open.key")
	if err := CreateKey(open); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), dir, Options{EncryptionKeyFile: open}); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: %v", err)
	}
}
