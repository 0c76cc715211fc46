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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"tandem/app"
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
	a := fyneapp.NewWithID(app.AppID)
	a.SetIcon(app.IconResource)
	ctx, cancel := context.WithCancel(context.Background())
	var followers sync.WaitGroup // one event follower per "My tickets" window
	defer func() {
		cancel()
		followers.Wait()
	}()
	client := localapi.NewClient(*data)
	env := app.Env{Agent: client}
	var w fyne.Window
	env.OpenTickets = func(id string) { showTickets(ctx, a, env, id, &followers).Show() }
	switch what {
	case "new-ticket":
		w = a.NewWindow("Raise a ticket — Tandem")
		app.NewTicketWindow(w, env)
		w.Resize(fyne.NewSize(640, 760))
	case "tickets":
		w = showTickets(ctx, a, env, "", &followers)
	case "dashboard":
		w = showDashboard(ctx, a, env, client, &followers)
	default:
		w = showTickets(ctx, a, env, pos[0], &followers)
	}
	a.Lifecycle().SetOnStarted(func() {
		log.Info("window shown", "window", what, "since_start_ms", time.Since(started).Milliseconds(), "at_unix_ms", time.Now().UnixMilli())
	})
	w.ShowAndRun()
	return nil
}

// showTickets makes a "My tickets" window that follows the agent's events
// until it closes or ctx ends.
func showTickets(ctx context.Context, a fyne.App, env app.Env, id string, followers *sync.WaitGroup) fyne.Window {
	w := a.NewWindow("My tickets — Tandem")
	v := app.TicketsWindow(w, env, id)
	w.Resize(fyne.NewSize(980, 680))
	ctx, cancel := context.WithCancel(ctx)
	w.SetOnClosed(cancel)
	followers.Go(func() { v.Follow(ctx) })
	return w
}

// showDashboard makes the dashboard window for IT leads and technicians;
// it follows the agent until it closes or ctx ends.
func showDashboard(ctx context.Context, a fyne.App, env app.Env, staff app.Staff, followers *sync.WaitGroup) fyne.Window {
	w := a.NewWindow("Dashboard — Tandem")
	d := app.DashboardWindow(w, env, staff)
	w.Resize(fyne.NewSize(1280, 800))
	ctx, cancel := context.WithCancel(ctx)
	w.SetOnClosed(cancel)
	followers.Go(func() { d.Follow(ctx, 30*time.Second) })
	return w
}
