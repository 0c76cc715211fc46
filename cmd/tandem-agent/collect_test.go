package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// collect takes --data like every other command (the GLPI export names the
// device enrolled there) instead of refusing it as an unknown flag.
func TestCollectTakesData(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"collect", "--json", "--data", t.TempDir()}, &out, &errOut); err != nil {
		t.Fatalf("collect --json --data DIR: %v\n%s", err, errOut.String())
	}
	var rep struct {
		Hostname string `json:"hostname"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Hostname == "" {
		t.Fatalf("collect printed %q: %v", out.String(), err)
	}
}
