package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"tandem/agent"
	"tandem/localdb"
	"tandem/sync/client"
)

// finding is one line of `tandem-agent doctor`.
type finding struct {
	ok   bool
	what string
}

// doctor checks what usually goes wrong and says it in plain words.
func doctor(ctx context.Context, args []string, stdout io.Writer) error {
	fs, data := newFlags("doctor")
	if err := parse(fs, args); err != nil {
		return err
	}
	var out []finding
	add := func(ok bool, format string, a ...any) { out = append(out, finding{ok, fmt.Sprintf(format, a...)}) }

	running := false
	a, err := agent.Open(ctx, *data, agent.Options{Logger: logger(io.Discard)})
	switch {
	case errors.Is(err, localdb.ErrLocked):
		running = true
		add(true, "the agent is running (it holds the store)")
	case errors.Is(err, localdb.ErrCorrupt):
		add(false, "the local store is damaged: %v", err)
	case errors.Is(err, localdb.ErrDiskFull):
		add(false, "the disk is full: %v", err)
	case err != nil:
		add(false, "the local store cannot be opened: %v", err)
	default:
		add(false, "the agent is not running; start the service (tandem-agent start) or run it (tandem-agent run)")
		a.Close()
	}

	if free, err := localdb.FreeSpace(*data); err == nil {
		add(free > 200<<20, "free disk space for the agent: %d MB", free>>20)
	}

	id, err := client.LoadIdentity(*data)
	if err != nil {
		add(false, "%v", err)
		return report(stdout, out)
	}
	add(true, "enrolled as device %s in %s", id.DeviceID, id.Tenant.Name)
	if left := time.Until(id.ExpiresAt); left < 7*24*time.Hour {
		add(false, "the device certificate expires %s; the running agent renews it when online", id.ExpiresAt.Local().Format("2006-01-02"))
	}

	conn, err := id.Conn(client.ConnOptions{RetryMax: 1, RetryWaitMin: 200 * time.Millisecond, RetryWaitMax: time.Second, Timeout: 10 * time.Second})
	if err != nil {
		add(false, "%v", err)
		return report(stdout, out)
	}
	defer conn.Close()
	h, err := conn.Health(ctx)
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	switch {
	case errors.As(err, &unknownCA):
		add(false, "certificate mismatch: the server at %s is not the hub this device enrolled with (its certificate is not signed by the pinned CA)", id.HubURL)
	case errors.As(err, &hostErr):
		add(false, "certificate mismatch: the hub's certificate does not cover the name in %s", id.HubURL)
	case errors.As(err, &netErr) || err != nil:
		add(false, "%v", err)
	default:
		add(true, "the hub at %s answers (version %s)", id.HubURL, h.Version)
		out = append(out, clockCheck(h.Time, time.Now()))
	}

	if running {
		if st, err := agent.ReadStatusFile(*data); err == nil {
			out = append(out, queueCheck(st, time.Now()))
			add(st.Dead == 0, "%d changes refused by the hub (see tandem-agent ticket list)", st.Dead)
			if st.LastError != "" {
				add(false, "last sync error: %s", st.LastError)
			}
			for _, p := range st.Problems {
				add(false, "%s", p)
			}
		}
	}
	return report(stdout, out)
}

func report(w io.Writer, fs []finding) error {
	bad := 0
	for _, f := range fs {
		mark := "ok     "
		if !f.ok {
			mark = "PROBLEM"
			bad++
		}
		fmt.Fprintf(w, "%s  %s\n", mark, f.what)
	}
	if bad > 0 {
		return fmt.Errorf("%d problem(s) found", bad)
	}
	return nil
}

// maxSkew is the clock difference with the hub doctor accepts.
const maxSkew = 2 * time.Minute

// clockCheck compares this computer's clock with the hub's.
func clockCheck(hubTime, now time.Time) finding {
	if hubTime.IsZero() {
		return finding{false, "the hub did not say its time, so the clocks cannot be compared; the hub may be an old version"}
	}
	skew := now.Sub(hubTime)
	ahead := "ahead of"
	if skew < 0 {
		skew, ahead = -skew, "behind"
	}
	if skew < maxSkew {
		return finding{true, fmt.Sprintf("clock difference with the hub: %s", skew.Round(time.Second))}
	}
	return finding{false, fmt.Sprintf("clock skew: this computer's clock is %s %s the hub's; certificates and SLA times go wrong. Set the clock to update automatically (timedatectl set-ntp true; on Windows, Settings > Time > Set time automatically)",
		skew.Round(time.Second), ahead)}
}

// queueCheck says whether changes are waiting too long: the queue is stuck
// when its oldest change has waited more than an hour and nothing reached
// the hub in that hour.
func queueCheck(st agent.Status, now time.Time) finding {
	if st.Queued == 0 {
		return finding{true, "nothing waiting to be sent; last delivery " + when(st.LastPush)}
	}
	waited := time.Duration(0)
	if !st.QueuedSince.IsZero() {
		waited = now.Sub(st.QueuedSince)
	}
	delivered := !st.LastPush.IsZero() && now.Sub(st.LastPush) < time.Hour
	if waited <= time.Hour || delivered {
		return finding{true, fmt.Sprintf("%d changes waiting to be sent; last delivery %s", st.Queued, when(st.LastPush))}
	}
	why := ""
	if st.LastError != "" {
		why = " (last error: " + st.LastError + ")"
	}
	return finding{false, fmt.Sprintf("queue stuck: %d changes have waited %s to be sent and nothing reached the hub in the last hour%s; check the network and the hub, then restart the agent (tandem-agent restart)",
		st.Queued, waited.Round(time.Minute), why)}
}
