package localdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// Sentinel errors. Every error the package returns wraps one of these or a
// badger/system error, with the directory and the advice in its message.
var (
	// ErrNotFound: no value under the key.
	ErrNotFound = errors.New("not found")
	// ErrLocked: another process holds the store open.
	ErrLocked = errors.New("store is in use by another process")
	// ErrCorrupt: the store cannot be read.
	ErrCorrupt = errors.New("store is damaged or unreadable")
	// ErrDiskFull: the disk has no room for the write; nothing was saved.
	// It has a DiskFull method, so that a caller that must not import
	// this package (the local API) can tell it.
	ErrDiskFull error = diskFull{}
	// ErrKey: the encryption key is missing, wrong or unsafe.
	ErrKey = errors.New("encryption key problem")
	// ErrNewerSchema: the store was written by a newer version of Tandem.
	ErrNewerSchema = errors.New("store was written by a newer Tandem")
	// ErrTooBig: one transaction holds more than the store accepts at once.
	ErrTooBig = errors.New("transaction too big")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store is closed")
)

type diskFull struct{}

func (diskFull) Error() string  { return "disk is full" }
func (diskFull) DiskFull() bool { return true }

// lockHolder returns the pid badger wrote into the LOCK file, or "".
func lockHolder(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "LOCK"))
	if err != nil {
		return ""
	}
	pid := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return pid
}

// classifyOpen turns an error from badger.Open into one of ours.
func classifyOpen(dir string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Cannot acquire directory lock"), // Unix (flock)
		strings.Contains(msg, "Another process is using this Badger database"): // Windows (an exclusive LOCK handle)
		who := "another process"
		if pid := lockHolder(dir); pid != "" {
			who = "process " + pid
		}
		return fmt.Errorf("%w: %s already has the store in %s open: another Tandem agent is running with this data directory; stop it first (or use a different --data directory): %v",
			ErrLocked, who, dir, err)
	case errors.Is(err, badger.ErrEncryptionKeyMismatch):
		return fmt.Errorf("%w: the store in %s was encrypted with a different key, or is encrypted and no key was given; use the key file it was created with: %v",
			ErrKey, dir, err)
	case isDiskFull(err):
		return fmt.Errorf("%w: cannot open the store in %s because the disk is full; free some space and start again (nothing saved was lost): %v",
			ErrDiskFull, dir, err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w: no permission to read the store in %s; run the agent as the user that owns it (usually the service account): %v",
			ErrCorrupt, dir, err)
	}
	return fmt.Errorf("%w: the store in %s cannot be opened: %v. Stop the agent, move the directory aside and start again: "+
		"the agent sends again the ticket changes its outbox ledgers (beside the store) hold, tells you which, and downloads its tickets from the MSP again; "+
		"people signed in to the dashboard sign in again, and their unsent changes are sent then. "+
		"Keep the moved copy for your IT support: it may hold other changes (inventory, settings) that were not yet sent",
		ErrCorrupt, dir, err)
}

// isDiskFull reports whether err comes from a full disk or a file-size limit.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || isPlatformDiskFull(err) ||
		strings.Contains(err.Error(), "no space left on device")
}

// classifyWrite wraps an error from a commit.
func classifyWrite(dir string, err error) error {
	switch {
	case isDiskFull(err):
		return fmt.Errorf("%w: the change was not saved to %s; free some space and try again (what was saved before is safe): %v", ErrDiskFull, dir, err)
	case errors.Is(err, badger.ErrTxnTooBig):
		return fmt.Errorf("%w: split it into smaller transactions: %v", ErrTooBig, err)
	case errors.Is(err, badger.ErrDBClosed):
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return err
}

// FreeSpace returns the bytes free for unprivileged writes on dir's disk.
func FreeSpace(dir string) (uint64, error) { return freeSpace(dir) }
