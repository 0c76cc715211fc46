package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"tandem/internal/atomicfile"
	"time"

	"tandem/hub/metrics"
	"tandem/hub/webhook"
	"tandem/internal/version"
	"tandem/localdb"
)

// Config is how `tandem-hub serve` starts a hub.
type Config struct {
	Dir    string // data directory: store, CA, credentials
	Listen string // address to listen on, such as ":8443" or "127.0.0.1:0"
	// Names are extra host names and addresses the server certificate
	// covers (the hub's public name); localhost and this machine's name are
	// always covered.
	Names   []string
	Name    string // the MSP's name, for the CA's subject (first start only)
	Profile localdb.Profile
	Logger  *slog.Logger
	// Store is what the hub keeps its data in, such as a PostgreSQL store
	// (hub/pgstore) that several hubs share; it stays the caller's to
	// close. When nil the hub opens the embedded badger store in Dir/store
	// (the default: nothing to install), and closes it when it stops.
	Store Store
	// Ready, if set, is called once the hub listens.
	Ready func(Info)
	// Events, if set, is told about ticket events (see EventSink).
	Events EventSink
	// SLAInterval is how often the SLA sweep runs; DefaultSLAInterval if
	// zero, never if negative (tests that drive SweepSLA themselves).
	SLAInterval time.Duration
	// Now, if set, replaces time.Now as the hub's clock (tests).
	Now func() time.Time
	// Server, if set, is called with the server before it serves, so a
	// test or an embedding program can drive it (SweepSLA).
	Server func(*Server)
	// MetricsListen, if set, is an address such as 127.0.0.1:9464 where
	// GET /metrics is served without a credential, besides GET /metrics
	// on the hub's own address behind the operator credential.
	MetricsListen string
	// Webhooks are options of the webhook dispatcher (tests: AllowHTTP for
	// a receiver on loopback); its Log and Observe are the hub's.
	Webhooks webhook.Options
	// DeviceAttachmentQuota caps the bytes of attached files one device
	// (or signed-in person) may have the hub keep:
	// DefaultDeviceAttachmentQuota (2 GiB) if zero, no limit if negative.
	// Each tenant's own quota is msp.Tenant.AttachmentQuota.
	DeviceAttachmentQuota int64
}

// WebhookStorer is a Store that also keeps the webhook endpoints and their
// delivery queue, so that every hub sharing it knows every endpoint and
// each delivery is sent by one of them. Serve uses it instead of a webhook
// store of its own in the data directory.
type WebhookStorer interface {
	WebhookStore() webhook.Store
}

// Info is what a running hub tells about itself; it is also written to
// hub.json in the data directory so the operator commands can find it.
type Info struct {
	URL           string `json:"url"`
	Listen        string `json:"listen"`
	CAFile        string `json:"ca_file"`
	CAFingerprint string `json:"ca_fingerprint"`
	CreatedCA     bool   `json:"-"`
}

// ReadInfo reads hub.json from a hub's data directory.
func ReadInfo(dir string) (Info, error) {
	var info Info
	b, err := os.ReadFile(filepath.Join(dir, hubFile))
	if errors.Is(err, os.ErrNotExist) {
		return info, fmt.Errorf("%s holds no running hub (no %s); start one with tandem-hub serve --data %s", dir, hubFile, dir)
	}
	if err != nil {
		return info, fmt.Errorf("reading the hub's address: %w", err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("%s is damaged (%v); restart the hub to rewrite it", filepath.Join(dir, hubFile), err)
	}
	return info, nil
}

// OperatorToken reads the operator credential from a hub's data directory.
func OperatorToken(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, operatorFile))
	if err != nil {
		return "", fmt.Errorf("reading the operator credential: %w (run this as the user who runs the hub)", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Serve runs a hub until ctx ends, then shuts it down (and closes the
// embedded store, when it opened one).
func Serve(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Dir == "" {
		return errors.New("no data directory: pass --data DIR")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	now := time.Now()
	name := cfg.Name
	if name == "" {
		name = "MSP"
	}
	ca, created, err := loadOrCreateCA(cfg.Dir, name, now)
	if err != nil {
		return err
	}
	operator, err := loadOrCreateOperator(cfg.Dir)
	if err != nil {
		return err
	}
	store := cfg.Store
	if store == nil {
		bs, err := OpenBadgerStore(ctx, filepath.Join(cfg.Dir, "store"), localdb.Options{Profile: cfg.Profile, Logger: log})
		if err != nil {
			return fmt.Errorf("opening the hub's store: %w", err)
		}
		defer func() {
			if err := bs.Close(); err != nil {
				log.Error("closing the store", "err", err)
			}
		}()
		store = bs
	}

	var hookStore webhook.Store
	if ws, ok := store.(WebhookStorer); ok {
		hookStore = ws.WebhookStore() // shared by the hubs on the store
	} else {
		dbs, err := webhook.OpenStore(ctx, filepath.Join(cfg.Dir, "webhooks"), localdb.Options{Profile: cfg.Profile, Logger: log})
		if err != nil {
			return err
		}
		defer func() {
			if err := dbs.Close(); err != nil {
				log.Error("closing the webhook store", "err", err)
			}
		}()
		hookStore = dbs
	}
	var srv *Server // set below, before the hub serves a scrape
	mx := metrics.NewHub(metrics.HubOptions{
		Version: version.Version, Log: log,
		QueueDepth: func(ctx context.Context) (int, error) {
			if !srv.ExportsStoreGauges() {
				return 0, nil
			}
			return hookStore.Depth(ctx)
		},
		Snapshot: func(ctx context.Context) (metrics.Snapshot, error) {
			if !srv.ExportsStoreGauges() {
				return metrics.Snapshot{}, nil // another hub on the store exports them
			}
			return MetricsSnapshot(ctx, store, time.Now())
		},
	})
	hookOpts := cfg.Webhooks
	hookOpts.Log, hookOpts.Observe = log, mx.Webhook
	hooks := webhook.New(hookStore, hookOpts)
	var mln net.Listener
	if cfg.MetricsListen != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			return fmt.Errorf("listening for metrics on %s: %w", cfg.MetricsListen, err)
		}
		defer func() { _ = mln.Close() }() // closed already by mx.Serve on a normal stop
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another hub running, or the port taken?)", cfg.Listen, err)
	}
	hosts, urlHost := certHosts(ln.Addr().(*net.TCPAddr), cfg.Names)
	cert, err := serverCertificate(cfg.Dir, ca, hosts, now)
	if err != nil {
		ln.Close()
		return err
	}
	srv = NewServer(store, ca, hashSecret(operator), log)
	srv.SetClock(cfg.Now)
	srv.SetEventSink(Sinks{cfg.Events, MetricsSink(mx)})
	srv.SetMetrics(mx)
	srv.SetWebhooks(hooks)
	srv.SetDeviceAttachmentQuota(cfg.DeviceAttachmentQuota)
	if cfg.Server != nil {
		cfg.Server(srv)
	}
	hs := srv.HTTPServer(cert)

	port := ln.Addr().(*net.TCPAddr).Port
	info := Info{
		URL:    fmt.Sprintf("https://%s", net.JoinHostPort(urlHost, fmt.Sprint(port))),
		Listen: ln.Addr().String(), CAFile: filepath.Join(cfg.Dir, caCertFile),
		CAFingerprint: ca.Fingerprint(), CreatedCA: created,
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	if err := atomicfile.Write(filepath.Join(cfg.Dir, hubFile), append(b, '\n'), 0o644); err != nil {
		ln.Close()
		return err
	}
	defer os.Remove(filepath.Join(cfg.Dir, hubFile))

	errc := make(chan error, 1)
	go func() { errc <- hs.ServeTLS(ln, "", "") }()
	slaCtx, stopSLA := context.WithCancel(ctx)
	slaDone := make(chan struct{})
	go func() {
		defer close(slaDone)
		if cfg.SLAInterval >= 0 {
			srv.RunSLA(slaCtx, cfg.SLAInterval)
		}
	}()
	defer func() { stopSLA(); <-slaDone }()
	bgCtx, stopBG := context.WithCancel(ctx)
	bgDone := make(chan struct{}, 3)
	go func() {
		defer func() { bgDone <- struct{}{} }()
		if err := hooks.Run(bgCtx); err != nil {
			log.Error("webhook deliveries stopped", "err", err)
		}
	}()
	go func() {
		defer func() { bgDone <- struct{}{} }()
		srv.RunWebhookRelay(bgCtx)
	}()
	go func() {
		defer func() { bgDone <- struct{}{} }()
		if mln == nil {
			return
		}
		log.Info("metrics listening", "addr", mln.Addr().String())
		if err := mx.Serve(bgCtx, mln); err != nil {
			log.Error("metrics stopped", "err", err)
		}
	}()
	defer func() { stopBG(); <-bgDone; <-bgDone; <-bgDone }()
	log.Info("hub listening", "url", info.URL, "ca_fingerprint", info.CAFingerprint)
	if cfg.Ready != nil {
		cfg.Ready(info)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		log.Warn("shutting down: requests still running were cut off", "err", err)
	}
	srv.tlsLog.flush()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	log.Info("hub stopped")
	return nil
}

// certHosts returns the names the server certificate covers and the host
// the hub's URL uses.
func certHosts(addr *net.TCPAddr, extra []string) (hosts []string, urlHost string) {
	hosts = []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	urlHost = "127.0.0.1"
	if !addr.IP.IsUnspecified() {
		urlHost = addr.IP.String()
		hosts = append(hosts, urlHost)
	}
	for _, n := range extra {
		if n = strings.TrimSpace(n); n != "" {
			hosts = append(hosts, n)
		}
	}
	if len(extra) > 0 {
		urlHost = strings.TrimSpace(extra[0])
	}
	return hosts, urlHost
}

// loadOrCreateOperator returns the operator credential, writing a new one
// (readable by the owner alone) on first start.
func loadOrCreateOperator(dir string) (string, error) {
	path := filepath.Join(dir, operatorFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return OperatorToken(dir)
	}
	if err != nil {
		return "", fmt.Errorf("writing the operator credential: %w", err)
	}
	token := newSecret(operatorPrefix)
	_, werr := io.WriteString(f, token+"\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("writing the operator credential: %w", err)
	}
	return token, nil
}
