package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"tandem/localapi"
	"tandem/msp"
)

// ticketCall logs a phoned-in ticket for a caller ("one number to call"),
// as the IT lead or technician signed in to the dashboard for this OS
// user: the caller is the requester, and the ticket says who logged it.
// Like the dashboard, it is saved by the agent at once and sent to the
// hub when it can be reached.
func ticketCall(ctx context.Context, fs *flag.FlagSet, data *string, asJSON *bool, args []string, stdout io.Writer) error {
	caller := fs.String("caller", "", "the caller's name")
	phone := fs.String("phone", "", "a number to call them back on")
	device := fs.String("device", "", "their computer: its hostname or device id (optional)")
	org := fs.String("org", "", "their organisation's id (needed when you serve several)")
	title := fs.String("title", "", "what is wrong, in a few words")
	desc := fs.String("description", "", "what the caller said")
	pillar := fs.String("pillar", string(msp.PillarHelpdesk), "monitoring, microsoft-365, backup, security, communications, helpdesk or network")
	category := fs.String("category", msp.CategoryOther, "a category of the pillar")
	impact := fs.String("impact", "medium", "how many people are affected: high, medium, low")
	urgency := fs.String("urgency", "medium", "how badly: high, medium, low")
	if err := parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*caller) == "" || strings.TrimSpace(*title) == "" {
		return usageError{"ticket call: give --caller (the caller's name) and --title"}
	}
	imp, err := parseLevel("impact", *impact)
	if err != nil {
		return err
	}
	urg, err := parseLevel("urgency", *urgency)
	if err != nil {
		return err
	}
	c := localapi.NewClient(*data)
	ss, err := c.Session(ctx)
	if err != nil {
		return fmt.Errorf("logging a call needs the dashboard's sign-in on this computer (tandem open dashboard): %w", err)
	}
	tenant := *org
	if tenant == "" && len(ss.Tenants) == 1 {
		tenant = ss.Tenants[0].ID
	}
	if tenant == "" {
		var ids []string
		for _, t := range ss.Tenants {
			ids = append(ids, t.ID+" ("+t.Name+")")
		}
		return usageError{"ticket call: you serve several organisations; say which with --org: " + strings.Join(ids, ", ")}
	}
	tk := &msp.Ticket{ID: msp.NewTicketID(), Tenant: tenant, Title: *title, Description: *desc,
		Pillar: msp.Pillar(*pillar), Category: *category, Impact: imp, Urgency: urg,
		Caller: &msp.Caller{Name: *caller, Phone: *phone}}
	if *device != "" {
		rows, err := c.StaffDevices(ctx, tenant, "")
		if err != nil {
			return explain(err)
		}
		for _, r := range rows {
			if r.ID == *device || strings.EqualFold(r.Hostname, *device) {
				if tk.Device != "" && tk.Device != r.ID {
					return usageError{fmt.Sprintf("ticket call: several computers are called %s; give the device id (tandem-hub devices lists them)", *device)}
				}
				tk.Device = r.ID
			}
		}
		if tk.Device == "" {
			return usageError{fmt.Sprintf("ticket call: the organisation has no computer %q; leave out --device or give one of its hostnames", *device)}
		}
	}
	t, err := c.StaffChange(ctx, tk.ID, msp.Change{Kind: msp.ChangeCreate, Ticket: tk})
	if err != nil {
		return explain(err)
	}
	if *asJSON {
		return printJSON(stdout, t)
	}
	fmt.Fprintln(stdout, t.ID)
	return nil
}
