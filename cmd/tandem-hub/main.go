// Command tandem-hub is the MSP's server and its operator commands.
//
//	tandem-hub serve --data DIR --listen ADDR      run the hub
//	tandem-hub migrate --from DIR --to postgres://...  copy a hub into PostgreSQL
//	tandem-hub tenant create --name N --mode M     create a tenant (prints its id)
//	tandem-hub tenant list                         list tenants
//	tandem-hub tenant show --id ID                 SLA, hours, holidays, alerts
//	tandem-hub tenant set --id ID --sla-p1-response 1h ...   change them
//	tandem-hub sla sweep                           run the SLA sweep now
//	tandem-hub token create --tenant ID [--ttl D]  one-time enrollment token
//	tandem-hub user add --tenant ID --role R --name N   prints a sign-in code
//	tandem-hub person add|list|remove|import           the organisation's people
//	tandem-hub tickets --tenant ID [--json]        the tenant's tickets
//	tandem-hub devices --tenant ID [--json]        its devices, last seen
//	tandem-hub export --glpi --tenant ID --out DIR  its devices' inventories for GLPI
//	tandem-hub simulate --tenant ID --devices N --duration D
//	tandem-hub version
//
// Operator commands talk to the running hub found through --data DIR (or
// --hub URL with --data for the credential); they never open its store.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"tandem/hub"
	"tandem/internal/sdnotify"
	"tandem/internal/version"
	"tandem/localdb"
	"tandem/msp"
)

const usage = `tandem-hub: the MSP's Tandem server

  tandem-hub serve    --data DIR [--listen :8443] [--name HOST] [--msp NAME] [--sla-interval 1m]
                      [--device-attachment-quota 2GB] [--store postgres://user@host/db]
  tandem-hub migrate  --from DIR --to postgres://user@host/db
                      copy a stopped hub's embedded store into an empty PostgreSQL database
  tandem-hub tenant create --name NAME --mode co-managed|fully-managed
                      [--support-name N --support-phone P --support-email E]
  tandem-hub tenant list
  tandem-hub tenant show --id ID [--json]
  tandem-hub tenant set  --id ID [--sla-pN-response D] [--sla-pN-resolution D]
                      [--sla-pN-clock business|24x7] [--sla-at-risk-percent N] [--sla-reset]
                      [--time-zone Z] [--hours mon-fri=08:00-17:00,...]
                      [--holidays-region ZA|GB|US|DE-BY|AU-NSW|...|none] [--holiday-add YYYY-MM-DD[=Name]]...
                      [--holiday-work YYYY-MM-DD]... [--overflow 30m]
                      [--alert-silent 24h] [--alert-disk-percent 90] [--alert-security-days 14]
                      [--alert-restart-days 7] [--alert-posture on|off]
                      [--alert-grace 24h|none] [--attachment-quota 20GB|default]
                      [--price 450 --currency ZAR] [--billing seats|devices|active-users]
                      [--contract-months 12] [--contract-start YYYY-MM-DD]
  tandem-hub sla sweep
  tandem-hub token create --tenant ID [--ttl 24h]
  tandem-hub user add --tenant ID --role it-lead|technician --name NAME
  tandem-hub user code --id USER      a new sign-in code (a second computer, an expired code)
  tandem-hub user scope --id USER --tenant ID [--tenant ID]...
                                      the organisations a person works for (signed-in agents follow)
  tandem-hub user signout --id USER   end every sign-in of a person, at once (a lost laptop)
  tandem-hub user remove --id USER    remove a person: no sign-in or code of theirs works again
  tandem-hub person add --tenant ID --name N [--email E] [--phone P] [--account DEVICE:ACCOUNT]...
                                      one of the organisation's people: tickets show their name and number
  tandem-hub person import --tenant ID FILE.csv
                                      people from a CSV file (name,email,phone,accounts): all or none
  tandem-hub person list --tenant ID [--json]
  tandem-hub person remove --tenant ID --id PERSON
  tandem-hub tickets  --tenant ID [--json]
  tandem-hub devices  --tenant ID [--json]
  tandem-hub export   --glpi --tenant ID --out DIR [--tag TAG]
  tandem-hub device revoke --tenant ID --id DEVICE
                                      retire a device: its certificate is refused at once
  tandem-hub simulate --tenant ID --devices N --duration D
  tandem-hub report   --tenant ID --month YYYY-MM --html FILE --pdf FILE
  tandem-hub webhook add|list|remove|test|dead|retry --tenant ID [--url URL --events ticket.*,sla.*]
  tandem-hub version

Operator commands find the hub with --data DIR (the directory serve uses)
or --hub URL; the operator credential is read from DIR/operator.token.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tandem-hub:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// helpRequest is a command's --help: its flags, printed on standard
// output, and a success.
type helpRequest struct{ text string }

func (h helpRequest) Error() string { return h.text }

// run runs the command in args; a command's --help prints its flags and
// succeeds.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	var h helpRequest
	if errors.As(err, &h) {
		_, err = fmt.Fprint(stdout, h.text)
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "tenant" || cmd == "token" || cmd == "user" || cmd == "sla" || cmd == "device" || cmd == "person") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, stdout, stderr)
	case "tenant create":
		return tenantCreate(ctx, rest, stdout)
	case "tenant list":
		return tenantList(ctx, rest, stdout)
	case "tenant show":
		return tenantShow(ctx, rest, stdout)
	case "tenant set":
		return tenantSet(ctx, rest, stdout)
	case "sla sweep":
		return slaSweep(ctx, rest, stdout)
	case "token create":
		return tokenCreate(ctx, rest, stdout)
	case "user add":
		return userAdd(ctx, rest, stdout)
	case "user code":
		return userCode(ctx, rest, stdout)
	case "user scope":
		return userScope(ctx, rest, stdout)
	case "user signout":
		return userSignout(ctx, rest, stdout)
	case "user remove":
		return userRemove(ctx, rest, stdout)
	case "device revoke":
		return deviceRevoke(ctx, rest, stdout)
	case "person add":
		return personAdd(ctx, rest, stdout)
	case "person list":
		return personList(ctx, rest, stdout)
	case "person remove":
		return personRemove(ctx, rest, stdout)
	case "person import":
		return personImport(ctx, rest, stdout)
	case "tickets":
		return tickets(ctx, rest, stdout)
	case "devices":
		return devices(ctx, rest, stdout)
	case "export":
		return exportCmd(ctx, rest, stdout)
	case "simulate":
		return simulate(ctx, rest, stdout, stderr)
	case "report":
		return reportCmd(ctx, rest, stdout)
	case "webhook":
		return webhookCmd(ctx, rest, stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "tandem-hub", version.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", strings.Join(args[:min(2, len(args))], " "))}
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		fmt.Fprintf(&b, "usage: %s %s [flags]\n\nflags:\n", "tandem-hub", fs.Name())
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return helpRequest{b.String()}
	} else if err != nil {
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve")
	data := fs.String("data", envOr("TANDEM_HUB_DATA", ""), "data directory")
	listen := fs.String("listen", ":8443", "address to listen on")
	name := fs.String("name", "", "public host name of the hub (for its certificate and URL)")
	mspName := fs.String("msp", "", "the MSP's name, for the CA (first start only)")
	metricsListen := fs.String("metrics-listen", "", "also serve GET /metrics without a credential on this address, such as 127.0.0.1:9464")
	slaEvery := fs.Duration("sla-interval", hub.DefaultSLAInterval, "how often the SLA sweep runs (escalations, overflow, silent devices)")
	storeSpec := fs.String("store", envOr("TANDEM_HUB_STORE", ""), storeHelp)
	deviceQuota := fs.String("device-attachment-quota", "2GB", "how much of attached files one device (or signed-in person) may have the hub keep, such as 500MB or 2GB (none: no limit)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *data == "" {
		return usageError{"serve: --data DIR is required"}
	}
	perDevice := int64(-1)
	if *deviceQuota != "none" {
		n, err := parseSize(*deviceQuota)
		if err != nil || n == 0 {
			return usageError{fmt.Sprintf("serve: --device-attachment-quota %q: give a size such as 500MB or 2GB, or none", *deviceQuota)}
		}
		perDevice = n
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var names []string
	if *name != "" {
		names = []string{*name}
	}
	store, err := openStore(ctx, *storeSpec, log)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	return hub.Serve(ctx, hub.Config{
		Dir: *data, Listen: *listen, Names: names, Name: *mspName, Profile: localdb.Server, Logger: log, Store: store,
		MetricsListen:         *metricsListen,
		SLAInterval:           max(*slaEvery, time.Second),
		DeviceAttachmentQuota: perDevice,
		Ready: func(info hub.Info) {
			fmt.Fprintf(stdout, "tandem-hub %s listening on %s\n", version.Version, info.URL)
			fmt.Fprintf(stdout, "CA certificate: %s\nCA SHA-256 fingerprint: %s\n", info.CAFile, info.CAFingerprint)
			if info.CreatedCA {
				fmt.Fprintln(stdout, "(a new CA was created; give agents this ca.pem and check its fingerprint when installing)")
			}
			sdnotify.Ready(log, "listening on "+info.URL)
			context.AfterFunc(ctx, func() { sdnotify.Stopping(log) })
		},
	})
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// operatorFlags adds --data and --hub to fs and returns a function that
// dials the hub they name.
func operatorFlags(fs *flag.FlagSet) func() (*hub.AdminClient, error) {
	data := fs.String("data", envOr("TANDEM_HUB_DATA", ""), "the hub's data directory")
	url := fs.String("hub", "", "the hub's URL (default: from DIR/hub.json)")
	return func() (*hub.AdminClient, error) {
		if *data == "" {
			return nil, usageError{fs.Name() + ": --data DIR (the hub's data directory) is required"}
		}
		return hub.DialAdmin(*data, *url)
	}
}

func tenantCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("tenant create")
	dial := operatorFlags(fs)
	name := fs.String("name", "", "the organisation's name")
	mode := fs.String("mode", "", "co-managed or fully-managed")
	support := fs.String("support-name", hub.DefaultBranding.Name, "the MSP's name as staff see it")
	phone := fs.String("support-phone", hub.DefaultBranding.SupportPhone, "the number staff call")
	email := fs.String("support-email", hub.DefaultBranding.SupportEmail, "the address staff write to")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" || *mode == "" {
		return usageError{"tenant create: --name and --mode are required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	t, err := c.CreateTenant(ctx, *name, msp.ServiceMode(*mode), &msp.Branding{Name: *support, SupportPhone: *phone, SupportEmail: *email})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t.ID)
	return nil
}

func tenantList(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("tenant list")
	dial := operatorFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := dial()
	if err != nil {
		return err
	}
	ts, err := c.Tenants(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, ts)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tMODE")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.ID, t.Name, t.Mode.Label())
	}
	return w.Flush()
}

func tokenCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("token create")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	ttl := fs.Duration("ttl", hub.DefaultTokenTTL, "how long the token stays valid")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tenant == "" {
		return usageError{"token create: --tenant ID is required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	t, err := c.CreateToken(ctx, *tenant, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t.Token)
	return nil
}

func userAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("user add")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	role := fs.String("role", "", "it-lead or technician")
	name := fs.String("name", "", "the person's name")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tenant == "" || *role == "" || *name == "" {
		return usageError{"user add: --tenant, --role and --name are required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	u, err := c.AddUser(ctx, *tenant, msp.Role(*role), *name)
	if err != nil {
		return err
	}
	printCode(stdout, u)
	return nil
}

// userCode gives an existing person a new sign-in code (a second
// computer, or an expired code).
func userCode(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("user code")
	dial := operatorFlags(fs)
	id := fs.String("id", "", "the person's id, as user add printed it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return usageError{"user code: --id is required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	u, err := c.NewSignInCode(ctx, *id)
	if err != nil {
		return err
	}
	printCode(stdout, u)
	return nil
}

// userScope sets the organisations a person works for.
func userScope(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("user scope")
	dial := operatorFlags(fs)
	id := fs.String("id", "", "the person's id, as user add printed it")
	var tenants listFlag
	fs.Var(&tenants, "tenant", "a tenant id (repeat for a technician's several)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || len(tenants) == 0 {
		return usageError{"user scope: --id and at least one --tenant are required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	u, err := c.SetScope(ctx, *id, tenants)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s, %s) now works for: %s\nTheir signed-in computers follow at their next sync.\n",
		u.ID, u.Name, u.Role.Label(), strings.Join(u.Tenants, ", "))
	return nil
}

// printCode prints who the code is for, then the code alone on the last
// line (scripts take the last line).
func printCode(w io.Writer, u hub.UserResponse) {
	fmt.Fprintf(w, "user %s (%s, %s); sign-in code valid until %s:\n%s\n",
		u.User.ID, u.User.Name, u.User.Role.Label(), u.ExpiresAt.Local().Format("2006-01-02 15:04"), u.Code)
}

// tickets lists a tenant's tickets as the hub streams them: --json copies
// each to stdout as it arrives, so memory stays flat however many there
// are.
func tickets(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("tickets")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tenant == "" {
		return usageError{"tickets: --tenant ID is required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	if *asJSON {
		return streamJSON(ctx, c, *tenant, stdout)
	}
	now := time.Now()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPRIORITY\tSTATUS\tOWNER\tSLA\tTITLE")
	err = c.EachTicket(ctx, *tenant, func(raw json.RawMessage) error {
		var t msp.Ticket
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("the hub's answer is not what this program expects: %w", err)
		}
		_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Priority, t.Status.Label(), t.Owner.Label(), slaText(t, now), t.Title)
		return err
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// streamJSON prints the tenant's tickets as printJSON prints a list, one
// ticket at a time.
func streamJSON(ctx context.Context, c *hub.AdminClient, tenant string, stdout io.Writer) error {
	w := bufio.NewWriterSize(stdout, 64<<10)
	n := 0
	var buf bytes.Buffer
	err := c.EachTicket(ctx, tenant, func(raw json.RawMessage) error {
		sep := ",\n  "
		if n == 0 {
			sep = "[\n  "
		}
		n++
		buf.Reset()
		if err := json.Indent(&buf, raw, "  ", "  "); err != nil {
			return fmt.Errorf("the hub's answer is not what this program expects: %w", err)
		}
		w.WriteString(sep)
		_, err := w.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		w.WriteString("[]\n")
	} else {
		w.WriteString("\n]\n")
	}
	return w.Flush()
}

func devices(ctx context.Context, args []string, stdout io.Writer) error {
	return listing(ctx, "devices", args, stdout, (*hub.AdminClient).Devices,
		"ID\tHOSTNAME\tOS\tLAST SEEN\tUPDATES\tSECURITY\tRESTART", func(d hub.DeviceSummary) string {
			seen := ago(d.LastSeen)
			if !d.RevokedAt.IsZero() {
				seen = "retired " + d.RevokedAt.Local().Format("2 Jan 2006")
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%v", d.ID, d.Hostname, d.OS, seen, d.PendingUpdates, d.SecurityUpdates, d.RebootRequired)
		})
}

// listing runs an operator command that lists one tenant's records: it
// reads --tenant and --json, fetches through the hub's API, and prints
// JSON or a table of header and one row per record.
func listing[T any](ctx context.Context, name string, args []string, stdout io.Writer,
	fetch func(*hub.AdminClient, context.Context, string) ([]T, error), header string, row func(T) string) error {
	fs := newFlags(name)
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tenant == "" {
		return usageError{name + ": --tenant ID is required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	recs, err := fetch(c, ctx, *tenant)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, recs)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range recs {
		fmt.Fprintln(w, row(r))
	}
	return w.Flush()
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
