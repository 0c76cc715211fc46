package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kardianos/service"
)

// serviceName is the agent's name in systemd, the Windows service manager
// and launchd.
const serviceName = "tandem-agent"

// serviceConfig describes the installed service: `tandem-agent run` with
// the data directory, restarted when it fails.
func serviceConfig(data string) *service.Config {
	return &service.Config{
		Name:        serviceName,
		DisplayName: "Tandem agent",
		Description: "Keeps this computer's inventory, updates and security state with your IT support, and delivers the tickets raised on it.",
		Arguments:   []string{"run", "--data", data},
		Option: service.KeyValue{
			// systemd
			"Restart": "on-failure",
			// Windows: recovery actions set explicitly, not left to defaults.
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "10s",
			"OnFailureResetPeriod":   86400,
			"DelayedAutoStart":       true,
			"StartType":              "automatic",
			// launchd
			"KeepAlive": true,
			"RunAtLoad": true,
		},
	}
}

// program runs the agent under the service manager.
type program struct {
	data   string
	cancel context.CancelFunc
	done   chan error
	log    *slog.Logger
	close  func()
}

func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() { p.done <- serveAgent(ctx, p.data, p.log) }()
	return nil
}

// Stop asks the agent to finish and waits a few seconds for the store to
// close cleanly; service managers kill a service that takes longer.
func (p *program) Stop(service.Service) error {
	p.cancel()
	select {
	case err := <-p.done:
		p.close()
		return err
	case <-time.After(10 * time.Second):
		return errors.New("the agent did not stop within 10 seconds")
	}
}

func runAsService(data string) error {
	p := &program{data: data}
	s, err := service.New(p, serviceConfig(data))
	if err != nil {
		return fmt.Errorf("connecting to the service manager: %w", err)
	}
	var w io.Writer = os.Stderr // the journal under systemd
	if sl, err := s.SystemLogger(nil); err == nil {
		w = fanOut{systemLogWriter{sl}, w}
	}
	p.log, p.close = agentLogger(data, w)
	return runService(s, p)
}

// systemLogWriter sends log lines to the system log (the Windows Event
// Log, syslog); slog's text lines carry their own level.
type systemLogWriter struct{ l service.Logger }

func (s systemLogWriter) Write(b []byte) (int, error) {
	if err := s.l.Info(string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func install(ctx context.Context, args []string, stdout io.Writer) error {
	e, err := parseEnrollment("install", args)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(e.data)
	if err != nil {
		return fmt.Errorf("the data directory: %w", err)
	}
	e.data = abs
	if _, err := os.Stat(filepath.Join(abs, "identity", "identity.json")); err != nil {
		if e.hubURL == "" || e.token == "" || e.caFile == "" {
			return usageError{"install: this device is not enrolled yet; give --hub, --token (or --token-file, or TANDEM_TOKEN) and --ca"}
		}
		if err := enrollDevice(ctx, e, stdout); err != nil {
			return err
		}
	}
	s, err := service.New(&program{data: abs}, serviceConfig(abs))
	if err != nil {
		return fmt.Errorf("connecting to the service manager: %w", err)
	}
	if err := s.Install(); err != nil {
		return fmt.Errorf("installing the service (run this as root or Administrator): %w", err)
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("the service is installed but did not start: %w", err)
	}
	fmt.Fprintln(stdout, "the Tandem agent is installed and running")
	return nil
}

func control(action string, args []string, stdout io.Writer) error {
	fs, data := newFlags(action)
	if err := parse(fs, args); err != nil {
		return err
	}
	abs, err := filepath.Abs(*data)
	if err != nil {
		return fmt.Errorf("the data directory: %w", err)
	}
	s, err := service.New(&program{data: abs}, serviceConfig(abs))
	if err != nil {
		return fmt.Errorf("connecting to the service manager: %w", err)
	}
	if action == "uninstall" {
		if err := s.Stop(); err != nil && !errors.Is(err, service.ErrNotInstalled) {
			fmt.Fprintln(stdout, "note: stopping the service:", err)
		}
	}
	if err := service.Control(s, action); err != nil {
		return fmt.Errorf("%s: %w (run this as root or Administrator)", action, err)
	}
	fmt.Fprintf(stdout, "%s: done\n", action)
	return nil
}
