package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tandem/msp"
)

// alertCheck is one alert condition evaluated on a device. The same
// problem across a tenant's devices is one ticket that lists them (see
// AlertGroup): "Disk encryption off on 26 devices".
type alertCheck struct {
	condition string
	// problem is the group the check belongs to: the condition, or for
	// the security baseline "posture/<check>".
	problem string
	holds   bool
	// what names the problem for a ticket title: "Disk encryption off",
	// and advice says what to do, for its description.
	what, advice string
	// detail is this device's line in the list: "BitLocker on C: off".
	detail          string
	pillar          msp.Pillar
	category        string
	impact, urgency msp.Level
	// cleared says, in words, why the condition no longer holds here.
	cleared string
}

// groupKeyPrefix starts the AlertRef.Key of a group's ticket.
const groupKeyPrefix = "group/"

// checkAlerts evaluates the proactive alerts of device d at now: the
// inventory conditions if inv is set, and the silence condition (which a
// check-in or inventory clears). A device that has a problem joins the
// problem's group ticket (raised by the first device); one that no longer
// has it leaves, and the ticket is resolved when none remains. It notes in
// d the policy the inventory was checked under (the caller stores d). It
// runs inside the push's transaction and returns the events.
func (s *Server) checkAlerts(tx Tx, tenant msp.Tenant, d *Device, inv *msp.Inventory, now time.Time) ([]TicketEvent, error) {
	da, err := tx.DeviceAlerts(tenant.ID, d.ID)
	if errors.Is(err, ErrNotFound) {
		da = DeviceAlerts{Tenant: tenant.ID, Device: d.ID}
	} else if err != nil {
		return nil, fmt.Errorf("reading the alerts of device %s: %w", d.ID, err)
	}
	before := cloneAlerts(da)
	pol := tenant.AlertRules()
	checks := []alertCheck{silentCheck(pol, *d, now)}
	if inv != nil {
		var recheck time.Time
		var more []alertCheck
		more, recheck = inventoryChecks(pol, &da, *d, *inv, now)
		checks = append(checks, more...)
		d.AlertsStamp, d.AlertsRecheck = alertStamp(pol, *d, now), recheck
	}
	evs, err := s.syncAlerts(tx, tenant, *d, &da, checks, inv != nil, now)
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

// alertStamp is what the inventory checks of d depend on besides the
// inventory: the tenant's policy and whether d is in its grace.
func alertStamp(pol msp.AlertPolicy, d Device, now time.Time) string {
	return fmt.Sprintf("%+v grace=%t", pol, inGrace(pol, d, now))
}

// inGrace reports whether d enrolled less than the policy's grace ago.
func inGrace(pol msp.AlertPolicy, d Device, now time.Time) bool {
	return pol.EnrollGrace > 0 && !d.EnrolledAt.IsZero() && now.Sub(d.EnrolledAt) < pol.EnrollGrace
}

// needsInventoryCheck reports whether a check-in of d must check its
// stored inventory again: the policy or the grace changed since, or a
// condition may have turned by time alone.
func needsInventoryCheck(pol msp.AlertPolicy, d Device, now time.Time) bool {
	if d.Inventoried.IsZero() {
		return false // nothing to check yet
	}
	return d.AlertsStamp != alertStamp(pol, d, now) || (!d.AlertsRecheck.IsZero() && !now.Before(d.AlertsRecheck))
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
		condition: msp.AlertDeviceSilent, problem: msp.AlertDeviceSilent,
		holds:  pol.SilentAfter > 0 && !d.Revoked && gone > pol.SilentAfter,
		what:   "Not checking in",
		detail: fmt.Sprintf("last checked in %s UTC, %s ago", last.UTC().Format("2006-01-02 15:04"), span(gone)),
		advice: fmt.Sprintf("The Tandem agent on these computers has not checked in for more than %s. "+
			"They may be off, away from the internet, or the agent stopped. Check whether the people who use them still have them and can switch them on.", span(pol.SilentAfter)),
		pillar: msp.PillarMonitoring, category: "device-offline", impact: msp.LevelMedium, urgency: msp.LevelMedium,
		cleared: fmt.Sprintf("%s checked in again at %s UTC.", d.Hostname, now.UTC().Format("2006-01-02 15:04")),
	}
}

// inventoryChecks evaluates the conditions an inventory shows, keeps in
// da since when updates and a restart have been pending, and returns when
// a condition may next turn by time alone (zero: none will). A device in
// its enrollment grace has none of them yet.
func inventoryChecks(pol msp.AlertPolicy, da *DeviceAlerts, d Device, inv msp.Inventory, now time.Time) ([]alertCheck, time.Time) {
	host := d.Hostname
	var out []alertCheck
	var recheck time.Time
	due := func(t time.Time) {
		if t.After(now) && (recheck.IsZero() || t.Before(recheck)) {
			recheck = t
		}
	}
	grace := inGrace(pol, d, now)
	if grace {
		due(d.EnrolledAt.Add(pol.EnrollGrace))
	}

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
		condition: msp.AlertDiskFull, problem: msp.AlertDiskFull, holds: len(full) > 0,
		what: "Disk nearly full", detail: strings.Join(full, "; "),
		advice: fmt.Sprintf("Above %d%% programs and updates start to fail; free space or add storage.", pol.DiskFullPercent),
		pillar: msp.PillarMonitoring, category: "disk-full", impact: msp.LevelMedium, urgency: msp.LevelMedium,
		cleared: fmt.Sprintf("every disk of %s is below %d%% full again", host, pol.DiskFullPercent),
	}
	if worst >= 98 {
		disk.urgency = msp.LevelHigh
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
	if sec > 0 && pol.SecurityUpdatesDays > 0 {
		due(da.SecurityPendingSince.Add(secLimit + time.Nanosecond))
	}
	out = append(out, alertCheck{
		condition: msp.AlertSecurityUpdates, problem: msp.AlertSecurityUpdates,
		holds: pol.SecurityUpdatesDays > 0 && sec > 0 && now.Sub(da.SecurityPendingSince) > secLimit,
		what:  "Security updates overdue",
		detail: fmt.Sprintf("%d %s waiting since %s: %s", sec, plural(sec, "update", "updates"),
			da.SecurityPendingSince.UTC().Format("2006-01-02"), patchNames(inv.Patches, 10)),
		advice: fmt.Sprintf("These computers have had security updates waiting for more than %d days. Install them, restarting if asked.", pol.SecurityUpdatesDays),
		pillar: msp.PillarMonitoring, category: "updates", impact: msp.LevelMedium, urgency: msp.LevelMedium,
		cleared: fmt.Sprintf("%s has no security updates pending any more", host),
	})

	// Restart pending too long.
	if !inv.Patches.RebootRequired {
		da.RestartPendingSince = time.Time{}
	} else if da.RestartPendingSince.IsZero() {
		da.RestartPendingSince = now
	}
	rsLimit := time.Duration(pol.RestartDays) * 24 * time.Hour
	if inv.Patches.RebootRequired && pol.RestartDays > 0 {
		due(da.RestartPendingSince.Add(rsLimit + time.Nanosecond))
	}
	out = append(out, alertCheck{
		condition: msp.AlertRestartPending, problem: msp.AlertRestartPending,
		holds:  pol.RestartDays > 0 && inv.Patches.RebootRequired && now.Sub(da.RestartPendingSince) > rsLimit,
		what:   "Restart overdue",
		detail: "asking for a restart since " + da.RestartPendingSince.UTC().Format("2006-01-02"),
		advice: fmt.Sprintf("These computers have been asking for a restart for more than %d days; updates already installed do not protect them until they restart. Ask the people who use them to restart at the end of the day.", pol.RestartDays),
		pillar: msp.PillarMonitoring, category: "updates", impact: msp.LevelMedium, urgency: msp.LevelLow,
		cleared: fmt.Sprintf("%s has restarted", host),
	})

	// Security baseline: one problem per check, so that "Disk encryption
	// off" on 26 devices is one ticket and "Firewall off" on 3 another.
	for _, c := range inv.Posture.Checks() {
		detail := c.Name + " off or out of date"
		if ev := strings.TrimSpace(c.Check.Evidence); ev != "" {
			detail = ev
		}
		out = append(out, alertCheck{
			condition: msp.AlertPosture, problem: msp.AlertPosture + "/" + c.Key,
			holds:  !pol.NoPosture && c.Check.State == msp.CheckFailing,
			what:   c.Name + " off",
			detail: detail,
			advice: fmt.Sprintf("%s is off or out of date on these computers. Turn it back on; if a person switched it off, find out why.", c.Name),
			pillar: msp.PillarSecurity, category: msp.CategoryOther, impact: msp.LevelMedium, urgency: msp.LevelHigh,
			cleared: fmt.Sprintf("%s passes again on %s", c.Name, host),
		})
	}
	if grace {
		for i := range out {
			out[i].holds = false
			out[i].cleared = fmt.Sprintf("%s is in its first %s after enrolling, in which Tandem raises no alert", host, span(pol.EnrollGrace))
		}
	}
	return out, recheck
}

// syncAlerts brings the device's groups up to date with checks: a check
// that holds joins the device to its problem's group (raising the group's
// ticket, or listing the device on it), one that cleared takes it off.
// With full set (an inventory was checked), a problem the device had
// under a name no check gives any more (a per-device ticket of an older
// hub) is cleared too.
func (s *Server) syncAlerts(tx Tx, tenant msp.Tenant, d Device, da *DeviceAlerts, checks []alertCheck, full bool, now time.Time) ([]TicketEvent, error) {
	var evs []TicketEvent
	seen := map[string]bool{}
	for _, c := range checks {
		seen[c.problem] = true
		_, member := da.Open[c.problem]
		if !c.holds && !member {
			continue
		}
		more, err := s.syncGroup(tx, tenant, d, da, c, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, more...)
	}
	if full {
		for _, problem := range slices.Sorted(maps.Keys(da.Open)) {
			if seen[problem] {
				continue
			}
			id := da.Open[problem]
			delete(da.Open, problem)
			more, err := s.resolveAlertTicket(tx, tenant, id, problem, "Resolved by itself: Tandem now follows this problem in one ticket per problem across the organisation's devices.", now)
			if err != nil {
				return nil, err
			}
			evs = append(evs, more...)
		}
	}
	return evs, nil
}

// syncGroup moves device d into or out of the group of c's problem and
// keeps the group's ticket up to date.
func (s *Server) syncGroup(tx Tx, tenant msp.Tenant, d Device, da *DeviceAlerts, c alertCheck, now time.Time) ([]TicketEvent, error) {
	g, err := tx.AlertGroup(tenant.ID, c.problem)
	if errors.Is(err, ErrNotFound) {
		g = AlertGroup{Tenant: tenant.ID, Problem: c.problem}
	} else if err != nil {
		return nil, fmt.Errorf("reading the %s alerts: %w", c.problem, err)
	}
	if g.Devices == nil {
		g.Devices = map[string]GroupDevice{}
	}
	var evs []TicketEvent
	// A per-device ticket of an older hub: resolve it, the group follows.
	if old := da.Open[c.problem]; old != "" && old != g.Ticket {
		if t, err := tx.Ticket(tenant.ID, old); err == nil && t.Alert != nil && !strings.HasPrefix(t.Alert.Key, groupKeyPrefix) {
			more, err := s.resolveAlertTicket(tx, tenant, old, c.problem, "Resolved by itself: Tandem now follows this problem in one ticket across the organisation's devices.", now)
			if err != nil {
				return nil, err
			}
			evs = append(evs, more...)
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	open, err := s.groupTicketOpen(tx, tenant, g)
	if err != nil {
		return nil, err
	}
	gd, member := g.Devices[d.ID]
	switch {
	case c.holds && !member:
		g.Devices[d.ID] = GroupDevice{Hostname: d.Hostname, Detail: c.detail, Since: now}
		var more []TicketEvent
		if open {
			more, err = s.editGroupTicket(tx, tenant, &g, c, fmt.Sprintf("%s has it too: %s.", d.Hostname, c.detail), now)
		} else {
			more, err = s.raiseGroupTicket(tx, tenant, &g, c, now)
		}
		if err != nil {
			return nil, err
		}
		evs = append(evs, more...)
		gd = g.Devices[d.ID]
		gd.Ticket = g.Ticket
		g.Devices[d.ID] = gd
	case c.holds && member:
		if gd.Hostname == d.Hostname && gd.Detail == c.detail && da.Open[c.problem] == g.Ticket {
			return evs, nil // nothing changed
		}
		gd.Hostname, gd.Detail = d.Hostname, c.detail
		g.Devices[d.ID] = gd
	case !c.holds && member:
		delete(g.Devices, d.ID)
		g.Spans = append(g.Spans, GroupSpan{Device: d.ID, Ticket: gd.Ticket, From: gd.Since, To: now})
		if over := len(g.Spans) - MaxGroupSpans; over > 0 {
			g.Spans = g.Spans[over:]
		}
		if open {
			var more []TicketEvent
			if len(g.Devices) == 0 {
				more, err = s.resolveAlertTicket(tx, tenant, g.Ticket, c.problem, fmt.Sprintf("Resolved by itself: %s, and no device has the problem any more.", c.cleared), now)
			} else {
				more, err = s.editGroupTicket(tx, tenant, &g, c, fmt.Sprintf("%s is off the list: %s.", d.Hostname, c.cleared), now)
			}
			if err != nil {
				return nil, err
			}
			evs = append(evs, more...)
		}
	}
	if c.holds {
		if da.Open == nil {
			da.Open = map[string]string{}
		}
		da.Open[c.problem] = g.Ticket
	} else {
		delete(da.Open, c.problem)
	}
	if err := tx.PutAlertGroup(g); err != nil {
		return nil, err
	}
	return evs, nil
}

// groupTicketOpen reports whether the group's ticket is there and not yet
// resolved or closed.
func (s *Server) groupTicketOpen(tx Tx, tenant msp.Tenant, g AlertGroup) (bool, error) {
	if g.Ticket == "" {
		return false, nil
	}
	t, err := tx.Ticket(tenant.ID, g.Ticket)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return t.Status != msp.StatusResolved && t.Status != msp.StatusClosed, nil
}

// groupText is the title and description of a group's ticket, with times
// in loc (the tenant's zone).
func groupText(g AlertGroup, c alertCheck, loc *time.Location) (title, body string) {
	ids := slices.SortedFunc(maps.Keys(g.Devices), func(a, b string) int {
		return cmp.Or(strings.Compare(strings.ToLower(g.Devices[a].Hostname), strings.ToLower(g.Devices[b].Hostname)), strings.Compare(a, b))
	})
	n := len(ids)
	switch {
	case n == 1 && c.problem == msp.AlertDeviceSilent:
		title = g.Devices[ids[0]].Hostname + " is not checking in"
	case c.problem == msp.AlertDeviceSilent:
		title = fmt.Sprintf("%d devices not checking in", n)
	case n == 1:
		title = fmt.Sprintf("%s on %s", c.what, g.Devices[ids[0]].Hostname)
	default:
		title = fmt.Sprintf("%s on %d devices", c.what, n)
	}
	var b strings.Builder
	b.WriteString(c.advice)
	fmt.Fprintf(&b, "\n\n%s (%d):\n", plural(n, "Device", "Devices"), n)
	budget := msp.MaxDescriptionRunes - len([]rune(b.String())) - 200
	for i, id := range ids {
		gd := g.Devices[id]
		line := fmt.Sprintf("- %s: %s (since %s)\n", gd.Hostname, gd.Detail, gd.Since.In(loc).Format("2 Jan 15:04 MST"))
		if budget -= len([]rune(line)); budget < 0 {
			fmt.Fprintf(&b, "- and %d other devices, which the Devices tab shows with this problem\n", n-i)
			break
		}
		b.WriteString(line)
	}
	return clipRunes(title, msp.MaxTitleRunes), strings.TrimRight(b.String(), "\n")
}

// raiseGroupTicket creates, routes and stores the ticket of a group.
func (s *Server) raiseGroupTicket(tx Tx, tenant msp.Tenant, g *AlertGroup, c alertCheck, now time.Time) ([]TicketEvent, error) {
	id := msp.NewTicketID()
	title, body := groupText(*g, c, tenantZone(tenant))
	draft := &msp.Ticket{
		ID: id, Title: title, Description: body,
		Pillar: c.pillar, Category: c.category, Impact: c.impact, Urgency: c.urgency, CreatedAt: now,
		Alert: &msp.AlertRef{Condition: c.condition, Key: groupKeyPrefix + c.problem},
	}
	t, err := msp.Apply(nil, msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: id, Ticket: draft, At: now},
		msp.Actor{ID: actorAlerts, Role: msp.RoleSystem, Tenant: tenant.ID}, now)
	if err != nil {
		return nil, fmt.Errorf("raising the %s alert: %w", c.problem, err)
	}
	h := routeNew(t, tenant, now)
	setSLA(t, h, tenant, now, s.log)
	if err := tx.PutTicket(t); err != nil {
		return nil, err
	}
	if err := tx.PutHistory(h); err != nil {
		return nil, err
	}
	g.Ticket = t.ID
	return []TicketEvent{
		{Kind: EventCreated, Tenant: tenant.ID, Ticket: t, At: now, Alert: c.condition},
		{Kind: EventAlertOpened, Tenant: tenant.ID, Ticket: t, At: now, Alert: c.condition},
	}, nil
}

// editGroupTicket rewrites the group ticket's title and list of devices
// and notes why in its history.
func (s *Server) editGroupTicket(tx Tx, tenant msp.Tenant, g *AlertGroup, c alertCheck, why string, now time.Time) ([]TicketEvent, error) {
	t, err := tx.Ticket(tenant.ID, g.Ticket)
	if err != nil {
		return nil, err
	}
	title, body := groupText(*g, c, tenantZone(tenant))
	actor := msp.Actor{ID: actorAlerts, Role: msp.RoleSystem, Tenant: tenant.ID}
	next, err := msp.Apply(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeEdit, TicketID: t.ID, Title: &title, Description: &body,
		BaseRevision: t.Revision, At: now}, actor, now)
	if err != nil {
		return nil, fmt.Errorf("listing the devices on alert ticket %s: %w", t.ID, err)
	}
	if len(next.Comments) < msp.MaxComments-10 && !recentDeviceNote(next, now) {
		if next, err = msp.Apply(next, msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: t.ID, At: now,
			Comment: &msp.Comment{ID: msp.NewID(), Kind: msp.CommentKindStatus, Body: why}}, actor, now); err != nil {
			return nil, fmt.Errorf("noting a device on alert ticket %s: %w", t.ID, err)
		}
	}
	if err := tx.PutTicket(next); err != nil {
		return nil, err
	}
	return nil, nil
}

// tenantZone is the tenant's time zone, or UTC if it does not load.
func tenantZone(t msp.Tenant) *time.Location {
	if loc, err := t.Location(); err == nil {
		return loc
	}
	return time.UTC
}

// deviceNoteEvery is how often at most a group ticket notes a device that
// joined or left: its description always lists the devices, and a day of
// enrolments must not write a note per computer.
const deviceNoteEvery = time.Hour

// recentDeviceNote reports whether t got a note of a device joining or
// leaving within deviceNoteEvery of now.
func recentDeviceNote(t *msp.Ticket, now time.Time) bool {
	if now.Sub(t.CreatedAt) < deviceNoteEvery {
		return true // the first wave: the list says it
	}
	for i := len(t.Comments) - 1; i >= 0; i-- {
		c := t.Comments[i]
		if c.Author == actorAlerts && c.Kind == msp.CommentKindStatus {
			return now.Sub(c.CreatedAt) < deviceNoteEvery
		}
	}
	return false
}

// resolveAlertTicket resolves the ticket of an alert that cleared, with a
// status note saying why, unless staff already resolved or closed it.
func (s *Server) resolveAlertTicket(tx Tx, tenant msp.Tenant, id, problem, note string, now time.Time) ([]TicketEvent, error) {
	t, err := tx.Ticket(tenant.ID, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if t.Status == msp.StatusResolved || t.Status == msp.StatusClosed {
		return nil, nil
	}
	next, err := msp.Apply(t, msp.Change{
		ID: msp.NewID(), Kind: msp.ChangeStatus, TicketID: id, Status: msp.StatusResolved, At: now,
		Comment: &msp.Comment{ID: msp.NewID(), Kind: msp.CommentKindStatus, Body: note},
	}, msp.Actor{ID: actorAlerts, Role: msp.RoleSystem, Tenant: tenant.ID}, now)
	if err != nil {
		return nil, fmt.Errorf("resolving the %s alert ticket %s: %w", problem, id, err)
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
	condition := problem
	if t.Alert != nil {
		condition = t.Alert.Condition
	}
	evs := ticketEvents(t, next, now)
	return append(evs, TicketEvent{Kind: EventAlertResolved, Tenant: tenant.ID, Ticket: next, At: now, Alert: condition}), nil
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
			evs, err = s.syncAlerts(tx, tn, d, &da, []alertCheck{silentCheck(pol, d, now)}, false, now)
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
