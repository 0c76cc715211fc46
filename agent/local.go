package agent

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// localBackend adapts the agent to the local API's Backend.
type localBackend struct{ *Agent }

// RequesterID is the id the hub gives tickets raised by an OS user here.
func (b localBackend) RequesterID(user string) string { return b.actor(user).ID }

// SyncStatus reports the sync status in the local API's terms.
func (b localBackend) SyncStatus() localapi.Status {
	s := b.Status()
	return localapi.Status{
		Enrolled: s.Enrolled, Online: s.Online, HubURL: s.HubURL, Queued: s.Queued, Dead: s.Dead,
		LastPush: s.LastPush, LastPull: s.LastPull, LastError: s.LastError, NextAttempt: s.NextAttempt,
		Problems: shortProblems(s.Problems),
	}
}

// shortProblems gives each problem's first sentence alone: every user of
// the computer sees these, and the rest can name other people's tickets
// (status and doctor, for administrators, show them whole).
func shortProblems(ps []string) []string {
	var out []string
	for _, p := range ps {
		first, _, _ := strings.Cut(p, ". ")
		out = append(out, strings.TrimSuffix(first, ".")+".")
	}
	return out
}

// DeadLetters lists refused changes with the user who made them.
func (b localBackend) DeadLetters() ([]localapi.DeadLetter, error) {
	dead, err := b.Agent.DeadLetters()
	if err != nil {
		return nil, err
	}
	out := make([]localapi.DeadLetter, 0, len(dead))
	for _, d := range dead {
		l := localapi.DeadLetter{Seq: d.Mutation.Seq, Kind: string(d.Mutation.Kind), RejectedAt: d.RejectedAt, User: d.Mutation.User}
		if d.Mutation.Change != nil {
			l.TicketID = d.Mutation.Change.TicketID
			l.Kind = string(d.Mutation.Change.Kind)
		}
		if d.Error != nil {
			l.Reason = d.Error.Message
		}
		out = append(out, l)
	}
	return out, nil
}

// Tenant adapts Agent.Tenant: the settings last received, or not ok.
func (b localBackend) Tenant() (msp.Tenant, bool) {
	t, err := b.Agent.Tenant()
	if err != nil {
		if !errors.Is(err, localdb.ErrNotFound) {
			b.log.Warn("could not read the tenant's settings", "err", err)
		}
		if id := b.Identity(); id != nil {
			return id.Tenant, true
		}
		return msp.Tenant{}, false
	}
	return t, true
}

// ServeLocalAPI serves the local API on its socket (localapi.SocketPath)
// until ctx ends. The dashboard's sync loops run in Run.
func (a *Agent) ServeLocalAPI(ctx context.Context, log *slog.Logger) error {
	return a.LocalAPI(log).Serve(ctx, a.dir)
}

// LocalAPI returns the local API server over the agent, for a caller that
// sets its limits before serving it (Serve, in the data directory).
func (a *Agent) LocalAPI(log *slog.Logger) *localapi.Server {
	return localapi.NewServer(localBackend{a}, log)
}

var _ localapi.StaffBackend = localBackend{}

// Ticket returns one ticket of the device's replica, or nil when there is
// none of that id.
func (b localBackend) Ticket(id string) (*msp.Ticket, error) {
	t, err := b.Agent.Ticket(id)
	if errors.Is(err, localdb.ErrNotFound) {
		return nil, nil
	}
	return t, err
}
