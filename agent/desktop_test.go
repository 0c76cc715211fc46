//go:build linux || darwin

package agent_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/hub"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// serveLocal serves f's agent's local API until the test ends and returns
// a client that has seen it answer.
func serveLocal(t *testing.T, a *agent.Agent) *localapi.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.ServeLocalAPI(ctx, quiet) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServeLocalAPI: %v", err)
		}
	})
	c := localapi.NewClient(filepath.Dir(a.DB().Dir()))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := c.Status(ctx)
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the local API did not answer in 10 s: %v", err)
		}
	}
}

// screenshot returns a real PNG of about size bytes (noise does not
// compress).
func screenshot(t testing.TB, side int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	noise := make([]byte, len(img.Pix))
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	for i := range img.Pix {
		img.Pix[i] = noise[i]
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hubBlob reads an attachment from the hub as its operator.
func hubBlob(t *testing.T, h *runningHub, tenant, sum string) (int, []byte, string) {
	t.Helper()
	token, err := hub.OperatorToken(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(h.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, h.info.URL+protocol.BlobPath(sum)+"?tenant="+tenant, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header.Get("Content-Type")
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A screenshot attached to a ticket raised offline is saved with it,
// survives the agent closing and opening again, and reaches the hub with
// the ticket, byte for byte.
func TestAttachmentRaisedOfflineReachesHub(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	dir := filepath.Dir(f.agent.DB().Dir())
	shot := screenshot(t, 200) // ~160 KB
	doc := []byte("printer log: paper jam in tray 2\n")

	f.hub.stop()
	c := serveLocal(t, f.agent)
	tk, err := c.Raise(ctx, localapi.NewTicket{Title: "Printer shows an error", Description: "See the screenshot.",
		Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelMedium,
		Attachments: []localapi.Upload{
			{Name: "Screenshot 2026-11-23.png", MediaType: "image/png", Data: shot},
			{Name: `C:\Users\thandi\printer.log`, Data: doc},
		}})
	if err != nil {
		t.Fatalf("Raise offline with attachments: %v", err)
	}
	if len(tk.Attachments) != 2 || tk.Attachments[0].SHA256 != sha(shot) || tk.Attachments[0].Size != int64(len(shot)) ||
		tk.Attachments[1].Name != "printer.log" || !strings.HasPrefix(tk.Attachments[1].MediaType, "text/plain") {
		t.Fatalf("attachments of the raised ticket: %+v", tk.Attachments)
	}
	if tk.Delivered {
		t.Fatal("a ticket raised offline says it was delivered")
	}
	if got, err := f.agent.Blob(sha(shot)); err != nil || !bytes.Equal(got, shot) {
		t.Fatalf("the screenshot is not kept on the computer: %v", err)
	}

	// The agent stops (the person logs off) and starts again; the hub
	// comes back.
	if err := f.agent.Close(); err != nil {
		t.Fatal(err)
	}
	a, err := agent.Open(ctx, dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	startHub(t, f.hub.dir, f.hub.listen)
	conn, err := a.Identity().Conn(fastConn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := a.SyncOnce(ctx, conn); err != nil {
		t.Fatal(err)
	}

	for _, want := range [][]byte{shot, doc} {
		status, got, mt := hubBlob(t, f.hub, f.tenant.ID, sha(want))
		if status != http.StatusOK || sha(got) != sha(want) {
			t.Fatalf("hub answered %d with %d bytes (sha %s), want %d bytes (sha %s)", status, len(got), sha(got), len(want), sha(want))
		}
		if bytes.Equal(want, shot) && mt != "image/png" {
			t.Fatalf("the screenshot is served as %q", mt)
		}
	}
	hts := hubTickets(t, f)
	if len(hts) != 1 || len(hts[0].Attachments) != 2 || hts[0].Attachments[0].SHA256 != sha(shot) {
		t.Fatalf("hub ticket: %+v", hts)
	}
	if _, err := a.Blob(sha(shot)); !errors.Is(err, localdb.ErrNotFound) {
		t.Fatalf("the bytes are still kept on the computer after the hub took them: %v", err)
	}
	// Another tenant's operator view of the same name finds nothing.
	if status, _, _ := hubBlob(t, f.hub, "some-other-tenant", sha(shot)); status != http.StatusNotFound {
		t.Fatalf("another tenant's blob answered %d", status)
	}
}

// Files over the limits are refused before anything is saved, in words
// the form can show beside the attachments.
func TestAttachmentLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	c := serveLocal(t, f.agent)
	base := localapi.NewTicket{Title: "Too much", Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelLow}

	big := base
	big.Attachments = []localapi.Upload{{Name: "video.mp4", MediaType: "video/mp4", Data: make([]byte, localapi.MaxUpload+1)}}
	_, err := c.Raise(ctx, big)
	var apiErr *localapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusRequestEntityTooLarge || !strings.Contains(apiErr.Body.Fields["attachments"], "MB") {
		t.Fatalf("a file over %d MB: %v %+v", localapi.MaxUpload>>20, err, apiErr)
	}
	many := base
	for i := range localapi.MaxUploadFiles + 1 {
		many.Attachments = append(many.Attachments, localapi.Upload{Name: "f.txt", Data: []byte{byte(i)}})
	}
	if _, err := c.Raise(ctx, many); !errors.As(err, &apiErr) || apiErr.Status != http.StatusRequestEntityTooLarge || apiErr.Body.Fields["attachments"] == "" {
		t.Fatalf("%d files: %v", len(many.Attachments), err)
	}
	if ts, err := c.Tickets(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("a refused ticket was saved: %v %+v", err, ts)
	}
	if st, _ := c.Status(ctx); st.Queued != 0 {
		t.Fatalf("a refused ticket was queued: %d", st.Queued)
	}
}

// The status names the MSP from the tenant's branding; tickets say who has
// them and the SLA clock; a change the hub refused is shown on its ticket.
func TestTicketViewAndStatusOverSocket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	c := serveLocal(t, f.agent)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Support.Name != hub.DefaultBranding.Name || st.Support.Phone != hub.DefaultBranding.SupportPhone ||
		st.Mode != msp.ModeCoManaged || st.TenantName != "Demo Accounting" || st.Role != msp.RoleEndUser {
		t.Fatalf("status: %+v", st)
	}

	tk, err := c.Raise(ctx, localapi.NewTicket{Title: "Cannot open the shared drive", Pillar: msp.PillarHelpdesk,
		Category: msp.CategoryOther, Impact: msp.LevelMedium, Urgency: msp.LevelHigh})
	if err != nil {
		t.Fatal(err)
	}
	if tk.OwnerText == "" || !strings.HasPrefix(tk.SLAText, "first response due by") || tk.FirstResponseDue.IsZero() {
		t.Fatalf("view of a new ticket: owner %q sla %q due %v", tk.OwnerText, tk.SLAText, tk.FirstResponseDue)
	}
	if tk.Delivered {
		t.Fatal("delivered before any sync")
	}
	// A change of this ticket that the hub will refuse: an end user
	// cannot reprioritise.
	bad := msp.Change{ID: msp.NewID(), Kind: msp.ChangeReprioritise, TicketID: tk.ID, At: time.Now().UTC(),
		Impact: msp.LevelHigh, Urgency: msp.LevelHigh}
	err = f.agent.DB().Update(ctx, func(tx *localdb.Tx) error {
		_, err := outbox.New(localdb.ErrStop).Enqueue(tx, protocol.Mutation{Kind: protocol.KindTicket, User: me.Username, Change: &bad})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	got, err := c.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Delivered || got.Owner == "" || len(got.Refused) != 1 || got.Refused[0].Reason == "" || got.Refused[0].Kind != string(msp.ChangeReprioritise) {
		t.Fatalf("after sync: delivered %v owner %q refused %+v", got.Delivered, got.Owner, got.Refused)
	}
	list, err := c.Tickets(ctx)
	if err != nil || len(list) != 1 || list[0].OwnerText == "" || len(list[0].Refused) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
}

// GET /v1/device says what needs attention in plain words, from the last
// inventory, and lists what a ticket carries.
func TestDeviceHealthOverSocket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	c := serveLocal(t, f.agent)
	d, err := c.Device(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Hostname != "reception-pc" || !d.CollectedAt.IsZero() || len(d.Health) != 0 {
		t.Fatalf("device before any collection: %+v", d)
	}
	inv := msp.Inventory{
		Hostname: "reception-pc", OS: msp.OSInfo{Name: "Debian GNU/Linux", Version: "12 (bookworm)", ID: "debian", Kernel: "6.1.0"},
		Disks: []msp.Disk{{Mount: "/", FS: "ext4", TotalBytes: 256 << 30, FreeBytes: 10 << 30}},
		Network: []msp.NetInterface{{Name: "lo", Addresses: []string{"127.0.0.1/8"}, Up: true},
			{Name: "eth0", MAC: "52:54:00:12:34:56", Addresses: []string{"192.168.1.20/24", "fe80::1/64"}, Up: true}},
		Patches: msp.PatchState{RebootRequired: true, Pending: []msp.Patch{
			{Name: "openssl", Security: true}, {Name: "libssl3", Security: true}, {Name: "vim"}}},
		Posture: msp.Posture{
			Firewall:       msp.Check{State: msp.CheckFailing, Evidence: "nft: no ruleset"},
			DiskEncryption: msp.Check{State: msp.CheckOK, Evidence: "LUKS on /"},
		},
		CollectedAt: time.Now().UTC(),
	}
	if err := f.agent.QueueInventory(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if d, err = c.Device(ctx); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, h := range d.Health {
		texts[h.Code] = h.Severity + ": " + h.Text
	}
	want := map[string]string{
		localapi.HealthFirewallOff:    "critical: The firewall is off",
		localapi.HealthUpdatesPending: "warning: 2 security updates are waiting",
		localapi.HealthRestartNeeded:  "warning: Restart needed to finish updates",
		localapi.HealthDiskNearlyFull: "warning: The main disk is 96% full",
	}
	for code, w := range want {
		if texts[code] != w {
			t.Errorf("health %s = %q, want %q (all: %+v)", code, texts[code], w, d.Health)
		}
	}
	if len(d.Health) != len(want) || d.Health[0].Severity != localapi.SeverityCritical {
		t.Errorf("health: %+v", d.Health)
	}
	details := map[string]string{}
	for _, x := range d.Details {
		details[x.Label] = x.Value
	}
	me, _ := user.Current()
	if details["Computer"] != "reception-pc" || details["System"] != "Debian GNU/Linux 12 (bookworm)" ||
		details["IP address"] != "192.168.1.20" || details["Free disk"] != "10 GB of 256 GB" || (me != nil && details["User"] != me.Username) {
		t.Errorf("details: %+v", d.Details)
	}
}

// BenchmarkRaiseOverSocket measures Submit → saved acknowledgement as the
// new-ticket window sees it: a request over the local API's socket, the
// ticket, its outbox entry and any attachment written and fsynced in one
// transaction, and the ticket's view back. Target ≤ 50 ms.
func BenchmarkRaiseOverSocket(b *testing.B) {
	for _, bc := range []struct {
		name string
		side int // screenshot side in pixels; 0 for none
	}{{"plain", 0}, {"screenshot-200KB", 230}, {"screenshot-2MB", 720}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			e := enrollDir(b, msp.ModeCoManaged)
			a, err := agent.Open(ctx, e.dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			sctx, cancel := context.WithCancel(ctx)
			served := make(chan error, 1)
			go func() { served <- a.ServeLocalAPI(sctx, quiet) }()
			defer func() { cancel(); <-served }()
			c := localapi.NewClient(e.dir)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := c.Status(ctx); err == nil {
					break
				} else if time.Now().After(deadline) {
					b.Fatal(err)
				}
			}
			n := localapi.NewTicket{Title: "Printer on the first floor shows offline", Description: "Since 9:00.",
				Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelMedium}
			var shot []byte
			if bc.side > 0 {
				shot = screenshot(b, bc.side)
				b.SetBytes(int64(len(shot)))
			}
			b.ResetTimer()
			for i := range b.N {
				if shot != nil {
					shot[len(shot)/2] = byte(i) // a new blob each time
					n.Attachments = []localapi.Upload{{Name: "screenshot.png", MediaType: "image/png", Data: shot}}
				}
				if _, err := c.Raise(ctx, n); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/raise")
		})
	}
}

// A reply from the IT lead reaches the person's tray as an event with the
// count of replies they can see; the ticket shows it, never the internal
// note beside it, and its clock moves on to resolution.
func TestSupportReplyReachesTray(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := setUp(t, msp.ModeCoManaged)
	c := serveLocal(t, f.agent)
	tk, err := c.Raise(ctx, localapi.NewTicket{Title: "Excel crashes on open", Pillar: msp.PillarHelpdesk,
		Category: msp.CategoryOther, Impact: msp.LevelMedium, Urgency: msp.LevelMedium})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	events := make(chan localapi.Event, 64)
	go func() { _ = c.Events(ctx, func(e localapi.Event) { events <- e }) }()
	select {
	case <-events: // the first event is the current state
	case <-time.After(20 * time.Second):
		t.Fatal("no first event")
	}

	u, err := f.admin.AddUser(ctx, f.tenant.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(f.hub.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	si, err := f.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	lead, err := client.NewConn(f.hub.info.URL, caPEM, nil, client.ConnOptions{RetryMax: 1, Token: si.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer lead.Close()
	now := time.Now().UTC()
	resp, err := lead.Push(ctx, []protocol.Mutation{
		{Seq: 1, Kind: protocol.KindTicket, Change: &msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: now,
			Comment: &msp.Comment{ID: msp.NewID(), Body: "Internal: probably the add-in again.", Internal: true}}},
		{Seq: 2, Kind: protocol.KindTicket, Change: &msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: now,
			Comment: &msp.Comment{ID: msp.NewID(), Body: "I'll remote in at 14:00; please leave Excel closed."}}},
	})
	if err != nil || resp.HighWater != 2 {
		t.Fatalf("the IT lead's push: %v %+v", err, resp)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	for timeout := time.After(20 * time.Second); ; {
		select {
		case e := <-events:
			if e.Kind != localapi.EventTicket || e.TicketID != tk.ID || e.Replies != 1 {
				continue
			}
		case <-timeout:
			t.Fatal("no event for the support reply within 20 s")
		}
		break
	}
	got, err := c.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, cm := range got.Comments {
		bodies = append(bodies, cm.Body)
		if cm.Internal {
			t.Fatalf("the person sees an internal note: %+v", cm)
		}
	}
	if !strings.Contains(strings.Join(bodies, "|"), "please leave Excel closed") {
		t.Fatalf("the reply is not on the ticket: %q", bodies)
	}
	if strings.HasPrefix(got.SLAText, "first response") {
		t.Fatalf("after the IT lead's reply the clock still says %q", got.SLAText)
	}
}
