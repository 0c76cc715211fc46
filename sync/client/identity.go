package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"tandem/internal/atomicfile"
	"time"

	"tandem/msp"
	"tandem/sync/protocol"
)

// ErrNotEnrolled means the data directory holds no device credential.
var ErrNotEnrolled = errors.New("this device is not enrolled")

// Files of the device credential, in the "identity" folder of the agent's
// data directory (the folder and the key are readable by the owner alone).
const (
	identityDir  = "identity"
	keyFile      = "device-key.pem"
	certFile     = "device.pem"
	caFile       = "ca.pem"
	identityFile = "identity.json"
)

// Identity is an enrolled device's credential and what it was told at
// enrollment.
type Identity struct {
	HubURL    string     `json:"hub_url"`
	DeviceID  string     `json:"device_id"`
	Tenant    msp.Tenant `json:"tenant"`
	ExpiresAt time.Time  `json:"expires_at"`

	dir  string
	cert tls.Certificate
	ca   []byte
}

// CAPEM returns the pinned CA certificate.
func (id *Identity) CAPEM() []byte { return id.ca }

// Dir returns the identity folder.
func (id *Identity) Dir() string { return id.dir }

// Conn returns a connection to the hub that authenticates as this device.
func (id *Identity) Conn(o ConnOptions) (*Conn, error) {
	return NewConn(id.HubURL, id.ca, &id.cert, o)
}

// LoadIdentity reads the device credential from the agent's data directory.
func LoadIdentity(dataDir string) (*Identity, error) {
	dir := filepath.Join(dataDir, identityDir)
	b, err := os.ReadFile(filepath.Join(dir, identityFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: enroll it with tandem-agent enroll --hub URL --token TOKEN --ca FILE", ErrNotEnrolled)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the device identity: %w", err)
	}
	id := &Identity{dir: dir}
	if err := json.Unmarshal(b, id); err != nil {
		return nil, fmt.Errorf("the device identity in %s is damaged (%v); enroll the device again", dir, err)
	}
	if id.cert, err = tls.LoadX509KeyPair(filepath.Join(dir, certFile), filepath.Join(dir, keyFile)); err != nil {
		return nil, fmt.Errorf("the device credential in %s cannot be read (%v); enroll the device again", dir, err)
	}
	if id.ca, err = os.ReadFile(filepath.Join(dir, caFile)); err != nil {
		return nil, fmt.Errorf("reading the pinned CA certificate: %w", err)
	}
	return id, nil
}

// RemoveIdentity deletes the device credential from the agent's data
// directory, leaving the rest of the directory (the store, queued changes)
// as it is. Removing a credential that is not there is not an error. The
// folder holds files only; they are removed one by one (os.RemoveAll's
// Windows way, relative to an open folder, fails under wine 8 with
// "Invalid function").
func RemoveIdentity(dataDir string) error {
	dir := filepath.Join(dataDir, identityDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the device identity %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("removing the device identity: %w", err)
		}
	}
	if err := os.Remove(dir); err != nil {
		return fmt.Errorf("removing the device identity: %w", err)
	}
	return nil
}

// EnrollOptions are what `tandem-agent enroll` is given.
type EnrollOptions struct {
	HubURL   string
	Token    string
	CAPEM    []byte
	Hostname string
	OS       string
	// Replaces is the device id the computer was enrolled as before
	// (protocol.EnrollRequest.Replaces); "" for a new computer.
	Replaces string
	Conn     ConnOptions
}

// Enroll makes the device's key pair, exchanges the token for a certificate
// and stores the credential in dataDir. The private key never leaves the
// device. An enrolled device is enrolled again only after its identity
// folder is removed, so a token cannot silently replace a working identity.
func Enroll(ctx context.Context, dataDir string, o EnrollOptions) (*Identity, error) {
	dir := filepath.Join(dataDir, identityDir)
	if _, err := os.Stat(filepath.Join(dir, identityFile)); err == nil {
		return nil, fmt.Errorf("this data directory is already enrolled; to enroll again, stop the agent and remove %s first", dir)
	}
	conn, err := NewConn(o.HubURL, o.CAPEM, nil, o.Conn)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	key, csr, err := newKeyAndCSR(o.Hostname)
	if err != nil {
		return nil, err
	}
	resp, err := conn.Enroll(ctx, protocol.EnrollRequest{Token: o.Token, CSR: csr, Hostname: o.Hostname, OS: o.OS, Replaces: o.Replaces})
	if err != nil {
		return nil, fmt.Errorf("enrolling with %s: %w", o.HubURL, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	id := &Identity{HubURL: o.HubURL, DeviceID: resp.DeviceID, Tenant: resp.Tenant, ExpiresAt: resp.ExpiresAt, dir: dir}
	if err := id.save(key, []byte(resp.Certificate), o.CAPEM); err != nil {
		return nil, err
	}
	return LoadIdentity(dataDir)
}

// NeedsRenewal reports whether less than a third of the certificate's
// lifetime is left.
func (id *Identity) NeedsRenewal(now time.Time) bool {
	leaf := id.cert.Leaf
	if leaf == nil {
		return false
	}
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	return leaf.NotAfter.Sub(now) < life/3
}

// Renew replaces the device's key pair and certificate over conn (which
// authenticates with the current ones).
func (id *Identity) Renew(ctx context.Context, conn *Conn) error {
	key, csr, err := newKeyAndCSR(id.DeviceID)
	if err != nil {
		return err
	}
	resp, err := conn.Renew(ctx, csr)
	if err != nil {
		return fmt.Errorf("renewing the device certificate: %w", err)
	}
	id.ExpiresAt = resp.ExpiresAt
	if err := id.save(key, []byte(resp.Certificate), id.ca); err != nil {
		return err
	}
	c, err := tls.LoadX509KeyPair(filepath.Join(id.dir, certFile), filepath.Join(id.dir, keyFile))
	if err != nil {
		return fmt.Errorf("loading the renewed certificate: %w", err)
	}
	id.cert = c
	return nil
}

func (id *Identity) save(key *ecdsa.PrivateKey, certPEM, caPEM []byte) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encoding the device key: %w", err)
	}
	meta, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the device identity: %w", err)
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600},
		{certFile, certPEM, 0o644},
		{caFile, caPEM, 0o644},
		{identityFile, append(meta, '\n'), 0o644}, // last: its presence means the rest is complete
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(id.dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func newKeyAndCSR(name string) (*ecdsa.PrivateKey, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", fmt.Errorf("making the device key: %w", err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}}, key)
	if err != nil {
		return nil, "", fmt.Errorf("making the certificate request: %w", err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), nil
}
