// Command tandem-agent is the endpoint agent.
//
//	tandem-agent enroll --hub URL --token T --ca FILE [--data DIR]
//	tandem-agent run [--data DIR]          run in the foreground
//	tandem-agent status [--json] [--data DIR]
//	tandem-agent collect [--json|--glpi]   print this device's report
//	tandem-agent version
//
// --data (or TANDEM_DATA) selects the data directory, so several agents can
// run on one machine in tests.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"tandem/agent"
	"tandem/internal/logfile"
	"tandem/internal/sdnotify"
	"tandem/internal/version"
	"tandem/inventory"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
)

const usage = `tandem-agent: the Tandem endpoint agent

  tandem-agent enroll  --hub URL --token TOKEN --ca FILE [--data DIR]
  tandem-agent install --hub URL --token TOKEN --ca FILE [--data DIR]
                       enroll, install the service and start it
  tandem-agent uninstall | start | stop | restart   the service
  tandem-agent run     [--data DIR]        run in the foreground
  tandem-agent status  [--json] [--data DIR]
  tandem-agent doctor  [--data DIR]        explain what is wrong, in plain words
  tandem-agent collect [--json | --glpi [--tag TAG]] [--data DIR]  print this device's report
  tandem-agent health  [--json] [--data DIR]  this computer's health, in plain words
  tandem-agent ticket new --title T --description D [--pillar P] [--category C]
                          [--impact high|medium|low] [--urgency high|medium|low]
                          [--attach FILE]... [--json]
  tandem-agent ticket call --caller NAME [--phone P] [--device HOST|ID] [--org ID]
                          --title T [--description D] [--pillar P] [--impact ..] [--urgency ..]
                          a phoned-in ticket, logged for the caller by the IT lead or
                          technician signed in to the dashboard on this computer
  tandem-agent ticket list [--json]
  tandem-agent ticket show ID [--json]
  tandem-agent ticket reply ID --message M
  tandem-agent ticket fixed ID | reopen ID   "this is fixed" / "still broken"
  tandem-agent version
  tandem-agent installer enroll|rollback|commit   the Windows installer's steps

The ticket and health commands talk to the running agent of --data DIR.

--data defaults to $TANDEM_DATA, else the system's data directory.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tandem-agent:", err)
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
	switch args[0] {
	case "enroll":
		return enroll(ctx, args[1:], stdout)
	case "run":
		return runAgent(ctx, args[1:], stderr)
	case "status":
		return status(ctx, args[1:], stdout)
	case "collect":
		return collect(ctx, args[1:], stdout, stderr)
	case "ticket":
		return ticket(ctx, args[1:], stdout)
	case "health":
		return health(ctx, args[1:], stdout)
	case "doctor":
		return doctor(ctx, args[1:], stdout)
	case "install":
		return install(ctx, args[1:], stdout)
	case "uninstall", "start", "stop", "restart":
		return control(args[0], args[1:], stdout)
	case "installer":
		return installer(ctx, args[1:], stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "tandem-agent", version.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func newFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", localapi.DefaultDataDir(), "data directory")
	return fs, data
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		fmt.Fprintf(&b, "usage: %s %s [flags]\n\nflags:\n", "tandem-agent", fs.Name())
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

func logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func enroll(ctx context.Context, args []string, stdout io.Writer) error {
	e, err := parseEnrollment("enroll", args)
	if err != nil {
		return err
	}
	return enrollDevice(ctx, e, stdout)
}

// parseEnrollment reads the flags of a command that enrolls (enroll,
// install, installer enroll): --data, --hub, --ca and the token from
// --token, --token-file or TANDEM_TOKEN.
func parseEnrollment(name string, args []string) (enrollment, error) {
	fs, data := newFlags(name)
	hubURL := fs.String("hub", "", "the hub's URL, such as https://hub.example.com:8443")
	token := fs.String("token", "", "the one-time enrollment token; - reads it from standard input (other users can see a command line, not a pipe)")
	tokenFile := fs.String("token-file", "", "read the enrollment token from this file instead")
	caFile := fs.String("ca", "", "the hub's CA certificate (ca.pem)")
	if err := parse(fs, args); err != nil {
		return enrollment{}, err
	}
	tok, err := enrollToken(*token, *tokenFile, os.Stdin)
	if err != nil {
		return enrollment{}, err
	}
	return enrollment{data: *data, hubURL: *hubURL, token: tok, caFile: *caFile}, nil
}

// enrollment is what enrolling a device takes.
type enrollment struct {
	data, hubURL, token, caFile string
	// replaces is the device this computer was enrolled as before, when
	// known; otherwise the agent finds it in its store.
	replaces string
}

func enrollDevice(ctx context.Context, e enrollment, stdout io.Writer) error {
	if e.hubURL == "" || e.token == "" || e.caFile == "" {
		return usageError{"enroll: --hub, --token (or --token-file, or TANDEM_TOKEN) and --ca are required"}
	}
	caPEM, err := os.ReadFile(e.caFile)
	if err != nil {
		return fmt.Errorf("reading the hub's CA certificate: %w", err)
	}
	a, err := agent.Open(ctx, e.data, agent.Options{Logger: logger(io.Discard)})
	if err != nil {
		return err
	}
	defer a.Close()
	osName := runtime.GOOS
	if rep, err := inventory.Collect(ctx, inventory.Options{}); err == nil {
		osName = rep.OS.Summary()
	}
	if err := a.Enroll(ctx, client.EnrollOptions{HubURL: e.hubURL, Token: e.token, CAPEM: caPEM, OS: osName, Replaces: e.replaces}); err != nil {
		return err
	}
	id := a.Identity()
	fmt.Fprintf(stdout, "enrolled as device %s in %s (%s)\n", id.DeviceID, id.Tenant.Name, id.Tenant.ID)
	return nil
}

// enrollToken is the enrollment token from --token, "-" for standard
// input, --token-file, or else the TANDEM_TOKEN environment variable: on
// a shared computer everybody can read a process's command line.
func enrollToken(flag, file string, stdin io.Reader) (string, error) {
	switch {
	case flag != "" && file != "":
		return "", usageError{"give the enrollment token once: --token or --token-file, not both"}
	case flag == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return "", fmt.Errorf("reading the enrollment token from standard input: %w", err)
		}
		return firstLine(b), nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the enrollment token: %w", err)
		}
		return firstLine(b), nil
	case flag != "":
		return flag, nil
	}
	return strings.TrimSpace(os.Getenv("TANDEM_TOKEN")), nil
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

func runAgent(ctx context.Context, args []string, stderr io.Writer) error {
	fs, data := newFlags("run")
	if err := parse(fs, args); err != nil {
		return err
	}
	if underServiceManager() {
		return runAsService(*data)
	}
	log, closeLog := agentLogger(*data, stderr)
	defer closeLog()
	return serveAgent(ctx, *data, log)
}

// agentLogger logs to w (the journal under systemd) and to a size-capped
// agent.log in the data directory.
func agentLogger(dir string, w io.Writer) (*slog.Logger, func()) {
	if err := os.MkdirAll(dir, 0o700); err == nil {
		if f, err := logfile.Open(filepath.Join(dir, "agent.log"), 5<<20); err == nil {
			return logger(fanOut{f, w}), func() { f.Close() }
		}
	}
	return logger(w), func() {}
}

// serveAgent runs the agent until ctx ends: the sync loops, the collectors
// and the local API. It closes the store before it returns.
// lockWait is how long the service waits for the store when another
// process holds it: `tandem-agent status`, `doctor` or `collect` open it
// for a moment when no agent runs, and a restarting service's old process
// may still be closing it.
const lockWait = 30 * time.Second

// openWaiting opens the agent's store, retrying while another process
// holds it, up to wait; then it gives the locked error, which names the
// other process.
func openWaiting(ctx context.Context, data string, o agent.Options, wait time.Duration, log *slog.Logger) (*agent.Agent, error) {
	deadline := time.Now().Add(wait)
	for said := false; ; said = true {
		a, err := agent.Open(ctx, data, o)
		if !errors.Is(err, localdb.ErrLocked) || time.Now().After(deadline) {
			return a, err
		}
		if !said { // once: the final error names the holder again
			log.Info("the store is in use by another process; waiting for it", "for", wait, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the store: %w", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func serveAgent(ctx context.Context, data string, log *slog.Logger) error {
	// A soft memory limit keeps the idle agent small: the garbage collector
	// otherwise lets the heap grow to twice what badger's tables hold.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32 << 20)
	}
	a, err := openWaiting(ctx, data, agent.Options{Logger: log}, lockWait, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	if a.Identity() == nil {
		return fmt.Errorf("%w: enroll it first with tandem-agent enroll --hub URL --token TOKEN --ca FILE --data %s", client.ErrNotEnrolled, data)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		a.Collect(ctx, collector{log: log, cacheDir: filepath.Join(data, "cache")}, agent.Schedule{})
	}()
	// systemd (Type=notify) hears the agent is ready once the local API
	// listens, or once it failed to (the agent still syncs without it).
	ready := sync.OnceFunc(func() { sdnotify.Ready(log, "running; data "+data) })
	api := a.LocalAPI(log)
	api.Listening = ready
	go func() {
		defer func() { done <- struct{}{} }()
		if err := api.Serve(ctx, data); err != nil {
			log.Error("the local API is not available; the tray and the ticket commands cannot reach the agent", "err", err)
		}
		ready()
	}()
	defer func() { cancel(); <-done; <-done }()
	context.AfterFunc(ctx, func() { sdnotify.Stopping(log) })
	log.Info("agent running", "version", version.Version, "data", data)
	return a.Run(ctx)
}

// collector is the agent's Collector over package inventory. cacheDir keeps
// the answers that change only when their inputs do (the update check's).
type collector struct {
	log      *slog.Logger
	cacheDir string
}

func (c collector) note(warnings []string) {
	for _, w := range warnings {
		c.log.Debug("collection note", "note", w)
	}
}

func (c collector) Inventory(ctx context.Context) (msp.Inventory, error) {
	rep, err := inventory.Collect(ctx, inventory.Options{Logger: c.log, CacheDir: c.cacheDir})
	c.note(rep.Warnings)
	return rep.Inventory, err
}

func (c collector) Patches(ctx context.Context) (msp.PatchState, error) {
	p, w, err := inventory.CollectPatches(ctx, inventory.Options{Logger: c.log, CacheDir: c.cacheDir})
	c.note(w)
	return p, err
}

func (c collector) Posture(ctx context.Context) (msp.Posture, error) {
	p, w, err := inventory.CollectPosture(ctx, inventory.Options{Logger: c.log})
	c.note(w)
	return p, err
}

func status(ctx context.Context, args []string, stdout io.Writer) error {
	fs, data := newFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := readStatus(ctx, *data)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	state := "offline"
	if st.Online {
		state = "online"
	}
	if !st.Enrolled {
		state = "not enrolled"
	}
	fmt.Fprintf(stdout, "state:           %s\nhub:             %s\nqueued changes:  %d\ndead letters:    %d\nlast push:       %s\nlast pull:       %s\n",
		state, st.HubURL, st.Queued, st.Dead, when(st.LastPush), when(st.LastPull))
	if st.LastError != "" {
		fmt.Fprintf(stdout, "last error:      %s\n", st.LastError)
	}
	for _, p := range st.Problems {
		fmt.Fprintf(stdout, "problem:         %s\n", p)
	}
	return nil
}

// readStatus opens the store when no agent holds it; otherwise it reads the
// status the running agent keeps beside it.
func readStatus(ctx context.Context, dir string) (agent.Status, error) {
	a, err := agent.Open(ctx, dir, agent.Options{Logger: logger(io.Discard)})
	if errors.Is(err, localdb.ErrLocked) {
		st, err := agent.ReadStatusFile(dir)
		if errors.Is(err, os.ErrNotExist) {
			return st, errors.New("the agent is running but has not reported its status yet; try again in a few seconds")
		}
		return st, err
	}
	if err != nil {
		return agent.Status{}, err
	}
	defer a.Close()
	st := a.Status()
	if prev, err := agent.ReadStatusFile(dir); err == nil {
		st.LastPush, st.LastPull, st.LastError = prev.LastPush, prev.LastPull, prev.LastError
	}
	st.Online = false // nothing is running
	return st, nil
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// collectCache is where collect keeps the update check's answer: beside
// the agent's, in its data directory, when it runs as root (as the agent
// does), else in the user's own cache directory; "" when there is none.
func collectCache(data string) string {
	if os.Geteuid() == 0 {
		return filepath.Join(data, "cache")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "tandem-agent")
	}
	return ""
}

func collect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, data := newFlags("collect")
	asJSON := fs.Bool("json", false, "print the report as JSON (the default)")
	glpi := fs.Bool("glpi", false, "print the report in GLPI's native inventory format")
	tag := fs.String("tag", "", "with --glpi: GLPI's tag, which GLPI's rules route to the customer's entity (tandem-hub export sets the tenant's slug)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *asJSON && *glpi {
		return usageError{"collect: choose --json or --glpi"}
	}
	rep, err := inventory.Collect(ctx, inventory.Options{Logger: logger(stderr), CacheDir: collectCache(*data)})
	if err != nil {
		return err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "note:", w)
	}
	if *glpi {
		deviceID := rep.Hostname
		if id, err := client.LoadIdentity(*data); err == nil {
			deviceID = id.DeviceID
		}
		b, err := inventory.GLPITagged(rep, deviceID, *tag)
		if err != nil {
			return err
		}
		_, err = stdout.Write(append(b, '\n'))
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// fanOut writes to every one of its writers, even after one fails:
// io.MultiWriter stops at the first failure, and a Windows service has no
// standard error, so agent.log and the Event Log got nothing on Windows.
type fanOut []io.Writer

func (f fanOut) Write(p []byte) (int, error) {
	var first error
	for _, w := range f {
		if _, err := w.Write(p); err != nil && first == nil {
			first = err
		}
	}
	return len(p), first
}
