package hub_test

import (
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// TestPushLargeBatchInChunks: a batch larger than one store transaction
// holds is applied in order, exactly once, across several commits.
func TestPushLargeBatchInChunks(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	long := strings.Repeat("The printer on floor two jams. ", 400) // about 12 KB
	var ms []protocol.Mutation
	for range protocol.MaxBatch {
		tk := draft("Large")
		tk.Description = long
		ms = append(ms, createM(d.next(), tk))
	}
	resp := d.push(t, ms...)
	if resp.HighWater != protocol.MaxBatch || len(resp.Results) != protocol.MaxBatch {
		t.Fatalf("high water %d with %d results, want %d", resp.HighWater, len(resp.Results), protocol.MaxBatch)
	}
	for i, r := range resp.Results {
		if r.Seq != uint64(i+1) || r.Outcome != protocol.Applied {
			t.Fatalf("result %d = %+v, want seq %d applied", i, r, i+1)
		}
	}
	resp = d.push(t, ms...)
	if resp.HighWater != protocol.MaxBatch || len(resp.Results) != protocol.MaxBatch || resp.Results[protocol.MaxBatch-1].Outcome != protocol.Duplicate {
		t.Errorf("replay: high water %d, %d results", resp.HighWater, len(resp.Results))
	}
	list, err := h.admin.Tickets(t.Context(), a.ID)
	if err != nil || len(list) != protocol.MaxBatch {
		t.Errorf("tickets = %d, %v; want %d", len(list), err, protocol.MaxBatch)
	}
}

// TestRestartKeepsState: a hub started again on its data directory keeps
// its CA, its devices, their high-water marks and the tickets.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	h, stop := startHubIn(t, dir)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	tk := draft("Before the restart")
	create := createM(d.next(), tk)
	one := commentM(d.next(), tk.ID, "one")
	wantResults(t, d.push(t, create, one), 2, protocol.Applied, protocol.Applied)
	d.conn.Close()
	stop()

	h2, _ := startHubIn(t, dir)
	if h2.info.CAFingerprint != h.info.CAFingerprint {
		t.Errorf("the CA changed across a restart: %s, then %s", h.info.CAFingerprint, h2.info.CAFingerprint)
	}
	idDir := filepath.Join(d.dataDir, "identity")
	cert, err := tls.LoadX509KeyPair(filepath.Join(idDir, "device.pem"), filepath.Join(idDir, "device-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := client.NewConn(h2.info.URL, d.id.CAPEM(), &cert, fastRetry) // the port is new
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	resp, err := conn.Push(t.Context(), []protocol.Mutation{one, commentM(3, tk.ID, "two")})
	if err != nil {
		t.Fatalf("push after the restart: %v", err)
	}
	wantResults(t, resp, 3, protocol.Duplicate, protocol.Applied)
	if n := h2.comments(t, a.ID, tk.ID); n != 2 {
		t.Errorf("comments after the restart = %d, want 2", n)
	}
}
