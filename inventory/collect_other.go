//go:build !linux && !windows && !darwin

package inventory

import (
	"context"
	"runtime"

	"tandem/msp"
)

// collect reports that this operating system has no collectors.
func (c *collector) collect(ctx context.Context, r *Report) error {
	return ErrUnsupported
}

func (c *collector) patches(ctx context.Context) msp.PatchState {
	c.warn("pending updates not checked: %s is not supported", runtime.GOOS)
	return msp.PatchState{Pending: []msp.Patch{}}
}

func (c *collector) posture(ctx context.Context) msp.Posture {
	ev := runtime.GOOS + " is not supported: not checked"
	u := msp.Check{State: msp.CheckUnknown, Evidence: ev}
	return msp.Posture{Firewall: u, DiskEncryption: u, AutomaticUpdates: u, Antivirus: u}
}
