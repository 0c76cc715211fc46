// Package e2ekit holds what the end-to-end tests (package e2e on the Linux
// desktop, e2e/wine for the Windows agent) share: a technician's reply
// pushed to a real hub as the technicians' dashboard sends it.
package e2ekit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// SignInCode is the code `tandem-hub user add` prints on its last line.
func SignInCode(userAddOutput string) (string, error) {
	fields := strings.Fields(strings.TrimSpace(userAddOutput))
	if len(fields) == 0 {
		return "", errors.New("user add printed no sign-in code")
	}
	return fields[len(fields)-1], nil
}

// TechnicianReply signs a technician in with code at the hub (whose CA is
// caPEM) and pushes a reply to ticket id, as the technicians' dashboard
// would.
func TechnicianReply(ctx context.Context, hubURL string, caPEM []byte, code, id, body string) error {
	anon, err := client.NewConn(hubURL, caPEM, nil, client.ConnOptions{RetryMax: 1})
	if err != nil {
		return err
	}
	signIn, err := anon.SignIn(ctx, code)
	anon.Close()
	if err != nil {
		return fmt.Errorf("technician sign-in: %w", err)
	}
	tech, err := client.NewConn(hubURL, caPEM, nil, client.ConnOptions{RetryMax: 1, Token: signIn.Token})
	if err != nil {
		return err
	}
	defer tech.Close()
	c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: id, At: time.Now().UTC(),
		Comment: &msp.Comment{ID: msp.NewID(), Body: body}}
	resp, err := tech.Push(ctx, []protocol.Mutation{{Seq: 1, Kind: protocol.KindTicket, Change: &c}})
	if err != nil {
		return fmt.Errorf("technician reply: %w", err)
	}
	for _, r := range resp.Results {
		if r.Outcome == protocol.Rejected {
			return fmt.Errorf("the hub refused the technician's reply: %s", r.Error.Message)
		}
	}
	return nil
}
