package outbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"tandem/internal/atomicfile"
	"tandem/sync/protocol"
)

// Ledger keeps every queued ticket change in a file of its own, apart from
// the store and its write-ahead log, until the hub has acknowledged it.
// Each write is appended and synced before the person is told the change
// is saved. When the store comes back with less than the ledger holds (a
// torn or damaged write-ahead log, a store moved aside, deleted or
// restored from a backup), the agent queues those changes again from here:
// the hub knows every applied change by its id, so one that had arrived
// after all is acknowledged, not applied twice.
//
// Only ticket changes are kept: a check-in or an inventory is sent again
// anyway. The file holds JSON lines; a torn last line (a crash while
// appending) is ignored, because its change was not yet reported saved.
// The file is rewritten without acknowledged entries when it grows.
//
// A Ledger is safe for concurrent use.
type Ledger struct {
	path string

	mu      sync.Mutex
	f       *os.File
	pending map[string]LedgerEntry // by Mutation.ID
	lines   map[string]int64       // the size of each pending entry's line
	size    int64                  // bytes in the file
	live    int64                  // bytes of the pending entries' lines
	skipped int                    // lines that could not be read at open
}

// LedgerEntry is one queued ticket change as the ledger keeps it.
type LedgerEntry struct {
	ID       string            `json:"id"`
	Ticket   string            `json:"ticket,omitempty"`
	Title    string            `json:"title,omitempty"` // the ticket's title, to name the change to the person
	Stream   string            `json:"stream,omitempty"`
	Seq      uint64            `json:"seq,omitempty"`
	At       time.Time         `json:"at"`
	Mutation protocol.Mutation `json:"mutation"`
}

type ledgerLine struct {
	Op    string       `json:"op"` // "q": queued; "a": acknowledged
	Entry *LedgerEntry `json:"entry,omitempty"`
	IDs   []string     `json:"ids,omitempty"`
}

// compactAbove is the file size past which an acknowledgement rewrites
// the file, when most of it is acknowledged entries (more than half: so a
// rewrite costs no more than the acknowledged bytes since the last one,
// and a long queue is not written again at every acknowledgement).
const compactAbove = 1 << 20

// OpenLedger opens (or creates) the ledger file at path and rewrites it
// with only its pending entries.
func OpenLedger(path string) (*Ledger, error) {
	l := &Ledger{path: path, pending: map[string]LedgerEntry{}, lines: map[string]int64{}}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading the outbox ledger %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var ln ledgerLine
		if err := json.Unmarshal(sc.Bytes(), &ln); err != nil {
			l.skipped++
			continue
		}
		switch {
		case ln.Op == "q" && ln.Entry != nil && ln.Entry.ID != "":
			l.pending[ln.Entry.ID] = *ln.Entry
		case ln.Op == "a":
			for _, id := range ln.IDs {
				delete(l.pending, id)
			}
		default:
			l.skipped++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the outbox ledger %s: %w", path, err)
	}
	if err := l.rewrite(); err != nil {
		return nil, err
	}
	return l, nil
}

// Skipped counts the lines OpenLedger could not read (a torn last line, or
// damage in the file).
func (l *Ledger) Skipped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.skipped
}

// rewrite replaces the file with the pending entries and opens it for
// appending. l.mu is held (or l is not shared yet).
func (l *Ledger) rewrite() error {
	var buf bytes.Buffer
	clear(l.lines)
	for _, e := range l.sortedPending() {
		line, err := json.Marshal(ledgerLine{Op: "q", Entry: &e})
		if err != nil {
			return fmt.Errorf("encoding the outbox ledger: %w", err)
		}
		buf.Write(append(line, '\n'))
		l.lines[e.ID] = int64(len(line) + 1)
	}
	if l.f != nil {
		if err := l.f.Close(); err != nil {
			return fmt.Errorf("closing the outbox ledger %s: %w", l.path, err)
		}
		l.f = nil
	}
	if err := atomicfile.Write(l.path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("rewriting the outbox ledger: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening the outbox ledger %s: %w", l.path, err)
	}
	l.f, l.size, l.live = f, int64(buf.Len()), int64(buf.Len())
	return nil
}

func (l *Ledger) sortedPending() []LedgerEntry {
	out := make([]LedgerEntry, 0, len(l.pending))
	for _, e := range l.pending {
		out = append(out, e)
	}
	// Change ids are UUIDv7: their order is the order they were made in.
	slices.SortFunc(out, func(a, b LedgerEntry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.ID), []byte(b.ID))
	})
	return out
}

func (l *Ledger) appendLine(ln ledgerLine) error {
	if _, err := l.writeLine(ln); err != nil {
		return err
	}
	return l.sync()
}

// sync makes what was written durable.
func (l *Ledger) sync() error {
	if l.f == nil {
		return nil // closed: writeLine has said so for anything written
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("syncing the outbox ledger %s: %w", l.path, err)
	}
	return nil
}

// writeLine appends a line without syncing it, and says how many bytes
// it wrote.
func (l *Ledger) writeLine(ln ledgerLine) (int64, error) {
	b, err := json.Marshal(ln)
	if err != nil {
		return 0, fmt.Errorf("encoding the outbox ledger: %w", err)
	}
	b = append(b, '\n')
	if l.f == nil {
		return 0, fmt.Errorf("the outbox ledger %s is closed", l.path)
	}
	if _, err := l.f.Write(b); err != nil {
		return 0, fmt.Errorf("writing the outbox ledger %s: %w", l.path, err)
	}
	l.size += int64(len(b))
	return int64(len(b)), nil
}

// Queued records ticket changes the store has just queued (other kinds are
// ignored), in stream st. Call it after the store's transaction committed
// and before telling the person the change is saved.
func (l *Ledger) Queued(st Stream, ms ...protocol.Mutation) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range ms {
		if err := l.queue(st, "", m); err != nil {
			return err
		}
	}
	return l.sync()
}

// QueuedOn is Queued for one change to the ticket titled title, so that
// a reply the store loses is named to the person by its ticket.
func (l *Ledger) QueuedOn(st Stream, title string, m protocol.Mutation) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.queue(st, title, m); err != nil {
		return err
	}
	return l.sync()
}

func (l *Ledger) queue(st Stream, title string, m protocol.Mutation) error {
	if m.Kind != protocol.KindTicket || m.Change == nil || m.ID == "" {
		return nil
	}
	e := LedgerEntry{ID: m.ID, Ticket: m.Change.TicketID, Title: title, Stream: st.ID, Seq: m.Seq, At: m.Change.At, Mutation: m}
	if m.Change.Ticket != nil {
		e.Title = m.Change.Ticket.Title
	}
	if old, ok := l.pending[e.ID]; ok && e.Title == "" {
		e.Title = old.Title // numbered again: keep what it was called
	}
	n, err := l.writeLine(ledgerLine{Op: "q", Entry: &e})
	if err != nil {
		return err
	}
	l.live += n - l.lines[e.ID]
	l.pending[e.ID], l.lines[e.ID] = e, n
	return nil
}

// Acked records that the changes with these ids left the queue (the hub
// has them, or refused them and they are dead letters).
func (l *Ledger) Acked(ids []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var gone []string
	for _, id := range ids {
		if _, ok := l.pending[id]; ok {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	for _, id := range gone {
		l.live -= l.lines[id]
		delete(l.pending, id)
		delete(l.lines, id)
	}
	if len(l.pending) == 0 || (l.size > compactAbove && l.size > 2*l.live) {
		return l.rewrite()
	}
	return l.appendLine(ledgerLine{Op: "a", IDs: gone})
}

// Pending returns the entries not yet acknowledged, oldest first.
func (l *Ledger) Pending() []LedgerEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sortedPending()
}

// Close closes the file.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("closing the outbox ledger %s: %w", l.path, err)
	}
	return nil
}
