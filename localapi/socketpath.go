package localapi

import (
	"path/filepath"
	"runtime"
)

// SystemDataDir is the data directory of the agent service on Linux.
const SystemDataDir = "/var/lib/tandem-agent"

// RuntimeDir is where the Linux agent service keeps its socket: systemd
// makes it for the unit (RuntimeDirectory=tandem-agent) and removes it
// when the service stops, so no stale socket outlives the agent.
const RuntimeDir = "/run/tandem-agent"

// SocketPath is the local API socket of the agent whose data directory is
// dir: RuntimeDir/agent.sock for the Linux service's SystemDataDir, else
// dir/agent.sock (an agent run with --data of its own, and macOS). On
// Windows the agent listens on the named pipe PipeName(dir) instead.
func SocketPath(dir string) string {
	if runtime.GOOS == "linux" && filepath.Clean(dir) == SystemDataDir {
		return filepath.Join(RuntimeDir, SocketName)
	}
	return filepath.Join(dir, SocketName)
}

// legacySocketPath is where an agent of an older release listens for dir
// when that differs from SocketPath (dir/agent.sock for SystemDataDir):
// clients try it when SocketPath has no agent, so a tray upgraded before
// the agent restarted still reaches it. Empty when there is none.
func legacySocketPath(dir string) string {
	if p := filepath.Join(dir, SocketName); p != SocketPath(dir) {
		return p
	}
	return ""
}
