package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tandem/localdb"
	"tandem/sync/protocol"
)

// Attachments (blobs) are the bytes of files attached to tickets, kept per
// tenant and named by their SHA-256: a ticket carries only their metadata
// (msp.Attachment). Devices upload them before the ticket change that
// names them; operators and the tenant's IT lead or technicians read them.
//
//	PUT /v1/blobs/{sha256}           device certificate (mTLS), or a signed-in
//	                                 person's token with ?tenant=ID when they
//	                                 serve several tenants; the bytes as the body
//	GET /v1/blobs/{sha256}?tenant=ID operator credential, or a signed-in IT
//	                                 lead or technician of that tenant
//
// Uploads are size-capped (protocol.MaxBlobBytes), the bytes must hash to
// the name, and sending the same bytes again is harmless (200, not 201).
// What one device (or signed-in person) uploads, and what a tenant keeps
// in all, are capped too (BlobQuota): without a cap one ordinary user on
// one computer could fill the hub's disk up to its reserve, after which no
// tenant's tickets or check-ins could be saved. A file counts once, for
// the tenant and for whoever uploaded it first; sending it again counts
// nothing.
//
// Keys in the embedded store:
//
//	h-blob/<tenant>/<sha256>          the bytes
//	h-blobmeta/<tenant>/<sha256>      BlobMeta
//	counter/blob-bytes/<tenant>       the bytes the tenant keeps
//	counter/blob-bytes/<tenant>/<by>  of those, the bytes BlobMeta.By uploaded
//	h-meta/blob-usage                 present once the counters are complete
const (
	spBlob     = "h-blob"
	spBlobMeta = "h-blobmeta"
	ctrBlobs   = "blob-bytes"
)

// DefaultDeviceAttachmentQuota is how many bytes of attached files one
// device (or one signed-in person) may have the hub keep, when the hub's
// Config names no quota: 2 GiB. The tenant's own quota is
// msp.Tenant.AttachmentQuota (msp.DefaultAttachmentQuota, 20 GiB).
const DefaultDeviceAttachmentQuota = 2 << 30

// BlobQuota is what PutBlob may keep, in bytes: for the tenant in all, and
// for the uploader (BlobMeta.By). Zero or less is no limit.
type BlobQuota struct {
	Tenant, Uploader int64
}

// QuotaError refuses a file that would take the uploader (Uploader true)
// or the tenant over its quota. Used is what counted before the file.
type QuotaError struct {
	Uploader    bool
	Used, Limit int64
}

func (e *QuotaError) Error() string {
	who := "the tenant"
	if e.Uploader {
		who = "the uploader"
	}
	return fmt.Sprintf("%s keeps %d bytes of attachments; the quota is %d", who, e.Used, e.Limit)
}

// blobReadTime is how long an upload may take: MaxBlobBytes at 16 KB/s
// (128 kbit/s), plus a minute.
const blobReadTime = time.Duration(protocol.MaxBlobBytes/(16<<10))*time.Second + time.Minute

// BlobMeta is what the hub records about a blob.
type BlobMeta struct {
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	MediaType  string    `json:"media_type"`
	UploadedAt time.Time `json:"uploaded_at"`
	// By is who uploaded it first: "device/<id>" or "user/<id>".
	By string `json:"by"`
}

// BlobStore is what a Store must offer to keep attachments. The embedded
// store implements it; a store without it answers 501 on the blob routes.
// Both methods are safe for concurrent use; PutBlob is idempotent.
type BlobStore interface {
	// PutBlob keeps data under meta.SHA256 for tenant unless it is kept
	// already; created reports whether it was new. A new file that would
	// take the tenant or meta.By over q is not kept: the error is a
	// *QuotaError. The check and the keeping are one transaction, so
	// uploads at once cannot pass a quota together.
	PutBlob(ctx context.Context, tenant string, meta BlobMeta, data []byte, q BlobQuota) (created bool, err error)
	// Blob returns a kept blob, or ErrNotFound.
	Blob(ctx context.Context, tenant, sum string) (BlobMeta, []byte, error)
}

var _ BlobStore = (*BadgerStore)(nil)

// PutBlob implements BlobStore.
func (s *BadgerStore) PutBlob(ctx context.Context, tenant string, meta BlobMeta, data []byte, q BlobQuota) (bool, error) {
	created := false
	err := s.db.Update(ctx, func(tx *localdb.Tx) error {
		created = false
		has, err := tx.Has(k(spBlobMeta, tenant, meta.SHA256))
		if err != nil || has {
			return err
		}
		n := int64(len(data))
		for _, c := range []struct {
			name     string
			limit    int64
			uploader bool
		}{{ctrBlobs + "/" + tenant + "/" + meta.By, q.Uploader, true}, {ctrBlobs + "/" + tenant, q.Tenant, false}} {
			used, err := tx.Counter(c.name)
			if err != nil {
				return err
			}
			if c.limit > 0 && int64(used)+n > c.limit {
				return &QuotaError{Uploader: c.uploader, Used: int64(used), Limit: c.limit}
			}
			if err := tx.SetCounter(c.name, used+uint64(n)); err != nil {
				return err
			}
		}
		if err := tx.Put(k(spBlob, tenant, meta.SHA256), data); err != nil {
			return err
		}
		created = true
		return tx.PutJSON(k(spBlobMeta, tenant, meta.SHA256), meta)
	})
	var qe *QuotaError
	if errors.As(err, &qe) {
		return false, qe
	}
	if err != nil {
		return false, fmt.Errorf("keeping an attachment: %w", err)
	}
	return created, nil
}

// countBlobs sets the attachment counters of a store written before the
// hub kept them, once: it sums the sizes the blob records name.
func (s *BadgerStore) countBlobs(ctx context.Context) error {
	marker := k(spMeta, "blob-usage")
	done := false
	sums := map[string]uint64{}
	if err := s.db.View(func(tx *localdb.Tx) error {
		switch has, err := tx.Has(marker); {
		case err != nil:
			return err
		case has:
			done = true
			return nil
		}
		prefix := localdb.Prefix(spBlobMeta)
		return tx.Scan(prefix, nil, func(key, v []byte) error {
			var meta BlobMeta
			if err := json.Unmarshal(v, &meta); err != nil {
				return fmt.Errorf("%w: the attachment record %s: %v", localdb.ErrCorrupt, key, err)
			}
			tenant, _, ok := strings.Cut(string(key[len(prefix):]), "/")
			if !ok {
				return nil
			}
			sums[ctrBlobs+"/"+tenant] += uint64(meta.Size)
			sums[ctrBlobs+"/"+tenant+"/"+meta.By] += uint64(meta.Size)
			return nil
		})
	}); err != nil || done {
		return err
	}
	return s.db.Update(ctx, func(tx *localdb.Tx) error {
		for name, n := range sums {
			if err := tx.SetCounter(name, n); err != nil {
				return err
			}
		}
		return tx.Put(marker, []byte{1})
	})
}

// Blob implements BlobStore.
func (s *BadgerStore) Blob(ctx context.Context, tenant, sum string) (BlobMeta, []byte, error) {
	var meta BlobMeta
	var data []byte
	if err := ctx.Err(); err != nil {
		return meta, nil, err
	}
	err := s.db.View(func(tx *localdb.Tx) error {
		err := tx.GetJSON(k(spBlobMeta, tenant, sum), &meta)
		if errors.Is(err, localdb.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		data, err = tx.Get(k(spBlob, tenant, sum))
		return err
	})
	return meta, data, err
}

// blobRoutes adds the attachment routes to mux.
func (s *Server) blobRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT "+protocol.PathBlobs+"{sum}", s.syncClient(s.putBlob))
	mux.HandleFunc("GET "+protocol.PathBlobs+"{sum}", s.getBlob)
}

func (s *Server) blobStore(w http.ResponseWriter) (BlobStore, bool) {
	bs, ok := s.store.(BlobStore)
	if !ok {
		writeError(w, http.StatusNotImplemented, &protocol.ErrorBody{Code: protocol.CodeUnavailable,
			Message: "this hub's store does not keep attachments; tickets arrive without their files"})
	}
	return bs, ok
}

// blobTenant is the tenant a blob request acts in: a device's own, or for
// a person the ?tenant= they name (or their only one).
func blobTenant(w http.ResponseWriter, r *http.Request, p principal) (string, bool) {
	tenant := p.tenant
	if q := r.URL.Query().Get("tenant"); q != "" {
		tenant = q
	}
	switch {
	case tenant == "":
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
			Message: "say which organisation the file belongs to with ?tenant=ID"})
		return "", false
	case !p.inScope(tenant):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no such file"})
		return "", false
	}
	return tenant, true
}

func (s *Server) putBlob(w http.ResponseWriter, r *http.Request, p principal) {
	sum := r.PathValue("sum")
	if !protocol.ValidBlobID(sum) {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
			Message: "a file is named by its SHA-256 as 64 lower-case hex digits"})
		return
	}
	tenant, ok := blobTenant(w, r, p)
	if !ok {
		return
	}
	bs, ok := s.blobStore(w)
	if !ok {
		return
	}
	if r.ContentLength > protocol.MaxBlobBytes {
		writeBlobTooBig(w)
		return
	}
	// A file takes longer than the server's read timeout over a slow
	// uplink: allow it the time a 128 kbit/s line needs, and a margin.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(blobReadTime)) // not every writer supports deadlines; the server's own then holds
	_ = rc.SetWriteDeadline(time.Now().Add(blobReadTime + time.Minute))
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, protocol.MaxBlobBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeBlobTooBig(w)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "the file did not arrive whole: " + err.Error()})
		return
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
			Message: "the file's bytes do not match its SHA-256; it was damaged on the way or on the device"})
		return
	}
	mt := r.Header.Get("Content-Type")
	if _, _, err := mime.ParseMediaType(mt); err != nil || !strings.Contains(mt, "/") {
		mt = http.DetectContentType(data)
	}
	meta := BlobMeta{SHA256: sum, Size: int64(len(data)), MediaType: mt, UploadedAt: s.now().UTC(), By: p.clientID()}
	q, err := s.blobQuota(r.Context(), tenant)
	if err != nil {
		s.internal(w, r, "reading the organisation's attachment quota", err)
		return
	}
	created, err := bs.PutBlob(r.Context(), tenant, meta, data, q)
	var over *QuotaError
	switch {
	case errors.As(err, &over):
		s.log.Warn("an attachment was refused: over its quota", "tenant", tenant, "by", p.clientID(), "sha256", sum, "size", len(data),
			"uploader", over.Uploader, "used", over.Used, "limit", over.Limit)
		writeError(w, http.StatusRequestEntityTooLarge, &protocol.ErrorBody{Code: protocol.CodeQuota, Message: quotaMessage(over, p, len(data))})
		return
	case errors.Is(err, localdb.ErrDiskFull):
		s.log.Error("an attachment was refused: the hub's disk is full", "tenant", tenant, "size", len(data), "err", err)
		writeError(w, http.StatusInsufficientStorage, &protocol.ErrorBody{Code: protocol.CodeUnavailable,
			Message: "the hub's disk is full, so it cannot keep this file now; the device keeps it and sends it again later. " +
				"The hub's operator must free space on the hub's disk"})
		return
	case err != nil:
		s.internal(w, r, "keeping an attachment", err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.log.Info("attachment kept", "tenant", tenant, "sha256", sum, "size", len(data), "by", p.clientID())
	}
	writeJSON(w, status, protocol.BlobResponse{SHA256: sum, Size: int64(len(data)), Created: created})
}

// SetDeviceAttachmentQuota sets how many bytes of attached files one
// device (or signed-in person) may have the hub keep;
// DefaultDeviceAttachmentQuota if n is zero, no limit if negative. Call it
// before the server handles requests.
func (s *Server) SetDeviceAttachmentQuota(n int64) { s.deviceQuota = n }

// blobQuota is what the hub may keep for tenant and for one uploader.
func (s *Server) blobQuota(ctx context.Context, tenant string) (BlobQuota, error) {
	q := BlobQuota{Uploader: s.deviceQuota}
	if q.Uploader == 0 {
		q.Uploader = DefaultDeviceAttachmentQuota
	}
	err := s.store.View(ctx, func(tx Tx) error {
		t, err := tx.Tenant(tenant)
		q.Tenant = t.AttachmentLimit()
		return err
	})
	return q, err
}

// quotaMessage says in words why a file over a quota was refused, and
// what to do.
func quotaMessage(e *QuotaError, p principal, size int) string {
	what := fmt.Sprintf("this file (%s) would take ", bytesText(int64(size)))
	switch {
	case !e.Uploader:
		what += fmt.Sprintf("the organisation's attached files on this hub over its quota of %s (%s kept already). "+
			"The ticket arrives without it; share the file by a link, or ask the MSP to raise the quota (tandem-hub tenant set --attachment-quota)",
			bytesText(e.Limit), bytesText(e.Used))
	case p.user == nil:
		what += fmt.Sprintf("this computer over the %s of attached files each device may keep on this hub (%s sent already). "+
			"The ticket arrives without it; share the file by a link, or ask the MSP to raise the hub's limit (tandem-hub serve --device-attachment-quota)",
			bytesText(e.Limit), bytesText(e.Used))
	default:
		what += fmt.Sprintf("you over the %s of attached files each person may keep on this hub (%s sent already). "+
			"Share the file by a link instead, or ask the MSP to raise the hub's limit (tandem-hub serve --device-attachment-quota)",
			bytesText(e.Limit), bytesText(e.Used))
	}
	return what
}

// bytesText writes a byte count for people: "1.5 GB", "300 MB", "600 KB".
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<30)), ".0") + " GB"
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	}
	return fmt.Sprintf("%d KB", (n+1023)>>10)
}

func writeBlobTooBig(w http.ResponseWriter) {
	writeError(w, http.StatusRequestEntityTooLarge, &protocol.ErrorBody{Code: protocol.CodeTooLarge,
		Message: fmt.Sprintf("the file is larger than %d MB; share it by a link instead", protocol.MaxBlobBytes>>20)})
}

// getBlob serves a blob to the operator or to the tenant's staff. Devices
// and end users do not read files back through the hub: a screenshot may
// show another person's screen. Either credential is checked first and,
// when right, admitted; a wrong one is refused (Server.refuse).
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	token, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	switch {
	case !bearer:
		writeError(w, http.StatusUnauthorized, &protocol.ErrorBody{Code: protocol.CodeUnauthorized,
			Message: "reading a file needs the operator credential or the sign-in of the organisation's IT lead or a technician"})
		return
	case s.operator != "" && equalHash(hashSecret(token), s.operator):
		s.serveBlob(w, r, r.URL.Query().Get("tenant"))
		return
	case strings.HasPrefix(token, operatorPrefix):
		s.refuse(w, r, "this is not this hub's operator credential; use the one in the operator.token file in the hub's data directory")
		return
	}
	refused := msgSignInInvalid
	if !strings.HasPrefix(token, userTokenPrefix) {
		refused = "this credential is neither this hub's operator credential nor a current sign-in of the organisation's IT lead or a technician; " +
			"use the operator.token file in the hub's data directory, or sign in again with a new code"
	}
	p, ok := s.byUserToken(w, r, token, refused)
	if !ok {
		return
	}
	if p.user == nil || !p.user.Role.IsStaff() {
		writeError(w, http.StatusForbidden, &protocol.ErrorBody{Code: protocol.CodeForbidden,
			Message: "only the IT lead and technicians can read attached files"})
		return
	}
	tenant, ok := blobTenant(w, r, p)
	if !ok {
		return
	}
	s.serveBlob(w, r, tenant)
}

func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, tenant string) {
	sum := r.PathValue("sum")
	if tenant == "" || !protocol.ValidBlobID(sum) {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
			Message: "name the file by its SHA-256 and the organisation with ?tenant=ID"})
		return
	}
	bs, ok := s.blobStore(w)
	if !ok {
		return
	}
	meta, data, err := bs.Blob(r.Context(), tenant, sum)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound,
			Message: "no such file; it may not have arrived from the device yet"})
		return
	}
	if err != nil {
		s.internal(w, r, "reading an attachment", err)
		return
	}
	w.Header().Set("Content-Type", meta.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "attachment")
	w.Header().Set("ETag", `"`+sum+`"`)
	w.Header().Set(protocol.Header, protocol.Version)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data) // the client went away
}
