package agent

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// Patch compliance in the overview is the monthly report's: a device fails
// it when a security update has waited more than the tenant's days (14 by
// default, or the tenant's alert rule), not as soon as one is waiting.
func TestStaffOverviewPatchCompliance(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, t.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const user = "sam"
	tenant := msp.NewID()
	now := time.Now().UTC()
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		s := staffSession{OSUser: user, UserID: msp.NewID(), Name: "Sam Naidoo", Role: msp.RoleTechnician, Tenants: []string{tenant},
			Token: "tdm_ut_test", HubURL: "https://hub.example.com", SignedInAt: now}
		if err := tx.PutJSON(staffKey(user, "session"), s); err != nil {
			return err
		}
		tn := msp.NewTenant(tenant, "Demo Accounting", msp.ModeCoManaged)
		tn.Alerts.SecurityUpdatesDays = 10
		if err := tx.PutJSON(staffKey(user, "tenant/"+tenant), tn); err != nil {
			return err
		}
		for i, waited := range []time.Duration{0, 3 * 24 * time.Hour, 12 * 24 * time.Hour} {
			d := staffDevice{Device: msp.Device{ID: msp.NewID(), Tenant: tenant, Hostname: "PC-" + string(rune('A'+i)), LastSeen: now},
				Inventoried: now, PatchesChecked: now}
			if waited > 0 {
				d.Pending, d.SecurityNames = 1, []string{"KB5040442"}
				d.FirstSeen = map[string]time.Time{"KB5040442": now.Add(-waited)}
			}
			if err := tx.PutJSON(staffKey(user, "device/"+tenant+"/"+d.ID), d); err != nil {
				return err
			}
		}
		return tx.PutJSON(staffKey(user, "devices-at"), now)
	})
	if err != nil {
		t.Fatal(err)
	}
	o, err := a.StaffOverview(user, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if o.Devices != 3 || o.SecurityPending != 2 || o.PatchOverdue != 1 || o.PatchAfterDays != 10 {
		t.Fatalf("overview: %d devices, %d with updates waiting, %d overdue after %d days; want 3, 2, 1 after 10",
			o.Devices, o.SecurityPending, o.PatchOverdue, o.PatchAfterDays)
	}
}
