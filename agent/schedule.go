package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// Collector gathers what the agent reports about the device. Package
// inventory provides the real one; the functions return warnings (what
// needed more rights) beside their result.
type Collector interface {
	Inventory(ctx context.Context) (msp.Inventory, error)
	Patches(ctx context.Context) (msp.PatchState, error)
	Posture(ctx context.Context) (msp.Posture, error)
}

// Schedule says how often each collection runs; each interval is jittered
// by ±20% and the first run of each comes at a random point of its first
// quarter, so a fleet that boots together does not report together.
type Schedule struct {
	Inventory time.Duration // default 4h
	Patches   time.Duration // default 1h
	Posture   time.Duration // default 15m
}

func (s Schedule) withDefaults() Schedule {
	if s.Inventory <= 0 {
		s.Inventory = 4 * time.Hour
	}
	if s.Patches <= 0 {
		s.Patches = time.Hour
	}
	if s.Posture <= 0 {
		s.Posture = 15 * time.Minute
	}
	return s
}

var keyLastInventory = localdb.Key(localdb.SpaceInventory, "last")

// Collect runs the collectors on their schedule until ctx ends, and queues
// an inventory for the hub only when something in it changed. Refresh
// forces a full collection now ("Refresh now").
func (a *Agent) Collect(ctx context.Context, c Collector, s Schedule) {
	s = s.withDefaults()
	log := a.log
	first := func(d time.Duration) time.Time { return time.Now().Add(rand.N(d/4 + 1)) }
	nextInv, nextPatch, nextPosture := time.Now(), first(s.Patches), first(s.Posture)
	for {
		now := time.Now()
		kind := ""
		switch {
		case !now.Before(nextInv):
			kind, nextInv = "inventory", now.Add(jitterAround(s.Inventory))
			// A full inventory includes patches and posture.
			nextPatch, nextPosture = now.Add(jitterAround(s.Patches)), now.Add(jitterAround(s.Posture))
		case !now.Before(nextPatch):
			kind, nextPatch = "patches", now.Add(jitterAround(s.Patches))
		case !now.Before(nextPosture):
			kind, nextPosture = "posture", now.Add(jitterAround(s.Posture))
		}
		if kind != "" {
			if sent, err := a.collectOnce(ctx, c, kind); err != nil && ctx.Err() == nil {
				log.Warn("collection failed; will try at the next turn", "what", kind, "err", err)
			} else if err == nil {
				log.Debug("collected", "what", kind, "sent", sent)
			}
			continue
		}
		wake := earliest(nextInv, nextPatch, nextPosture)
		timer := time.NewTimer(time.Until(wake))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-a.refresh:
			timer.Stop()
			nextInv = time.Now()
		case <-timer.C:
		}
	}
}

func earliest(ts ...time.Time) time.Time {
	out := ts[0]
	for _, t := range ts[1:] {
		if t.Before(out) {
			out = t
		}
	}
	return out
}

// collectOnce runs one kind of collection, merges it into the last
// inventory, and queues the result when it differs in substance from what
// was last sent. It reports whether it queued.
func (a *Agent) collectOnce(ctx context.Context, c Collector, kind string) (bool, error) {
	var last msp.Inventory
	haveLast := true
	err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(keyLastInventory, &last) })
	if errors.Is(err, localdb.ErrNotFound) {
		haveLast = false
	} else if err != nil {
		return false, err
	}
	next := last
	switch {
	case kind == "inventory" || !haveLast:
		if next, err = c.Inventory(ctx); err != nil {
			return false, err
		}
	case kind == "patches":
		if next.Patches, err = c.Patches(ctx); err != nil {
			return false, err
		}
		next.CollectedAt = time.Now().UTC()
	case kind == "posture":
		if next.Posture, err = c.Posture(ctx); err != nil {
			return false, err
		}
		next.CollectedAt = time.Now().UTC()
	}
	if haveLast && sameInSubstance(last, next) {
		return false, nil
	}
	return true, a.QueueInventory(ctx, next)
}

// sameInSubstance compares two inventories without what changes all the
// time and means nothing: collection times, and free disk space within 1%
// of the disk.
func sameInSubstance(a, b msp.Inventory) bool {
	norm := func(inv msp.Inventory) []byte {
		inv.CollectedAt, inv.Patches.LastChecked = time.Time{}, time.Time{}
		disks := make([]msp.Disk, len(inv.Disks))
		for i, d := range inv.Disks {
			if step := d.TotalBytes / 100; step > 0 {
				d.FreeBytes = d.FreeBytes / step * step
			}
			disks[i] = d
		}
		inv.Disks = disks
		b, err := json.Marshal(inv)
		if err != nil {
			return nil
		}
		return b
	}
	x, y := norm(a), norm(b)
	return x != nil && bytes.Equal(x, y)
}

// Refresh asks the collectors for a full inventory now.
func (a *Agent) Refresh() {
	select {
	case a.refresh <- struct{}{}:
	default:
	}
}
