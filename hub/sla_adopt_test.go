package hub

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
)

// eventLog records the events a server tells.
type eventLog struct {
	mu  sync.Mutex
	all []TicketEvent
}

func (e *eventLog) TicketEvent(_ context.Context, ev TicketEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// take returns "kind:clock" of the events of ticket id since the last take.
func (e *eventLog) take(id string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out, rest []TicketEvent
	for _, ev := range e.all {
		if ev.Ticket != nil && ev.Ticket.ID == id {
			out = append(out, ev)
		} else {
			rest = append(rest, ev)
		}
	}
	e.all = rest
	var kinds []string
	for _, ev := range out {
		k := string(ev.Kind)
		if ev.Clock != "" {
			k += ":" + ev.Clock
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// The first sweep after an upgrade meets tickets a hub without SLA clocks
// stored (no history): targets they missed before then are recorded as
// breached without an event and without handing the ticket to the MSP. A
// ticket the hub followed from its creation still escalates when the hub
// finds its breach late (it was down), and an adopted ticket escalates
// for a breach that falls due after adoption.
func TestFirstSweepAdoptsOldTickets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, err := time.LoadLocation(msp.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := OpenBadgerStore(ctx, t.TempDir(), localdb.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tn := msp.NewTenant("acme", "Acme Attorneys", msp.ModeCoManaged)
	legacy := func(created time.Time, status msp.Status) *msp.Ticket {
		return &msp.Ticket{
			ID: msp.NewTicketID(), Tenant: tn.ID, Requester: "jane", Title: "Printer jammed", Pillar: msp.PillarHelpdesk,
			Category: "printing", Impact: msp.LevelMedium, Urgency: msp.LevelHigh, Priority: msp.P2, Status: status,
			Owner: msp.PartyInternal, CreatedAt: created, UpdatedAt: created, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
		}
	}
	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, loc)
	friday := time.Date(2026, 3, 6, 10, 0, 0, 0, loc)
	old := legacy(monday, msp.StatusNew)                          // P2: response due Mon 13:00, resolution Tue 09:00
	recent := legacy(friday.Add(-10*time.Minute), msp.StatusOpen) // response due Fri 13:50
	followed := legacy(monday, msp.StatusNew)                     // stored with a history: the hub followed it
	followedHist := TicketHistory{Tenant: tn.ID, Ticket: followed.ID, RoutedAt: monday}
	if err := st.Update(ctx, func(tx Tx) error {
		if err := tx.PutTenant(tn); err != nil {
			return err
		}
		for _, tk := range []*msp.Ticket{old, recent, followed} {
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		return tx.PutHistory(followedHist)
	}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	now := friday
	srv := NewServer(st, nil, "", quiet)
	srv.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	evs := &eventLog{}
	srv.SetEventSink(evs)
	sweep := func() SweepStats {
		t.Helper()
		s, err := srv.SweepSLA(ctx)
		if err != nil {
			t.Fatalf("SweepSLA: %v", err)
		}
		return s
	}
	read := func(id string) (*msp.Ticket, TicketHistory) {
		t.Helper()
		var tk *msp.Ticket
		var h TicketHistory
		if err := st.View(ctx, func(tx Tx) (err error) {
			if tk, err = tx.Ticket(tn.ID, id); err != nil {
				return err
			}
			h, err = tx.History(tn.ID, id)
			return err
		}); err != nil {
			t.Fatalf("reading ticket %s and its history: %v", id, err)
		}
		return tk, h
	}

	// The first sweep after the start.
	stats := sweep()
	if stats.Preexisting != 3 {
		t.Errorf("Preexisting = %d, want 3 (the old ticket's overflow, response and resolution)", stats.Preexisting)
	}
	tk, h := read(old.ID)
	if tk.Owner != msp.PartyInternal || len(tk.Comments) != 0 {
		t.Errorf("old ticket: owner %q, comments %+v; want it left with internal IT, no note", tk.Owner, tk.Comments)
	}
	if tk.SLA.State != msp.SLABreached || !tk.SLA.ResponseBreached || !tk.SLA.ResolutionBreached {
		t.Errorf("old ticket SLA = %+v, want both clocks breached", tk.SLA)
	}
	for _, step := range []string{stepResponseBreached, stepResolutionBreached, stepOverflow} {
		if !h.Has(step) {
			t.Errorf("old ticket's history %v lacks %q: a later sweep would tell it", h.Done, step)
		}
	}
	if h.Has(stepEscalated) || !h.Adopted.Equal(friday) {
		t.Errorf("old ticket's history: done %v, adopted %v; want no escalation, adopted at %v", h.Done, h.Adopted, friday)
	}
	if got := evs.take(old.ID); slices.Contains(got, "sla-breached:response") || slices.Contains(got, "sla-breached:resolution") || slices.Contains(got, "assigned") {
		t.Errorf("old ticket told %v; want no breach and no assignment", got)
	}

	tk, h = read(followed.ID)
	if tk.Owner != msp.PartyMSP || !h.Adopted.IsZero() {
		t.Errorf("followed ticket: owner %q, adopted %v; want it handed to the MSP, not adopted", tk.Owner, h.Adopted)
	}
	if got := evs.take(followed.ID); !slices.Contains(got, "sla-breached:response") || !slices.Contains(got, "assigned") {
		t.Errorf("followed ticket told %v; want its breach and the assignment", got)
	}

	tk, _ = read(recent.ID)
	if tk.Owner != msp.PartyInternal || tk.SLA.State != msp.SLARunning {
		t.Errorf("recent ticket: owner %q, SLA %+v; want internal, running", tk.Owner, tk.SLA)
	}
	evs.take(recent.ID)

	// Nothing more at the same time.
	if stats := sweep(); stats.Preexisting != 0 || stats.Events != 0 {
		t.Errorf("a second sweep: %+v, want no events and nothing pre-existing", stats)
	}

	// 14:00: the recent ticket's response (due 13:50) is missed after the
	// hub adopted it: it escalates as usual.
	mu.Lock()
	now = time.Date(2026, 3, 6, 14, 0, 0, 0, loc)
	mu.Unlock()
	if stats := sweep(); stats.Preexisting != 0 {
		t.Errorf("the 14:00 sweep counted %d pre-existing, want 0", stats.Preexisting)
	}
	tk, h = read(recent.ID)
	if tk.Owner != msp.PartyMSP || !h.Has(stepEscalated) {
		t.Errorf("recent ticket after its breach: owner %q, done %v; want it escalated to the MSP", tk.Owner, h.Done)
	}
	if got := evs.take(recent.ID); !slices.Contains(got, "sla-breached:response") {
		t.Errorf("recent ticket told %v, want its breach", got)
	}
	if tk, _ := read(old.ID); tk.Owner != msp.PartyInternal {
		t.Errorf("old ticket moved to %q by a later sweep", tk.Owner)
	}
	if got := evs.take(old.ID); len(got) != 0 {
		t.Errorf("old ticket told %v by a later sweep, want nothing", got)
	}
}
