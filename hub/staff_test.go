package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/protocol"
)

// getStaff GETs a staff route with a bearer credential (or the client's
// device certificate) and decodes a success into out.
func getStaff(tb testing.TB, c *http.Client, url, bearer string, out any) int {
	tb.Helper()
	status, b, _ := bearerGet(tb, c, url, bearer)
	if status == http.StatusOK && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatalf("answer %s: %v", b, err)
		}
	}
	return status
}

// The fleet for the dashboard: a signed-in technician lists their
// tenant's devices with the summary of the last inventory and reads one
// inventory; another tenant's are not there for them, and a device
// credential is refused.
func TestStaffDevicesForSignedInPeople(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	t1, t2 := h.tenant(t, "Demo Accounting", msp.ModeCoManaged), h.tenant(t, "Other Ltd", msp.ModeFullyManaged)
	d1 := h.enroll(t, t1.ID, "pc-0042")
	h.enroll(t, t2.ID, "pc-other")
	now := time.Now().UTC()
	inv := msp.Inventory{Hostname: "pc-0042", OS: msp.OSInfo{Name: "Ubuntu", Version: "24.04.1 LTS", ID: "ubuntu", Kernel: "6.8.0"},
		CollectedAt: now,
		Patches: msp.PatchState{RebootRequired: true, LastChecked: now, Pending: []msp.Patch{
			{Name: "openssl", InstalledVersion: "3.0.13-0ubuntu3.1", CandidateVersion: "3.0.13-0ubuntu3.4", Security: true},
			{Name: "vim", InstalledVersion: "9.1.0016-1", CandidateVersion: "9.1.0016-1ubuntu1"},
		}},
		Posture: msp.Posture{
			Firewall:         msp.Check{State: msp.CheckFailing, Evidence: "ufw inactive"},
			DiskEncryption:   msp.Check{State: msp.CheckOK, Evidence: "LUKS on /"},
			AutomaticUpdates: msp.Check{State: msp.CheckOK, Evidence: "unattended-upgrades on"},
			Antivirus:        msp.Check{State: msp.CheckUnknown, Evidence: "none found"},
		}}
	resp := d1.push(t, protocol.Mutation{Seq: d1.next(), Kind: protocol.KindInventory, Inventory: &inv})
	wantResults(t, resp, 1, protocol.Applied)

	u, err := h.admin.AddUser(ctx, t1.ID, msp.RoleTechnician, "Sam Tech")
	if err != nil {
		t.Fatal(err)
	}
	si, err := d1.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	anon := h.rawClient(t, nil)
	base := h.info.URL + hub.PathStaffDevices

	var ds []hub.StaffDevice
	if status := getStaff(t, anon, base, si.Token, &ds); status != http.StatusOK {
		t.Fatalf("technician lists devices (one tenant, no ?tenant): %d", status)
	}
	if len(ds) != 1 || ds[0].Hostname != "pc-0042" || ds[0].Pending != 2 || !slices.Equal(ds[0].SecurityNames, []string{"openssl"}) ||
		!ds[0].RebootRequired || len(ds[0].PostureFailing) != 1 || ds[0].Inventoried.IsZero() {
		t.Fatalf("the fleet: %+v", ds)
	}
	var got msp.Inventory
	if status := getStaff(t, anon, base+"/"+ds[0].ID+"?tenant="+t1.ID, si.Token, &got); status != http.StatusOK || got.Hostname != "pc-0042" || len(got.Patches.Pending) != 2 {
		t.Fatalf("one inventory: %d %+v", status, got)
	}
	if status := getStaff(t, anon, base+"?tenant="+t2.ID, si.Token, nil); status != http.StatusNotFound {
		t.Fatalf("another tenant's fleet: %d, want 404", status)
	}
	if status := getStaff(t, anon, base+"/"+msp.NewID(), si.Token, nil); status != http.StatusNotFound {
		t.Fatalf("an unknown device: %d, want 404", status)
	}
	if status := getStaff(t, h.rawClient(t, d1), base, "", nil); status != http.StatusForbidden {
		t.Fatalf("a device credential: %d, want 403", status)
	}
	if status := getStaff(t, anon, base, "tdm_ut_wrong", nil); status != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d, want 401", status)
	}
}
