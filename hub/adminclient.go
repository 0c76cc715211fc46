package hub

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"tandem/internal/version"
	"tandem/msp"
	"tandem/sync/protocol"
)

// AdminClient is the operator's client of a running hub, used by the
// tandem-hub commands. It never opens the hub's store.
type AdminClient struct {
	URL   string
	token string
	http  *http.Client
}

// DialAdmin finds the hub whose data directory is dir (its address, CA and
// operator credential) and returns a client for it. hubURL, when set,
// overrides the address in hub.json.
func DialAdmin(dir, hubURL string) (*AdminClient, error) {
	token, err := OperatorToken(dir)
	if err != nil {
		return nil, err
	}
	if hubURL == "" {
		info, err := ReadInfo(dir)
		if err != nil {
			return nil, err
		}
		hubURL = info.URL
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if err != nil {
		return nil, fmt.Errorf("reading the hub's CA certificate: %w", err)
	}
	return NewAdminClient(hubURL, token, caPEM)
}

// NewAdminClient returns a client for the hub at hubURL that trusts only caPEM.
func NewAdminClient(hubURL, token string, caPEM []byte) (*AdminClient, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the hub's CA certificate is not valid PEM")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return &AdminClient{URL: hubURL, token: token, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, nil
}

func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	resp, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("reading the hub's answer: %w", err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("the hub's answer is not what this program expects: %w", err)
		}
	}
	return nil
}

// send makes the request and returns the hub's answer when it is a
// success; the caller closes its body. A refusal is an *AdminError.
func (c *AdminClient) send(ctx context.Context, method, path string, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, body)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", version.UserAgent("tandem-hub"))
	req.Header.Set(protocol.Header, protocol.Version)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the hub at %s did not answer: %w (is tandem-hub serve running?)", c.URL, err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the hub's answer: %w", err)
	}
	var e struct {
		Error *protocol.ErrorBody `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != nil {
		return nil, &AdminError{Status: resp.StatusCode, Body: e.Error}
	}
	return nil, &AdminError{Status: resp.StatusCode, Body: &protocol.ErrorBody{Message: "the hub answered " + resp.Status}}
}

// CreateTenant creates a tenant.
func (c *AdminClient) CreateTenant(ctx context.Context, name string, mode msp.ServiceMode, branding *msp.Branding) (msp.Tenant, error) {
	var t msp.Tenant
	err := c.do(ctx, http.MethodPost, PathAdminTenants, TenantRequest{Name: name, Mode: mode, Branding: branding}, &t)
	return t, err
}

// Tenants lists the tenants.
func (c *AdminClient) Tenants(ctx context.Context) ([]msp.Tenant, error) {
	var out []msp.Tenant
	err := c.do(ctx, http.MethodGet, PathAdminTenants, nil, &out)
	return out, err
}

// CreateToken makes a one-time enrollment token for tenant.
func (c *AdminClient) CreateToken(ctx context.Context, tenant string, ttl time.Duration) (TokenResponse, error) {
	var out TokenResponse
	req := TokenRequest{Tenant: tenant}
	if ttl > 0 {
		req.TTL = ttl.String()
	}
	err := c.do(ctx, http.MethodPost, PathAdminTokens, req, &out)
	return out, err
}

// AddUser adds an IT lead or technician and returns their sign-in code.
func (c *AdminClient) AddUser(ctx context.Context, tenant string, role msp.Role, name string) (UserResponse, error) {
	var out UserResponse
	err := c.do(ctx, http.MethodPost, PathAdminUsers, UserRequest{Tenant: tenant, Role: role, Name: name}, &out)
	return out, err
}

// NewSignInCode gives an existing person a new one-time sign-in code.
func (c *AdminClient) NewSignInCode(ctx context.Context, user string) (UserResponse, error) {
	var out UserResponse
	err := c.do(ctx, http.MethodPost, PathAdminUsers+"/"+url.PathEscape(user)+"/code", nil, &out)
	return out, err
}

// Tickets returns a tenant's tickets.
func (c *AdminClient) Tickets(ctx context.Context, tenant string) ([]msp.Ticket, error) {
	out := []msp.Ticket{}
	err := c.EachTicket(ctx, tenant, func(raw json.RawMessage) error {
		var t msp.Ticket
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("the hub's answer is not what this program expects: %w", err)
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// EachTicket calls fn with each of a tenant's tickets (its JSON) as the
// hub streams them, without holding the list, until fn returns an error,
// which it returns. raw is valid only during the call, and is what the
// hub sent: fn decodes it (json.Unmarshal, json.Indent), which checks it.
// An answer cut short is an error, after fn saw the tickets that arrived.
func (c *AdminClient) EachTicket(ctx context.Context, tenant string, fn func(raw json.RawMessage) error) error {
	resp, err := c.send(ctx, http.MethodGet, PathAdminTickets+"?tenant="+url.QueryEscape(tenant), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	br := bufio.NewReaderSize(resp.Body, 256<<10)
	bad := func(err error) error {
		return fmt.Errorf("reading the hub's list of tickets: %w (the answer was cut short or is not a list)", err)
	}
	// The hub writes one ticket a line: "[", then each ticket followed by
	// a comma but the last, then "]". Another layout is read as JSON.
	first, err := br.Peek(2)
	if err != nil && len(first) == 0 {
		return bad(err)
	}
	if string(first) != "[\n" {
		return eachElement(json.NewDecoder(br), fn, bad)
	}
	var line []byte
	for n := 0; ; n++ {
		part, err := br.ReadSlice('\n')
		line = append(line[:0], part...)
		for errors.Is(err, bufio.ErrBufferFull) {
			part, err = br.ReadSlice('\n')
			line = append(line, part...)
		}
		if err != nil {
			return bad(err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		switch {
		case n == 0:
			continue // "["
		case string(line) == "]":
			return nil
		}
		if err := fn(bytes.TrimSuffix(line, []byte(","))); err != nil {
			return err
		}
	}
}

// eachElement calls fn with each element of the JSON array dec reads.
func eachElement(dec *json.Decoder, fn func(json.RawMessage) error, bad func(error) error) error {
	if tok, err := dec.Token(); err != nil {
		return bad(err)
	} else if d, ok := tok.(json.Delim); !ok || d != '[' {
		return bad(fmt.Errorf("it starts with %v", tok))
	}
	var raw json.RawMessage
	for dec.More() {
		raw = raw[:0]
		if err := dec.Decode(&raw); err != nil {
			return bad(err)
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad(err)
	}
	return nil
}

// Devices returns a tenant's devices.
func (c *AdminClient) Devices(ctx context.Context, tenant string) ([]DeviceSummary, error) {
	var out []DeviceSummary
	err := c.do(ctx, http.MethodGet, PathAdminDevices+"?tenant="+url.QueryEscape(tenant), nil, &out)
	return out, err
}

// UpdateTenant replaces the settings of the tenant t.ID with t.
// Inventories lists the tenant's devices (not retired) with their last
// inventories.
func (c *AdminClient) Inventories(ctx context.Context, tenant string) ([]DeviceInventory, error) {
	var out []DeviceInventory
	err := c.do(ctx, http.MethodGet, PathAdminInventories+"?tenant="+url.QueryEscape(tenant), nil, &out)
	return out, err
}

func (c *AdminClient) UpdateTenant(ctx context.Context, t msp.Tenant) (msp.Tenant, error) {
	var out msp.Tenant
	err := c.do(ctx, http.MethodPut, PathAdminTenants, t, &out)
	return out, err
}

// Tenant returns the tenant with the given id.
func (c *AdminClient) Tenant(ctx context.Context, id string) (msp.Tenant, error) {
	all, err := c.Tenants(ctx)
	if err != nil {
		return msp.Tenant{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return msp.Tenant{}, fmt.Errorf("no tenant %s; list them with tandem-hub tenant list", id)
}

// SweepSLA asks the hub to run its SLA sweep now.
func (c *AdminClient) SweepSLA(ctx context.Context) (SweepStats, error) {
	var out SweepStats
	err := c.do(ctx, http.MethodPost, PathAdminSweep, nil, &out)
	return out, err
}

// AdminError is the hub's refusal of an operator request.
type AdminError struct {
	Status int
	Body   *protocol.ErrorBody
}

func (e *AdminError) Error() string {
	if e.Body.Code == "" {
		return e.Body.Message // the hub answered without its error body
	}
	return "the hub refused: " + e.Body.Message
}
