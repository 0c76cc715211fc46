package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// The fleet summary comes from the hub's GET /v1/staff/devices (package
// hub, staff.go) at most every staffDevicesEvery; a device's full
// inventory is fetched when the person opens it and kept for offline use.
const staffDevicesEvery = 5 * time.Minute

// pathStaffDevices must match hub.PathStaffDevices.
const pathStaffDevices = "/v1/staff/devices"

// staffDevice is the hub's hub.StaffDevice as JSON, kept in the replica
// with when each pending security update was first seen here.
type staffDevice struct {
	msp.Device
	Inventoried    time.Time `json:"inventoried,omitzero"`
	PatchesChecked time.Time `json:"patches_checked,omitzero"`
	Pending        int       `json:"pending"`
	SecurityNames  []string  `json:"security_pending"`
	RebootRequired bool      `json:"reboot_required"`
	PostureFailing []string  `json:"posture_failing"`
	// FirstSeen is when this replica first saw each pending security
	// update (by name): the age of what is pending, as far as known here.
	FirstSeen map[string]time.Time `json:"first_seen,omitempty"`
}

// staffGet GETs path from the hub with the person's token into out.
func (a *Agent) staffGet(ctx context.Context, s *staffSession, path string, out any) error {
	conn, err := a.staffConn(s)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Get(ctx, path, out)
}

// staffPullDevices refreshes the fleet summary of every tenant in scope
// when the last one is older than staffDevicesEvery.
func (a *Agent) staffPullDevices(ctx context.Context, s *staffSession) error {
	var last time.Time
	err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(s.OSUser, "devices-at"), &last) })
	if err != nil && !errors.Is(err, localdb.ErrNotFound) {
		return err
	}
	now := a.now().UTC()
	if !last.IsZero() && now.Sub(last) < staffDevicesEvery && now.After(last) {
		return nil
	}
	for _, tenant := range s.Tenants {
		var ds []staffDevice
		if err := a.staffGet(ctx, s, pathStaffDevices+"?tenant="+url.QueryEscape(tenant), &ds); err != nil {
			return fmt.Errorf("listing organisation %s's devices: %w", tenant, err)
		}
		if err := a.saveStaffDevices(ctx, s, tenant, ds, now); err != nil {
			return err
		}
		if ix := a.staffIndexIfOpen(s.OSUser); ix != nil {
			ix.setHosts(tenant, ds) // a search by device name
		}
	}
	return a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.PutJSON(staffKey(s.OSUser, "devices-at"), now) })
}

// saveStaffDevices replaces one tenant's fleet in the replica, carrying
// over when each pending security update was first seen.
func (a *Agent) saveStaffDevices(ctx context.Context, s *staffSession, tenant string, ds []staffDevice, now time.Time) error {
	prefix := staffKey(s.OSUser, "device/"+tenant+"/")
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		old := map[string]staffDevice{}
		if err := tx.Scan(prefix, nil, func(_, v []byte) error {
			var d staffDevice
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("%w: a device in the dashboard's replica is damaged: %v", localdb.ErrCorrupt, err)
			}
			old[d.ID] = d
			return nil
		}); err != nil {
			return err
		}
		for _, d := range ds {
			if d.Tenant != tenant {
				continue
			}
			prev := old[d.ID]
			delete(old, d.ID)
			d.FirstSeen = map[string]time.Time{}
			for _, n := range d.SecurityNames {
				seen, ok := prev.FirstSeen[n]
				if !ok {
					seen = d.PatchesChecked
					if seen.IsZero() || seen.After(now) {
						seen = now
					}
				}
				d.FirstSeen[n] = seen
			}
			if err := tx.PutJSON(append(append([]byte(nil), prefix...), d.ID...), d); err != nil {
				return err
			}
		}
		for id := range old { // gone from the hub
			if err := tx.Delete(append(append([]byte(nil), prefix...), id...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("saving organisation %s's devices: %w", tenant, err)
	}
	return nil
}

func (a *Agent) rowOfDevice(d staffDevice, names map[string]string) localapi.DeviceRow {
	now := a.now()
	r := localapi.DeviceRow{ID: d.ID, Tenant: d.Tenant, Hostname: d.Hostname, OS: d.OS, LastSeen: d.LastSeen, RevokedAt: d.RevokedAt,
		Silent:          d.RevokedAt.IsZero() && (d.LastSeen.IsZero() || now.Sub(d.LastSeen) > localapi.SilentAfter),
		SecurityPending: len(d.SecurityNames), RestartNeeded: d.RebootRequired,
		PostureProblems: append([]string{}, d.PostureFailing...), TenantName: names[d.Tenant], Pending: d.Pending}
	if !d.RevokedAt.IsZero() {
		// A retired device's last report is history, not work.
		r.SecurityPending, r.RestartNeeded, r.PostureProblems, r.Pending = 0, false, []string{}, 0
		return r
	}
	for _, n := range d.SecurityNames {
		if seen, ok := d.FirstSeen[n]; ok {
			r.OldestPendingDays = max(r.OldestPendingDays, int(now.Sub(seen)/(24*time.Hour)))
		}
	}
	return r
}

// staffDeviceRows lists the fleet of one tenant ("" for the scope) whose
// hostname, OS or id contains q; known is false before the first fleet
// pull succeeded.
func (a *Agent) staffDeviceRows(user, tenant, q string) (rows []localapi.DeviceRow, known bool, err error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return nil, false, err
	}
	if tenant != "" && !slices.Contains(s.Tenants, tenant) {
		return nil, false, fmt.Errorf("%w: organisation %s is not in your scope", msp.ErrNotFound, tenant)
	}
	q = strings.ToLower(strings.TrimSpace(q))
	names := map[string]string{}
	rows = []localapi.DeviceRow{}
	err = a.db.View(func(tx *localdb.Tx) error {
		if err := tx.GetJSON(staffKey(user, "devices-at"), new(time.Time)); err == nil {
			known = true
		} else if !errors.Is(err, localdb.ErrNotFound) {
			return err
		}
		for _, t := range s.Tenants {
			var tn msp.Tenant
			if err := tx.GetJSON(staffKey(user, "tenant/"+t), &tn); err == nil {
				names[t] = tn.Name
			}
		}
		for _, t := range s.Tenants {
			if tenant != "" && t != tenant {
				continue
			}
			if err := tx.Scan(staffKey(user, "device/"+t+"/"), nil, func(_, v []byte) error {
				var d staffDevice
				if err := json.Unmarshal(v, &d); err != nil {
					return fmt.Errorf("%w: a device in the dashboard's replica is damaged: %v", localdb.ErrCorrupt, err)
				}
				if q != "" && !strings.Contains(strings.ToLower(d.Hostname), q) && !strings.Contains(strings.ToLower(d.OS), q) && !strings.HasPrefix(d.ID, q) {
					return nil
				}
				rows = append(rows, a.rowOfDevice(d, names))
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("reading the dashboard's devices: %w", err)
	}
	slices.SortFunc(rows, func(x, y localapi.DeviceRow) int {
		return strings.Compare(strings.ToLower(x.Hostname), strings.ToLower(y.Hostname))
	})
	return rows, known, nil
}

// StaffDevices lists the fleet of one tenant ("" for the whole scope).
func (a *Agent) StaffDevices(user, tenant, q string) ([]localapi.DeviceRow, error) {
	rows, _, err := a.staffDeviceRows(user, tenant, q)
	return rows, err
}

// StaffDevice returns one device with its full inventory: fresh from the
// hub when online, else as last fetched.
func (a *Agent) StaffDevice(ctx context.Context, user, id string) (localapi.DeviceDetail, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.DeviceDetail{}, err
	}
	var d staffDevice
	found := false
	err = a.db.View(func(tx *localdb.Tx) error {
		for _, t := range s.Tenants {
			err := tx.GetJSON(staffKey(user, "device/"+t+"/"+id), &d)
			if err == nil {
				found = true
				return nil
			}
			if !errors.Is(err, localdb.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return localapi.DeviceDetail{}, fmt.Errorf("reading device %s: %w", id, err)
	}
	if !found {
		return localapi.DeviceDetail{}, fmt.Errorf("%w: device %s is not in your organisations (or not synced yet)", msp.ErrNotFound, id)
	}
	names := map[string]string{}
	var tn msp.Tenant
	if err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "tenant/"+d.Tenant), &tn) }); err == nil {
		names[d.Tenant] = tn.Name
	}
	out := localapi.DeviceDetail{DeviceRow: a.rowOfDevice(d, names)}
	invKey := staffKey(user, "inventory/"+id)
	var inv msp.Inventory
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	ferr := a.staffGet(fctx, s, pathStaffDevices+"/"+url.PathEscape(id)+"?tenant="+url.QueryEscape(d.Tenant), &inv)
	cancel()
	if ferr == nil {
		if err := a.db.Update(ctx, func(tx *localdb.Tx) error { return tx.PutJSON(invKey, inv) }); err != nil {
			a.log.Warn("could not keep a device's inventory for offline use", "err", err)
		}
	} else {
		err := a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(invKey, &inv) })
		if err != nil && !errors.Is(err, localdb.ErrNotFound) {
			return out, fmt.Errorf("reading device %s's inventory: %w", id, err)
		}
		if err != nil {
			a.log.Info("no inventory of this device yet", "device", id, "err", ferr)
		}
	}
	out.Inventory = inv
	out.InventoryAsOf = inv.CollectedAt
	out.PatchesAsOf = inv.Patches.LastChecked
	if out.PatchesAsOf.IsZero() {
		out.PatchesAsOf = inv.CollectedAt
	}
	out.PostureAsOf = inv.CollectedAt
	return out, nil
}
