package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"tandem/localapi"
	"tandem/msp"
)

func ticket(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"ticket: say new, list, show or reply"}
	}
	sub, rest := args[0], args[1:]
	fs, data := newFlags("ticket " + sub)
	asJSON := fs.Bool("json", false, "print JSON")
	var id string
	if (sub == "show" || sub == "reply") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		id, rest = rest[0], rest[1:]
	}
	switch sub {
	case "new":
		title := fs.String("title", "", "a short title")
		desc := fs.String("description", "", "what happened")
		pillar := fs.String("pillar", string(msp.PillarHelpdesk), "monitoring, microsoft-365, backup, security, communications, helpdesk or network")
		category := fs.String("category", msp.CategoryOther, "a category of the pillar")
		impact := fs.String("impact", "low", "how many people are affected: high, medium, low")
		urgency := fs.String("urgency", "medium", "how badly: high, medium, low")
		if err := parse(fs, rest); err != nil {
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
			Pillar: msp.Pillar(*pillar), Category: *category, Impact: imp, Urgency: urg})
		if err != nil {
			return explain(err)
		}
		if *asJSON {
			return printJSON(stdout, t)
		}
		fmt.Fprintln(stdout, t.ID)
		return nil
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
		fmt.Fprintln(w, "ID\tSTATUS\tPRIORITY\tUPDATED\tTITLE")
		for _, t := range ts {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Status.Label(), t.Priority, t.UpdatedAt.Local().Format("2006-01-02 15:04"), t.Title)
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
		fmt.Fprintf(stdout, "%s\n%s · %s · with %s\n\n%s\n", t.Title, t.Status.Label(), t.Priority, t.Owner.Label(), t.Description)
		for _, c := range t.Comments {
			fmt.Fprintf(stdout, "\n[%s] %s:\n%s\n", c.CreatedAt.Local().Format("2006-01-02 15:04"), c.Author, c.Body)
		}
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
	}
	return usageError{fmt.Sprintf("ticket: unknown command %q; say new, list, show or reply", sub)}
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
