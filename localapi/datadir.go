package localapi

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDataDir is the agent's data directory unless --data says
// otherwise: $TANDEM_DATA, else where the agent service keeps its data on
// this system. The agent, the tray and the windows all start from it, so
// they meet at the same socket (or, on Windows, the same pipe).
func DefaultDataDir() string {
	if d := os.Getenv("TANDEM_DATA"); d != "" {
		return d
	}
	switch runtime.GOOS {
	case "windows":
		return filepath.Join(programData(), "Tandem", "agent")
	case "darwin":
		return "/Library/Application Support/Tandem/agent"
	}
	return "/var/lib/tandem-agent"
}

// programDataFromEnv is %ProgramData%, with Windows' usual default.
func programDataFromEnv() string {
	if p := os.Getenv("ProgramData"); p != "" {
		return p
	}
	return `C:\ProgramData`
}
