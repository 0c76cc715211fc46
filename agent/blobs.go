package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// Attachments travel beside the outbox, not in it: a ticket change carries
// only their metadata (msp.Attachment), and the bytes are kept here under
// their SHA-256 until the hub has them. Before a batch is pushed, every
// file its changes name is uploaded (PUT /v1/blobs/{sha256}, idempotent),
// so the hub never sees a ticket whose files it has not got. The bytes are
// written in the transaction that queues the change, so they survive
// going offline, a restart and kill -9 exactly as the change does.
//
// What is kept waiting is capped per OS user and for the device
// (Options.UserAttachmentQuota, DeviceAttachmentQuota), so that one person
// cannot fill the disk up to the store's reserve, after which nobody's
// tickets or check-ins could be saved. The counts are kept in the store,
// in the transaction that keeps or drops the bytes, and recounted from
// the owner records when the agent opens. A file kept once (the same
// bytes twice, or by two people) counts once for the device and once for
// each person who attached it.
//
//	blob/<sha256>               the bytes, until the hub has them
//	blob-sent/<sha256>          blobMark: the hub has them (or refused them for good)
//	blob-owner/<sha256>         blobOwners: their size and the users they count for
//	counter/blob-bytes          bytes kept under blob/ with an owner record
//	counter/blob-bytes/<user>   of those, the bytes that count for the user
const (
	spaceBlob      = "blob"
	spaceBlobSent  = "blob-sent"
	spaceBlobOwner = "blob-owner"
	counterBlobs   = "blob-bytes"
)

// Default attachment quotas: the bytes of files waiting for the hub that
// one OS user, and the whole device, may have kept at once. A ticket takes
// at most localapi.MaxUpload (10 MB), so a person can raise ten tickets
// with full attachments while offline.
const (
	DefaultUserAttachmentQuota   = 100 << 20
	DefaultDeviceAttachmentQuota = 500 << 20
)

// userCounter names the counter of the bytes that count for user.
func userCounter(user string) string { return counterBlobs + "/" + user }

// blobOwners records whom a kept file counts for.
type blobOwners struct {
	Size  int64    `json:"size"`
	Users []string `json:"users,omitempty"`
}

// blobMark records what became of a blob.
type blobMark struct {
	At      time.Time `json:"at"`
	Size    int64     `json:"size"`
	Refused string    `json:"refused,omitempty"` // the hub's reason, if it refused them for good
}

// attachmentsOf lists the attachments a change names.
func attachmentsOf(c msp.Change) []msp.Attachment {
	switch {
	case c.Kind == msp.ChangeCreate && c.Ticket != nil:
		return c.Ticket.Attachments
	case c.Kind == msp.ChangeAttach && c.Attachment != nil:
		return []msp.Attachment{*c.Attachment}
	}
	return nil
}

// checkFiles checks that each file's bytes hash to its name and that each
// file belongs to an attachment of the change, with the same size.
func checkFiles(c msp.Change, files []localapi.File) error {
	named := map[string]int64{}
	for _, at := range attachmentsOf(c) {
		named[at.SHA256] = at.Size
	}
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			return fmt.Errorf("an attached file does not match its checksum %.12s…; attach it again", f.SHA256)
		}
		size, ok := named[f.SHA256]
		if !ok {
			return fmt.Errorf("an attached file (%.12s…) is not named by the ticket; attach it again", f.SHA256)
		}
		if size != int64(len(f.Data)) {
			return fmt.Errorf("an attached file is %d bytes but the ticket says %d; attach it again", len(f.Data), size)
		}
	}
	return nil
}

// quotas are the attachment quotas of an agent, in bytes.
type quotas struct{ user, device int64 }

// storeBlobs keeps the files' bytes in tx for user, counting them against
// the quotas, and checks that every attachment the change names has its
// bytes here or already at the hub. Bytes the hub has already are not
// kept again. Files that would take the user or the device over its quota
// are refused with a *localapi.QuotaError, and nothing is kept.
func storeBlobs(tx *localdb.Tx, user string, c msp.Change, files []localapi.File, q quotas) error {
	have := map[string]bool{}
	var forUser, forDevice, asked int64
	for _, f := range files {
		if have[f.SHA256] {
			continue
		}
		have[f.SHA256] = true
		u, d, err := keepBlob(tx, user, f)
		if err != nil {
			return err
		}
		forUser, forDevice, asked = forUser+u, forDevice+d, asked+int64(len(f.Data))
	}
	for _, at := range attachmentsOf(c) {
		if have[at.SHA256] {
			continue
		}
		kept, err := tx.Has(localdb.Key(spaceBlob, at.SHA256))
		if err == nil && !kept {
			kept, err = tx.Has(localdb.Key(spaceBlobSent, at.SHA256))
		}
		if err != nil {
			return fmt.Errorf("looking for an attachment: %w", err)
		}
		if !kept {
			return fmt.Errorf("%w: the bytes of %q were not given; attach the file again", msp.ErrInvalid, at.Name)
		}
	}
	if err := charge(tx, userCounter(user), forUser, q.user, func(used int64) string {
		return fmt.Sprintf("this computer already keeps %s of your attached files waiting to be sent to IT support, "+
			"and these %s would take you over the %s each person may have waiting. The files leave this computer once they reach IT support: "+
			"connect to the network and wait for your tickets to be sent, or raise this one without the files and share them by a link",
			size(used), size(asked), size(q.user))
	}); err != nil {
		return err
	}
	return charge(tx, counterBlobs, forDevice, q.device, func(used int64) string {
		return fmt.Sprintf("this computer already keeps %s of attached files waiting to be sent to IT support for its users, "+
			"and these %s would take it over its limit of %s. The files leave this computer once they reach IT support: "+
			"connect to the network and wait for the tickets to be sent, or raise this one without the files and share them by a link",
			size(used), size(asked), size(q.device))
	})
}

// charge adds n bytes to the quota counter and refuses, with the words
// refusal gives for what was used before, when that takes it over limit.
// The transaction's caller rolls the addition back with the refusal.
func charge(tx *localdb.Tx, counter string, n, limit int64, refusal func(used int64) string) error {
	if n <= 0 {
		return nil
	}
	used, err := addCount(tx, counter, n)
	if err != nil {
		return err
	}
	if used > limit {
		return &localapi.QuotaError{Message: refusal(used - n)}
	}
	return nil
}

// keepBlob keeps f's bytes for user unless the hub has them, and returns
// the bytes that now count for the user and for the device besides what
// counted before.
func keepBlob(tx *localdb.Tx, user string, f localapi.File) (forUser, forDevice int64, err error) {
	k := localdb.Key(spaceBlob, f.SHA256)
	kept, err := tx.Has(k)
	if err != nil {
		return 0, 0, fmt.Errorf("looking for an attachment: %w", err)
	}
	if !kept {
		var m blobMark
		switch err := tx.GetJSON(localdb.Key(spaceBlobSent, f.SHA256), &m); {
		case err == nil && m.Refused == "":
			return 0, 0, nil // the hub has them: the change names them, the bytes need not wait here
		case err == nil:
			// The hub refused them for good once; this is a new try.
			if err := tx.Delete(localdb.Key(spaceBlobSent, f.SHA256)); err != nil {
				return 0, 0, fmt.Errorf("saving an attachment: %w", err)
			}
		case !errors.Is(err, localdb.ErrNotFound):
			return 0, 0, fmt.Errorf("looking for an attachment: %w", err)
		}
		if err := tx.Put(k, f.Data); err != nil {
			return 0, 0, fmt.Errorf("saving an attachment: %w", err)
		}
	}
	own := blobOwners{Size: int64(len(f.Data))}
	ok := localdb.Key(spaceBlobOwner, f.SHA256)
	switch err := tx.GetJSON(ok, &own); {
	case errors.Is(err, localdb.ErrNotFound):
		forDevice = own.Size // kept now, or kept without a record: it counts from now on
	case err != nil:
		return 0, 0, fmt.Errorf("reading whom an attachment counts for: %w", err)
	}
	if slices.Contains(own.Users, user) {
		return 0, 0, nil // counted already (a record exists, so for the device too)
	}
	own.Users = append(own.Users, user)
	forUser = own.Size
	if err := tx.PutJSON(ok, own); err != nil {
		return 0, 0, fmt.Errorf("saving whom an attachment counts for: %w", err)
	}
	return forUser, forDevice, nil
}

// addCount adds n (which may be negative) to the counter called name, at
// least zero, and returns its new value.
func addCount(tx *localdb.Tx, name string, n int64) (int64, error) {
	c, err := tx.Counter(name)
	if err != nil {
		return 0, fmt.Errorf("counting kept attachments: %w", err)
	}
	v := max(int64(c)+n, 0)
	if err := tx.SetCounter(name, uint64(v)); err != nil {
		return 0, fmt.Errorf("counting kept attachments: %w", err)
	}
	return v, nil
}

// dropBlob removes a file's bytes and its owner record, and takes it off
// the counts of the users and the device it counted for.
func dropBlob(tx *localdb.Tx, sum string) error {
	var own blobOwners
	err := tx.GetJSON(localdb.Key(spaceBlobOwner, sum), &own)
	switch {
	case err == nil:
		for _, u := range own.Users {
			if _, err := addCount(tx, userCounter(u), -own.Size); err != nil {
				return err
			}
		}
		if _, err := addCount(tx, counterBlobs, -own.Size); err != nil {
			return err
		}
		if err := tx.Delete(localdb.Key(spaceBlobOwner, sum)); err != nil {
			return err
		}
	case !errors.Is(err, localdb.ErrNotFound):
		return fmt.Errorf("reading whom an attachment counts for: %w", err)
	}
	return tx.Delete(localdb.Key(spaceBlob, sum))
}

// size writes a byte count for people: "4.2 MB".
func size(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
}

// blobsToSend lists the files the batch's changes name that the hub does
// not have yet, in order, each once.
func (a *Agent) blobsToSend(batch []json.RawMessage) ([]msp.Attachment, error) {
	var out []msp.Attachment
	seen := map[string]bool{}
	err := a.db.View(func(tx *localdb.Tx) error {
		for _, raw := range batch {
			if !bytes.Contains(raw, []byte(`"sha256"`)) {
				continue // no attachment in it: skip decoding
			}
			var m protocol.Mutation
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("a queued change is damaged: %w", err)
			}
			if m.Change == nil {
				continue
			}
			for _, at := range attachmentsOf(*m.Change) {
				if seen[at.SHA256] {
					continue
				}
				seen[at.SHA256] = true
				sent, err := tx.Has(localdb.Key(spaceBlobSent, at.SHA256))
				if err != nil {
					return err
				}
				if !sent {
					out = append(out, at)
				}
			}
		}
		return nil
	})
	return out, err
}

// sendBlobs uploads the files the batch needs. A network failure or a
// hub's 5xx returns an error (the push waits and retries); a refusal for
// good is recorded, logged, and does not hold up the queue.
func (a *Agent) sendBlobs(ctx context.Context, conn *client.Conn, batch []json.RawMessage) error {
	todo, err := a.blobsToSend(batch)
	if err != nil || len(todo) == 0 {
		return err
	}
	for _, at := range todo {
		var data []byte
		err := a.db.View(func(tx *localdb.Tx) error {
			var err error
			data, err = tx.Get(localdb.Key(spaceBlob, at.SHA256))
			return err
		})
		if errors.Is(err, localdb.ErrNotFound) {
			a.log.Warn("an attachment's bytes are missing on this computer; the ticket goes without them", "name", at.Name, "sha256", at.SHA256)
			if err := a.markBlob(ctx, at.SHA256, blobMark{At: a.now().UTC(), Refused: "the bytes were missing on the device"}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("reading an attachment: %w", err)
		}
		// Time for a slow uplink: 16 KB/s (128 kbit/s) and two minutes.
		uctx, cancel := context.WithTimeout(ctx, 2*time.Minute+time.Duration(len(data)/(16<<10))*time.Second)
		resp, err := conn.PutBlob(uctx, at.SHA256, at.MediaType, data)
		cancel()
		var he *client.HTTPError
		if errors.As(err, &he) && he.Permanent() {
			a.log.Warn("the hub refused an attachment; the ticket goes without it, and its bytes are removed from this computer", "name", at.Name, "status", he.Status, "reason", he.Error())
			if err := a.markBlob(ctx, at.SHA256, blobMark{At: a.now().UTC(), Size: int64(len(data)), Refused: he.Error()}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("sending the attachment %q: %w", at.Name, err)
		}
		if err := a.markBlob(ctx, at.SHA256, blobMark{At: a.now().UTC(), Size: resp.Size}); err != nil {
			return err
		}
	}
	return nil
}

// markBlob records what became of a blob and drops its bytes: the hub has
// them, refused them for good (the ticket goes without them; attaching
// the file again tries again), or they were missing. Either way they no
// longer count against the quotas.
func (a *Agent) markBlob(ctx context.Context, sum string, m blobMark) error {
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := tx.PutJSON(localdb.Key(spaceBlobSent, sum), m); err != nil {
			return err
		}
		return dropBlob(tx, sum)
	})
	if err != nil {
		return fmt.Errorf("recording a sent attachment: %w", err)
	}
	return nil
}

// Blob returns the bytes of an attachment while they are kept on this
// computer (until the hub has them or refuses them).
func (a *Agent) Blob(sum string) ([]byte, error) {
	var data []byte
	err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		data, err = tx.Get(localdb.Key(spaceBlob, sum))
		return err
	})
	return data, err
}

// blobRecount is what recountBlobs found, and what the counts should be.
type blobRecount struct {
	orphans map[string]blobOwners // kept without an owner record: the record to write
	dead    []string              // kept, though the hub has them or refused them for good
	stale   []string              // an owner record without bytes
	want    map[string]uint64     // counter name → the sum of the records
	have    map[string]uint64     // counter name → the stored value
}

func (p blobRecount) changes() bool {
	return len(p.orphans) > 0 || len(p.dead) > 0 || len(p.stale) > 0 || !maps.Equal(p.want, p.have)
}

// recountBlobs makes the attachment counts agree with the store when the
// agent opens: a file kept without an owner record (by an agent older than
// the quotas) gets one and counts for the users whose queued changes name
// it, bytes the hub already has or refused for good are dropped, and the
// counters are set to the sums of the records. It writes only when
// something differs, so that a full disk does not stop the agent from
// starting.
func (a *Agent) recountBlobs(ctx context.Context) error {
	var p blobRecount
	if err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		p, err = a.planRecount(tx)
		return err
	}); err != nil || !p.changes() {
		return err
	}
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		p, err := a.planRecount(tx)
		if err != nil {
			return err
		}
		for _, sum := range p.stale {
			if err := tx.Delete(localdb.Key(spaceBlobOwner, sum)); err != nil {
				return err
			}
		}
		for _, sum := range p.dead {
			if err := dropBlob(tx, sum); err != nil {
				return err
			}
		}
		for sum, own := range p.orphans {
			if err := tx.PutJSON(localdb.Key(spaceBlobOwner, sum), own); err != nil {
				return err
			}
		}
		for name := range p.have {
			if _, ok := p.want[name]; !ok {
				if err := tx.Delete(localdb.Key(localdb.SpaceCounter, name)); err != nil {
					return err
				}
			}
		}
		for name, n := range p.want {
			if err := tx.SetCounter(name, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recounting the kept attachments: %w", err)
	}
	if len(p.orphans) > 0 || len(p.dead) > 0 {
		a.log.Info("recounted the attachments kept on this computer", "counted", len(p.orphans), "dropped", len(p.dead))
	}
	return nil
}

// planRecount reads what recountBlobs must do in tx.
func (a *Agent) planRecount(tx *localdb.Tx) (blobRecount, error) {
	p := blobRecount{orphans: map[string]blobOwners{}, want: map[string]uint64{}, have: map[string]uint64{}}
	kept := map[string]bool{}
	blobs := localdb.Prefix(spaceBlob)
	if err := tx.ScanKeys(blobs, nil, func(k []byte) error {
		sum := string(k[len(blobs):])
		sent, err := tx.Has(localdb.Key(spaceBlobSent, sum))
		if err != nil || sent {
			p.dead = append(p.dead, sum)
			return err
		}
		kept[sum] = true
		return nil
	}); err != nil {
		return p, err
	}
	records := map[string]blobOwners{}
	owners := localdb.Prefix(spaceBlobOwner)
	if err := tx.Scan(owners, nil, func(k, v []byte) error {
		sum := string(k[len(owners):])
		var own blobOwners
		if err := json.Unmarshal(v, &own); err != nil || !kept[sum] {
			p.stale = append(p.stale, sum) // a damaged record is made again below
			return nil
		}
		records[sum] = own
		return nil
	}); err != nil {
		return p, err
	}
	for sum := range kept {
		if _, ok := records[sum]; ok {
			continue
		}
		data, err := tx.Get(localdb.Key(spaceBlob, sum))
		if err != nil {
			return p, err
		}
		p.orphans[sum] = blobOwners{Size: int64(len(data))}
	}
	if len(p.orphans) > 0 {
		if err := a.ob.Pending(tx, func(m protocol.Mutation) error {
			if m.Change == nil {
				return nil
			}
			for _, at := range attachmentsOf(*m.Change) {
				own, ok := p.orphans[at.SHA256]
				if ok && !slices.Contains(own.Users, m.User) {
					own.Users = append(own.Users, m.User)
					p.orphans[at.SHA256] = own
				}
			}
			return nil
		}); err != nil {
			return p, err
		}
	}
	for _, rs := range []map[string]blobOwners{records, p.orphans} {
		for _, own := range rs {
			p.want[counterBlobs] += uint64(own.Size)
			for _, u := range own.Users {
				p.want[userCounter(u)] += uint64(own.Size)
			}
		}
	}
	counters := localdb.Key(localdb.SpaceCounter, counterBlobs)
	err := tx.ScanKeys(counters, nil, func(k []byte) error {
		name := string(k[len(localdb.Prefix(localdb.SpaceCounter)):])
		n, err := tx.Counter(name)
		p.have[name] = n
		return err
	})
	return p, err
}
