package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
)

func TestParseHours(t *testing.T) {
	t.Parallel()
	b, err := parseHours("mon-fri=08:00-17:00,sat=09:00-13:00")
	if err != nil {
		t.Fatal(err)
	}
	if got := hoursText(b); got != "mon 08:00-17:00, tue 08:00-17:00, wed 08:00-17:00, thu 08:00-17:00, fri 08:00-17:00, sat 09:00-13:00" {
		t.Errorf("hours = %q", got)
	}
	if b, err := parseHours("fri-mon=07:00-19:00"); err != nil || b.Day(time.Sunday) == nil || b.Day(time.Tuesday) != nil {
		t.Errorf("a range across the week end: %v %+v", err, b)
	}
	for _, bad := range []string{"mon=8-5", "moon=08:00-17:00", "mon-fri", "mon=08:00-25:00"} {
		if _, err := parseHours(bad); err == nil {
			t.Errorf("parseHours(%q) accepted", bad)
		}
	}
}

// createTenant makes a co-managed tenant with tandem-hub tenant create on
// the hub of dir and returns its id.
func createTenant(ctx context.Context, t *testing.T, dir, name string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(ctx, []string{"tenant", "create", "--data", dir, "--name", name, "--mode", "co-managed"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

// startHub serves a hub on loopback from a temporary data directory until
// the test ends, and returns the directory and a context for commands.
func startHub(t *testing.T) (string, context.Context) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- hub.Serve(ctx, hub.Config{Dir: dir, Listen: "127.0.0.1:0", SLAInterval: -1,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(i hub.Info) { ready <- i }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		done <- err
		t.Fatalf("Serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the hub did not start")
	}
	return dir, ctx
}

func TestTenantSetAndShow(t *testing.T) {
	t.Parallel()
	dir, ctx := startHub(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"tenant", "create", "--data", dir, "--name", "Acme", "--mode", "co-managed"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(out.String())

	out.Reset()
	err := run(ctx, []string{"tenant", "set", "--data", dir, "--id", id,
		"--sla-p1-response", "30m", "--sla-p2-clock", "24x7", "--overflow", "45m",
		"--holidays-region", "none", "--holiday-add", "2026-12-28=Shutdown", "--hours", "mon-fri=07:30-16:30",
		"--alert-disk-percent", "85", "--alert-posture", "off", "--attachment-quota", "50GB"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("tenant set: %v", err)
	}
	for _, want := range []string{`P1\s+30m\s+4h\s+24/7`, `P2\s+4h\s+8h\s+24/7`, `P3\s+8h\s+24h\s+business hours`, `after 45m without`, `mon 07:30-16:30`, `above 85%`, `security baseline\s+off`, `Attached files:\s+up to 50GB kept on the hub\n`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("tenant set printed no %q:\n%s", want, out.String())
		}
	}
	c, err := hub.DialAdmin(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	tn, err := c.Tenant(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if tn.SLA.P1.Response != 30*time.Minute || !tn.SLA.P2.AllHours || tn.OverflowAfter != 45*time.Minute ||
		tn.Holidays.Region != msp.RegionNone || len(tn.Holidays.Extra) != 1 || tn.Alerts.DiskFullPercent != 85 || !tn.Alerts.NoPosture || tn.AttachmentQuota != 50<<30 {
		t.Errorf("stored tenant = %+v", tn)
	}

	// A bad value changes nothing and says why.
	err = run(ctx, []string{"tenant", "set", "--data", dir, "--id", id, "--sla-p1-resolution", "10m"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "resolution") {
		t.Errorf("a resolution shorter than the response: %v", err)
	}
	if err := run(ctx, []string{"tenant", "set", "--data", dir, "--id", id, "--attachment-quota", "lots"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "500MB") {
		t.Errorf("an attachment quota that is not a size: %v", err)
	}
	if err := run(ctx, []string{"tenant", "set", "--data", dir, "--id", id}, io.Discard, io.Discard); err == nil {
		t.Error("tenant set with nothing to change succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"tenant", "show", "--data", dir, "--id", id}, &out, io.Discard); err != nil || !regexp.MustCompile(`P1\s+30m`).MatchString(out.String()) {
		t.Errorf("tenant show: %v\n%s", err, out.String())
	}
	// A country's public holidays: the code in any case, stored in
	// capitals, shown with its name.
	out.Reset()
	if err := run(ctx, []string{"tenant", "set", "--data", dir, "--id", id, "--holidays-region", "gb", "--time-zone", "Europe/London"}, &out, io.Discard); err != nil {
		t.Fatalf("tenant set --holidays-region gb: %v", err)
	}
	if !regexp.MustCompile(`Public holidays:\s+GB England and Wales \(1 extra days`).MatchString(out.String()) {
		t.Errorf("tenant set --holidays-region gb printed:\n%s", out.String())
	}
	if tn, err := c.Tenant(ctx, id); err != nil || tn.Holidays.Region != "GB" || tn.TimeZone != "Europe/London" {
		t.Errorf("stored holidays %+v, zone %q: %v", tn.Holidays, tn.TimeZone, err)
	}
	// A region Tandem does not know changes nothing and names those it knows.
	err = run(ctx, []string{"tenant", "set", "--data", dir, "--id", id, "--holidays-region", "US-CA"}, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("--holidays-region US-CA: %v, want a usage error", err)
	}
	for _, want := range []string{`"US-CA" is not a country or region`, "US has no regional rules in Tandem: use US", "GB England and Wales", "DE-BY", "AU-NSW", "ZA South Africa", `"none"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("--holidays-region US-CA: the error does not say %q:\n%v", want, err)
		}
	}
	if tn, err := c.Tenant(ctx, id); err != nil || tn.Holidays.Region != "GB" {
		t.Errorf("after a refused region: %+v, %v", tn.Holidays, err)
	}
	out.Reset()
	if err := run(ctx, []string{"sla", "sweep", "--data", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "1 tenants, 0 open tickets") {
		t.Errorf("sla sweep: %v %q", err, out.String())
	}
}
