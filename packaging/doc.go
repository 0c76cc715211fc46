// Package packaging holds Tandem's installer material: systemd units, the
// Debian packages' maintainer scripts, the Windows MSI source (wixl), the
// macOS launchd property lists and the app bundle's metadata. The Go code
// here is its tests: they check the files parse and agree with what the
// programs expect (service names, the tray's autostart entries).
//
// The packages themselves are built by scripts/dist.sh (make dist) and
// tested end to end by scripts/test-packaging.sh (make test-packaging).
package packaging
