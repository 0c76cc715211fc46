package tray

import (
	"context"
	"testing"

	"tandem/localapi"
)

// partialAgent answers its status but refuses the rest, as an older or
// not yet enrolled agent may.
type partialAgent struct{}

func (partialAgent) Status(context.Context) (localapi.Status, error) {
	return localapi.Status{Enrolled: true, Online: true, Support: acme}, nil
}

func (partialAgent) Tickets(context.Context) ([]localapi.TicketView, error) {
	return nil, &localapi.APIError{Status: 503, Body: localapi.Error{Message: "the store is busy"}}
}

func (partialAgent) Device(context.Context) (localapi.Device, error) {
	return localapi.Device{}, &localapi.APIError{Status: 404, Body: localapi.Error{Message: "not found"}}
}

func (partialAgent) Events(ctx context.Context, _ func(localapi.Event)) error {
	<-ctx.Done()
	return ctx.Err()
}

// An agent that answers with errors is running: the tray shows what it
// has rather than "not running".
func TestLoopAgentAnswersWithErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan Snapshot, 1)
	l := &Loop{Agent: partialAgent{}, Publish: func(s Snapshot) {
		select {
		case got <- s:
		default:
		}
	}}
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	s := <-got
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if !s.Running || s.State() != StateAllWell || s.Support().Name != "Acme IT" {
		t.Errorf("snapshot %+v (state %v), want a running agent, all well", s, s.State())
	}
}
