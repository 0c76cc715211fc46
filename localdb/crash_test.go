package localdb

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAcknowledgedWritesSurviveKill9 starts a child process that writes as
// fast as it can and prints every write Update acknowledged, kills it with
// SIGKILL at a random moment, reopens the store and checks that every
// acknowledged write is there, several rounds on the same store.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	acked := map[uint64]bool{}
	const rounds = 6
	for round := range rounds {
		cmd := exec.CommandContext(t.Context(), exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "LOCALDB_CHILD=writer", "LOCALDB_DIR="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || lines.Text() != "ready" {
			t.Fatalf("round %d: child did not start: %q", round, lines.Text())
		}
		// Let it write for a random while, then kill it mid-write.
		kill := time.AfterFunc(time.Duration(20+rand.IntN(300))*time.Millisecond, func() {
			_ = cmd.Process.Kill()
		})
		n := 0
		for lines.Scan() {
			v, err := strconv.ParseUint(strings.TrimSpace(lines.Text()), 10, 64)
			if err != nil {
				continue // a line cut by the kill
			}
			acked[v] = true
			n++
		}
		kill.Stop()
		_ = cmd.Wait()
		if n == 0 {
			t.Fatalf("round %d: the child acknowledged nothing before it was killed", round)
		}

		db, err := Open(t.Context(), dir, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		missing := 0
		err = db.View(func(tx *Tx) error {
			for v := range acked {
				ok, err := tx.Has(SeqKey("rec", v))
				if err != nil {
					return err
				}
				if !ok {
					missing++
				}
			}
			return nil
		})
		if cerr := db.Close(); cerr != nil {
			t.Fatal(cerr)
		}
		if err != nil {
			t.Fatal(err)
		}
		if missing > 0 {
			t.Fatalf("round %d: %d of %d acknowledged writes lost after kill -9", round, missing, len(acked))
		}
		t.Logf("round %d: %d writes acknowledged in this round, all %d so far present after kill -9", round, n, len(acked))
	}
}
