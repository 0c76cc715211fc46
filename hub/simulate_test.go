package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
)

func TestSimulateRefusesBadConfig(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cfg  hub.SimConfig
		want string
	}{
		{"no devices", hub.SimConfig{Tenant: a.ID, Devices: 0, Duration: time.Second}, "devices"},
		{"negative devices", hub.SimConfig{Tenant: a.ID, Devices: -1, Duration: time.Second}, "devices"},
		{"too many devices", hub.SimConfig{Tenant: a.ID, Devices: hub.MaxSimDevices + 1, Duration: time.Second}, "devices"},
		{"no duration", hub.SimConfig{Tenant: a.ID, Devices: 1}, "duration"},
		{"too long", hub.SimConfig{Tenant: a.ID, Devices: 1, Duration: hub.MaxSimDuration + time.Second}, "duration"},
	} {
		res, err := hub.Simulate(ctx, h.admin, h.caPEM, tc.cfg)
		if err == nil {
			t.Errorf("%s: Simulate(%+v) = %+v, want an error", tc.name, tc.cfg, res)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not name %s", tc.name, err, tc.want)
		}
		if res.Devices != 0 {
			t.Errorf("%s: refused, yet %d devices enrolled", tc.name, res.Devices)
		}
	}
	devices, err := h.admin.Devices(ctx, a.ID)
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	if len(devices) != 0 {
		t.Errorf("refused simulations enrolled %d devices", len(devices))
	}

	// A tenant that does not exist is refused by the hub, not simulated.
	if _, err := hub.Simulate(ctx, h.admin, h.caPEM, hub.SimConfig{Tenant: msp.NewID(), Devices: 1, Duration: time.Second}); err == nil {
		t.Error("Simulate into an unknown tenant succeeded")
	} else if !strings.Contains(err.Error(), "no tenant") {
		t.Errorf("Simulate into an unknown tenant: %v; want the hub's no-tenant answer", err)
	}
}

func TestSimulate(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	ctx := context.Background()
	start := time.Now()
	res, err := hub.Simulate(ctx, h.admin, h.caPEM, hub.SimConfig{Tenant: a.ID, Devices: 5, Duration: 3 * time.Second, Tick: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Simulate: %v (result %+v)", err, res)
	}
	t.Logf("simulation: %+v", res)
	if res.Devices != 5 {
		t.Errorf("result: %d devices, want 5", res.Devices)
	}
	if res.Pushes == 0 || res.Pulls == 0 || res.Mutations == 0 {
		t.Errorf("result: %d pushes, %d pulls, %d mutations delivered; want some of each", res.Pushes, res.Pulls, res.Mutations)
	}
	if res.Errors != 0 {
		t.Errorf("result: %d errors, want none", res.Errors)
	}
	// The seeds' service: R450 per user per month excl. VAT, 12 months,
	// billed by seat, with a person on each simulated device.
	tn, err := h.admin.Tenant(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tn.PricePerUser != hub.SimPrice || tn.BillingBasis() != msp.BillSeats || tn.Billing.ContractMonths != 12 {
		t.Errorf("the simulated tenant is billed %s by %s for %d months; want R450.00 by seat for 12", tn.PricePerUser, tn.BillingBasis(), tn.Billing.ContractMonths)
	}
	seeded, err := h.admin.People(ctx, a.ID)
	if err != nil || len(seeded) != 5 {
		t.Fatalf("people after simulating 5 devices: %d, %v", len(seeded), err)
	}
	if ts, err := h.admin.Tickets(ctx, a.ID); err == nil {
		for _, tk := range ts {
			if _, ok := msp.MatchPerson(seeded, &tk, ""); tk.Alert == nil && !ok {
				t.Errorf("ticket %q by %s matches none of the simulated people", tk.Title, tk.Requester)
			}
		}
	}

	devices, err := h.admin.Devices(ctx, a.ID)
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	if len(devices) != 5 {
		t.Fatalf("the hub lists %d devices in the tenant, want 5", len(devices))
	}
	for _, d := range devices {
		if !strings.HasPrefix(d.Hostname, "sim-") || d.OS == "" {
			t.Errorf("device %s: hostname %q, os %q; want a simulated device", d.ID, d.Hostname, d.OS)
		}
		// Enrollment sets last seen too; only a check-in sets the agent
		// version and moves last seen past the enrollment.
		if d.AgentVersion != "simulated" || !d.LastSeen.After(d.EnrolledAt) || d.LastSeen.Before(start) {
			t.Errorf("device %s (%s): agent version %q, enrolled %s, last seen %s; want check-ins after the start %s",
				d.ID, d.Hostname, d.AgentVersion, d.EnrolledAt.Format(time.RFC3339Nano), d.LastSeen.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
		}
		// Each simulated agent sends one inventory first.
		if d.Inventoried.IsZero() {
			t.Errorf("device %s (%s): no inventory arrived; the simulated inventory was rejected", d.ID, d.Hostname)
		}
	}

	tickets, err := h.admin.Tickets(ctx, a.ID)
	if err != nil {
		t.Fatalf("Tickets: %v", err)
	}
	// The simulated inventories may also raise proactive alerts (a disk
	// nearly full, a failing check): those tickets are the hub's, one per
	// device and condition.
	people, keys := 0, map[string]bool{}
	for _, tk := range tickets {
		if tk.Alert == nil {
			people++
			continue
		}
		if keys[tk.Alert.Key] {
			t.Errorf("two alert tickets for %s", tk.Alert.Key)
		}
		keys[tk.Alert.Key] = true
	}
	if int64(people) != res.Tickets {
		t.Errorf("the simulation raised %d tickets, the hub holds %d besides %d alerts", res.Tickets, people, len(keys))
	}
	for _, tk := range tickets {
		if tk.Tenant != a.ID || tk.Device == "" || tk.Owner == "" {
			t.Errorf("ticket %s: tenant %q, device %q, owner %q; want a routed ticket of a simulated device", tk.ID, tk.Tenant, tk.Device, tk.Owner)
		}
	}
}
