package main

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"tandem/hub"
)

// tandem-hub user scope gives a technician a second organisation, says so,
// and refuses an IT lead with two in the hub's words.
func TestUserScope(t *testing.T) {
	t.Parallel()
	dir, ctx := startHub(t)
	var ids []string
	for _, name := range []string{"Karoo Logistics", "Fynbos Dental"} {
		var out bytes.Buffer
		if err := run(ctx, []string{"tenant", "create", "--data", dir, "--name", name, "--mode", "co-managed"}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strings.TrimSpace(out.String()))
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "add", "--data", dir, "--tenant", ids[0], "--role", "technician", "--name", "Sam Naidoo"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	user := strings.Fields(out.String())[1] // "user ID (Sam Naidoo, ...)"
	out.Reset()
	if err := run(ctx, []string{"user", "scope", "--data", dir, "--id", user, "--tenant", ids[0], "--tenant", ids[1]}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "now works for: "+ids[0]+", "+ids[1]) {
		t.Errorf("user scope printed:\n%s", out.String())
	}
	c, err := hub.DialAdmin(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	// The hub has no user listing; a second code shows the stored person.
	u, err := c.NewSignInCode(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.User.Tenants, ids) {
		t.Errorf("stored scope = %v, want %v", u.User.Tenants, ids)
	}

	out.Reset()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--tenant", ids[0], "--role", "it-lead", "--name", "Thandi"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lead := strings.Fields(out.String())[1]
	err = run(ctx, []string{"user", "scope", "--data", dir, "--id", lead, "--tenant", ids[0], "--tenant", ids[1]}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "an IT lead works for exactly one organisation") {
		t.Errorf("an IT lead with two organisations: %v", err)
	}
	if err := run(ctx, []string{"user", "scope", "--data", dir, "--id", lead}, io.Discard, io.Discard); err == nil {
		t.Error("user scope without --tenant succeeded")
	}
}
