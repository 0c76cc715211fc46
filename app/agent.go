package app

import (
	"context"

	"tandem/localapi"
	"tandem/msp"
)

// Agent is what the windows need from the local agent. *localapi.Client
// satisfies it; every method is safe for concurrent use and each call is one
// round trip over the agent's socket. Writes (Raise, Reply, SetStatus) are
// saved by the agent at once and delivered to the hub later, so they succeed
// offline.
type Agent interface {
	Status(ctx context.Context) (localapi.Status, error)
	Device(ctx context.Context) (localapi.Device, error)
	Tickets(ctx context.Context) ([]localapi.TicketView, error)
	Ticket(ctx context.Context, id string) (localapi.TicketView, error)
	Raise(ctx context.Context, n localapi.NewTicket) (localapi.TicketView, error)
	Reply(ctx context.Context, id, message string) (localapi.TicketView, error)
	SetStatus(ctx context.Context, id string, s msp.Status) (localapi.TicketView, error)
	// Events calls fn with each event until ctx ends or the stream breaks.
	Events(ctx context.Context, fn func(localapi.Event)) error
}

var _ Agent = (*localapi.Client)(nil)
