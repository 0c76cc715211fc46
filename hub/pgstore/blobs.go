package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tandem/hub"
)

// PutBlob implements hub.BlobStore: the quota check and the keeping are
// one SERIALIZABLE transaction, so uploads at once cannot pass a quota
// together (the counters are rows both would write).
func (s *Store) PutBlob(ctx context.Context, tenant string, meta hub.BlobMeta, data []byte, q hub.BlobQuota) (bool, error) {
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return false, fmt.Errorf("keeping an attachment: %w", err)
	}
	created := false
	err = s.Update(ctx, func(htx hub.Tx) error {
		created = false
		t := htx.(*tx)
		var has bool
		if err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM blobs WHERE tenant = $1 AND sha256 = $2)`, tenant, meta.SHA256).Scan(&has); err != nil || has {
			return err
		}
		n := int64(len(data))
		for _, c := range []struct {
			uploader string
			limit    int64
		}{{meta.By, q.Uploader}, {"", q.Tenant}} {
			var used int64
			err := t.tx.QueryRow(t.ctx, `SELECT bytes FROM blob_usage WHERE tenant = $1 AND uploader = $2`, tenant, c.uploader).Scan(&used)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if c.limit > 0 && used+n > c.limit {
				return &hub.QuotaError{Uploader: c.uploader != "", Used: used, Limit: c.limit}
			}
			if _, err := t.tx.Exec(t.ctx, `INSERT INTO blob_usage (tenant, uploader, bytes) VALUES ($1, $2, $3)
				ON CONFLICT (tenant, uploader) DO UPDATE SET bytes = EXCLUDED.bytes`, tenant, c.uploader, used+n); err != nil {
				return err
			}
		}
		if _, err := t.tx.Exec(t.ctx, `INSERT INTO blobs (tenant, sha256, meta, data) VALUES ($1, $2, $3, $4)`,
			tenant, meta.SHA256, string(metaJSON), data); err != nil {
			return err
		}
		created = true
		return nil
	})
	var qe *hub.QuotaError
	if errors.As(err, &qe) {
		return false, qe
	}
	if err != nil {
		return false, fmt.Errorf("keeping an attachment: %w", err)
	}
	return created, nil
}

// Blob implements hub.BlobStore.
func (s *Store) Blob(ctx context.Context, tenant, sum string) (hub.BlobMeta, []byte, error) {
	var meta hub.BlobMeta
	var raw, data []byte
	err := s.pool.QueryRow(ctx, `SELECT meta, data FROM blobs WHERE tenant = $1 AND sha256 = $2`, tenant, sum).Scan(&raw, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return meta, nil, hub.ErrNotFound
	}
	if err != nil {
		return meta, nil, fmt.Errorf("reading an attachment: %w", err)
	}
	return meta, data, decode("attachment record "+sum, raw, &meta)
}
