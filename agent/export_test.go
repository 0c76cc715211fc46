package agent

import "context"

// QueueCheckIn queues a check-in now, as the heartbeat loop does.
func (a *Agent) QueueCheckIn(ctx context.Context) error { return a.queueCheckIn(ctx, 1) }

// StaffResetIndex drops the person's in-memory index, as a restart of the
// agent does; the next question builds it from the store.
func (a *Agent) StaffResetIndex(user string) error {
	st := a.staff()
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.idx, user)
	return nil
}
