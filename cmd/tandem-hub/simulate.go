package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"tandem/hub"
)

func simulate(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlags("simulate")
	data := fs.String("data", envOr("TANDEM_HUB_DATA", ""), "the hub's data directory")
	url := fs.String("hub", "", "the hub's URL (default: from DIR/hub.json)")
	tenant := fs.String("tenant", "", "tenant id")
	devices := fs.Int("devices", 10, "simulated agents")
	duration := fs.Duration("duration", time.Minute, "how long to run")
	tick := fs.Duration("tick", 5*time.Second, "how often each agent checks in")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *data == "" || *tenant == "" {
		return usageError{"simulate: --data DIR and --tenant ID are required"}
	}
	admin, err := hub.DialAdmin(*data, *url)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(filepath.Join(*data, "ca.pem"))
	if err != nil {
		return fmt.Errorf("reading the hub's CA: %w", err)
	}
	fmt.Fprintf(stdout, "simulating %d agents for %s...\n", *devices, *duration)
	res, err := hub.Simulate(ctx, admin, caPEM, hub.SimConfig{Tenant: *tenant, Devices: *devices, Duration: *duration, Tick: *tick})
	fmt.Fprintf(stdout, "devices %d, pushes %d, changes %d, tickets %d, pulls %d, errors %d, in %s\n",
		res.Devices, res.Pushes, res.Mutations, res.Tickets, res.Pulls, res.Errors, res.Elapsed)
	return err
}
