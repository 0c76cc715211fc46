//go:build !windows

package localdb

// isPlatformDiskFull: on Unix syscall.ENOSPC is the code, checked by isDiskFull.
func isPlatformDiskFull(error) bool { return false }
