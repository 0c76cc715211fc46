package agent

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// The files attached to a ticket reach the dashboard on demand: the
// replica holds their metadata (msp.Attachment) and StaffAttachment
// fetches the bytes from the hub (GET /v1/blobs/{sha256}?tenant=, which
// admits the tenant's IT lead and technicians) the first time the person
// opens one. It keeps them in the person's keyspace, so they open again
// offline, go with the rest of the replica at sign-out, and go with their
// organisation when it leaves the person's scope:
//
//	staff/<hex os user>/blob/<tenant>/<sha256>      the bytes
//	staff/<hex os user>/blob-at/<tenant>/<sha256>   staffBlobMark
//
// What is kept is capped per person (staffBlobCache): the files fetched
// first are dropped first, and fetched again when opened again online.

// staffBlobCache is how many bytes of fetched attachments one person's
// replica keeps.
const staffBlobCache = 256 << 20

// staffBlobFetch bounds a fetch of one attachment from the hub: the
// largest file at 128 kbit/s, and a margin.
const staffBlobFetch = time.Duration(protocol.MaxBlobBytes/(16<<10))*time.Second + time.Minute

// staffBlobMark records a kept attachment.
type staffBlobMark struct {
	Size      int64     `json:"size"`
	FetchedAt time.Time `json:"fetched_at"`
}

func staffBlobName(tenant, sum string) string { return tenant + "/" + sum }

// StaffAttachment returns attachment att of ticket id in the person's
// scope with its bytes: kept on this computer when it was opened here
// before, else fetched from the hub and kept. Offline and never fetched, the error wraps
// localapi.ErrHubUnreachable; a file the hub has not got (yet) wraps
// msp.ErrNotFound.
func (a *Agent) StaffAttachment(ctx context.Context, user, id, att string) (localapi.AttachmentFile, error) {
	s, err := a.loadStaffSession(user)
	if err != nil {
		return localapi.AttachmentFile{}, err
	}
	var t msp.Ticket
	err = a.db.View(func(tx *localdb.Tx) error { return tx.GetJSON(staffKey(user, "ticket/"+id), &t) })
	if errors.Is(err, localdb.ErrNotFound) || (err == nil && !slices.Contains(s.Tenants, t.Tenant)) {
		return localapi.AttachmentFile{}, fmt.Errorf("%w: ticket %s is not in your organisations (or not synced yet)", msp.ErrNotFound, id)
	}
	if err != nil {
		return localapi.AttachmentFile{}, fmt.Errorf("reading ticket %s: %w", id, err)
	}
	i := slices.IndexFunc(t.Attachments, func(x msp.Attachment) bool { return x.ID == att })
	if i < 0 {
		return localapi.AttachmentFile{}, fmt.Errorf("%w: ticket %s has no attached file %s", msp.ErrNotFound, msp.TicketNumber(id), att)
	}
	meta := t.Attachments[i]
	if !protocol.ValidBlobID(meta.SHA256) {
		return localapi.AttachmentFile{}, fmt.Errorf("%w: the attached file %q names no valid checksum", msp.ErrNotFound, meta.Name)
	}
	out := localapi.AttachmentFile{Attachment: meta}
	name := staffBlobName(t.Tenant, meta.SHA256)
	err = a.db.View(func(tx *localdb.Tx) error {
		var err error
		out.Data, err = tx.Get(staffKey(user, "blob/"+name))
		return err
	})
	switch {
	case err == nil:
		return out, nil
	case !errors.Is(err, localdb.ErrNotFound):
		return out, fmt.Errorf("reading the attached file %q: %w", meta.Name, err)
	}

	fctx, cancel := context.WithTimeout(ctx, staffBlobFetch)
	data, err := a.staffGetRaw(fctx, s, protocol.BlobPath(meta.SHA256)+"?"+url.Values{"tenant": {t.Tenant}}.Encode(), protocol.MaxBlobBytes)
	cancel()
	switch {
	case errors.Is(err, localapi.ErrHubUnreachable):
		return out, fmt.Errorf("%q has not been opened on this computer before, and %w; open it again once this computer is online", meta.Name, localapi.ErrHubUnreachable)
	case errors.Is(err, msp.ErrNotFound):
		return out, fmt.Errorf("%w: the hub does not have %q (yet): the computer it was attached on may not have sent it, or the hub refused it", msp.ErrNotFound, meta.Name)
	case err != nil:
		return out, fmt.Errorf("fetching the attached file %q: %w", meta.Name, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != meta.SHA256 {
		return out, fmt.Errorf("the hub sent other bytes than %q was attached with (checksum mismatch); try again", meta.Name)
	}
	out.Data = data
	if err := a.keepStaffBlob(ctx, user, name, data, staffBlobCache); err != nil {
		// The file is here to open now; it is fetched again next time.
		a.log.Warn("could not keep an attached file for offline use", "os_user", user, "ticket", id, "name", meta.Name, "err", err)
	}
	return out, nil
}

// keepStaffBlob keeps a fetched attachment in the person's replica, and
// drops the files fetched first while the replica keeps more than limit
// bytes of them.
func (a *Agent) keepStaffBlob(ctx context.Context, user, name string, data []byte, limit int64) error {
	if int64(len(data)) > limit {
		return fmt.Errorf("the file is larger than the %d MB kept for offline use", limit>>20)
	}
	now := a.now().UTC()
	return a.db.Update(ctx, func(tx *localdb.Tx) error {
		if ok, err := tx.Has(staffKey(user, "session")); err != nil || !ok {
			return cmp.Or(err, localapi.ErrNotSignedIn) // signed out meanwhile: keep nothing
		}
		type kept struct {
			name string
			staffBlobMark
		}
		var all []kept
		total := int64(len(data))
		prefix := staffKey(user, "blob-at/")
		if err := tx.Scan(prefix, nil, func(k, v []byte) error {
			var m staffBlobMark
			if err := json.Unmarshal(v, &m); err != nil {
				m = staffBlobMark{} // dropped first
			}
			n := string(k[len(prefix):])
			if n != name {
				all = append(all, kept{n, m})
				total += m.Size
			}
			return nil
		}); err != nil {
			return err
		}
		slices.SortFunc(all, func(x, y kept) int {
			return cmp.Or(x.FetchedAt.Compare(y.FetchedAt), strings.Compare(x.name, y.name))
		})
		for _, k := range all {
			if total <= limit {
				break
			}
			for _, key := range [][]byte{staffKey(user, "blob/"+k.name), staffKey(user, "blob-at/"+k.name)} {
				if err := tx.Delete(key); err != nil {
					return err
				}
			}
			total -= k.Size
		}
		if err := tx.Put(staffKey(user, "blob/"+name), data); err != nil {
			return err
		}
		return tx.PutJSON(staffKey(user, "blob-at/"+name), staffBlobMark{Size: int64(len(data)), FetchedAt: now})
	})
}
