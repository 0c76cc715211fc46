package main

import (
	"bytes"
	"strings"
	"testing"

	"tandem/internal/version"
)

func TestRunVersionAndUsage(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run([]string{"version"}, &out, &errs); err != nil || out.String() != "tandem-tray "+version.Version+"\n" {
		t.Errorf("version: %q, %v", out.String(), err)
	}
	out.Reset()
	if err := run([]string{"--help"}, &out, &errs); err != nil || !strings.Contains(errs.String(), "tandem-tray [--data DIR]") {
		t.Errorf("--help: %v, printed %q", err, errs.String())
	}
	if err := run([]string{"open"}, &out, &errs); err == nil || !strings.Contains(err.Error(), `unexpected argument "open"`) {
		t.Errorf("a stray argument: %v", err)
	}
	if err := run([]string{"--nope"}, &out, &errs); err == nil {
		t.Error("an unknown flag was accepted")
	}
}
