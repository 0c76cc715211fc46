package main

import (
	"context"
	"fmt"
	"io"

	"tandem/hub"
)

// deviceRevoke retires a device: tandem-hub device revoke --tenant ID --id DEVICE.
func deviceRevoke(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("device revoke")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	id := fs.String("id", "", "the device's id, as tandem-hub devices lists it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tenant == "" || *id == "" {
		return usageError{"device revoke: --tenant and --id are required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	d, err := c.RevokeDevice(ctx, *tenant, *id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "device %s (%s) retired on %s: the hub refuses its certificate from its next request on.\n"+
		"Its tickets stay. To bring it back, enroll it again with a new token (it becomes a new device).\n",
		d.ID, d.Hostname, d.RevokedAt.Local().Format("2 January 2006 15:04"))
	return nil
}

// userRemove removes a person: tandem-hub user remove --id USER.
func userRemove(ctx context.Context, args []string, stdout io.Writer) error {
	return userEnd(ctx, "user remove", args, stdout, (*hub.AdminClient).RemoveUser,
		"removed: none of their sign-ins or codes works from now on; what they wrote keeps their name.\n"+
			"To give them access again, add them again with tandem-hub user add.")
}

// userSignout ends a person's sign-ins: tandem-hub user signout --id USER.
func userSignout(ctx context.Context, args []string, stdout io.Writer) error {
	return userEnd(ctx, "user signout", args, stdout, (*hub.AdminClient).SignOutUser,
		"signed out everywhere: every sign-in and unused code made before now is refused.\n"+
			"A new code (tandem-hub user code --id ID) signs them in again.")
}

func userEnd(ctx context.Context, name string, args []string, stdout io.Writer,
	do func(*hub.AdminClient, context.Context, string) (hub.User, error), done string) error {
	fs := newFlags(name)
	dial := operatorFlags(fs)
	id := fs.String("id", "", "the person's id, as user add printed it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return usageError{name + ": --id is required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	u, err := do(c, ctx, *id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s, %s) %s\n", u.ID, u.Name, u.Role.Label(), done)
	return nil
}
