package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// webhookCmd manages a tenant's webhook endpoints:
//
//	tandem-hub webhook add    --tenant ID --url https://... [--events ticket.*,sla.*] [--description D]
//	tandem-hub webhook list   --tenant ID [--json]
//	tandem-hub webhook remove --tenant ID --id ENDPOINT
//	tandem-hub webhook test   --tenant ID --id ENDPOINT
//	tandem-hub webhook dead   --tenant ID [--json]
//	tandem-hub webhook retry  --delivery ID
func webhookCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"webhook: give add, list, remove, test, dead or retry"}
	}
	sub, args := args[0], args[1:]
	fs := newFlags("webhook " + sub)
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	url := fs.String("url", "", "the receiver's https:// URL")
	events := fs.String("events", "", "comma-separated event filter: ticket.created, ticket.*, sla.*, alert.*; empty for all")
	desc := fs.String("description", "", "what the endpoint is, for people (\"ConnectWise PSA\")")
	id := fs.String("id", "", "endpoint id (from webhook list)")
	delivery := fs.String("delivery", "", "delivery id (from webhook dead)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := dial()
	if err != nil {
		return err
	}
	need := func(v *string, flag string) error {
		if *v == "" {
			return usageError{fmt.Sprintf("webhook %s: %s is required", sub, flag)}
		}
		return nil
	}
	switch sub {
	case "add":
		if err := need(tenant, "--tenant ID"); err != nil {
			return err
		}
		if err := need(url, "--url URL"); err != nil {
			return err
		}
		var filter []string
		for f := range strings.SplitSeq(*events, ",") {
			if f = strings.TrimSpace(f); f != "" {
				filter = append(filter, f)
			}
		}
		e, err := c.AddWebhook(ctx, *tenant, *url, filter, *desc)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "endpoint %s added\nsigning secret (Standard Webhooks; shown once; give it to the receiver): %s\n", e.ID, e.Secret)
		return nil
	case "list":
		eps, err := c.Webhooks(ctx, *tenant)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(eps)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTENANT\tURL\tEVENTS\tDESCRIPTION")
		for _, e := range eps {
			ev := strings.Join(e.Events, ",")
			if ev == "" {
				ev = "*"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.Tenant, e.URL, ev, e.Description)
		}
		return tw.Flush()
	case "remove", "test":
		if err := need(tenant, "--tenant ID"); err != nil {
			return err
		}
		if err := need(id, "--id ENDPOINT"); err != nil {
			return err
		}
		if sub == "remove" {
			if err := c.RemoveWebhook(ctx, *tenant, *id); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "removed", *id)
			return nil
		}
		if err := c.PingWebhook(ctx, *tenant, *id); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "a ping is queued; see the hub's log or `tandem-hub webhook dead` if it does not arrive")
		return nil
	case "dead":
		ds, err := c.DeadWebhooks(ctx, *tenant)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(ds)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DELIVERY\tEVENT\tATTEMPTS\tSINCE\tLAST ERROR")
		for _, d := range ds {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", d.ID, d.Event, d.Attempts, d.CreatedAt.Local().Format("2 Jan 15:04"), d.LastError)
		}
		return tw.Flush()
	case "retry":
		if err := need(delivery, "--delivery ID"); err != nil {
			return err
		}
		if err := c.RetryWebhook(ctx, *delivery); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "queued again:", *delivery)
		return nil
	}
	return usageError{fmt.Sprintf("webhook: unknown subcommand %q; give add, list, remove, test, dead or retry", sub)}
}
