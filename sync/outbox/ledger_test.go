package outbox_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

func withIDs(ms ...protocol.Mutation) []protocol.Mutation {
	for i := range ms {
		ms[i].Seq, ms[i].ID = uint64(i+1), ms[i].Change.ID
	}
	return ms
}

func titles(es []outbox.LedgerEntry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Title)
	}
	return strings.Join(out, ",")
}

func TestLedgerKeepsTicketChangesUntilAcknowledged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.ledger")
	l, err := outbox.OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	ms := withIDs(ticketMutation("printer"), ticketMutation("vpn"), ticketMutation("mail"))
	checkin := protocol.Mutation{Seq: 4, ID: "c1", Kind: protocol.KindCheckIn, CheckIn: &protocol.CheckIn{}}
	st := outbox.Stream{ID: "s1"}
	if err := l.Queued(st, append(ms, checkin)...); err != nil {
		t.Fatal(err)
	}
	if err := l.Acked([]string{ms[1].ID, "c1"}); err != nil {
		t.Fatal(err)
	}
	if got := titles(l.Pending()); got != "printer,mail" {
		t.Fatalf("pending %q, want printer,mail (check-ins are not kept)", got)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// A crash while appending leaves a torn last line: it is skipped, the
	// rest is kept.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"op":"q","entry":{"id":"x","tit`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = outbox.OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(l.Pending()); got != "printer,mail" || l.Skipped() != 1 {
		t.Fatalf("after reopen: pending %q, %d skipped; want printer,mail and 1 skipped", got, l.Skipped())
	}
	if e := l.Pending()[0]; e.Stream != "s1" || e.Seq != 1 || e.Mutation.Change == nil || e.Mutation.Change.Ticket.Title != "printer" {
		t.Fatalf("entry %+v does not carry its stream, number and change", e)
	}

	// Once everything is acknowledged the file is rewritten empty.
	if err := l.Acked([]string{ms[0].ID, ms[2].ID}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("ledger after the last acknowledgement: %v, %v; want an empty file", fi, err)
	}
	// On Windows the file has no mode of its own: the data directory's
	// DACL (agent.protectDataDir) is what keeps it private.
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("ledger mode %v, want 0600 (it holds ticket text)", fi.Mode().Perm())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = outbox.OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	if n := len(l.Pending()); n != 0 {
		t.Fatalf("%d pending after all were acknowledged", n)
	}
}

func TestLedgerCompactsWhenItGrows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.ledger")
	l, err := outbox.OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	keep := withIDs(ticketMutation("kept"))
	if err := l.Queued(outbox.Stream{ID: "s"}, keep...); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4096)
	for range 400 { // about 1.6 MB queued and acknowledged
		m := withIDs(ticketMutation(big))
		if err := l.Queued(outbox.Stream{ID: "s"}, m...); err != nil {
			t.Fatal(err)
		}
		if err := l.Acked([]string{m[0].ID}); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 1<<20+64<<10 {
		t.Fatalf("ledger is %d bytes with one entry pending; it should have been compacted", fi.Size())
	}
	if got := titles(l.Pending()); got != "kept" {
		t.Fatalf("pending %q after compaction, want kept", got)
	}
}

// A long queue acknowledged a batch at a time keeps the file near the
// size of what is still pending, without writing the whole queue again at
// every acknowledgement; what is pending survives every rewrite.
func TestLedgerCompactsALongQueueWithoutLosingThePending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.ledger")
	l, err := outbox.OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	const n, batch, keep = 4000, 100, 7
	long := strings.Repeat("x", 600)
	var ms []protocol.Mutation
	for range n {
		ms = append(ms, ticketMutation(long))
	}
	ms = withIDs(ms...)
	if err := l.Queued(outbox.Stream{ID: "s1"}, ms...); err != nil {
		t.Fatal(err)
	}
	full, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var largest int64
	for start := 0; start < n-keep; start += batch {
		var ids []string
		for _, m := range ms[start:min(start+batch, n-keep)] {
			ids = append(ids, m.ID)
		}
		if err := l.Acked(ids); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, fi.Size())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if largest > full.Size()+int64(n/batch)*int64(batch*40) {
		t.Errorf("the ledger grew to %d bytes from %d while being acknowledged", largest, full.Size())
	}
	if fi.Size() > 2<<20 {
		t.Errorf("with %d of %d pending the ledger still holds %d bytes; it was never compacted", keep, n, fi.Size())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = outbox.OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := l.Pending()
	if len(p) != keep || p[0].ID != ms[n-keep].ID || p[keep-1].ID != ms[n-1].ID {
		t.Fatalf("after the rewrites %d entries are pending, want the last %d", len(p), keep)
	}
	t.Logf("%d entries (%d bytes) acknowledged in batches of %d: largest file %d bytes, last %d bytes", n, full.Size(), batch, largest, fi.Size())
}
