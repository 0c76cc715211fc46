package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
)

// The enrollment token can stay off the command line, which every user
// of the computer can read (ps, Task Manager): from standard input, a
// file or TANDEM_TOKEN.
func TestTheEnrollmentTokenCanStayOffTheCommandLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("tdm_et_from_file\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TANDEM_TOKEN", " tdm_et_from_env ")
	for _, tc := range []struct {
		name, flag, file, stdin, want string
	}{
		{"on the command line", "tdm_et_flag", "", "", "tdm_et_flag"},
		{"from standard input", "-", "", "tdm_et_from_stdin\nignored\n", "tdm_et_from_stdin"},
		{"from a file", "", file, "", "tdm_et_from_file"},
		{"from the environment", "", "", "", "tdm_et_from_env"},
	} {
		got, err := enrollToken(tc.flag, tc.file, strings.NewReader(tc.stdin))
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := enrollToken("tdm_et_a", file, nil); err == nil {
		t.Error("--token and --token-file together were accepted")
	}
	if _, err := enrollToken("", filepath.Join(t.TempDir(), "missing"), nil); err == nil || !strings.Contains(err.Error(), "enrollment token") {
		t.Errorf("a missing token file: %v", err)
	}

	// And a real enrollment with the token in a file.
	h := runHub(t, t.TempDir(), "127.0.0.1:0")
	ctx := context.Background()
	admin, err := hub.DialAdmin(h.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	tn, err := admin.CreateTenant(ctx, "Token File Ltd", msp.ModeFullyManaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, tn.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(tok.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	data := t.TempDir()
	if err := enroll(ctx, []string{"--hub", h.info.URL, "--token-file", file, "--ca", h.info.CAFile, "--data", data}, &out); err != nil {
		t.Fatalf("enroll --token-file: %v", err)
	}
	if !strings.Contains(out.String(), "Token File Ltd") {
		t.Fatalf("enroll said %q", out.String())
	}
}
