package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"tandem/sync/client"
)

// installerPending is the file, in the data directory, that says an
// installation is enrolling this computer and has not finished: if the
// installation rolls back, the identity it made goes with it, so the next
// installation can enroll again instead of failing with "already enrolled".
const installerPending = "installer-pending"

const installerUsage = `usage: tandem-agent installer enroll|rollback|commit [flags]

The Windows installer's steps (packaging/windows/tandem.wxs), not for use by hand:

  enroll    enroll this computer unless it already is with the same hub, which
            it keeps (a reinstall after an uninstall that kept the data);
            flags as tandem-agent enroll
  rollback  the installation failed: remove the identity its enroll made, and
            nothing else
  commit    the installation succeeded: keep the identity
`

// installer runs one of the MSI's custom actions.
func installer(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"installer: give enroll, rollback or commit\n\n" + installerUsage}
	}
	switch args[0] {
	case "enroll":
		return installerEnroll(ctx, args[1:], stdout)
	case "rollback", "commit":
		fs, data := newFlags("installer " + args[0])
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if args[0] == "commit" {
			return installerCommit(*data, stdout)
		}
		return installerRollback(*data, stdout)
	case "help", "-h", "--help":
		return helpRequest{installerUsage}
	}
	return usageError{fmt.Sprintf("installer: unknown step %q\n\n%s", args[0], installerUsage)}
}

func installerEnroll(ctx context.Context, args []string, stdout io.Writer) error {
	e, err := parseEnrollment("installer enroll", args)
	if err != nil {
		return err
	}
	mark := filepath.Join(e.data, installerPending)
	_, markErr := os.Stat(mark)
	id, err := client.LoadIdentity(e.data)
	switch {
	case err == nil && markErr == nil:
		// An earlier installation enrolled this computer and ended
		// before its commit or rollback (killed, the power lost, or an
		// installer that did not run the rollback): that identity was
		// never handed over, so this installation enrolls again, as the
		// device that replaces it.
		fmt.Fprintf(stdout, "an earlier installation enrolled this computer as device %s and did not finish; enrolling again\n", id.DeviceID)
		if err := client.RemoveIdentity(e.data); err != nil {
			return err
		}
		e.replaces = id.DeviceID
	case err == nil:
		if !sameHub(id.HubURL, e.hubURL) {
			return fmt.Errorf("this computer is enrolled with the hub %s, not %s; to move it, uninstall Tandem with its data (msiexec /x tandem.msi PURGE=1) and install again", id.HubURL, e.hubURL)
		}
		fmt.Fprintf(stdout, "already enrolled as device %s in %s with %s; keeping that enrollment (the token was not used)\n", id.DeviceID, id.Tenant.Name, id.HubURL)
		return nil
	case !errors.Is(err, client.ErrNotEnrolled):
		return err
	}
	// The mark goes first, so that a failure anywhere after it (in the
	// enrollment, or in a later step of the installation) leaves nothing
	// enrolled behind once the installation rolls back, or, failing
	// that, lets the next installation enroll again.
	if err := os.MkdirAll(e.data, 0o700); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	if err := os.WriteFile(mark, []byte("enrolled by an installation that has not finished\n"), 0o600); err != nil {
		return fmt.Errorf("marking the enrollment as the installation's: %w", err)
	}
	return enrollDevice(ctx, e, stdout)
}

// installerRollback removes the identity that this installation's enroll
// made; an identity from before it (no pending mark) is never touched.
func installerRollback(data string, stdout io.Writer) error {
	mark := filepath.Join(data, installerPending)
	if _, err := os.Stat(mark); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(stdout, "the installation enrolled nothing; the device identity, if any, stays")
		return nil
	}
	if err := client.RemoveIdentity(data); err != nil {
		return err
	}
	if err := os.Remove(mark); err != nil {
		return fmt.Errorf("clearing the installation's mark: %w", err)
	}
	fmt.Fprintln(stdout, "the installation did not finish: removed the device identity it made, so the next installation enrolls again")
	return nil
}

func installerCommit(data string, stdout io.Writer) error {
	if err := os.Remove(filepath.Join(data, installerPending)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("clearing the installation's mark: %w", err)
	}
	fmt.Fprintln(stdout, "the installation finished; the enrollment stays")
	return nil
}

// sameHub reports whether two hub URLs name the same hub, whatever their
// case of scheme and host or trailing slash.
func sameHub(a, b string) bool {
	ua, errA := url.Parse(strings.TrimSpace(a))
	ub, errB := url.Parse(strings.TrimSpace(b))
	if errA != nil || errB != nil {
		return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimRight(ua.Path, "/") == strings.TrimRight(ub.Path, "/")
}
