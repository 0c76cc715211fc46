//go:build linux || darwin

package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tandem/localapi"
	"tandem/msp"
)

// raise saves a ticket through the real client, as the new-ticket window does.
func raise(t *testing.T, r *rig, title string) localapi.TicketView {
	t.Helper()
	tv, err := r.client.Raise(context.Background(), localapi.NewTicket{Title: title, Description: "Since this morning.",
		Pillar: msp.PillarHelpdesk, Category: "printing", Impact: msp.LevelLow, Urgency: msp.LevelMedium})
	if err != nil {
		t.Fatal(err)
	}
	return tv
}

func openTickets(t *testing.T, r *rig, id string) (*Tickets, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	v := TicketsWindow(w, Env{Agent: r.client, Async: inline}, id)
	w.Resize(fyne.NewSize(980, 700))
	return v, w
}

func agentTicket(t *testing.T, r *rig, id string) localapi.TicketView {
	t.Helper()
	tv, err := r.client.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tv
}

// The list is newest first; selecting a ticket shows its conversation with
// the support reply, system notes in grey and no internal notes; a reply
// typed in the box reaches the agent and the hub.
func TestTicketsConversationAndReply(t *testing.T) {
	r := newRig(t)
	older := raise(t, r, "Scanner not sending email")
	time.Sleep(2 * time.Millisecond) // distinct creation times
	tk := raise(t, r, "Laptop will not charge")
	r.mustSync()
	lead := r.signInLead()
	lead.reply(t, tk.ID, "Please try the other charger in the drawer.")
	lead.push(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: time.Now().UTC(),
		Comment: &msp.Comment{ID: msp.NewID(), Body: "INTERNAL: battery recall list", Internal: true}})
	r.mustSync()

	v, w := openTickets(t, r, "")
	if len(v.tickets) != 2 || v.tickets[0].ID != tk.ID || v.tickets[1].ID != older.ID {
		t.Fatalf("list order: %+v", v.tickets)
	}
	wantNoText(t, w.Content(), "You have no tickets yet")
	if v.selected != tk.ID {
		t.Errorf("the newest ticket is not shown at first")
	}
	if w.Canvas().Focused() != v.list {
		t.Error("the list does not have the keyboard")
	}
	wantText(t, w.Content(), TicketNumber(tk.ID)+"  Laptop will not charge", "Since this morning.",
		"Please try the other charger in the drawer.", "[Send reply]")
	wantText(t, w.Content(), "Your IT lead · just now")
	wantNoText(t, w.Content(), "INTERNAL", "[This is fixed]", "[Still broken]")
	shot(t, w, "my-tickets-support-reply")
	if summary := v.summary(v.tickets[0]); summary == "" {
		t.Error("no status line in the list")
	}
	if line := ownerLine(v.tickets[0], time.Now()); line == "" || !strings.Contains(line, "updated") {
		t.Errorf("owner line %q", line)
	}

	test.Type(v.reply, "The other charger works, thanks!")
	test.Tap(v.send)
	if v.reply.Text != "" || v.replyMsg.failed() {
		t.Fatalf("after sending: box %q, message %q", v.reply.Text, v.replyMsg.Text)
	}
	wantText(t, w.Content(), "You · just now", "The other charger works, thanks!")
	if got := agentTicket(t, r, tk.ID); len(got.Comments) == 0 || got.Comments[len(got.Comments)-1].Body != "The other charger works, thanks!" {
		t.Fatalf("the agent's comments: %+v", got.Comments)
	}
	r.mustSync()
	found := false
	for _, h := range r.hubTickets() {
		for _, c := range h.Comments {
			found = found || c.Body == "The other charger works, thanks!"
		}
	}
	if !found {
		t.Error("the reply did not reach the hub")
	}

	test.Tap(v.send) // empty
	if !v.replyMsg.failed() {
		t.Error("an empty reply is not explained")
	}
}

// A resolved ticket offers "This is fixed" and "Still broken"; each moves
// the ticket as the status machine allows and reaches the hub.
func TestTicketsStillBrokenThenThisIsFixed(t *testing.T) {
	r := newRig(t)
	tk := raise(t, r, "Teams camera is black")
	r.mustSync()
	lead := r.signInLead()
	lead.setStatus(t, tk.ID, msp.StatusResolved)
	r.mustSync()

	v, w := openTickets(t, r, tk.ID)
	wantText(t, w.Content(), "Teams camera is black", "[This is fixed]", "[Still broken]")
	shot(t, w, "my-tickets-resolved-fixed-or-broken")
	test.Tap(v.broken)
	if got := agentTicket(t, r, tk.ID); got.Status != msp.StatusReopened {
		t.Fatalf("after Still broken the agent has %s", got.Status)
	}
	wantText(t, w.Content(), "Status: "+StatusWords(msp.StatusReopened))
	wantNoText(t, w.Content(), "[This is fixed]", "[Still broken]")
	r.mustSync()
	if h := r.hubTickets(); len(h) != 1 || h[0].Status != msp.StatusReopened {
		t.Fatalf("the hub did not get Still broken: %+v", h)
	}

	lead.setStatus(t, tk.ID, msp.StatusResolved)
	r.mustSync()
	v.Reload()
	wantText(t, w.Content(), "[This is fixed]")
	test.Tap(v.fixed)
	if got := agentTicket(t, r, tk.ID); got.Status != msp.StatusClosed {
		t.Fatalf("after This is fixed the agent has %s", got.Status)
	}
	if !v.reply.Disabled() {
		t.Error("a closed ticket still takes replies")
	}
	r.mustSync()
	if h := r.hubTickets(); h[0].Status != msp.StatusClosed {
		t.Fatalf("the hub did not get This is fixed: %s", h[0].Status)
	}
}

// A change the hub refused is shown in red with its reason on its ticket,
// in the list and in the conversation.
func TestTicketsRefusedChangeShown(t *testing.T) {
	r := newRig(t)
	tk := raise(t, r, "Need admin rights")
	r.mustSync()
	r.queueRefused(tk.ID)
	r.mustSync()

	v, w := openTickets(t, r, tk.ID)
	got := agentTicket(t, r, tk.ID)
	if len(got.Refused) != 1 || got.Refused[0].Reason == "" {
		t.Fatalf("the agent does not report the refused change: %+v", got.Refused)
	}
	wantText(t, w.Content(), "did not accept a change (a change of priority): "+got.Refused[0].Reason)
	shot(t, w, "my-tickets-refused-change")
	if !strings.Contains(v.summary(v.tickets[0]), "1 change not accepted") {
		t.Errorf("the list does not mark it: %q", v.summary(v.tickets[0]))
	}
}

// The offline banner follows the agent's events: it shows the waiting
// count while offline and goes when the queue drains.
func TestTicketsOfflineBannerFollowsEvents(t *testing.T) {
	r := newRig(t)
	tk := raise(t, r, "VPN drops every hour")
	r.stopHub()
	_ = r.sync()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan localapi.Event, 64)
	stream := make(chan error, 1)
	go func() { stream <- r.client.Events(ctx, func(e localapi.Event) { events <- e }) }()
	defer func() {
		cancel()
		<-stream
	}()

	v, w := openTickets(t, r, tk.ID)
	wantText(t, w.Content(), "You're offline — it will be sent when you're back online (1 change waiting).")
	wantText(t, w.Content(), "Not yet sent to your support team")

	if _, err := r.client.Reply(ctx, tk.ID, "Also on the office Wi-Fi."); err != nil {
		t.Fatal(err)
	}
	next := func(ok func(localapi.Event) bool) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case e := <-events:
				v.Event(e) // as Follow does, on the UI goroutine
				if ok(e) {
					return
				}
			case <-timeout:
				t.Fatal("no such event in 20 s")
			}
		}
	}
	next(func(e localapi.Event) bool { return e.Kind == localapi.EventTicket && e.TicketID == tk.ID })
	wantText(t, w.Content(), "Also on the office Wi-Fi.", "(2 changes waiting)")

	r.startHub()
	r.mustSync()
	next(func(e localapi.Event) bool { return e.Kind == localapi.EventDrained })
	wantNoText(t, w.Content(), "You're offline", "Not yet sent")
}

// With no agent running, the window says so at the top instead of showing
// an empty list, and the new-ticket form keeps what was typed.
func TestAgentNotRunningIsSaid(t *testing.T) {
	test.NewTempApp(t)
	c := localapi.NewClient(t.TempDir())
	w := test.NewTempWindow(t, nil)
	TicketsWindow(w, Env{Agent: c, Async: inline}, "")
	wantText(t, w.Content(), "Your tickets cannot be shown right now. Tandem's background service is not running")

	w2 := test.NewTempWindow(t, nil)
	n := NewTicketWindow(w2, Env{Agent: c, Async: inline, Capture: &fakeCapturer{}})
	fill(n, "Printer offline")
	test.Tap(n.submit)
	if n.Raised != nil || n.title.Text != "Printer offline" {
		t.Fatalf("raised %v, title %q", n.Raised, n.title.Text)
	}
	wantText(t, w2.Content(), "Your ticket is not saved yet; the form stays filled in.", "[Send ticket]")
}

// Esc closes "My tickets" wherever the focus is: on the list (where the
// window opens it), in the reply box, and with nothing focused.
func TestTicketsEscapeClosesFromAnywhere(t *testing.T) {
	r := newRig(t)
	raise(t, r, "Printer offline")
	for _, where := range []string{"list", "reply", "nothing"} {
		t.Run(where, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewWindow(nil) // closed by Esc, or below
			v := TicketsWindow(w, Env{Agent: r.client, Async: inline}, "")
			closed := false
			w.SetOnClosed(func() { closed = true })
			c := w.Canvas()
			switch where {
			case "list":
				if c.Focused() != v.list {
					t.Fatalf("the window opens with %T focused, want the list", c.Focused())
				}
			case "reply":
				c.Focus(v.reply)
			case "nothing":
				c.Unfocus()
			}
			if f := c.Focused(); f != nil {
				f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
			} else {
				c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
			}
			if !closed {
				t.Errorf("Esc with the focus on the %s left the window open", where)
				w.Close()
			}
		})
	}
}
