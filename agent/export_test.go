package agent

import "context"

// QueueCheckIn queues a check-in now, as the heartbeat loop does.
func (a *Agent) QueueCheckIn(ctx context.Context) error { return a.queueCheckIn(ctx, 1) }
