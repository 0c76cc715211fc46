//go:build !windows

package localapi

// programData is %ProgramData% (only Windows has the folder; elsewhere it
// names the Windows default, for the pipe-name tests).
func programData() string { return programDataFromEnv() }
