package hub

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tandem/msp"
)

// alertCheck is one alert condition evaluated on a device.
type alertCheck struct {
	condition string
	holds     bool
	// What the ticket says when the condition holds.
	title, body     string
	pillar          msp.Pillar
	category        string
	impact, urgency msp.Level
	// cleared says, in words, why the condition no longer holds.
	cleared string
}

// checkAlerts evaluates the proactive alerts of device d at now: the
// inventory conditions if inv is set, and the silence condition (which a
// check-in or inventory clears). It raises one ticket per device and
// condition, resolves it when the condition clears, and returns the
// events. It runs inside the push's transaction.
func (s *Server) checkAlerts(tx Tx, tenant msp.Tenant, d Device, inv *msp.Inventory, now time.Time) ([]TicketEvent, error) {
	da, err := tx.DeviceAlerts(tenant.ID, d.ID)
	if errors.Is(err, ErrNotFound) {
		da = DeviceAlerts{Tenant: tenant.ID, Device: d.ID}
	} else if err != nil {
		return nil, fmt.Errorf("reading the alerts of device %s: %w", d.ID, err)
	}
	before := cloneAlerts(da)
	pol := tenant.AlertRules()
	checks := []alertCheck{silentCheck(pol, d, now)}
	if inv != nil {
		checks = append(checks, inventoryChecks(pol, &da, d, *inv, now)...)
	}
	evs, err := s.syncAlerts(tx, tenant, d, &da, checks, now)
	if err != nil {
		return nil, err
	}
	if !sameAlerts(before, da) {
		if err := tx.PutDeviceAlerts(da); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

func cloneAlerts(a DeviceAlerts) DeviceAlerts {
	a.Open = maps.Clone(a.Open)
	return a
}

func sameAlerts(a, b DeviceAlerts) bool {
	return a.SecurityPendingSince.Equal(b.SecurityPendingSince) && a.RestartPendingSince.Equal(b.RestartPendingSince) && maps.Equal(a.Open, b.Open)
}

// silentCheck is the "device silent" condition: no check-in for longer
// than the policy allows. A revoked device is never silent.
func silentCheck(pol msp.AlertPolicy, d Device, now time.Time) alertCheck {
	last := d.LastSeen
	if last.IsZero() {
		last = d.EnrolledAt
	}
	gone := now.Sub(last)
	return alertCheck{
		condition: msp.AlertDeviceSilent,
		holds:     pol.SilentAfter > 0 && !d.Revoked && gone > pol.SilentAfter,
		title:     fmt.Sprintf("%s has not checked in for %s", d.Hostname, span(gone)),
		body: fmt.Sprintf("The Tandem agent on %s last checked in at %s UTC, more than %s ago (the limit is %s). "+
			"The computer may be off, away from the internet, or the agent stopped. Check whether the person who uses it still has it and can switch it on.",
			d.Hostname, last.UTC().Format("2006-01-02 15:04"), span(gone), span(pol.SilentAfter)),
		pillar: msp.PillarMonitoring, category: "device-offline", impact: msp.LevelMedium, urgency: msp.LevelMedium,
		cleared: fmt.Sprintf("%s checked in again at %s UTC.", d.Hostname, now.UTC().Format("2006-01-02 15:04")),
	}
}

// inventoryChecks evaluates the conditions an inventory shows, and keeps
// in da since when updates and a restart have been pending.
func inventoryChecks(pol msp.AlertPolicy, da *DeviceAlerts, d Device, inv msp.Inventory, now time.Time) []alertCheck {
	host := d.Hostname
	var out []alertCheck

	// Disk nearly full.
	var full []string
	worst := 0.0
	for _, dk := range inv.Disks {
		if dk.TotalBytes == 0 || dk.FreeBytes > dk.TotalBytes {
			continue
		}
		used := 100 * float64(dk.TotalBytes-dk.FreeBytes) / float64(dk.TotalBytes)
		if pol.DiskFullPercent > 0 && used > float64(pol.DiskFullPercent) {
			full = append(full, fmt.Sprintf("%s is %.0f%% full (%s free of %s)", dk.Mount, used, bytesWords(dk.FreeBytes), bytesWords(dk.TotalBytes)))
			worst = max(worst, used)
		}
	}
	disk := alertCheck{
		condition: msp.AlertDiskFull, holds: len(full) > 0,
		pillar: msp.PillarMonitoring, category: "disk-full", impact: msp.LevelMedium, urgency: msp.LevelMedium,
		cleared: fmt.Sprintf("Every disk of %s is now below %d%% full.", host, pol.DiskFullPercent),
	}
	if len(full) > 0 {
		disk.title = fmt.Sprintf("Disk nearly full on %s (%.0f%% used)", host, worst)
		disk.body = fmt.Sprintf("On %s: %s. Above %d%% programs and updates start to fail; free space or add storage.", host, strings.Join(full, "; "), pol.DiskFullPercent)
		if worst >= 98 {
			disk.urgency = msp.LevelHigh
		}
	}
	out = append(out, disk)

	// Security updates pending too long.
	sec := inv.Patches.SecurityPending()
	if sec == 0 {
		da.SecurityPendingSince = time.Time{}
	} else if da.SecurityPendingSince.IsZero() {
		da.SecurityPendingSince = now
	}
	secLimit := time.Duration(pol.SecurityUpdatesDays) * 24 * time.Hour
	secFor := now.Sub(da.SecurityPendingSince)
	out = append(out, alertCheck{
		condition: msp.AlertSecurityUpdates,
		holds:     pol.SecurityUpdatesDays > 0 && sec > 0 && secFor > secLimit,
		title:     fmt.Sprintf("%d security %s pending on %s for %s", sec, plural(sec, "update", "updates"), host, span(secFor)),
		body: fmt.Sprintf("%s has had security updates waiting since %s UTC (the limit is %d days): %s. Install them, restarting if asked.",
			host, da.SecurityPendingSince.UTC().Format("2006-01-02"), pol.SecurityUpdatesDays, patchNames(inv.Patches, 10)),
		pillar: msp.PillarMonitoring, category: "updates", impact: msp.LevelMedium, urgency: msp.LevelMedium,
		cleared: fmt.Sprintf("%s has no security updates pending any more.", host),
	})

	// Restart pending too long.
	if !inv.Patches.RebootRequired {
		da.RestartPendingSince = time.Time{}
	} else if da.RestartPendingSince.IsZero() {
		da.RestartPendingSince = now
	}
	rsFor := now.Sub(da.RestartPendingSince)
	out = append(out, alertCheck{
		condition: msp.AlertRestartPending,
		holds:     pol.RestartDays > 0 && inv.Patches.RebootRequired && rsFor > time.Duration(pol.RestartDays)*24*time.Hour,
		title:     fmt.Sprintf("%s has needed a restart for %s", host, span(rsFor)),
		body: fmt.Sprintf("%s has been asking for a restart since %s UTC (the limit is %d days); updates already installed do not protect it until it restarts. Ask the person who uses it to restart at the end of the day.",
			host, da.RestartPendingSince.UTC().Format("2006-01-02"), pol.RestartDays),
		pillar: msp.PillarMonitoring, category: "updates", impact: msp.LevelMedium, urgency: msp.LevelLow,
		cleared: fmt.Sprintf("%s has restarted.", host),
	})

	// Security baseline failing.
	var failing []string
	for _, c := range inv.Posture.Checks() {
		if c.Check.State == msp.CheckFailing {
			f := c.Name
			if ev := strings.TrimSpace(c.Check.Evidence); ev != "" {
				f += " (" + ev + ")"
			}
			failing = append(failing, f)
		}
	}
	out = append(out, alertCheck{
		condition: msp.AlertPosture,
		holds:     !pol.NoPosture && len(failing) > 0,
		title:     fmt.Sprintf("Security baseline failing on %s: %s", host, strings.Join(inv.Posture.Failing(), ", ")),
		body:      fmt.Sprintf("On %s these protections are off or out of date: %s. Turn them back on; if a person switched them off, find out why.", host, strings.Join(failing, "; ")),
		pillar:    msp.PillarSecurity, category: msp.CategoryOther, impact: msp.LevelMedium, urgency: msp.LevelHigh,
		cleared: fmt.Sprintf("Every security check on %s passes again.", host),
	})
	return out
}

// syncAlerts raises a ticket for each check that holds and has none, and
// resolves the ticket of each that cleared.
func (s *Server) syncAlerts(tx Tx, tenant msp.Tenant, d Device, da *DeviceAlerts, checks []alertCheck, now time.Time) ([]TicketEvent, error) {
	var evs []TicketEvent
	for _, c := range checks {
		id, open := da.Open[c.condition]
		switch {
		case c.holds && !open:
			t, err := s.raiseAlert(tx, tenant, d, c, now)
			if err != nil {
				return nil, err
			}
			if da.Open == nil {
				da.Open = map[string]string{}
			}
			da.Open[c.condition] = t.ID
			evs = append(evs,
				TicketEvent{Kind: EventCreated, Tenant: tenant.ID, Ticket: t, At: now, Alert: c.condition},
				TicketEvent{Kind: EventAlertOpened, Tenant: tenant.ID, Ticket: t, At: now, Alert: c.condition})
		case !c.holds && open:
			delete(da.Open, c.condition)
			tevs, err := s.clearAlert(tx, tenant, id, c, now)
			if err != nil {
				return nil, err
			}
			evs = append(evs, tevs...)
		}
	}
	return evs, nil
}

// raiseAlert creates, routes and stores the ticket of an alert.
func (s *Server) raiseAlert(tx Tx, tenant msp.Tenant, d Device, c alertCheck, now time.Time) (*msp.Ticket, error) {
	id := msp.NewTicketID()
	draft := &msp.Ticket{
		ID: id, Device: d.ID, Title: clipRunes(c.title, msp.MaxTitleRunes), Description: clipRunes(c.body, msp.MaxDescriptionRunes),
		Pillar: c.pillar, Category: c.category, Impact: c.impact, Urgency: c.urgency, CreatedAt: now,
		Alert: &msp.AlertRef{Condition: c.condition, Key: msp.AlertKey(d.ID, c.condition)},
	}
	t, err := msp.Apply(nil, msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: id, Ticket: draft, At: now},
		msp.Actor{ID: actorAlerts, Role: msp.RoleSystem, Tenant: tenant.ID}, now)
	if err != nil {
		return nil, fmt.Errorf("raising the %s alert of device %s: %w", c.condition, d.ID, err)
	}
	h := routeNew(t, tenant, now)
	setSLA(t, h, tenant, now, s.log)
	if err := tx.PutTicket(t); err != nil {
		return nil, err
	}
	if err := tx.PutHistory(h); err != nil {
		return nil, err
	}
	return t, nil
}

// clearAlert resolves the ticket of an alert whose condition cleared, with
// a status note saying why, unless staff already resolved or closed it.
func (s *Server) clearAlert(tx Tx, tenant msp.Tenant, id string, c alertCheck, now time.Time) ([]TicketEvent, error) {
	t, err := tx.Ticket(tenant.ID, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if t.Status == msp.StatusResolved || t.Status == msp.StatusClosed {
		return nil, nil
	}
	to := msp.StatusResolved
	next, err := msp.Apply(t, msp.Change{
		ID: msp.NewID(), Kind: msp.ChangeStatus, TicketID: id, Status: to, At: now,
		Comment: &msp.Comment{ID: msp.NewID(), Kind: msp.CommentKindStatus, Body: "Resolved by itself: " + c.cleared},
	}, msp.Actor{ID: actorAlerts, Role: msp.RoleSystem, Tenant: tenant.ID}, now)
	if err != nil {
		return nil, fmt.Errorf("resolving the %s alert ticket %s: %w", c.condition, id, err)
	}
	h, err := historyOf(tx, t, now)
	if err != nil {
		return nil, err
	}
	noteHistory(&h, t, next, now)
	setSLA(next, h, tenant, now, s.log)
	if err := tx.PutTicket(next); err != nil {
		return nil, err
	}
	if err := tx.PutHistory(h); err != nil {
		return nil, err
	}
	evs := ticketEvents(t, next, now)
	return append(evs, TicketEvent{Kind: EventAlertResolved, Tenant: tenant.ID, Ticket: next, At: now, Alert: c.condition}), nil
}

// sweepDevices raises or clears the silence alert of each of the
// tenant's devices.
func (s *Server) sweepDevices(ctx context.Context, tn msp.Tenant, now time.Time, st *SweepStats) error {
	pol := tn.AlertRules()
	var due []string
	if err := s.store.View(ctx, func(tx Tx) error {
		due = due[:0]
		devices, err := tx.Devices(tn.ID)
		if err != nil {
			return err
		}
		for _, d := range devices {
			st.Devices++
			da, err := tx.DeviceAlerts(tn.ID, d.ID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			_, open := da.Open[msp.AlertDeviceSilent]
			if silentCheck(pol, d, now).holds != open {
				due = append(due, d.ID)
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("reading devices: %w", err)
	}
	for _, id := range due {
		var evs []TicketEvent
		var queued bool
		err := s.store.Update(ctx, func(tx Tx) error {
			evs, queued = nil, false
			d, err := tx.Device(tn.ID, id)
			if err != nil {
				return err
			}
			da, err := tx.DeviceAlerts(tn.ID, id)
			if errors.Is(err, ErrNotFound) {
				da = DeviceAlerts{Tenant: tn.ID, Device: id}
			} else if err != nil {
				return err
			}
			evs, err = s.syncAlerts(tx, tn, d, &da, []alertCheck{silentCheck(pol, d, now)}, now)
			if err != nil {
				return err
			}
			if err := tx.PutDeviceAlerts(da); err != nil {
				return err
			}
			queued, err = s.queueEvents(ctx, tx, evs)
			return err
		})
		if err != nil {
			return fmt.Errorf("device %s: %w", id, err)
		}
		st.Events += len(evs)
		s.emit(ctx, evs)
		if queued {
			s.wakeRelay()
		}
	}
	return nil
}

// span writes a long duration for people: "26 h", "3 days".
func span(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func bytesWords(b uint64) string {
	const gb = 1 << 30
	if b >= 10*gb {
		return fmt.Sprintf("%d GB", b/gb)
	}
	return fmt.Sprintf("%.1f GB", float64(b)/gb)
}

func patchNames(p msp.PatchState, n int) string {
	var names []string
	for _, x := range p.Pending {
		if x.Security {
			names = append(names, x.Name)
		}
	}
	slices.Sort(names)
	if len(names) > n {
		return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
	}
	return strings.Join(names, ", ")
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
