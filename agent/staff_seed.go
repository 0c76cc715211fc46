package agent

import (
	"context"
	"fmt"

	"tandem/localdb"
	"tandem/msp"
)

// SeedStaffReplica writes tickets and devices into the replica of the
// person signed in as OS user user, as a pull writes them, and drops the
// replica's index so the next query builds it from the store. It is for
// benchmarks and demonstrations of a large scope (the dashboard at 100,000
// tickets): nothing is sent to the hub, and the person's next full pull
// replaces what it wrote. Each ticket and device must belong to a tenant
// of the person's scope.
func (a *Agent) SeedStaffReplica(ctx context.Context, user string, tickets []*msp.Ticket, devices []msp.Device) error {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return err
	}
	in := map[string]bool{}
	for _, t := range s.Tenants {
		in[t] = true
	}
	const batch = 500
	for start := 0; start < len(tickets); start += batch {
		err := a.db.Update(ctx, func(tx *localdb.Tx) error {
			for _, t := range tickets[start:min(start+batch, len(tickets))] {
				if !in[t.Tenant] {
					return fmt.Errorf("ticket %s is of tenant %s, outside %s's scope", t.ID, t.Tenant, user)
				}
				if err := putStaffTicket(tx, user, t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("writing tickets into the replica: %w", err)
		}
	}
	now := a.now().UTC()
	for start := 0; start < len(devices); start += batch {
		err := a.db.Update(ctx, func(tx *localdb.Tx) error {
			for _, d := range devices[start:min(start+batch, len(devices))] {
				if !in[d.Tenant] {
					return fmt.Errorf("device %s is of tenant %s, outside %s's scope", d.ID, d.Tenant, user)
				}
				sd := staffDevice{Device: d, Inventoried: now, PatchesChecked: now}
				if err := tx.PutJSON(staffKey(user, "device/"+d.Tenant+"/"+d.ID), sd); err != nil {
					return err
				}
			}
			return tx.PutJSON(staffKey(user, "devices-at"), now)
		})
		if err != nil {
			return fmt.Errorf("writing devices into the replica: %w", err)
		}
	}
	st := a.staff()
	st.mu.Lock()
	delete(st.idx, user)
	st.mu.Unlock()
	return nil
}
