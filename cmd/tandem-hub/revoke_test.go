package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"tandem/hub"
)

// tandem-hub user signout, user remove and device revoke say what they
// did; the hub then refuses a new code for the removed person; wrong ids
// are refused in words.
func TestRevokeCommands(t *testing.T) {
	t.Parallel()
	dir, ctx := startHub(t)
	tenant := createTenant(ctx, t, dir, "Karoo Logistics")
	var out bytes.Buffer
	out.Reset()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--tenant", tenant, "--role", "it-lead", "--name", "Thandi"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	user := strings.Fields(out.String())[1]
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"user", "signout", "--data", dir, "--id", user}, "signed out everywhere"},
		{[]string{"user", "remove", "--data", dir, "--id", user}, "removed: none of their sign-ins"},
	} {
		out.Reset()
		if err := run(ctx, tc.args, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if !strings.Contains(out.String(), tc.says) || !strings.Contains(out.String(), "Thandi") {
			t.Errorf("%v printed %q; want it to say %q", tc.args, out.String(), tc.says)
		}
	}
	c, err := hub.DialAdmin(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewSignInCode(ctx, user); err == nil || !strings.Contains(err.Error(), "was removed") {
		t.Errorf("a code for the removed person: %v", err)
	}
	err = run(ctx, []string{"device", "revoke", "--data", dir, "--tenant", tenant, "--id", "no-such-device"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "tandem-hub devices") {
		t.Errorf("revoking an unknown device: %v; want it refused, naming how to list devices", err)
	}
	if err := run(ctx, []string{"device", "revoke", "--data", dir}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--tenant and --id are required") {
		t.Errorf("device revoke without flags: %v", err)
	}
}

// Every command's --help prints that command's flags and succeeds.
func TestCommandHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"device", "revoke", "--help"}, {"user", "add", "-h"}, {"tenant", "set", "--help"}, {"serve", "--help"}} {
		var out bytes.Buffer
		if err := run(t.Context(), args, &out, io.Discard); err != nil {
			t.Errorf("%v: %v, want success", args, err)
		}
		if !strings.HasPrefix(out.String(), "usage: tandem-hub "+args[0]) || !strings.Contains(out.String(), "-data") {
			t.Errorf("%v printed %q; want the command's usage and flags", args, out.String())
		}
	}
}
