package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// pushOn sends ms on one of the device's push streams, as the agent does.
func (d *testDevice) pushOn(tb testing.TB, stream string, base uint64, ms ...protocol.Mutation) (protocol.PushResponse, error) {
	tb.Helper()
	raws := make([]json.RawMessage, len(ms))
	for i, m := range ms {
		raws[i] = mustJSON(tb, m)
	}
	return d.conn.PushStream(context.Background(), stream, base, raws)
}

// A device's queue is numbered in streams. A new stream (a new store, a
// re-enrollment) starts again at 1 without its changes being taken for
// replays; a number used again in a stream for another change is a
// conflict, not a replay; and a stream the device left, pushed again, is a
// second computer with the same credential.
func TestPushStreamsTellReplaysConflictsAndClones(t *testing.T) {
	h := startHub(t)
	tn := h.tenant(t, "Streams Ltd", msp.ModeFullyManaged)
	d := h.enroll(t, tn.ID, "pc-1")
	const first, second = "01a23ab8-0000-7000-8000-000000000001", "01a23ab8-0000-7000-8000-000000000002"

	one := createM(1, draft("First store, first ticket"))
	resp, err := d.pushOn(t, first, 0, one, createM(2, draft("First store, second ticket")))
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 2, protocol.Applied, protocol.Applied)

	// The same change again is a replay.
	resp, err = d.pushOn(t, first, 0, one)
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 2, protocol.Duplicate)

	// Another change under a number the hub holds is a conflict: before
	// streams, it was answered as a replay and the agent deleted it.
	resp, err = d.pushOn(t, first, 0, createM(2, draft("Made after the store was restored")))
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 2, protocol.Conflict)

	// A new stream starts at its base, whatever the first one reached.
	resp, err = d.pushOn(t, second, 0, createM(1, draft("Second store, first ticket")))
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 1, protocol.Applied)

	// Back on the stream the device left: a copied enrollment.
	_, err = d.pushOn(t, first, 0, createM(3, draft("From the copied computer")))
	var he *client.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusConflict || he.Body == nil || he.Body.Code != protocol.CodeCloned {
		t.Fatalf("a push on a superseded stream = %v, want 409 %s", err, protocol.CodeCloned)
	}

	// The current stream is still admitted.
	resp, err = d.pushOn(t, second, 0, createM(2, draft("Second store, second ticket")))
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 2, protocol.Applied)

	titles := map[string]int{}
	for _, tk := range tickets(d.pullAll(t, 0)) {
		titles[tk.Title]++
	}
	for _, want := range []string{"First store, first ticket", "First store, second ticket", "Second store, first ticket", "Second store, second ticket"} {
		if titles[want] != 1 {
			t.Errorf("ticket %q is on the hub %d times, want 1", want, titles[want])
		}
	}
	for _, never := range []string{"Made after the store was restored", "From the copied computer"} {
		if titles[never] != 0 {
			t.Errorf("ticket %q was applied though the hub refused it", never)
		}
	}
}
