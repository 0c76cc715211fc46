// Package logfile is a size-capped log file: when the file passes its
// limit it is renamed to NAME.1 (replacing the previous one) and a new file
// starts, so the logs of a program that runs for years take at most twice
// the limit. When the rename fails (on Windows, while another program holds
// the file open without sharing it for deletion) it keeps writing to the
// same file, says so in it, and tries again after another eighth of the
// limit.
package logfile

import (
	"fmt"
	"os"
	"sync"
)

// File is an io.Writer onto a capped log file. It is safe for concurrent use.
type File struct {
	mu    sync.Mutex
	path  string
	limit int64
	f     *os.File
	size  int64
	// retryAt is the size at which a rotation that failed is tried again.
	retryAt int64
}

// Open opens (appending) or creates path, capped at limit bytes.
func Open(path string, limit int64) (*File, error) {
	l := &File{path: path, limit: limit}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *File) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("opening the log file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening the log file: %w", err)
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// Write writes p, rotating first when the file would pass its limit.
func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil { // an earlier open failed: try again
		if err := l.open(); err != nil {
			return 0, err
		}
	}
	if l.size > 0 && l.size+int64(len(p)) > max(l.limit, l.retryAt) {
		if err := l.rotate(); err != nil {
			if l.f == nil {
				return 0, err
			}
			// Still writing to the file: the log is longer than its cap
			// until the other program lets go, never lost.
			l.retryAt = l.size + l.limit/8
			msg := fmt.Sprintf("logfile: %v; writing on in %s and trying again later\n", err, l.path)
			n, _ := l.f.WriteString(msg)
			l.size += int64(n)
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// rotate renames the file to NAME.1 and starts a new one. When the rename
// fails it reopens the file as it was and returns why; l.f is nil only when
// no file could be opened at all.
func (l *File) rotate() error {
	if err := l.f.Close(); err != nil {
		l.f = nil
		if oerr := l.open(); oerr != nil {
			return fmt.Errorf("rotating the log file: %w (and reopening it: %w)", err, oerr)
		}
		return fmt.Errorf("rotating the log file: %w", err)
	}
	l.f = nil
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		if oerr := l.open(); oerr != nil {
			return fmt.Errorf("rotating the log file: %w (and reopening it: %w)", err, oerr)
		}
		return fmt.Errorf("rotating the log file (is another program holding it open?): %w", err)
	}
	l.retryAt = 0
	return l.open()
}

// Close closes the file.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
