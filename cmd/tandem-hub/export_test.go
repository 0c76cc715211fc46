package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// export --glpi writes one file per device of the tenant, each valid
// against GLPI's inventory schema and tagged with the tenant's slug.
func TestExportGLPI(t *testing.T) {
	t.Parallel()
	dir, ctx := startHub(t)
	tenant := createTenant(ctx, t, dir, "Karoo Logistics")
	var out bytes.Buffer
	if err := run(ctx, []string{"simulate", "--data", dir, "--tenant", tenant, "--devices", "3", "--duration", "1s", "--tick", "1s"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "glpi")
	out.Reset()
	if err := run(ctx, []string{"export", "--glpi", "--data", dir, "--tenant", tenant, "--out", dest}, &out, io.Discard); err != nil {
		t.Fatalf("export: %v", err)
	}
	// A simulated agent that had not sent its inventory when the
	// simulation ended is left out, and said to be.
	var wrote, none int
	fmt.Sscanf(out.String(), "wrote %d GLPI inventories", &wrote)
	if i := strings.Index(out.String(), "\n"); i >= 0 {
		fmt.Sscanf(out.String()[i+1:], "%d devices have sent no inventory", &none)
	}
	if wrote < 1 || wrote+none != 3 {
		t.Errorf("export printed %q; want the 3 devices written or named as without an inventory", out.String())
	}
	files, err := filepath.Glob(filepath.Join(dest, "*.json"))
	if err != nil || len(files) != wrote {
		t.Fatalf("%d files in %s (%v), want one per device it wrote (%d)", len(files), dest, err, wrote)
	}
	schema := glpiSchema(t)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("%s does not validate against GLPI's schema: %v", f, err)
		}
		var doc struct {
			Tag      string `json:"tag"`
			DeviceID string `json:"deviceid"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Tag != "karoo-logistics" || doc.DeviceID+".json" != filepath.Base(f) {
			t.Errorf("%s: tag %q, deviceid %q; want karoo-logistics and the file's name", f, doc.Tag, doc.DeviceID)
		}
	}
	if err := run(ctx, []string{"export", "--data", dir, "--tenant", tenant, "--out", dest}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--glpi") {
		t.Errorf("export without --glpi: %v", err)
	}
	if err := run(ctx, []string{"export", "--glpi", "--data", dir, "--tenant", "no-such-tenant", "--out", dest}, io.Discard, io.Discard); err == nil {
		t.Error("export of an unknown tenant succeeded")
	}
}

// glpiSchema compiles GLPI's inventory schema, which the inventory
// package's tests keep in its testdata.
func glpiSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(filepath.Join("..", "..", "inventory", "testdata", "glpi", "inventory.schema.json"))
	if err != nil {
		t.Fatalf("compiling GLPI's schema: %v", err)
	}
	return s
}
