package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
//	blob/<sha256>        the bytes, until the hub has them
//	blob-sent/<sha256>   blobMark: the hub has them (or refused them for good)
const (
	spaceBlob     = "blob"
	spaceBlobSent = "blob-sent"
)

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

// storeBlobs keeps the files' bytes in tx and checks that every attachment
// the change names has its bytes here or already at the hub.
func storeBlobs(tx *localdb.Tx, c msp.Change, files []localapi.File) error {
	have := map[string]bool{}
	for _, f := range files {
		have[f.SHA256] = true
		k := localdb.Key(spaceBlob, f.SHA256)
		if ok, err := tx.Has(k); err != nil {
			return fmt.Errorf("looking for an attachment: %w", err)
		} else if ok {
			continue
		}
		if err := tx.Put(k, f.Data); err != nil {
			return fmt.Errorf("saving an attachment: %w", err)
		}
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
	return nil
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
			if err := a.markBlob(ctx, at.SHA256, blobMark{At: a.now().UTC(), Refused: "the bytes were missing on the device"}, false); err != nil {
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
			a.log.Warn("the hub refused an attachment; the ticket goes without it", "name", at.Name, "status", he.Status, "reason", he.Error())
			if err := a.markBlob(ctx, at.SHA256, blobMark{At: a.now().UTC(), Size: int64(len(data)), Refused: he.Error()}, false); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("sending the attachment %q: %w", at.Name, err)
		}
		if err := a.markBlob(ctx, at.SHA256, blobMark{At: a.now().UTC(), Size: resp.Size}, true); err != nil {
			return err
		}
	}
	return nil
}

// markBlob records what became of a blob; drop removes the bytes (the hub
// has them).
func (a *Agent) markBlob(ctx context.Context, sum string, m blobMark, drop bool) error {
	err := a.db.Update(ctx, func(tx *localdb.Tx) error {
		if err := tx.PutJSON(localdb.Key(spaceBlobSent, sum), m); err != nil {
			return err
		}
		if drop {
			return tx.Delete(localdb.Key(spaceBlob, sum))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording a sent attachment: %w", err)
	}
	return nil
}

// Blob returns the bytes of an attachment while they are kept on this
// computer (until the hub has them).
func (a *Agent) Blob(sum string) ([]byte, error) {
	var data []byte
	err := a.db.View(func(tx *localdb.Tx) error {
		var err error
		data, err = tx.Get(localdb.Key(spaceBlob, sum))
		return err
	})
	return data, err
}
