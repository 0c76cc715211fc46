package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tandem/inventory"
)

// exportCmd writes every device of a tenant in GLPI's native inventory
// format, one JSON file per device in a directory: the form GLPI takes,
// by glpi-injector --directory DIR --url https://glpi.example/ (which
// posts each file as GLPI's agent would) or by hand in Administration >
// Inventory > Import from file. GLPI reads one inventory per request or
// file, not JSON lines.
func exportCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("export")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	glpi := fs.Bool("glpi", false, "GLPI's native inventory format (the only format for now)")
	out := fs.String("out", "", "the directory to write one DEVICE_ID.json per device into (made if missing)")
	tag := fs.String("tag", "", "GLPI's tag, which GLPI's rules route to the customer's entity (default: the tenant's name as a slug)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*glpi || *tenant == "" || *out == "" {
		return usageError{"export: --glpi, --tenant ID and --out DIR are required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	tn, err := c.Tenant(ctx, *tenant)
	if err != nil {
		return err
	}
	if *tag == "" {
		*tag = inventory.TenantTag(tn.Name)
	}
	devs, err := c.Inventories(ctx, *tenant)
	if err != nil {
		return err
	}
	// Inventories hold personal data (user names, software): the owner alone reads them.
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("export: making %s: %w", *out, err)
	}
	written, none := 0, 0
	for _, d := range devs {
		if d.Inventory == nil {
			none++
			continue
		}
		b, err := inventory.GLPITagged(inventory.Report{Inventory: *d.Inventory}, d.Device.ID, *tag)
		if err != nil {
			return fmt.Errorf("export: device %s (%s): %w", d.Device.ID, d.Device.Hostname, err)
		}
		path := filepath.Join(*out, d.Device.ID+".json")
		if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
			return fmt.Errorf("export: writing %s: %w", path, err)
		}
		written++
	}
	fmt.Fprintf(stdout, "wrote %d GLPI inventories of %s (tag %q) to %s\n", written, tn.Name, *tag, *out)
	if none > 0 {
		fmt.Fprintf(stdout, "%d devices have sent no inventory yet and were left out\n", none)
	}
	return nil
}
