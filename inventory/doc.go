// Package inventory collects what the agent reports about a device: host
// name, operating system, the machine (vendor, model, serial, BIOS),
// processor, memory and its modules, disks, network interfaces, installed
// software with the source of each entry (dpkg, rpm or pacman, and snap
// and flatpak on Linux; the applications system_profiler lists on macOS),
// pending updates and the security posture
// (firewall, disk encryption, automatic updates, antivirus).
//
// [Collect] gathers a full report; [CollectPatches] and [CollectPosture] run
// the slower or more volatile parts on their own schedule. Nothing here needs
// root: what root would reveal (the nftables ruleset, the SMBIOS table that
// dmidecode reads for memory modules and serial numbers) is reported as a
// warning in the report, and the collection carries on. A tool that is not
// installed is not an error either: the check it would have answered reads
// "unknown" with evidence that says what was missing.
//
// Each platform has its own file (collect_linux.go, collect_windows.go,
// collect_darwin.go; collect_other.go returns [ErrUnsupported] elsewhere).
// The parsers are pure functions in files without a build tag
// (linuxparse.go, dmiparse.go, winparse.go, macparse.go), so they are
// tested on every platform against the real tools' output, kept in
// testdata/: real machines' captures in testdata/captures (dmidecode
// from many machines; pacman, snap, flatpak; /proc/cpuinfo of nine
// architectures; os-release; system_profiler from Mac OS X 10.4 to macOS
// 14, with GLPI's expected parse of four application lists; the macOS
// antivirus tools and firewall state; WMI's processors, memory, disks and
// BitLocker), samples elsewhere. Each parser also has a fuzz target seeded
// with its captures. [GLPI] exports a report in the GLPI native inventory
// format.
//
// The package manager's update check (apt-get -s dist-upgrade) is most of
// a collection's time; with [Options].CacheDir its answer is kept and
// reused while its inputs (dpkg's status, apt's lists and configuration)
// keep their sizes and times.
//
// On Windows each source is split in two: a query part (wmi_windows.go,
// wua_windows.go, the registry reads) that returns property sets as text,
// as `wmic` prints them, and a pure mapping (wmimap.go, firewall.go,
// bitlocker.go, antivirus.go) from property sets to the report, tested on
// real machines' captures in testdata/captures.
package inventory
