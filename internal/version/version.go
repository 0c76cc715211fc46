// Package version holds the version of Tandem that the build stamped into the
// binaries (make sets it from git), and the user agent they send.
package version

import "runtime"

// Version is set at build time with -ldflags "-X tandem/internal/version.Version=...".
var Version = "dev"

// UserAgent is what Tandem programs send as the HTTP User-Agent.
func UserAgent(program string) string {
	return program + "/" + Version + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")"
}
