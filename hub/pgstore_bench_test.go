package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"tandem/hub"
	"tandem/hub/pgstore"
	"tandem/internal/pgtest"
	"tandem/localdb"
	"tandem/msp"
)

// BenchmarkCheckInIngestPostgres is BenchmarkCheckInIngest with the hub on
// PostgreSQL (a throwaway cluster on a unix socket on this machine, fsync
// and synchronous commit on as in production): the same devices, load
// generator and figures, so the two read side by side.
func BenchmarkCheckInIngestPostgres(b *testing.B) {
	c := pgtest.Start(b, pgtest.Options{Durable: true})
	store, err := pgstore.Open(context.Background(), c.NewDatabase(b), pgstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	h, _ := startHubWith(b, b.TempDir(), hub.Config{Store: store, Profile: localdb.Server})
	a := h.tenant(b, "Acme", msp.ModeCoManaged)
	var clients []*http.Client
	for i := range ingestDevices {
		clients = append(clients, h.rawClient(b, h.enroll(b, a.ID, fmt.Sprintf("pc-%03d", i+1))))
	}
	active := runCheckIns(b, h.info.URL, clients)
	devices, err := h.admin.Devices(context.Background(), a.ID)
	if err != nil {
		b.Fatalf("Devices: %v", err)
	}
	seen := 0
	for _, d := range devices {
		if d.AgentVersion == "1.0.0" {
			seen++
		}
	}
	if seen != active {
		b.Errorf("%d devices pushed check-ins, the hub saw %d", active, seen)
	}
}
