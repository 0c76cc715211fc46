package hub

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// pushRig is one hub Server over a real badger store with one enrolled
// device, called in process: requests carry the device's certificate in
// r.TLS as the TLS stack would after verifying it.
type pushRig struct {
	store   *BadgerStore
	handler http.Handler
	tls     *tls.ConnectionState
	client  string // the device's push client name, for its high-water mark
}

func newPushRig(tb testing.TB) *pushRig {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	now := time.Now().UTC()
	ca, _, err := loadOrCreateCA(dir, "Fuzz MSP", now)
	if err != nil {
		tb.Fatalf("creating the CA: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := OpenBadgerStore(ctx, tb.TempDir(), localdb.Options{Logger: log})
	if err != nil {
		tb.Fatalf("OpenBadgerStore: %v", err)
	}
	tb.Cleanup(func() {
		if err := store.Close(); err != nil {
			tb.Errorf("closing the store: %v", err)
		}
	})

	tenant := msp.NewTenant(msp.NewID(), "Fuzz Ltd", msp.ModeCoManaged)
	tenant.Branding = DefaultBranding
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("making a device key: %v", err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "fuzz"}}, key)
	if err != nil {
		tb.Fatalf("making a CSR: %v", err)
	}
	id := msp.NewID()
	certPEM, sn, notAfter, err := ca.signDevice(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})), id, tenant.ID, now)
	if err != nil {
		tb.Fatalf("signing the device certificate: %v", err)
	}
	cert, err := ParseCertificatePEM([]byte(certPEM))
	if err != nil {
		tb.Fatalf("reading the device certificate: %v", err)
	}
	d := Device{
		Device:      msp.Device{ID: id, Tenant: tenant.ID, Hostname: "fuzz-pc", OS: "Ubuntu 24.04", EnrolledAt: now, LastSeen: now},
		CertSerials: []string{sn}, CertExpires: notAfter,
	}
	err = store.Update(ctx, func(tx Tx) error {
		if err := tx.PutTenant(tenant); err != nil {
			return err
		}
		return tx.PutDevice(d)
	})
	if err != nil {
		tb.Fatalf("storing the tenant and device: %v", err)
	}
	srv := NewServer(store, ca, hashSecret("tdm_op_fuzz"), log)
	return &pushRig{
		store:   store,
		handler: srv.Handler(),
		tls:     &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}, VerifiedChains: [][]*x509.Certificate{{cert, ca.Cert}}},
		client:  "device/" + id,
	}
}

func (r *pushRig) highWater(tb testing.TB) uint64 {
	tb.Helper()
	var hw uint64
	err := r.store.View(context.Background(), func(tx Tx) (err error) {
		m, err := tx.Mark(r.client)
		hw = m.Seq
		return err
	})
	if err != nil {
		tb.Fatalf("reading the high-water mark: %v", err)
	}
	return hw
}

func (r *pushRig) push(body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, protocol.PathPush, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(protocol.Header, protocol.Version)
	req.TLS = r.tls
	w := httptest.NewRecorder()
	r.handler.ServeHTTP(w, req)
	return w
}

// Placeholders a fuzz input may hold, replaced before each push with the
// sequence numbers that matter then, so mutated content reaches the apply
// path however far the high-water mark has moved.
var (
	phNext  = []byte("@next@")  // high-water + 1
	phNext2 = []byte("@next2@") // high-water + 2
	phHW    = []byte("@hw@")    // high-water
)

func pushSeeds() []string {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	checkin := func(seq string) string {
		return `{"seq":` + seq + `,"kind":"checkin","checkin":{"at":"` + now + `","agent_version":"1.0.0","uptime_seconds":60,"queued_changes":1}}`
	}
	tk := &msp.Ticket{ID: msp.NewTicketID(), Title: "Printer offline", Description: "Since this morning.",
		Pillar: msp.PillarHelpdesk, Category: "printing", Impact: msp.LevelMedium, Urgency: msp.LevelMedium}
	create, _ := json.Marshal(protocol.Mutation{Seq: 1, Kind: protocol.KindTicket, User: "jane",
		Change: &msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: tk.ID, Ticket: tk, At: time.Now().UTC()}})
	comment, _ := json.Marshal(protocol.Mutation{Seq: 1, Kind: protocol.KindTicket, User: "jane",
		Change: &msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: time.Now().UTC(),
			Comment: &msp.Comment{ID: msp.NewID(), Body: "Still broken."}}})
	status, _ := json.Marshal(protocol.Mutation{Seq: 1, Kind: protocol.KindTicket, User: "jane",
		Change: &msp.Change{ID: msp.NewID(), Kind: msp.ChangeStatus, TicketID: tk.ID, Status: msp.StatusResolved, At: time.Now().UTC()}})
	ok := msp.Check{State: msp.CheckOK, Evidence: "on"}
	inv, _ := json.Marshal(protocol.Mutation{Seq: 1, Kind: protocol.KindInventory, Inventory: &msp.Inventory{
		Hostname: "fuzz-pc", OS: msp.OSInfo{Name: "Ubuntu", Version: "24.04", ID: "ubuntu", Kernel: "6.8.0"},
		CPU: msp.CPU{Model: "x", Cores: 4}, Memory: msp.Memory{TotalBytes: 8 << 30},
		Disks:       []msp.Disk{{Mount: "/", FS: "ext4", TotalBytes: 1 << 40, FreeBytes: 1 << 39, Encrypted: true}},
		Network:     []msp.NetInterface{{Name: "eth0", MAC: "02:00:00:00:00:01", Addresses: []string{"10.0.0.2/24"}, Up: true}},
		Software:    []msp.Software{{Name: "curl", Version: "8.5"}},
		Patches:     msp.PatchState{Pending: []msp.Patch{{Name: "openssl", CandidateVersion: "3.0.14", Security: true}}},
		Posture:     msp.Posture{Firewall: ok, DiskEncryption: ok, AutomaticUpdates: ok, Antivirus: ok},
		CollectedAt: time.Now().UTC(),
	}})
	withSeq := func(m []byte, seq string) string {
		return string(bytes.Replace(m, []byte(`"seq":1,`), []byte(`"seq":`+seq+`,`), 1))
	}
	return []string{
		`{"mutations":[` + checkin("@next@") + `]}`,
		`{"mutations":[` + checkin("@next@") + `,` + checkin("@next2@") + `]}`,
		`{"mutations":[` + withSeq(create, "@next@") + `,` + withSeq(comment, "@next2@") + `]}`,
		`{"mutations":[` + withSeq(status, "@next@") + `]}`,
		`{"mutations":[` + withSeq(inv, "@next@") + `]}`,
		`{"mutations":[` + checkin("@hw@") + `,` + checkin("@next@") + `]}`,   // a duplicate, then new
		`{"mutations":[` + checkin("@next2@") + `]}`,                          // a gap
		`{"mutations":[` + checkin("@next@") + `,` + checkin("@next@") + `]}`, // the same seq twice
		`{"mutations":[` + checkin("18446744073709551615") + `]}`,             // huge seq
		`{"mutations":[` + checkin("18446744073709551616") + `]}`,             // beyond uint64
		`{"mutations":[` + checkin("0") + `]}`,
		`{"mutations":[` + checkin("-1") + `]}`,
		`{"mutations":[` + checkin("1.5") + `]}`,
		`{"mutations":[{"kind":"checkin","checkin":{"at":"` + now + `","agent_version":"1","queued_changes":0}}]}`, // missing seq
		`{"mutations":[{"seq":@next@,"kind":"checkin","checkin":{"at":"` + now + `"},"extra":true}]}`,              // unknown field in a mutation
		`{"mutations":[],"extra":1}`,                                                                               // unknown field in the body
		`{"mutations":[{"seq":@next@,"kind":"teleport"}]}`,
		`{"mutations":[{"seq":@next@,"kind":"checkin","checkin":{},"inventory":{}}]}`,
		`{"mutations":[{"seq":@next@,"kind":"ticket","change":{"kind":"create"}}]}`,
		`{"mutations":[]}`,
		`{"mutations":null}`,
		`{}`,
		`{"mutations":[null]}`,
		`{"mutations":[[]]}`,
		`{"mutations":[{"seq":"1"}]}`,
		`{"mutations":[{"SEQ":@next@,"KIND":"checkin","CheckIn":{"at":"` + now + `","agent_version":"1","queued_changes":0}}]}`,
		`{"mutations":[{"seq":@next@,"seq":@next2@,"kind":"checkin","checkin":{"at":"` + now + `","agent_version":"1","queued_changes":0}}]}`,
		`{"mutations":[]} {"mutations":[]}`,
		`{"mutations":[`,
		`null`,
		``,
		"\x00\xff",
	}
}

// FuzzPushDecode sends arbitrary bodies through the push handler of a real
// hub server and store. Whatever the body, the hub answers below 500 with
// JSON that is either a push answer or an error body; a refused push changes
// nothing, and the high-water mark never goes back.
func FuzzPushDecode(f *testing.F) {
	for _, s := range pushSeeds() {
		f.Add([]byte(s))
	}
	rig := newPushRig(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := rig.highWater(t)
		body = bytes.ReplaceAll(body, phNext2, []byte(strconv.FormatUint(before+2, 10)))
		body = bytes.ReplaceAll(body, phNext, []byte(strconv.FormatUint(before+1, 10)))
		body = bytes.ReplaceAll(body, phHW, []byte(strconv.FormatUint(before, 10)))
		w := rig.push(body)
		after := rig.highWater(t)
		if w.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
		if after < before {
			t.Fatalf("the high-water mark went back from %d to %d", before, after)
		}
		if w.Code != http.StatusOK {
			checkErrorBody(t, w.Code, w.Body.Bytes())
			if after != before {
				t.Fatalf("a refused push (%d) moved the high-water mark from %d to %d", w.Code, before, after)
			}
			return
		}
		checkPushAnswer(t, w.Body.Bytes(), before, after)
	})
}

// checkErrorBody checks that b is exactly {"error": ErrorBody} with a code
// and a message.
func checkErrorBody(t *testing.T, status int, b []byte) {
	t.Helper()
	var e struct {
		Error *protocol.ErrorBody `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("status %d with a body that is not an error body: %v: %s", status, err, b)
	}
	if e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d with an error body without code or message: %s", status, b)
	}
}

// checkPushAnswer checks a 200 answer against the high-water marks before
// and after the push.
func checkPushAnswer(t *testing.T, b []byte, before, after uint64) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("200 with a body that is not a JSON object: %v: %s", err, b)
	}
	if _, ok := raw["high_water"]; !ok {
		t.Fatalf("200 without high_water: %s", b)
	}
	if r, ok := raw["results"]; !ok || string(r) == "null" {
		t.Fatalf("200 without a results array: %s", b)
	}
	var resp protocol.PushResponse
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil {
		t.Fatalf("200 with a body that is not a push answer: %v: %s", err, b)
	}
	if resp.HighWater != after {
		t.Fatalf("the answer says high water %d, the store holds %d", resp.HighWater, after)
	}
	next := before
	for _, r := range resp.Results {
		switch r.Outcome {
		case protocol.Duplicate:
			if r.Seq > next {
				t.Fatalf("seq %d acknowledged as a duplicate above the high-water mark %d", r.Seq, next)
			}
		case protocol.Applied, protocol.Rejected:
			if r.Seq != next+1 {
				t.Fatalf("seq %d %s after %d: out of order", r.Seq, r.Outcome, next)
			}
			next = r.Seq
			if (r.Outcome == protocol.Rejected) != (r.Error != nil) {
				t.Fatalf("result %+v: an error goes with rejected and only with it", r)
			}
		default:
			t.Fatalf("result with unknown outcome %q", r.Outcome)
		}
	}
	if next != after {
		t.Fatalf("results account for seq up to %d, the high-water mark is %d: %s", next, after, b)
	}
}

func TestPushRigRefusesWithoutCertificate(t *testing.T) {
	rig := newPushRig(t)
	req := httptest.NewRequest(http.MethodPost, protocol.PathPush, bytes.NewReader([]byte(`{"mutations":[]}`)))
	w := httptest.NewRecorder()
	rig.handler.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("push without a certificate: status %d, want 401", w.Code)
	}
	// And with it, the same body is a push answer: the rig's certificate is accepted.
	if w := rig.push([]byte(`{"mutations":[]}`)); w.Code != http.StatusOK {
		t.Fatalf("push with the rig's certificate: status %d: %s", w.Code, w.Body)
	}
	body := fmt.Sprintf(`{"mutations":[{"seq":1,"kind":"checkin","checkin":{"at":%q,"agent_version":"1","queued_changes":0}}]}`, time.Now().UTC().Format(time.RFC3339))
	w = rig.push([]byte(body))
	if w.Code != http.StatusOK {
		t.Fatalf("a valid check-in: status %d: %s", w.Code, w.Body)
	}
	checkPushAnswer(t, w.Body.Bytes(), 0, rig.highWater(t))
	if hw := rig.highWater(t); hw != 1 {
		t.Fatalf("high water after one check-in = %d, want 1", hw)
	}
}
