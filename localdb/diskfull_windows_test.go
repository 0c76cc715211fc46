package localdb

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows"
)

// A write that fails on a full Windows disk is named a full disk, with
// what to do, not damage.
func TestWindowsDiskFullIsNamed(t *testing.T) {
	for _, code := range []windows.Errno{windows.ERROR_DISK_FULL, windows.ERROR_HANDLE_DISK_FULL} {
		err := fmt.Errorf("sync: %w", &os.PathError{Op: "write", Path: `C:\ProgramData\Tandem\store\000001.vlog`, Err: code})
		if !isDiskFull(err) {
			t.Errorf("%v is not taken for a full disk", code)
		}
		if got := classifyWrite(`C:\ProgramData\Tandem\store`, err); !errors.Is(got, ErrDiskFull) {
			t.Errorf("classifyWrite(%v) = %v, want ErrDiskFull", code, got)
		}
	}
}
