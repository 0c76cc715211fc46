package localapi

import "golang.org/x/sys/windows"

// programData is the ProgramData folder as the shell knows it, the same
// for every process: a service's environment need not hold %ProgramData%
// (under wine the agent's service had another, so it served on a pipe
// that neither the tray nor the windows looked for), so the variable is
// only the fallback.
func programData() string {
	if p, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0); err == nil && p != "" {
		return p
	}
	return programDataFromEnv()
}
