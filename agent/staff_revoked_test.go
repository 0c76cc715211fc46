package agent

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tandem/msp"
)

// A retired device stays in the dashboard's fleet, marked, but is neither
// silent nor in need of attention: its last report is history.
func TestRetiredDeviceRow(t *testing.T) {
	a, err := Open(context.Background(), t.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := a.now()
	d := staffDevice{Device: msp.Device{ID: msp.NewID(), Tenant: "acme", Hostname: "acme-laptop-7", OS: "Windows 11 Pro",
		EnrolledAt: now.Add(-400 * 24 * time.Hour), LastSeen: now.Add(-90 * 24 * time.Hour)},
		SecurityNames: []string{"KB5044284"}, Pending: 3, RebootRequired: true, PostureFailing: []string{"Firewall"},
		FirstSeen: map[string]time.Time{"KB5044284": now.Add(-100 * 24 * time.Hour)}}
	live := a.rowOfDevice(d, nil)
	if !live.Silent || live.SecurityPending != 1 || live.OldestPendingDays < 99 || !live.RestartNeeded {
		t.Fatalf("the device in service: %+v; want silent, one security update 100 days old, restart needed", live)
	}
	d.RevokedAt = now.Add(-80 * 24 * time.Hour)
	row := a.rowOfDevice(d, nil)
	if row.RevokedAt.IsZero() || row.Silent || row.SecurityPending != 0 || row.Pending != 0 || row.RestartNeeded || len(row.PostureProblems) != 0 || row.OldestPendingDays != 0 {
		t.Errorf("the retired device: %+v; want marked retired and nothing to do", row)
	}
}
