package localdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Badger writes its tables and logs through memory-mapped files. On a full
// disk such a write faults the process (SIGBUS) instead of returning an
// error, and badger flushes its memtable on Close whatever the disk holds.
// So the store keeps a ballast file of real, allocated blocks in its
// directory and gives it up when the disk runs short, so that badger's own
// flushes always find room; writes are refused first (see checkSpace).
const ballastName = "TANDEM-RESERVE"

// ballastSize is the room one memtable flush and a manifest update need.
func (o Options) ballastSize() int64 {
	if o.Profile == Server {
		return serverMemTable + 8<<20
	}
	return desktopMemTable + 8<<20
}

// ensureBallast creates the ballast file when there is room for it and
// the reserve besides; otherwise it leaves it out, which is fine: writes
// are refused until space is freed.
func (db *DB) ensureBallast() {
	p := filepath.Join(db.dir, ballastName)
	size := db.opts.ballastSize()
	if info, err := os.Stat(p); err == nil && info.Size() == size {
		return
	}
	free, err := freeSpace(db.dir)
	if err != nil || free < db.opts.DiskReserve+uint64(size) {
		return
	}
	if err := writeZeros(p, size); err != nil {
		db.log.Warn("could not set aside the store's disk reserve", "err", err)
		_ = os.Remove(p)
	}
}

// releaseBallast deletes the ballast when the disk is short of space, so
// that badger can flush. It reports whether it did.
func (db *DB) releaseBallast() bool {
	free, err := freeSpace(db.dir)
	if err != nil || free >= db.opts.DiskReserve {
		return false
	}
	err = os.Remove(filepath.Join(db.dir, ballastName))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		db.log.Warn("could not release the store's disk reserve", "err", err)
		return false
	}
	db.log.Warn("the disk is nearly full: the store's reserve was released so that it can close cleanly", "free", humanBytes(free))
	return true
}

// releaseBallastBeforeOpen frees the reserve of a store that is about to
// be opened on a nearly full disk (opening replays and may flush).
func releaseBallastBeforeOpen(dir string, reserve uint64) {
	free, err := freeSpace(dir)
	if err == nil && free < reserve {
		_ = os.Remove(filepath.Join(dir, ballastName))
	}
}

func writeZeros(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	zeros := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(zeros)))
		if _, err := f.Write(zeros[:n]); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		left -= n
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}
