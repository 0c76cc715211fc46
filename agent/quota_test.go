//go:build linux || darwin

package agent_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"os/user"
	"strings"
	"testing"

	"tandem/agent"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// noise returns n random bytes (a file that does not compress).
func noise(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// withFile is a new ticket that attaches data, with the bytes Submit takes.
func withFile(title string, data []byte) (msp.Change, localapi.File) {
	c := newTicket(title)
	c.Ticket.Attachments = []msp.Attachment{{ID: msp.NewID(), Name: "file.bin", MediaType: "application/octet-stream",
		Size: int64(len(data)), SHA256: sha(data), CreatedAt: c.At}}
	return c, localapi.File{SHA256: sha(data), Data: data}
}

func upload(name string, data []byte) localapi.NewTicket {
	return localapi.NewTicket{Title: "Report " + name, Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther,
		Impact: msp.LevelLow, Urgency: msp.LevelLow, Attachments: []localapi.Upload{{Name: name, Data: data}}}
}

// Attachments waiting for the hub are capped per OS user and for the
// device. A person over their quota is refused more files with 413 and
// words saying what to do, and nothing is saved; their tickets without
// files, their replies, other people's files and the device's check-ins
// go on. The same file twice counts once. The counts survive a restart,
// and files the hub has taken no longer count.
func TestAttachmentQuotaPerUserAndDevice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const kb = 1 << 10
	e := enrollDir(t, msp.ModeCoManaged)
	opts := agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn,
		UserAttachmentQuota: 1000 * kb, DeviceAttachmentQuota: 2500 * kb}
	a, err := agent.Open(ctx, e.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { a.Close() }()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	e.hub.stop() // offline: every file waits on the computer

	c := serveLocal(t, a)
	fileA, fileB := noise(t, 600*kb), noise(t, 600*kb)
	if _, err := c.Raise(ctx, upload("a.bin", fileA)); err != nil {
		t.Fatalf("a first file under the quota: %v", err)
	}
	if _, err := c.Raise(ctx, upload("a-again.bin", fileA)); err != nil {
		t.Fatalf("the same file on a second ticket (kept once): %v", err)
	}
	_, err = c.Raise(ctx, upload("b.bin", fileB))
	var apiErr *localapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a file over the person's quota: %v, want 413", err)
	}
	if msg := apiErr.Body.Fields["attachments"]; !strings.Contains(msg, "600 KB of your attached files waiting") ||
		!strings.Contains(msg, "1000 KB each person may have waiting") || !strings.Contains(msg, "share them by a link") {
		t.Fatalf("the refusal says %q", msg)
	}
	mine, err := c.Tickets(ctx)
	if err != nil || len(mine) != 2 {
		t.Fatalf("after the refusal: %v, %d tickets, want the 2 saved before", err, len(mine))
	}

	// Over the quota, the person's words still go, and the device reports.
	plain, err := c.Raise(ctx, localapi.NewTicket{Title: "The file is too big to attach", Pillar: msp.PillarHelpdesk,
		Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelLow})
	if err != nil {
		t.Fatalf("a ticket without files over the quota: %v", err)
	}
	if _, err := c.Reply(ctx, plain.ID, "I will send a link instead."); err != nil {
		t.Fatalf("a reply over the quota: %v", err)
	}
	if err := a.QueueCheckIn(ctx); err != nil {
		t.Fatalf("a check-in over the quota: %v", err)
	}

	// Other people have quotas of their own, up to the device's.
	for _, who := range []string{"bob", "carol"} {
		ch, f := withFile("From "+who, noise(t, 600*kb))
		if _, err := a.Submit(ctx, who, ch, f); err != nil {
			t.Fatalf("%s's file while %s is over the quota: %v", who, me.Username, err)
		}
	}
	ch, f := withFile("From dave", noise(t, 800*kb)) // 1800 KB kept + 800 > 2500
	_, err = a.Submit(ctx, "dave", ch, f)
	var qe *localapi.QuotaError
	if !errors.As(err, &qe) || !strings.Contains(qe.Message, "this computer already keeps 1.8 MB") || !strings.Contains(qe.Message, "2.4 MB") {
		t.Fatalf("a file over the device's quota: %v", err)
	}

	// The agent stops and starts again: the counts are the store's.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if a, err = agent.Open(ctx, e.dir, opts); err != nil {
		t.Fatal(err)
	}
	ch, f = withFile("After the restart", fileB)
	if _, err := a.Submit(ctx, me.Username, ch, f); !errors.As(err, &qe) || !strings.Contains(qe.Message, "each person") {
		t.Fatalf("over the quota after a restart: %v", err)
	}

	// The hub comes back and takes everything; nothing counts any more.
	startHub(t, e.hub.dir, e.hub.listen)
	conn, err := a.Identity().Conn(fastConn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := a.SyncOnce(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if st := a.Status(); st.Queued != 0 {
		t.Fatalf("%d changes still queued after the sync", st.Queued)
	}
	ts, err := e.admin.Tickets(ctx, e.tenant.ID)
	if err != nil || len(ts) != 5 {
		t.Fatalf("hub tickets: %v, %d, want 5", err, len(ts))
	}
	devs, err := e.admin.Devices(ctx, e.tenant.ID)
	if err != nil || len(devs) != 1 || devs[0].AgentVersion == "" {
		t.Fatalf("the check-in did not reach the hub: %v %+v", err, devs)
	}
	for _, who := range []string{me.Username, "dave"} {
		ch, f := withFile("Now it fits, "+who, noise(t, 900*kb))
		if _, err := a.Submit(ctx, who, ch, f); err != nil {
			t.Fatalf("%s's file once the hub has the others: %v", who, err)
		}
	}
}

// A store written before the agent counted attachments holds their bytes
// but no counts: the agent counts them when it opens, for the people
// whose queued tickets name them, and the quota holds from there.
func TestAttachmentQuotaCountsOlderStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const kb = 1 << 10
	e := enrollDir(t, msp.ModeCoManaged)
	e.hub.stop()
	opts := agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn, UserAttachmentQuota: 1000 * kb}
	a, err := agent.Open(ctx, e.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { a.Close() }()
	data := noise(t, 700*kb)
	ch, f := withFile("Kept by an older agent", data)
	if _, err := a.Submit(ctx, "thandi", ch, f); err != nil {
		t.Fatal(err)
	}
	// What an older agent kept: the bytes under blob/, no records, no counts.
	err = a.DB().Update(ctx, func(tx *localdb.Tx) error {
		return errors.Join(tx.Delete(localdb.Key("blob-owner", sha(data))),
			tx.Delete(localdb.Key(localdb.SpaceCounter, "blob-bytes")),
			tx.Delete(localdb.Key(localdb.SpaceCounter, "blob-bytes/thandi")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if a, err = agent.Open(ctx, e.dir, opts); err != nil {
		t.Fatal(err)
	}
	ch, f = withFile("One file too many", noise(t, 400*kb))
	var qe *localapi.QuotaError
	if _, err := a.Submit(ctx, "thandi", ch, f); !errors.As(err, &qe) || !strings.Contains(qe.Message, "700 KB of your attached files") {
		t.Fatalf("over the quota with files an older agent kept: %v", err)
	}
	ch, f = withFile("Somebody else's", noise(t, 400*kb))
	if _, err := a.Submit(ctx, "bob", ch, f); err != nil {
		t.Fatalf("another person's file: %v", err)
	}
}
