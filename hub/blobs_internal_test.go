package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"tandem/localdb"
)

// A store written before the hub counted attachments holds files but no
// counts: the hub counts them once when it opens the store, and the
// quotas hold from there.
func TestBlobCountsOfAnOlderStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := OpenBadgerStore(ctx, dir, localdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	file := func(n int) (BlobMeta, []byte) {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		return BlobMeta{SHA256: hex.EncodeToString(sum[:]), Size: int64(n), MediaType: "image/png", By: "device/d1"}, b
	}
	meta, data := file(600 << 10)
	if _, err := st.PutBlob(ctx, "acme", meta, data, BlobQuota{}); err != nil {
		t.Fatal(err)
	}
	// What an older hub left: the files, no counters, no marker.
	err = st.db.Update(ctx, func(tx *localdb.Tx) error {
		return errors.Join(tx.Delete(localdb.Key(localdb.SpaceCounter, ctrBlobs+"/acme")),
			tx.Delete(localdb.Key(localdb.SpaceCounter, ctrBlobs+"/acme/device/d1")),
			tx.Delete(k(spMeta, "blob-usage")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err = OpenBadgerStore(ctx, dir, localdb.Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	meta, data = file(600 << 10)
	var qe *QuotaError
	if _, err := st.PutBlob(ctx, "acme", meta, data, BlobQuota{Uploader: 1000 << 10}); !errors.As(err, &qe) || !qe.Uploader || qe.Used != 600<<10 {
		t.Fatalf("over the device's quota with a file an older hub kept: %v %+v", err, qe)
	}
	if _, err := st.PutBlob(ctx, "acme", meta, data, BlobQuota{Tenant: 1000 << 10}); !errors.As(err, &qe) || qe.Uploader || qe.Used != 600<<10 {
		t.Fatalf("over the tenant's quota with a file an older hub kept: %v %+v", err, qe)
	}
	meta.By = "device/d2"
	if _, err := st.PutBlob(ctx, "acme", meta, data, BlobQuota{Uploader: 1000 << 10, Tenant: 1300 << 10}); err != nil {
		t.Fatalf("another device's file under both quotas: %v", err)
	}
}
