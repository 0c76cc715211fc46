package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"tandem/localapi"
	"tandem/msp"
)

func ticket(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"ticket: say new, call, list, show, reply, fixed or reopen"}
	}
	sub, rest := args[0], args[1:]
	fs, data := newFlags("ticket " + sub)
	asJSON := fs.Bool("json", false, "print JSON")
	var id string
	if sub == "show" || sub == "reply" || sub == "fixed" || sub == "reopen" {
		id, rest = ticketID(rest)
	}
	switch sub {
	case "new":
		title := fs.String("title", "", "a short title")
		desc := fs.String("description", "", "what happened")
		pillar := fs.String("pillar", string(msp.PillarHelpdesk), "monitoring, microsoft-365, backup, security, communications, helpdesk or network")
		category := fs.String("category", msp.CategoryOther, "a category of the pillar")
		impact := fs.String("impact", "low", "how many people are affected: high, medium, low")
		urgency := fs.String("urgency", "medium", "how badly: high, medium, low")
		var attach fileList
		fs.Var(&attach, "attach", "attach a file (a screenshot, a log); repeat for more")
		if err := parse(fs, rest); err != nil {
			return err
		}
		ups, err := attach.uploads()
		if err != nil {
			return err
		}
		imp, err := parseLevel("impact", *impact)
		if err != nil {
			return err
		}
		urg, err := parseLevel("urgency", *urgency)
		if err != nil {
			return err
		}
		t, err := localapi.NewClient(*data).Raise(ctx, localapi.NewTicket{Title: *title, Description: *desc,
			Pillar: msp.Pillar(*pillar), Category: *category, Impact: imp, Urgency: urg, Attachments: ups})
		if err != nil {
			return explain(err)
		}
		if *asJSON {
			return printJSON(stdout, t)
		}
		fmt.Fprintln(stdout, t.ID)
		return nil
	case "call":
		return ticketCall(ctx, fs, data, asJSON, rest, stdout)
	case "list":
		if err := parse(fs, rest); err != nil {
			return err
		}
		ts, err := localapi.NewClient(*data).Tickets(ctx)
		if err != nil {
			return explain(err)
		}
		if *asJSON {
			return printJSON(stdout, ts)
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSTATUS\tPRIORITY\tUPDATED\tWITH\tCLOCK\tTITLE")
		for _, t := range ts {
			title := t.Title
			if !t.Delivered {
				title += " (not sent yet)"
			}
			if len(t.Refused) > 0 {
				title += " (a change was refused)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Status.Label(), t.Priority, t.UpdatedAt.Local().Format("2006-01-02 15:04"), t.OwnerText, t.SLAText, title)
		}
		return w.Flush()
	case "show":
		if err := parse(fs, rest); err != nil {
			return err
		}
		if id == "" {
			return usageError{"ticket show: give the ticket's id"}
		}
		t, err := localapi.NewClient(*data).Ticket(ctx, id)
		if err != nil {
			return explain(err)
		}
		if *asJSON {
			return printJSON(stdout, t)
		}
		showTicket(stdout, t)
		return nil
	case "reply":
		msg := fs.String("message", "", "the reply")
		if err := parse(fs, rest); err != nil {
			return err
		}
		if id == "" || *msg == "" {
			return usageError{"ticket reply: give the ticket's id and --message"}
		}
		t, err := localapi.NewClient(*data).Reply(ctx, id, *msg)
		if err != nil {
			return explain(err)
		}
		if *asJSON {
			return printJSON(stdout, t)
		}
		fmt.Fprintln(stdout, "reply saved; it is sent to support as soon as the agent is online")
		return nil
	case "fixed", "reopen":
		if err := parse(fs, rest); err != nil {
			return err
		}
		if id == "" {
			return usageError{"ticket " + sub + ": give the ticket's id"}
		}
		to := msp.StatusResolved
		if sub == "reopen" {
			to = msp.StatusReopened
		}
		t, err := localapi.NewClient(*data).SetStatus(ctx, id, to)
		if err != nil {
			return explain(err)
		}
		if *asJSON {
			return printJSON(stdout, t)
		}
		fmt.Fprintf(stdout, "ticket is now %s\n", t.Status.Label())
		return nil
	}
	return usageError{fmt.Sprintf("ticket: unknown command %q; say new, list, show, reply, fixed or reopen", sub)}
}

func showTicket(w io.Writer, t localapi.TicketView) {
	fmt.Fprintf(w, "%s\n%s · %s · with %s\n", t.Title, t.Status.Label(), t.Priority, t.OwnerText)
	if t.SLAText != "" {
		fmt.Fprintf(w, "SLA: %s\n", t.SLAText)
	}
	if !t.Delivered {
		fmt.Fprintln(w, "Not sent yet: it goes to support as soon as this computer is online.")
	}
	for _, r := range t.Refused {
		fmt.Fprintf(w, "Refused by support's system (%s): %s\n", r.Kind, r.Reason)
	}
	if t.Description != "" {
		fmt.Fprintf(w, "\n%s\n", t.Description)
	}
	for _, a := range t.Attachments {
		fmt.Fprintf(w, "\nattached: %s (%s, %d bytes)", a.Name, a.MediaType, a.Size)
	}
	if len(t.Attachments) > 0 {
		fmt.Fprintln(w)
	}
	for _, c := range t.Comments {
		fmt.Fprintf(w, "\n[%s] %s:\n%s\n", c.CreatedAt.Local().Format("2006-01-02 15:04"), c.Author, c.Body)
	}
}

// fileList collects --attach files.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(s string) error { *f = append(*f, s); return nil }

// uploads reads the files, with media types from their extensions (the
// agent sniffs the bytes of the rest).
func (f fileList) uploads() ([]localapi.Upload, error) {
	var out []localapi.Upload
	for _, name := range f {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--attach: %w", err)
		}
		out = append(out, localapi.Upload{Name: filepath.Base(name), MediaType: mime.TypeByExtension(filepath.Ext(name)), Data: b})
	}
	return out, nil
}

func parseLevel(field, s string) (msp.Level, error) {
	for _, l := range msp.Levels() {
		if strings.EqualFold(l.String(), s) {
			return l, nil
		}
	}
	return 0, usageError{fmt.Sprintf("--%s: say high, medium or low, not %q", field, s)}
}

// explain adds the field problems of a refused request to its message.
func explain(err error) error {
	if e, ok := err.(*localapi.APIError); ok && len(e.Body.Fields) > 0 {
		var b strings.Builder
		b.WriteString("not saved:")
		for f, p := range e.Body.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", f, p)
		}
		return fmt.Errorf("%s", b.String())
	}
	return err
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// health prints this computer's health as the tray shows it, and the
// details a new ticket carries.
func health(ctx context.Context, args []string, stdout io.Writer) error {
	fs, data := newFlags("health")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := localapi.NewClient(*data).Device(ctx)
	if err != nil {
		return explain(err)
	}
	if *asJSON {
		return printJSON(stdout, d)
	}
	switch {
	case d.CollectedAt.IsZero():
		fmt.Fprintln(stdout, "Nothing has been checked on this computer yet.")
	case len(d.Health) == 0:
		fmt.Fprintln(stdout, "All well.")
	}
	for _, h := range d.Health {
		mark := "!"
		if h.Severity == localapi.SeverityCritical {
			mark = "!!"
		}
		fmt.Fprintf(stdout, "%-2s %s\n", mark, h.Text)
	}
	fmt.Fprintln(stdout, "\nSent with a ticket:")
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, x := range d.Details {
		fmt.Fprintf(w, "  %s\t%s\n", x.Label, x.Value)
	}
	return w.Flush()
}

// ticketID takes the ticket's id from the arguments, first or last
// ("show ID --json" and "show --data DIR ID"), and returns the rest.
func ticketID(args []string) (string, []string) {
	switch n := len(args); {
	case n == 0:
		return "", args
	case !strings.HasPrefix(args[0], "-"):
		return args[0], args[1:]
	case n >= 2 && !strings.HasPrefix(args[n-1], "-"):
		prev := args[n-2]
		valueFlag := strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") && strings.TrimLeft(prev, "-") != "json"
		if !valueFlag {
			return args[n-1], args[:n-1]
		}
	}
	return "", args
}
