package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
//
// Keys in the embedded store:
//
//	h-blob/<tenant>/<sha256>       the bytes
//	h-blobmeta/<tenant>/<sha256>   BlobMeta
const (
	spBlob     = "h-blob"
	spBlobMeta = "h-blobmeta"
)

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
	// already; created reports whether it was new.
	PutBlob(ctx context.Context, tenant string, meta BlobMeta, data []byte) (created bool, err error)
	// Blob returns a kept blob, or ErrNotFound.
	Blob(ctx context.Context, tenant, sum string) (BlobMeta, []byte, error)
}

var _ BlobStore = (*BadgerStore)(nil)

// PutBlob implements BlobStore.
func (s *BadgerStore) PutBlob(ctx context.Context, tenant string, meta BlobMeta, data []byte) (bool, error) {
	created := false
	err := s.db.Update(ctx, func(tx *localdb.Tx) error {
		created = false
		has, err := tx.Has(k(spBlobMeta, tenant, meta.SHA256))
		if err != nil || has {
			return err
		}
		if err := tx.Put(k(spBlob, tenant, meta.SHA256), data); err != nil {
			return err
		}
		created = true
		return tx.PutJSON(k(spBlobMeta, tenant, meta.SHA256), meta)
	})
	if err != nil {
		return false, fmt.Errorf("keeping an attachment: %w", err)
	}
	return created, nil
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
	created, err := bs.PutBlob(r.Context(), tenant, meta, data)
	if err != nil {
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
