//go:build !windows

package agent

import (
	"fmt"
	"os"
)

// protectDataDir corrects the data directory's mode when an older agent or
// an installer created it owner-only, which locks every person's tray out
// of the socket.
func protectDataDir(dir string) error {
	if err := os.Chmod(dir, DataDirMode); err != nil {
		return fmt.Errorf("opening the data directory %s to local users' trays: %w", dir, err)
	}
	return nil
}
