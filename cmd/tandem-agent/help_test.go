package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// Every command's --help prints that command's flags and succeeds (it
// used to fail with "flag: help requested").
func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"ticket", "new", "--help"}, {"ticket", "call", "--help"}, {"enroll", "-h"}, {"status", "--help"}, {"collect", "--help"}} {
		var out bytes.Buffer
		if err := run(t.Context(), args, &out, io.Discard); err != nil {
			t.Errorf("%v: %v, want success", args, err)
		}
		if !strings.HasPrefix(out.String(), "usage: tandem-agent ") || !strings.Contains(out.String(), "-data") {
			t.Errorf("%v printed %q; want the command's usage and flags", args, out.String())
		}
	}
}
