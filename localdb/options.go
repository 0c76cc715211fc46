package localdb

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Profile selects badger options for where the store runs.
type Profile int

const (
	// Desktop is for the agent on an endpoint: small memtables and caches,
	// no background compactor ticks, a few MB of RSS when idle.
	Desktop Profile = iota
	// Server is for the hub: larger memtables and caches and badger's own
	// compactors, for sustained ingest.
	Server
)

// Options configure Open. The zero value is the desktop profile without
// encryption.
type Options struct {
	Profile Profile
	// EncryptionKeyFile, when set, names a file holding a 32-byte AES key
	// (see CreateKey). It must lie outside the data directory and be
	// readable by its owner alone.
	EncryptionKeyFile string
	// GCInterval is how often the value log is garbage-collected
	// (default 10 minutes).
	GCInterval time.Duration
	// CompactDelay is how long after a write the desktop profile checks
	// whether level 0 needs compacting (default 1 second).
	CompactDelay time.Duration
	// DiskReserve is the free space a write needs on the store's disk
	// (default: enough for badger's preallocated files to fill). Writes
	// fail with ErrDiskFull below it, before badger could fault on a
	// full disk.
	DiskReserve uint64
	// Logger receives badger's warnings and errors (default slog.Default).
	Logger *slog.Logger
}

const (
	desktopMemTable = 8 << 20
	desktopVlogFile = 32 << 20
	serverMemTable  = 64 << 20
	serverVlogFile  = 256 << 20
)

func (o Options) withDefaults() Options {
	if o.GCInterval <= 0 {
		o.GCInterval = 10 * time.Minute
	}
	if o.CompactDelay <= 0 {
		o.CompactDelay = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DiskReserve == 0 {
		// A memtable's write-ahead log and a value-log file are sparse
		// files mapped into memory: writing into them on a full disk
		// faults the process instead of returning an error. Keep room for
		// both to fill, plus a level-0 table.
		if o.Profile == Server {
			o.DiskReserve = 2*serverMemTable + serverVlogFile + 16<<20
		} else {
			o.DiskReserve = 2*desktopMemTable + desktopVlogFile + 4<<20
		}
	}
	return o
}

// badgerOptions returns the badger options for dir and the profile.
func (o Options) badgerOptions(dir string, key []byte) badger.Options {
	bo := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{o.Logger}).
		WithSyncWrites(true).
		WithMetricsEnabled(false).
		WithCompression(options.None).
		WithNumVersionsToKeep(1).
		WithDetectConflicts(true)
	switch o.Profile {
	case Server:
		bo = bo.WithMemTableSize(serverMemTable).
			WithNumMemtables(3).
			WithValueLogFileSize(serverVlogFile).
			WithValueThreshold(64 << 10).
			WithBlockCacheSize(64 << 20).
			WithIndexCacheSize(32 << 20).
			WithNumCompactors(2).
			WithNumGoroutines(4)
	default:
		// Badger's defaults are for servers: 64 MB memtables ×5, a 256 MB
		// block cache, 1 GB value-log files and four compactors that tick
		// every 50 ms. A desktop store of some ten thousand tickets needs
		// a fraction of that, and no ticking.
		bo = bo.WithMemTableSize(desktopMemTable).
			WithNumMemtables(2).
			WithNumLevelZeroTables(4).
			WithNumLevelZeroTablesStall(12).
			WithBaseTableSize(2 << 20).
			WithBaseLevelSize(8 << 20).
			WithValueLogFileSize(desktopVlogFile).
			WithValueThreshold(32 << 10).
			WithBlockCacheSize(0).
			WithIndexCacheSize(0).
			WithNumCompactors(0).
			WithNumGoroutines(2)
	}
	if len(key) > 0 {
		// Badger needs a block and an index cache to hold decrypted
		// blocks and table indexes.
		bo = bo.WithEncryptionKey(key).
			WithEncryptionKeyRotationDuration(30 * 24 * time.Hour)
		if bo.BlockCacheSize == 0 {
			bo = bo.WithBlockCacheSize(4 << 20)
		}
		if bo.IndexCacheSize == 0 {
			bo = bo.WithIndexCacheSize(2 << 20)
		}
	}
	return bo
}

// badgerLogger sends badger's log lines to slog: its errors and warnings as
// warnings, its chatter as debug.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger", "detail", line(f, a)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger", "detail", line(f, a)) }
func (b badgerLogger) Infof(f string, a ...any)    { b.l.Debug("badger", "detail", line(f, a)) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.l.Debug("badger", "detail", line(f, a)) }

func line(f string, a []any) string { return strings.TrimSpace(fmt.Sprintf(f, a...)) }
