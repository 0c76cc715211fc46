package wine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// msiBed is the MSI's part of the test bed: a wine prefix of its own (the
// installation registers a service, which must not stay in the prefix the
// other tests share and that make test caches), the MSI built by
// scripts/pkg-msi.sh, and the hub of the agent's bed.
type msiBed struct {
	*bed
	prefix     string
	wineserver string
	env        []string
	dist       string
}

// newMSIBed makes a fresh wine prefix with the ProcessPrng shim of the
// shared one, ended (its wineserver killed) with the test.
func newMSIBed(t *testing.T) *msiBed {
	t.Helper()
	for _, tool := range []string{"wixl", "msiinfo", "msibuild"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the MSI test needs %s: install the Debian packages wixl and msitools (make test-wine does)", tool)
		}
	}
	b := newBed(t)
	m := &msiBed{bed: b, prefix: filepath.Join(t.TempDir(), "prefix"), dist: t.TempDir()}
	m.wineserver = filepath.Join(filepath.Dir(b.wine), "wineserver64")
	if _, err := os.Stat(m.wineserver); err != nil {
		m.wineserver = "wineserver"
	}
	m.env = append(os.Environ(), "WINEPREFIX="+m.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=bcryptprimitives=n;mscoree,mshtml=")
	began := time.Now()
	// wineboot has been seen to end at once, with no prefix made, on a
	// machine busy with the rest of make test: it is asked again, and what
	// it said is kept for the failure.
	var said []string
	for attempt := 1; ; attempt++ {
		out, code := m.wineRun(2*time.Minute, "wineboot", "--init")
		wait := exec.Command(m.wineserver, "-w")
		wait.Env = m.env
		if err := wait.Run(); err != nil { // wineboot's services finish writing the prefix
			t.Logf("waiting for wineboot's programs to end: %v", err)
		}
		if _, err := os.Stat(m.drive("windows", "system32")); err == nil {
			break
		}
		said = append(said, fmt.Sprintf("attempt %d: exit %d: %s", attempt, code, out))
		if attempt == 3 {
			t.Fatalf("wineboot --init made no prefix in %s:\n%s", m.prefix, strings.Join(said, "\n"))
		}
		time.Sleep(2 * time.Second)
	}
	if len(said) > 0 {
		t.Logf("wineboot needed %d more tries:\n%s", len(said), strings.Join(said, "\n"))
	}
	t.Logf("a fresh wine prefix in %s", time.Since(began).Round(time.Second))
	shim, err := os.ReadFile(filepath.Join(os.Getenv("TANDEM_WINE_PREFIX"), "drive_c", "windows", "system32", "bcryptprimitives.dll"))
	if err != nil {
		t.Fatalf("reading the ProcessPrng shim from the test bed's prefix: %v", err)
	}
	if err := os.WriteFile(m.drive("windows", "system32", "bcryptprimitives.dll"), shim, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(m.drive("ProgramData", "Tandem", "agent", "agent.log")); err == nil {
				t.Logf("the installed agent's agent.log:\n%s", tail(string(b)))
			}
		}
		kill := exec.Command(m.wineserver, "-k")
		kill.Env = m.env
		_ = kill.Run()
	})
	return m
}

// holdSession keeps a console program running in the prefix until the
// test ends. When the last program of a wine session ends, wine sends its
// services SERVICE_CONTROL_SHUTDOWN, as Windows does only when the computer
// shuts down: without it the agent's service stops as soon as msiexec ends.
func (m *msiBed) holdSession() {
	m.t.Helper()
	cmd := exec.Command(m.wine, "cmd.exe")
	cmd.Env = m.env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		m.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("starting a console program to hold the wine session: %v", err)
	}
	m.t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
}

// endSession waits until every program of the prefix has ended, and with
// them the wine session.
func (m *msiBed) endSession() {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wait := exec.CommandContext(ctx, m.wineserver, "-w")
	wait.Env = m.env
	if out, err := wait.CombinedOutput(); err != nil {
		m.t.Fatalf("waiting for the wine session to end: %v\n%s", err, out)
	}
}

// drive is a path on the prefix's C: drive.
func (m *msiBed) drive(elem ...string) string {
	return filepath.Join(append([]string{m.prefix, "drive_c"}, elem...)...)
}

// wineRun runs a program of the prefix and returns its output and exit code.
func (m *msiBed) wineRun(limit time.Duration, args ...string) (string, int) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.wine, args...)
	cmd.Env = m.env
	// A service started by msiexec inherits its output pipe.
	cmd.WaitDelay = 3 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	case err != nil && !errors.Is(err, exec.ErrWaitDelay):
		m.t.Fatalf("wine %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), 0
}

// build makes the MSI of version (v1.2.3) with scripts/pkg-msi.sh, from the
// agent built for Windows with that version stamped in. The desktop
// windows' tandem.exe needs cgo and mingw and minutes to build: a stand-in
// (a copy of the agent) takes its place, so this test is about the
// installer and the agent, not the windows.
func (m *msiBed) build(version string) string {
	m.t.Helper()
	began := time.Now()
	agentExe := filepath.Join(m.dist, "tandem-agent_"+version+"_windows_amd64.exe")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X tandem/internal/version.Version="+version, "-o", agentExe, "./cmd/tandem-agent")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=windows", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		m.t.Fatalf("building the agent for Windows: %v\n%s", err, out)
	}
	exe, err := os.ReadFile(agentExe)
	if err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.dist, "tandem_"+version+"_windows_amd64.exe"), exe, 0o755); err != nil {
		m.t.Fatal(err)
	}
	pkg := exec.Command("scripts/pkg-msi.sh", m.dist, version)
	pkg.Dir = "../.."
	if out, err := pkg.CombinedOutput(); err != nil {
		m.t.Fatalf("scripts/pkg-msi.sh: %v\n%s", err, out)
	}
	m.t.Logf("built the MSI of %s in %s", version, time.Since(began).Round(time.Second))
	return filepath.Join(m.dist, "tandem_"+version+"_windows_amd64.msi")
}

// msiexec runs msiexec silently with a verbose log; it returns the exit
// code and the log.
func (m *msiBed) msiexec(args ...string) (int, string) {
	m.t.Helper()
	logFile := filepath.Join(m.t.TempDir(), "msiexec.log")
	out, code := m.wineRun(4*time.Minute, append(append([]string{"msiexec"}, args...), "/qn", "/l*v", winPath(logFile))...)
	log, err := os.ReadFile(logFile)
	if err != nil {
		m.t.Fatalf("msiexec %s wrote no log (exit %d): %v\n%s", strings.Join(args, " "), code, err, out)
	}
	return code, string(log) + out
}

// installed runs tandem-agent.exe from where the MSI put it.
func (m *msiBed) installed(args ...string) string {
	m.t.Helper()
	out, code := m.wineRun(time.Minute, append([]string{`C:\Program Files\Tandem\tandem-agent.exe`}, args...)...)
	if code != 0 {
		m.t.Fatalf("the installed tandem-agent.exe %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// waitServicePipe waits until the service's agent answers `health` on the
// default data directory's pipe (probes are cut after a few seconds: see
// bed.waitPipe for wine's first pipe client).
func (m *msiBed) waitServicePipe() {
	m.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, code := m.wineRun(6*time.Second, `C:\Program Files\Tandem\tandem-agent.exe`, "health")
		if code == 0 && strings.Contains(out, "Computer") {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("the service's agent did not answer on its pipe within 90 s: exit %d\n%s", code, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// serviceState is the tandem-agent service's state by sc.exe: RUNNING,
// STOPPED, or "" when there is no such service.
func (m *msiBed) serviceState() string {
	m.t.Helper()
	out, code := m.wineRun(time.Minute, "sc", "query", "tandem-agent")
	if code != 0 {
		return ""
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[0] == "STATE" {
			return f[3]
		}
	}
	return ""
}

func (m *msiBed) identityFile() string {
	return m.drive("ProgramData", "Tandem", "agent", "identity", "identity.json")
}

// waitCheckIn waits until the hub has seen device check in after since,
// running the agent of version.
func (m *msiBed) waitCheckIn(device, version string, since time.Time) {
	m.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		out := m.hubCmd("devices", "--tenant", m.tenant, "--json")
		var devices []struct {
			ID           string    `json:"id"`
			LastSeen     time.Time `json:"last_seen"`
			AgentVersion string    `json:"agent_version"`
		}
		if err := json.Unmarshal([]byte(out), &devices); err != nil {
			m.t.Fatalf("reading the hub's devices: %v\n%s", err, out)
		}
		for _, d := range devices {
			if d.ID == device && d.LastSeen.After(since) && d.AgentVersion == version {
				return
			}
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("device %s did not check in with agent %s within 90 s of %s; the hub lists:\n%s", device, version, since.Format(time.RFC3339), out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// readDeviceID is the device id in the installed agent's identity.
func (m *msiBed) readDeviceID() string {
	m.t.Helper()
	b, err := os.ReadFile(m.identityFile())
	if err != nil {
		m.t.Fatalf("the installation left no device identity: %v", err)
	}
	var id struct {
		DeviceID string `json:"device_id"`
	}
	if err := json.Unmarshal(b, &id); err != nil || id.DeviceID == "" {
		m.t.Fatalf("the device identity %s: %v\n%s", m.identityFile(), err, b)
	}
	return id.DeviceID
}

// failAfterEnroll is an MSI like msi with one more deferred action, after
// the service has started, that fails when FAILTEST is set: an
// installation that fails after its enrollment, as one whose service does
// not start did before the agent answered wine's service manager.
func (m *msiBed) failAfterEnroll(msi string) string {
	m.t.Helper()
	work := m.t.TempDir()
	out := filepath.Join(work, "fail.msi")
	b, err := os.ReadFile(msi)
	if err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		m.t.Fatal(err)
	}
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = work
		if o, err := cmd.CombinedOutput(); err != nil {
			m.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, o)
		}
	}
	for _, table := range []string{"CustomAction", "InstallExecuteSequence"} {
		b, err := exec.Command("msiinfo", "export", out, table).Output()
		if err != nil {
			m.t.Fatalf("msiinfo export %s: %v", table, err)
		}
		if err := os.WriteFile(filepath.Join(work, table+".idt"), b, 0o644); err != nil {
			m.t.Fatal(err)
		}
	}
	appendRow := func(file, row string) {
		f, err := os.OpenFile(filepath.Join(work, file), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			m.t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(row + "\r\n"); err != nil {
			m.t.Fatal(err)
		}
	}
	// Type 50 (an .exe named by a property) + in-script (0x400) + no
	// impersonation (0x800): cmd.exe /c exit 3.
	appendRow("CustomAction.idt", "FailForTest\t3122\tCMDEXE\t/c exit 3\t")
	appendRow("InstallExecuteSequence.idt", "FailForTest\tFAILTEST\t5950")
	run("msibuild", out, "-i", "CustomAction.idt")
	run("msibuild", out, "-i", "InstallExecuteSequence.idt")
	return out
}

// The MSI for real under wine's msiexec, with a Linux hub on loopback:
// installed silently with HUB, TOKEN and CA, which enrolls the computer and
// starts the agent as a service that checks in; the token kept out of the
// log; upgraded in place, keeping the device; uninstalled, keeping the data
// unless PURGE=1; reinstalled over kept data without a second enrollment;
// and an installation that fails after enrolling rolls back with its
// identity, so the next one enrolls.
func TestMSIUnderWine(t *testing.T) {
	m := newMSIBed(t)
	m.startHub()
	m.tenant = strings.TrimSpace(m.hubCmd("tenant", "create", "--name", "Demo Accounting (Pty) Ltd", "--mode", "fully-managed"))
	msi1 := m.build("v1.2.3")
	if err := msiTablesHideTheToken(msi1); err != nil {
		t.Error(err)
	}
	ca := winPath(m.info.CAFile)
	props := func() []string {
		token := strings.TrimSpace(m.hubCmd("token", "create", "--tenant", m.tenant))
		return []string{"HUB=" + m.info.URL, "TOKEN=" + token, "CA=" + ca}
	}

	// An installation that fails after its enrollment rolls back, and the
	// next one enrolls (never "already enrolled"). On Windows the rollback
	// action removes the identity the failed installation made; wine's
	// msiexec logs that action but the identity stays, so here the next
	// installation finds it with the pending mark and enrolls again, as the
	// same device (the hub gives it back: same tenant, same computer).
	failing := m.failAfterEnroll(msi1)
	code, log := m.msiexec(append([]string{"/i", winPath(failing), "FAILTEST=1"}, props()...)...)
	if code == 0 {
		t.Fatalf("the installation with a failing step succeeded:\n%s", tail(log))
	}
	if _, err := os.Stat(m.drive("Program Files", "Tandem", "tandem-agent.exe")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a rolled-back installation left its files (%v)", err)
	}
	// Windows Installer's rollback removes a service the installation made;
	// wine's only marks it for deletion, done when the wine session ends.
	m.endSession()
	if st := m.serviceState(); st != "" {
		t.Errorf("a rolled-back installation left the service, %s", st)
	}
	var failedDevice string
	if _, err := os.Stat(m.identityFile()); err == nil {
		failedDevice = m.readDeviceID()
		if _, err := os.Stat(m.drive("ProgramData", "Tandem", "agent", "installer-pending")); err != nil {
			t.Fatalf("a rolled-back installation left its identity without the pending mark (%v): the next installation would keep an enrollment nobody finished", err)
		}
	}
	t.Logf("the failed installation (exit %d) left identity %q", code, failedDevice)

	// The installation: enrolled, the service running and checking in.
	m.holdSession()
	p := props()
	start := time.Now()
	code, log = m.msiexec(append([]string{"/i", winPath(msi1)}, p...)...)
	if code != 0 {
		t.Fatalf("msiexec /i exited %d:\n%s", code, tail(log))
	}
	device := m.readDeviceID()
	if failedDevice != "" && device != failedDevice {
		t.Errorf("after a failed installation the next one enrolled as device %s, not as %s given back: the hub now lists a device that never checks in", device, failedDevice)
	}
	if st := m.serviceState(); st != "RUNNING" {
		t.Fatalf("after the installation the service is %q, not RUNNING", st)
	}
	m.waitCheckIn(device, "v1.2.3", start)
	if _, err := os.Stat(m.drive("ProgramData", "Tandem", "agent", "installer-pending")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the finished installation left its pending mark (%v): a later rollback could remove a working identity", err)
	}
	token := strings.TrimPrefix(p[1], "TOKEN=")
	for _, line := range strings.Split(log, "\n") {
		// wine's msi writes every property at the end of its log, hidden
		// ones included (Windows Installer masks MsiHiddenProperties); any
		// other line with the token would be the command line.
		if strings.Contains(line, token) && !strings.HasPrefix(strings.TrimSpace(line), "Property(S): TOKEN = ") {
			t.Errorf("the installer's log shows the enrollment token: %q", line)
		}
	}
	// The service answers on the default pipe, where the tray and the
	// windows look: a second Windows process asks it for the health.
	m.waitServicePipe()
	if b, err := os.ReadFile(m.drive("ProgramData", "Tandem", "agent", "agent.log")); err != nil || !strings.Contains(string(b), "agent running") {
		t.Errorf("the service wrote nothing to agent.log (%v): %q", err, b)
	}
	if out := m.installed("version"); !strings.Contains(out, "v1.2.3") {
		t.Errorf("the installed agent says %q, want v1.2.3", out)
	}
	t.Logf("installed: device %s, service RUNNING and checking in", device)

	// The upgrade: no properties, the same device, the new binary running.
	msi2 := m.build("v1.2.4")
	start = time.Now()
	if code, log := m.msiexec("/i", winPath(msi2)); code != 0 {
		t.Fatalf("the upgrade exited %d:\n%s", code, tail(log))
	}
	if got := m.readDeviceID(); got != device {
		t.Errorf("the upgrade changed the device from %s to %s", device, got)
	}
	if out := m.installed("version"); !strings.Contains(out, "v1.2.4") {
		t.Errorf("after the upgrade the agent says %q, want v1.2.4", out)
	}
	if st := m.serviceState(); st != "RUNNING" {
		t.Errorf("after the upgrade the service is %q, not RUNNING", st)
	}
	m.waitCheckIn(device, "v1.2.4", start)

	// Uninstalled without PURGE: the files and service go, the data stays.
	if code, log := m.msiexec("/x", winPath(msi2)); code != 0 {
		t.Fatalf("msiexec /x exited %d:\n%s", code, tail(log))
	}
	if st := m.serviceState(); st != "" {
		t.Errorf("after uninstalling, the service is still there, %s", st)
	}
	if _, err := os.Stat(m.drive("Program Files", "Tandem", "tandem-agent.exe")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after uninstalling, the agent's file is still there (%v)", err)
	}
	if got := m.readDeviceID(); got != device {
		t.Errorf("uninstalling without PURGE changed the identity to %s", got)
	}

	// Reinstalled over the kept data, with a new token: the same device,
	// not a second enrollment.
	start = time.Now()
	if code, log := m.msiexec(append([]string{"/i", winPath(msi2)}, props()...)...); code != 0 {
		t.Fatalf("reinstalling over kept data exited %d (it must keep the enrollment, not fail as 'already enrolled'):\n%s", code, tail(log))
	}
	if got := m.readDeviceID(); got != device {
		t.Errorf("reinstalling over kept data enrolled a new device %s; want the kept %s", got, device)
	}
	m.waitCheckIn(device, "v1.2.4", start)

	// Uninstalled with PURGE=1: the data goes too.
	if code, log := m.msiexec("/x", winPath(msi2), "PURGE=1"); code != 0 {
		t.Fatalf("msiexec /x PURGE=1 exited %d:\n%s", code, tail(log))
	}
	if _, err := os.Stat(m.drive("ProgramData", "Tandem")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("PURGE=1 left the agent's data (%v)", err)
	}
}

// tail is the end of an installer log, where the failure is.
func tail(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return strings.Join(lines, "\n")
}

// msiTablesHideTheToken checks, in the MSI's tables, what keeps the token
// out of Windows Installer's log on Windows, which wine's log cannot show:
// TOKEN among MsiHiddenProperties and HideTarget on the enrollment.
func msiTablesHideTheToken(msi string) error {
	prop, err := exec.Command("msiinfo", "export", msi, "Property").Output()
	if err != nil {
		return fmt.Errorf("reading the Property table: %w", err)
	}
	if !strings.Contains(string(prop), "MsiHiddenProperties\tTOKEN") {
		return errors.New("TOKEN is not among the MSI's MsiHiddenProperties")
	}
	ca, err := exec.Command("msiinfo", "export", msi, "CustomAction").Output()
	if err != nil {
		return fmt.Errorf("reading the CustomAction table: %w", err)
	}
	for _, line := range strings.Split(string(ca), "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) < 2 || f[0] != "EnrollAgent" {
			continue
		}
		var typ int
		if _, err := fmt.Sscan(f[1], &typ); err != nil {
			return fmt.Errorf("EnrollAgent's type %q: %w", f[1], err)
		}
		if typ&0x2000 == 0 {
			return fmt.Errorf("EnrollAgent's type %d lacks HideTarget (0x2000): its command line, with the token, would be logged", typ)
		}
		return nil
	}
	return errors.New("the MSI has no EnrollAgent action")
}
