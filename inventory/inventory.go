package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"tandem/msp"
)

// Report is one device report: the shared inventory, what the collectors
// found beyond it, and the warnings about what they could not see. Its JSON
// flattens msp.Inventory, so "hostname", "os", "disks" and the rest sit at the
// top level beside "machine" and "warnings".
type Report struct {
	msp.Inventory
	// Machine holds details msp.Inventory has no field for; the GLPI export
	// uses them.
	Machine Machine `json:"machine,omitzero"`
	// Warnings says, in words, what could not be collected and why (for
	// example, what needs root).
	Warnings []string `json:"warnings,omitempty"`
}

// Machine holds what the collectors learn beyond msp.Inventory. Every field
// may be empty when the platform or the caller's rights do not reveal it.
// The machine's vendor, model, serial and BIOS are in msp.Inventory's
// Hardware, which the hub receives.
type Machine struct {
	Arch          string    `json:"arch,omitempty"`           // "x86_64", "aarch64"
	OSFullName    string    `json:"os_full_name,omitempty"`   // "Debian GNU/Linux 12 (bookworm)"
	UUID          string    `json:"uuid,omitempty"`           // system UUID (root on Linux)
	CPUVendor     string    `json:"cpu_vendor,omitempty"`     // "GenuineIntel", "AuthenticAMD", "Apple"
	CPUSockets    int       `json:"cpu_sockets,omitempty"`    //
	CPUCores      int       `json:"cpu_cores,omitempty"`      // physical cores, all sockets
	CPUMHz        int       `json:"cpu_mhz,omitempty"`        // nominal or current clock
	SwapBytes     uint64    `json:"swap_bytes,omitempty"`     //
	PackageFormat string    `json:"package_format,omitempty"` // the system's own package format: "deb", "rpm", "pacman", "registry", "app"
	InstallDate   time.Time `json:"install_date,omitzero"`    // when the OS was installed, when known
	Drives        []Drive   `json:"drives,omitempty"`         // physical drives (macOS)
}

// Drive is one physical drive.
type Drive struct {
	Name      string `json:"name"`             // "WDC WD2500AAJS-40VWA1", "APPLE SSD AP0512Q"
	Model     string `json:"model,omitempty"`  //
	Serial    string `json:"serial,omitempty"` //
	Device    string `json:"device,omitempty"` // "disk0"
	Bus       string `json:"bus,omitempty"`    // "SATA", "NVMe", "USB", "Apple Fabric"
	Medium    string `json:"medium,omitempty"` // "Solid State", "Rotational", "SSD"
	SizeBytes uint64 `json:"size_bytes,omitempty"`
}

// Options tune a collection. The zero value collects from this machine.
type Options struct {
	// Root is the file-system root the file-based collectors read from
	// ("" means "/"). Tests point it at a fake tree. When Root is not "/",
	// no external command is run (its answer would describe this machine,
	// not the tree), and the parts that need one say so in a warning.
	Root string
	// Now gives the collection time; nil means time.Now.
	Now func() time.Time
	// CommandTimeout caps each external command; zero means 30 s.
	CommandTimeout time.Duration
	// PatchTimeout caps the package manager's update check (apt-get -s,
	// dnf check-update, the Windows Update search), which can be slow;
	// zero means 5 minutes.
	PatchTimeout time.Duration
	// Logger receives debug lines about each command; nil means slog.Default().
	Logger *slog.Logger
	// CacheDir is where the collector keeps the answers that change only
	// when their inputs do (apt-get -s dist-upgrade's, keyed on the size
	// and time of dpkg's status, apt's lists and its configuration), so
	// that a collection runs the slow tool only after a change. "" keeps
	// none: every collection asks afresh.
	CacheDir string
}

// ErrUnsupported is returned on a platform the collectors do not know.
var ErrUnsupported = errors.New("inventory: this operating system is not supported")

// Collect gathers one device report. What needs root says so in a Warning
// and the collection carries on; a missing tool leaves its part empty or
// "unknown" with evidence. The error is non-nil only when the context ends
// or the platform is not supported.
func Collect(ctx context.Context, opts Options) (Report, error) {
	c := newCollector(opts)
	var r Report
	if err := c.collect(ctx, &r); err != nil {
		return Report{}, err
	}
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("inventory: collection cut short: %w", err)
	}
	c.cap(&r.Inventory)
	r.CollectedAt = c.now()
	r.Warnings = c.warnings()
	return r, nil
}

// CollectPatches reports the pending updates and whether a reboot is needed.
// The warnings say what could not be checked.
func CollectPatches(ctx context.Context, opts Options) (msp.PatchState, []string, error) {
	c := newCollector(opts)
	p := c.patches(ctx)
	if err := ctx.Err(); err != nil {
		return msp.PatchState{}, nil, fmt.Errorf("inventory: patch check cut short: %w", err)
	}
	if len(p.Pending) > msp.MaxPendingPatches {
		c.warn("%d pending updates found; only the first %d are reported", len(p.Pending), msp.MaxPendingPatches)
		p.Pending = p.Pending[:msp.MaxPendingPatches]
	}
	return p, c.warnings(), nil
}

// CollectPosture reports the security baseline: firewall, disk encryption,
// automatic updates and antivirus, each with the evidence it rests on.
func CollectPosture(ctx context.Context, opts Options) (msp.Posture, []string, error) {
	c := newCollector(opts)
	p := c.posture(ctx)
	if err := ctx.Err(); err != nil {
		return msp.Posture{}, nil, fmt.Errorf("inventory: posture check cut short: %w", err)
	}
	return p, c.warnings(), nil
}

// collector carries one collection's options and warnings. The platform
// files give it collect, patches and posture methods.
type collector struct {
	root     string
	fakeRoot bool
	now      func() time.Time
	cmdTO    time.Duration
	patchTO  time.Duration
	log      *slog.Logger
	cacheDir string

	mu    sync.Mutex
	notes []string
}

func newCollector(o Options) *collector {
	c := &collector{
		root:     o.Root,
		now:      o.Now,
		cmdTO:    o.CommandTimeout,
		patchTO:  o.PatchTimeout,
		log:      o.Logger,
		cacheDir: o.CacheDir,
	}
	// Only a root other than the system's own is fake. Cleaning "/" gives
	// `\` on Windows, so the check is made on what the caller gave, in
	// either spelling; a fake root on Windows is a directory of captures.
	switch c.root {
	case "", "/", `\`:
		c.root = string(filepath.Separator)
	default:
		c.root = filepath.Clean(c.root)
		c.fakeRoot = true
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.cmdTO <= 0 {
		c.cmdTO = 30 * time.Second
	}
	if c.patchTO <= 0 {
		c.patchTO = 5 * time.Minute
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c
}

// path returns p (an absolute path of the target system) under the root.
func (c *collector) path(p string) string {
	if !c.fakeRoot {
		return p
	}
	return filepath.Join(c.root, p)
}

// warn records a warning. Safe for concurrent use.
func (c *collector) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Contains(c.notes, msg) {
		c.notes = append(c.notes, msg)
	}
}

// warnings returns the warnings sorted, so reports compare cleanly.
func (c *collector) warnings() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.notes)
	slices.Sort(out)
	return out
}

// cap trims lists to the caps msp.Inventory.Validate enforces, with a warning.
func (c *collector) cap(inv *msp.Inventory) {
	if n := len(inv.Disks); n > msp.MaxDisks {
		c.warn("%d file systems found; only the first %d are reported", n, msp.MaxDisks)
		inv.Disks = inv.Disks[:msp.MaxDisks]
	}
	if n := len(inv.Network); n > msp.MaxInterfaces {
		c.warn("%d network interfaces found; only the first %d are reported", n, msp.MaxInterfaces)
		inv.Network = inv.Network[:msp.MaxInterfaces]
	}
	if n := len(inv.Software); n > msp.MaxSoftware {
		c.warn("%d programs found; only the first %d are reported", n, msp.MaxSoftware)
		inv.Software = inv.Software[:msp.MaxSoftware]
	}
	if n := len(inv.Patches.Pending); n > msp.MaxPendingPatches {
		c.warn("%d pending updates found; only the first %d are reported", n, msp.MaxPendingPatches)
		inv.Patches.Pending = inv.Patches.Pending[:msp.MaxPendingPatches]
	}
	for _, ch := range []*msp.Check{&inv.Posture.Firewall, &inv.Posture.DiskEncryption, &inv.Posture.AutomaticUpdates, &inv.Posture.Antivirus} {
		ch.Evidence = clipRunes(ch.Evidence, msp.MaxEvidenceRunes)
		if ch.State == "" {
			ch.State = msp.CheckUnknown
		}
	}
}

// clipRunes shortens s to at most n runes, marking the cut with "…".
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// check builds a msp.Check.
func check(state msp.CheckState, format string, args ...any) msp.Check {
	return msp.Check{State: state, Evidence: fmt.Sprintf(format, args...)}
}

// orDefault returns s, or fallback when s is empty.
func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
