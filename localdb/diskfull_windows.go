package localdb

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isPlatformDiskFull knows Windows's own codes for a full disk: Go's
// syscall.ENOSPC is an invented value there that no call returns.
func isPlatformDiskFull(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL)
}
