// Command tandem is Tandem's desktop program: the Fyne windows that staff, IT
// leads and technicians use. It is a thin client of the local agent.
//
//	tandem open new-ticket     raise a ticket
//	tandem open tickets        my tickets and their conversations
//	tandem open ticket ID      one ticket's conversation
//	tandem open dashboard      the IT lead's and technician's dashboard
//	tandem about               what this copy of Tandem is
//	tandem version             print the version
//
// Every "open" command takes --data DIR, the agent's data directory
// (default $TANDEM_DATA, else where the system service keeps it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"tandem/app"
	"tandem/internal/single"
	"tandem/internal/version"
	"tandem/localapi"
)

// started is when the process began, for the "window shown" log line.
var started = time.Now()

const usage = `tandem — the Tandem desktop windows

Usage:
  tandem open new-ticket [--data DIR]   raise a ticket
  tandem open tickets [--data DIR]      your tickets and their conversations
  tandem open ticket ID [--data DIR]    one ticket's conversation
  tandem open dashboard [--data DIR]    the dashboard for IT leads and technicians
  tandem about                          show what this copy of Tandem is
  tandem version                        print the version

--data is the Tandem agent's data directory (default $TANDEM_DATA, else
where the system service keeps it).
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tandem:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "about"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "version", "--version":
		fmt.Println(version.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	case "about":
		a := fyneapp.NewWithID(app.AppID)
		a.SetIcon(app.IconResource)
		w := a.NewWindow("About Tandem")
		w.SetContent(app.AboutContent(app.About{Version: version.Version, DataDir: os.Getenv("TANDEM_DATA")}))
		w.ShowAndRun()
		return nil
	case "open":
		return open(args[1:])
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
}

// open parses "open WHAT [ID] [--data DIR]" (flags before or after the id).
func open(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("open what? new-ticket, tickets, ticket ID or dashboard\n\n%s", usage)
	}
	what := args[0]
	fs := flag.NewFlagSet("open "+what, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", localapi.DefaultDataDir(), "the agent's data directory")
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("open %s: %w\n\n%s", what, err, usage)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	want := 0
	if what == "ticket" {
		want = 1
	}
	switch what {
	case "new-ticket", "tickets", "ticket", "dashboard":
	default:
		return fmt.Errorf("cannot open %q: choose new-ticket, tickets, ticket ID or dashboard\n\n%s", what, usage)
	}
	if len(pos) != want {
		if want == 1 {
			return fmt.Errorf("open ticket needs the ticket's id: tandem open ticket ID")
		}
		return fmt.Errorf("open %s: unexpected argument %q", what, pos[0])
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	req := append([]string{what}, pos...)
	// One window process per person and agent: a second "open" (a menu
	// click, a notification click) hands its request to the running one,
	// which shows or focuses the window, instead of starting another.
	key := windowsKey(*data)
	holder, handed := claimWindows(key, req, log)
	if handed {
		return nil
	}

	a := fyneapp.NewWithID(app.AppID)
	a.SetIcon(app.IconResource)
	ctx, cancel := context.WithCancel(context.Background())
	var owned sync.WaitGroup // event followers, one per window, and the holder's server
	defer func() {
		cancel()
		if holder != nil {
			if err := holder.Close(); err != nil {
				log.Warn("giving up the window socket", "err", err)
			}
		}
		owned.Wait()
	}()
	client := localapi.NewClient(*data)
	m := &windows{ctx: ctx, a: a, staff: client, owned: &owned}
	m.env = app.Env{Agent: client, OpenTickets: func(id string) { m.open("ticket", id) }}
	if holder != nil {
		owned.Go(func() {
			err := holder.Serve(ctx, log, func(r single.Request) {
				what, id, err := parseRequest(r.Args)
				if err != nil {
					log.Warn("a request from another window process", "err", err)
					return
				}
				log.Info("window asked for by another process", "window", what)
				fyne.Do(func() { m.open(what, id) })
			})
			if err != nil {
				log.Warn("the window socket stopped", "err", err)
			}
		})
	}
	id := ""
	if len(pos) == 1 {
		id = pos[0]
	}
	w := m.open(what, id)
	a.Lifecycle().SetOnStarted(func() {
		log.Info("window shown", "window", what, "since_start_ms", time.Since(started).Milliseconds(), "at_unix_ms", time.Now().UnixMilli())
	})
	w.ShowAndRun()
	return nil
}

// windowsKey tells window processes of different agents apart (a test or
// development agent beside the service): the agent's data directory.
func windowsKey(data string) string {
	if abs, err := filepath.Abs(data); err == nil {
		data = abs
	}
	return single.Key(data)
}

// claimWindows takes this person's window socket for key, or hands req to
// the process that holds it (handed true: nothing more to do). When
// neither works the window opens in this process, without the socket.
func claimWindows(key string, req []string, log *slog.Logger) (holder *single.Holder, handed bool) {
	for range 3 {
		h, err := single.Claim("windows", key)
		if err == nil {
			return h, false
		}
		if !errors.Is(err, single.ErrHeld) {
			log.Warn("cannot keep one window process per person; opening a window of its own", "err", err)
			return nil, false
		}
		err = single.Send(context.Background(), "windows", key, single.Request{Args: req})
		if err == nil {
			log.Info("handed to the running window process", "window", req[0])
			return nil, true
		}
		// The holder may have just closed its last window: claim again.
		log.Warn("the running window process did not take the request", "err", err)
	}
	log.Warn("cannot reach the running window process; opening a window of its own")
	return nil, false
}

// parseRequest checks what another process asks for, as "open" does.
func parseRequest(args []string) (what, id string, err error) {
	switch {
	case len(args) == 1 && (args[0] == "new-ticket" || args[0] == "tickets" || args[0] == "dashboard"):
		return args[0], "", nil
	case len(args) == 2 && args[0] == "ticket" && args[1] != "":
		return args[0], args[1], nil
	}
	return "", "", fmt.Errorf("cannot open %q", args)
}

// windows keeps one window of each kind: asked again, it shows and
// focuses the one it has. Only the UI goroutine uses it.
type windows struct {
	ctx   context.Context
	a     fyne.App
	env   app.Env
	staff app.Staff
	owned *sync.WaitGroup

	newTicket, tickets, dashboard fyne.Window
	ticketsView                   *app.Tickets
}

// open shows the window of kind what (for "ticket", "My tickets" on
// ticket id), making it when there is none, and returns it.
func (m *windows) open(what, id string) fyne.Window {
	var w fyne.Window
	switch what {
	case "new-ticket":
		if m.newTicket == nil {
			w = m.a.NewWindow("Raise a ticket — Tandem")
			app.NewTicketWindow(w, m.env)
			app.FitNewTicket(w)
			w.SetOnClosed(func() { m.newTicket = nil })
			m.newTicket = w
		}
		w = m.newTicket
	case "dashboard":
		if m.dashboard == nil {
			m.dashboard = showDashboard(m.ctx, m.a, m.env, m.staff, m.owned, func() { m.dashboard = nil })
		}
		w = m.dashboard
	default: // tickets, ticket
		if m.tickets == nil {
			m.tickets, m.ticketsView = showTickets(m.ctx, m.a, m.env, id, m.owned, func() { m.tickets, m.ticketsView = nil, nil })
		} else if id != "" {
			m.ticketsView.Select(id)
		}
		w = m.tickets
	}
	w.Show()
	w.RequestFocus()
	return w
}

// showTickets makes a "My tickets" window that follows the agent's events
// until it closes or ctx ends.
func showTickets(ctx context.Context, a fyne.App, env app.Env, id string, followers *sync.WaitGroup, closed func()) (fyne.Window, *app.Tickets) {
	w := a.NewWindow("My tickets — Tandem")
	v := app.TicketsWindow(w, env, id)
	w.Resize(fyne.NewSize(980, 680))
	ctx, cancel := context.WithCancel(ctx)
	w.SetOnClosed(func() {
		cancel()
		closed()
	})
	followers.Go(func() { v.Follow(ctx) })
	return w, v
}

// showDashboard makes the dashboard window for IT leads and technicians;
// it follows the agent until it closes or ctx ends.
func showDashboard(ctx context.Context, a fyne.App, env app.Env, staff app.Staff, followers *sync.WaitGroup, closed func()) fyne.Window {
	w := a.NewWindow("Dashboard — Tandem")
	d := app.DashboardWindow(w, env, staff)
	w.Resize(app.DashboardSize)
	ctx, cancel := context.WithCancel(ctx)
	w.SetOnClosed(func() {
		cancel()
		closed()
	})
	followers.Go(func() { d.Follow(ctx, 30*time.Second) })
	return w
}
