package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"tandem/hub"
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

// A computer whose identity was removed and that enrolls again names the
// device it was: under the same hostname, in the token's tenant, it gets
// that device back with its tickets, and the old certificate stops
// working. Under another hostname, or naming another tenant's device, it
// is a new device and can touch nothing of the old one.
func TestEnrollingAgainGivesTheDeviceBackOnlyToTheSameComputer(t *testing.T) {
	h := startHub(t)
	ctx := context.Background()
	tn := h.tenant(t, "Again Ltd", msp.ModeFullyManaged)
	other := h.tenant(t, "Elsewhere Ltd", msp.ModeFullyManaged)
	d := h.enroll(t, tn.ID, "reception-pc")
	tk := draft("Printer jams")
	wantResults(t, d.push(t, createM(d.next(), tk)), 1, protocol.Applied)
	stranger := h.enroll(t, other.ID, "reception-pc")

	again := func(tenant, hostname, replaces string) (*client.Identity, *client.Conn) {
		t.Helper()
		id, err := client.Enroll(ctx, t.TempDir(), client.EnrollOptions{
			HubURL: h.info.URL, Token: h.token(t, tenant, 0), CAPEM: h.caPEM, Hostname: hostname, OS: "Windows 11 Pro", Replaces: replaces, Conn: fastRetry,
		})
		if err != nil {
			t.Fatalf("enrolling again: %v", err)
		}
		conn, err := id.Conn(fastRetry)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(conn.Close)
		return id, conn
	}

	// Another hostname: a new device, and the old one's ticket is not its.
	renamed, conn := again(tn.ID, "front-desk-pc", d.id.DeviceID)
	if renamed.DeviceID == d.id.DeviceID {
		t.Fatal("a computer under another hostname was given the old device")
	}
	resp, err := conn.Push(ctx, []protocol.Mutation{commentM(1, tk.ID, "From the renamed computer")})
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 1, protocol.Rejected)

	// Another tenant's device is never given, whatever the hostname.
	if id, _ := again(tn.ID, "reception-pc", stranger.id.DeviceID); id.DeviceID == stranger.id.DeviceID {
		t.Fatal("a token of one tenant took over a device of another")
	}

	// The same computer gets its device back, and its reply applies.
	back, conn := again(tn.ID, "reception-pc", d.id.DeviceID)
	if back.DeviceID != d.id.DeviceID {
		t.Fatalf("enrolled again as %s, want the device %s back", back.DeviceID, d.id.DeviceID)
	}
	resp, err = conn.Push(ctx, []protocol.Mutation{commentM(d.next(), tk.ID, "After enrolling again")})
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 2, protocol.Applied)
	got := h.adminTicket(t, tn.ID, tk.ID)
	var replies []string
	for _, c := range got.Comments {
		if c.Role == msp.RoleEndUser {
			replies = append(replies, c.Body)
		}
	}
	if len(replies) != 1 || replies[0] != "After enrolling again" {
		t.Fatalf("the person's replies after enrolling again = %q, want the one sent after", replies)
	}

	// The certificate from before no longer works.
	_, err = d.conn.Push(ctx, nil)
	if httpStatus(err) != http.StatusUnauthorized {
		t.Fatalf("the old certificate after enrolling again: %v, want 401", err)
	}
}

// A device whose certificate expired (offline longer than it lasts) is
// told so, with how to enroll again, not that the hub cannot be reached.
func TestAnExpiredCertificateIsNamedNotTakenForANetworkFault(t *testing.T) {
	past := time.Now().Add(-100 * 24 * time.Hour) // certificates last 90 days
	h, _ := startHubWith(t, t.TempDir(), hub.Config{Now: func() time.Time { return past }})
	tn := h.tenant(t, "Long Ago Ltd", msp.ModeFullyManaged)
	d := h.enroll(t, tn.ID, "reception-pc")
	_, err := d.conn.Push(context.Background(), []protocol.Mutation{createM(1, draft("After a long holiday"))})
	if !errors.Is(err, client.ErrCertificateExpired) || !strings.Contains(err.Error(), "tandem-agent enroll") {
		t.Fatalf("a push with an expired certificate: %v; want ErrCertificateExpired and how to enroll again", err)
	}
	t.Logf("the person is told: %v", err)
	if strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("an expired certificate is reported as a network fault: %v", err)
	}
}
