package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/getlantern/systray"

	"tandem/localapi"
	"tandem/tray"
)

// slot is one pre-created menu item and what it shows now.
type slot struct {
	item *systray.MenuItem
	now  tray.Item
	pick func(*tray.Menu) tray.Item // which part of a Menu this slot shows
}

// ui owns the tray icon and menu. Snapshots arrive from the loop's
// goroutine and clicks from one goroutine per slot; mu guards the rest.
type ui struct {
	ctx    context.Context
	log    *slog.Logger
	opener *tray.Opener
	notify tray.Notifier

	mu      sync.Mutex
	slots   []*slot
	snap    tray.Snapshot
	menu    tray.Menu
	state   tray.State
	tooltip string
	iconSet bool
}

// runTray shows the icon until ctx ends or the person chooses Quit.
func runTray(ctx context.Context, data, stateDir string, log *slog.Logger) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup // every goroutine below ends when ctx does
	u := &ui{ctx: ctx, log: log, opener: &tray.Opener{DataDir: data}}

	var icons func(tray.State) string
	var saved localapi.Support
	if stateDir != "" {
		var err error
		if icons, err = tray.WriteIcons(stateDir); err != nil {
			log.Warn("notifications will show without the Tandem icon", "err", err)
		}
		if saved, err = tray.LoadSupport(stateDir); err != nil {
			log.Warn("starting without the saved support details", "err", err)
		}
	}
	notifier, runNotifier := tray.SystemNotifier(icons, func(id string) { u.open("ticket", id) }, log)
	u.notify = notifier

	onReady := func() {
		systray.SetTooltip("Tandem — connecting to the agent…")
		systray.SetIcon(tray.Icon(tray.StateNotRunning))
		u.build()
		wg.Go(func() {
			if err := runNotifier(ctx); err != nil {
				log.Warn("notification clicks stopped", "err", err)
			}
		})
		for _, s := range u.slots {
			wg.Go(func() { u.listen(s) })
		}
		loop := &tray.Loop{Agent: localapi.NewClient(data), Notifier: notifier, Log: log, Support: saved,
			Publish: func(s tray.Snapshot) {
				if s.Running && stateDir != "" && s.Status.Support != saved {
					if err := tray.SaveSupport(stateDir, s.Status.Support); err != nil {
						log.Warn("could not remember the support details", "err", err)
					}
					saved = s.Status.Support // only the loop's goroutine touches saved from here on
				}
				u.apply(s)
			}}
		wg.Go(func() {
			if err := loop.Run(ctx); err != nil {
				log.Error("the tray stopped following the agent", "err", err)
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			systray.Quit()
		})
	}
	onExit := func() {
		cancel()
		wg.Wait()
	}
	systray.Run(onReady, onExit)
	u.opener.Wait()
}

// build creates every slot once, in menu order.
func (u *ui) build() {
	add := func(parent *systray.MenuItem, pick func(*tray.Menu) tray.Item) {
		var it *systray.MenuItem
		if parent == nil {
			it = systray.AddMenuItem("", "")
		} else {
			it = parent.AddSubMenuItem("", "")
		}
		it.Hide()
		u.slots = append(u.slots, &slot{item: it, pick: pick})
	}
	add(nil, func(m *tray.Menu) tray.Item { return m.Headline })
	for i := range tray.DetailSlots {
		add(nil, func(m *tray.Menu) tray.Item { return m.Detail[i] })
	}
	systray.AddSeparator()
	add(nil, func(m *tray.Menu) tray.Item { return m.NewTicket })
	add(nil, func(m *tray.Menu) tray.Item { return m.Tickets })
	tickets := u.slots[len(u.slots)-1].item
	for i := range tray.TicketSlots {
		add(tickets, func(m *tray.Menu) tray.Item { return m.Ticket[i] })
	}
	add(tickets, func(m *tray.Menu) tray.Item { return m.AllTickets })
	add(nil, func(m *tray.Menu) tray.Item { return m.Device })
	device := u.slots[len(u.slots)-1].item
	for i := range tray.HealthSlots {
		add(device, func(m *tray.Menu) tray.Item { return m.Health[i] })
	}
	systray.AddSeparator()
	add(nil, func(m *tray.Menu) tray.Item { return m.Call })
	add(nil, func(m *tray.Menu) tray.Item { return m.Email })
	add(nil, func(m *tray.Menu) tray.Item { return m.Dashboard })
	systray.AddSeparator()
	add(nil, func(m *tray.Menu) tray.Item { return m.Quit })
	u.apply(tray.Snapshot{}) // "not running" until the first answer
}

// apply shows a snapshot: the icon, the tooltip and every slot, touching
// only what changed.
func (u *ui) apply(s tray.Snapshot) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.snap = s
	u.menu = tray.BuildMenu(s)
	if st := s.State(); st != u.state || !u.iconSet {
		systray.SetIcon(tray.Icon(st))
		u.state, u.iconSet = st, true
		u.log.Info("tray state", "state", st.String(), "headline", s.Headline())
	}
	if tt := s.Tooltip(); tt != u.tooltip {
		systray.SetTooltip(tt)
		u.tooltip = tt
	}
	for _, sl := range u.slots {
		want := sl.pick(&u.menu)
		if want == sl.now {
			continue
		}
		if want.Title != sl.now.Title || want.Tooltip != sl.now.Tooltip {
			sl.item.SetTitle(want.Title)
			sl.item.SetTooltip(want.Tooltip)
		}
		if want.Enabled {
			sl.item.Enable()
		} else {
			sl.item.Disable()
		}
		if want.Visible {
			sl.item.Show()
		} else {
			sl.item.Hide()
		}
		sl.now = want
	}
}

// listen handles one slot's clicks until the tray ends.
func (u *ui) listen(s *slot) {
	for {
		select {
		case <-u.ctx.Done():
			return
		case <-s.item.ClickedCh:
			u.mu.Lock()
			a, snap := s.pick(&u.menu).Action, u.snap
			u.mu.Unlock()
			u.do(a, snap)
		}
	}
}

// do carries out a clicked item's action.
func (u *ui) do(a tray.Action, snap tray.Snapshot) {
	if a.Kind == tray.ActNone {
		return // a submenu's title or a line that only informs
	}
	u.log.Info("menu click", "action", a.Kind, "arg", a.Arg)
	switch a.Kind {
	case tray.ActNewTicket:
		if err := u.opener.Open(u.ctx, "new-ticket"); err != nil {
			u.log.Warn("the new-ticket window did not open", "err", err)
			u.say(tray.NoWindowNotice(snap, err))
		}
	case tray.ActTicket:
		u.open("ticket", a.Arg)
	case tray.ActTickets:
		u.open("tickets")
	case tray.ActDashboard:
		u.open("dashboard")
	case tray.ActCall:
		u.say(tray.CallNotice(snap))
		if err := tray.OpenURL(u.ctx, a.Arg); err != nil {
			u.log.Info("no program takes phone links here; the number is in the notification", "err", err)
		}
	case tray.ActEmail:
		if err := tray.OpenURL(u.ctx, a.Arg); err != nil {
			u.log.Warn("no email program opened", "err", err)
			u.say(tray.Notification{Summary: "No email program opened",
				Body: "Write to " + snap.Support().Email + " from your usual email."})
		}
	case tray.ActNoAgent:
		u.say(tray.NoAgentNotice(snap))
	case tray.ActQuit:
		systray.Quit()
	}
}

// open opens a window, and says so when it cannot.
func (u *ui) open(args ...string) {
	if err := u.opener.Open(u.ctx, args...); err != nil {
		u.log.Warn("a window did not open", "window", strings.Join(args, " "), "err", err)
		u.say(tray.Notification{Summary: "The Tandem window did not open", Body: fmt.Sprint(err), Icon: tray.StateAttention})
	}
}

func (u *ui) say(n tray.Notification) {
	if err := u.notify.Notify(u.ctx, n); err != nil {
		u.log.Warn("could not show a notification", "err", err, "summary", n.Summary, "body", n.Body)
	}
}
