package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"tandem/internal/logfile"
	"tandem/internal/version"
	"tandem/localapi"
	"tandem/tray"
)

const usage = `tandem-tray: the Tandem icon in the system tray

  tandem-tray [--data DIR]   show the icon (DIR: the agent's data directory)
  tandem-tray version

--data defaults to $TANDEM_DATA, else the system's agent data directory.
The tray logs to tray.log in the user's cache directory (under tandem/).
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tandem-tray:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "version" {
		fmt.Fprintln(stdout, "tandem-tray", version.Version)
		return nil
	}
	fs := flag.NewFlagSet("tandem-tray", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	data := fs.String("data", localapi.DefaultDataDir(), "the agent's data directory")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n\n%s", fs.Arg(0), usage)
	}

	var logw io.Writer = stderr
	stateDir, err := tray.StateDir()
	if err != nil {
		fmt.Fprintln(stderr, "tandem-tray: logging to the terminal only:", err)
	} else {
		lf, err := logfile.Open(filepath.Join(stateDir, "tray.log"), 2<<20)
		if err != nil {
			fmt.Fprintln(stderr, "tandem-tray: logging to the terminal only:", err)
		} else {
			defer lf.Close()
			logw = io.MultiWriter(stderr, lf)
		}
	}
	if stateDir != "" {
		release, err := tray.Lock(stateDir)
		if errors.Is(err, tray.ErrAlreadyRunning) {
			fmt.Fprintln(stderr, "tandem-tray:", err)
			return nil
		}
		if err != nil {
			fmt.Fprintln(stderr, "tandem-tray: starting without the single-instance lock:", err)
		} else {
			defer release()
		}
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	log.Info("tandem-tray starting", "version", version.Version, "data", *data)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runTray(ctx, *data, stateDir, log)
	log.Info("tandem-tray stopped")
	return nil
}
