package hub

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"tandem/msp"
	"tandem/sync/protocol"
)

// Operator API paths, used by the tandem-hub commands.
const (
	PathAdminTenants = "/v1/admin/tenants"
	PathAdminTokens  = "/v1/admin/tokens"
	PathAdminUsers   = "/v1/admin/users"
	PathAdminTickets = "/v1/admin/tickets"
	PathAdminDevices = "/v1/admin/devices"
	// PathAdminInventories lists a tenant's devices with their last
	// inventories (tandem-hub export).
	PathAdminInventories = "/v1/admin/inventories"
)

// Token lifetimes.
const (
	DefaultTokenTTL = 24 * time.Hour
	MaxTokenTTL     = 30 * 24 * time.Hour
	signInCodeTTL   = 7 * 24 * time.Hour
)

// TenantRequest creates a tenant.
type TenantRequest struct {
	Name string          `json:"name"`
	Mode msp.ServiceMode `json:"mode"`
	// Branding is how the MSP presents itself to this tenant's staff;
	// DefaultBranding when empty.
	Branding *msp.Branding `json:"branding,omitempty"`
}

// DefaultBranding is used for a tenant created without branding. The
// operator sets the real name, phone and address with the tenant.
var DefaultBranding = msp.Branding{Name: "IT Support", SupportPhone: "+27 10 000 0000", SupportEmail: "support@example.com"}

// TokenRequest creates an enrollment token.
type TokenRequest struct {
	Tenant string `json:"tenant"`
	TTL    string `json:"ttl,omitempty"` // a Go duration such as "24h"; DefaultTokenTTL when empty
}

// TokenResponse is a new enrollment token; only its hash is kept.
type TokenResponse struct {
	Token     string    `json:"token"`
	Tenant    string    `json:"tenant"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UserRequest adds an IT lead or technician.
type UserRequest struct {
	Tenant string   `json:"tenant"`
	Role   msp.Role `json:"role"`
	Name   string   `json:"name"`
}

// UserResponse is the new user and their one-time sign-in code.
type UserResponse struct {
	User      User      `json:"user"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// DeviceSummary is one device as `tandem-hub devices` lists it.
type DeviceSummary struct {
	msp.Device
	AgentVersion    string    `json:"agent_version,omitempty"`
	Inventoried     time.Time `json:"inventoried,omitzero"`
	PendingUpdates  int       `json:"pending_updates"`
	SecurityUpdates int       `json:"security_updates"`
	RebootRequired  bool      `json:"reboot_required"`
}

func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+PathAdminTenants, s.operatorOnly(s.createTenant))
	mux.HandleFunc("GET "+PathAdminTenants, s.operatorOnly(s.listTenants))
	mux.HandleFunc("POST "+PathAdminTokens, s.operatorOnly(s.createToken))
	mux.HandleFunc("POST "+PathAdminUsers, s.operatorOnly(s.addUser))
	mux.HandleFunc("POST "+PathAdminUsers+"/{id}/code", s.operatorOnly(s.newCode))
	mux.HandleFunc("GET "+PathAdminTickets, s.operatorOnly(s.listTickets))
	mux.HandleFunc("GET "+PathAdminDevices, s.operatorOnly(s.listDevices))
	mux.HandleFunc("GET "+PathAdminInventories, s.operatorOnly(s.listInventories))
	s.revokeRoutes(mux)
}

// operatorOnly admits requests carrying the operator credential as a
// bearer token; anything else is refused (Server.refuse).
func (s *Server) operatorOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || s.operator == "" || !equalHash(hashSecret(strings.TrimSpace(token)), s.operator) {
			s.refuse(w, r, "this needs the hub's operator credential (the operator.token file in the hub's data directory)")
			return
		}
		h(w, r)
	}
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request) {
	var req TenantRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	t := msp.NewTenant(msp.NewID(), strings.TrimSpace(req.Name), req.Mode)
	t.Branding = DefaultBranding
	if req.Branding != nil {
		t.Branding = *req.Branding
	}
	if err := t.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, protocol.ErrorFor(err))
		return
	}
	err := s.store.Update(r.Context(), func(tx Tx) error {
		if err := tx.PutTenant(t); err != nil {
			return err
		}
		return tx.NoteTenantChanged(t.ID)
	})
	if err != nil {
		s.internal(w, r, "creating the tenant", err)
		return
	}
	s.log.Info("tenant created", "tenant", t.ID, "name", t.Name, "mode", t.Mode)
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) {
	var out []msp.Tenant
	err := s.store.View(r.Context(), func(tx Tx) (err error) {
		out, err = tx.Tenants()
		return err
	})
	if err != nil {
		s.internal(w, r, "listing tenants", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(out))
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	ttl := DefaultTokenTTL
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 || d > MaxTokenTTL {
			writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
				Message: fmt.Sprintf("ttl: %q is not a duration between 1s and %s (for example 24h)", req.TTL, MaxTokenTTL)})
			return
		}
		ttl = d
	}
	now := s.now().UTC()
	token := newSecret("tdm_et_")
	resp := TokenResponse{Token: token, Tenant: req.Tenant, ExpiresAt: now.Add(ttl)}
	err := s.store.Update(r.Context(), func(tx Tx) error {
		if _, err := tx.Tenant(req.Tenant); err != nil {
			return err
		}
		return tx.PutToken(Token{Hash: hashSecret(token), Tenant: req.Tenant, ExpiresAt: resp.ExpiresAt, CreatedAt: now})
	})
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + req.Tenant + "; list them with tandem-hub tenant list"})
		return
	}
	if err != nil {
		s.internal(w, r, "creating the token", err)
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	var req UserRequest
	if !decode(w, r, protocol.MaxSmallBody, &req) {
		return
	}
	if !req.Role.IsStaff() {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "role: must be it-lead or technician"})
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > 200 {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "name: give the person's name (at most 200 bytes)"})
		return
	}
	now := s.now().UTC()
	code := newSignInCode()
	u := User{ID: msp.NewID(), Name: name, Role: req.Role, Tenants: []string{req.Tenant}, CreatedAt: now}
	err := s.store.Update(r.Context(), func(tx Tx) error {
		if _, err := tx.Tenant(req.Tenant); err != nil {
			return err
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.PutSecret(Secret{Hash: hashSecret(code), Kind: SecretSignInCode, User: u.ID, ExpiresAt: now.Add(signInCodeTTL), IssuedAt: now})
	})
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + req.Tenant})
		return
	}
	if err != nil {
		s.internal(w, r, "adding the user", err)
		return
	}
	writeJSON(w, http.StatusCreated, UserResponse{User: u, Code: code, ExpiresAt: now.Add(signInCodeTTL)})
}

// newCode gives an existing person a new one-time sign-in code: for a
// second computer, or when the first code expired unused. Their other
// sign-ins stay valid.
func (s *Server) newCode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	now := s.now().UTC()
	code := newSignInCode()
	var u User
	err := s.store.Update(r.Context(), func(tx Tx) error {
		var err error
		if u, err = tx.User(id); err != nil {
			return err
		}
		if !u.RemovedAt.IsZero() {
			return errRemoved
		}
		return tx.PutSecret(Secret{Hash: hashSecret(code), Kind: SecretSignInCode, User: u.ID, ExpiresAt: now.Add(signInCodeTTL), IssuedAt: now})
	})
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no user " + id + "; `tandem-hub user add` prints each person's id"})
		return
	}
	if errors.Is(err, errRemoved) {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
			Message: u.Name + " was removed on " + u.RemovedAt.Format("2 January 2006") + "; add them again with tandem-hub user add for a new sign-in"})
		return
	}
	if err != nil {
		s.internal(w, r, "making a sign-in code", err)
		return
	}
	writeJSON(w, http.StatusCreated, UserResponse{User: u, Code: code, ExpiresAt: now.Add(signInCodeTTL)})
}

// listTickets streams the tenant's tickets as a JSON array, as the store
// holds them, one ticket a line: the hub keeps none of them in memory,
// however many there are. A failure after the first ticket was sent cuts the connection, so
// the client sees an error, never a shorter list.
func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	bw := bufio.NewWriterSize(w, 64<<10)
	started := false
	var werr error
	err := s.store.View(r.Context(), func(tx Tx) error {
		if _, err := tx.Tenant(tenant); err != nil {
			return err
		}
		var compact bytes.Buffer
		return tx.TicketsJSON(tenant, func(raw []byte) bool {
			sep := ",\n"
			if !started {
				started, sep = true, "[\n"
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set(protocol.Header, protocol.Version)
				w.WriteHeader(http.StatusOK)
			}
			if bytes.IndexByte(raw, '\n') >= 0 {
				// One ticket a line (AdminClient.EachTicket reads lines).
				compact.Reset()
				if werr = json.Compact(&compact, raw); werr != nil {
					return false
				}
				raw = compact.Bytes()
			}
			_, _ = bw.WriteString(sep)
			_, werr = bw.Write(raw)
			return werr == nil
		})
	})
	switch {
	case errors.Is(err, ErrNotFound) && !started:
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + tenant})
		return
	case err != nil && !started:
		s.internal(w, r, "listing tickets", err)
		return
	case err != nil || werr != nil:
		if err != nil {
			s.log.Error("listing tickets failed after the first were sent; cutting the answer short", "tenant", tenant, "err", err)
		}
		panic(http.ErrAbortHandler) // the client went away, or must not take a shorter list for the whole
	case !started:
		writeJSON(w, http.StatusOK, []*msp.Ticket{})
		return
	}
	if _, err := bw.WriteString("\n]\n"); err == nil {
		_ = bw.Flush() // the client went away; nothing more to do
	}
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	out := []DeviceSummary{}
	err := s.store.View(r.Context(), func(tx Tx) error {
		if _, err := tx.Tenant(tenant); err != nil {
			return err
		}
		devices, err := tx.Devices(tenant)
		if err != nil {
			return err
		}
		for _, d := range devices {
			sum := DeviceSummary{Device: d.Device, AgentVersion: d.AgentVersion, Inventoried: d.Inventoried}
			inv, err := tx.Inventory(tenant, d.ID)
			switch {
			case err == nil:
				sum.PendingUpdates = len(inv.Patches.Pending)
				sum.SecurityUpdates = inv.Patches.SecurityPending()
				sum.RebootRequired = inv.Patches.RebootRequired
			case !errors.Is(err, ErrNotFound):
				return err
			}
			out = append(out, sum)
		}
		slices.SortFunc(out, func(a, b DeviceSummary) int { return strings.Compare(a.Hostname, b.Hostname) })
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + tenant})
		return
	}
	if err != nil {
		s.internal(w, r, "listing devices", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// DeviceInventory is a device with its last inventory (none before the
// device sent one).
type DeviceInventory struct {
	Device    msp.Device     `json:"device"`
	Inventory *msp.Inventory `json:"inventory,omitempty"`
}

// listInventories answers GET /v1/admin/inventories?tenant=ID: every
// device of the tenant that is not retired, with its last inventory, by
// hostname.
func (s *Server) listInventories(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	out := []DeviceInventory{}
	err := s.store.View(r.Context(), func(tx Tx) error {
		if _, err := tx.Tenant(tenant); err != nil {
			return err
		}
		devices, err := tx.Devices(tenant)
		if err != nil {
			return err
		}
		for _, d := range devices {
			if !d.RevokedAt.IsZero() {
				continue
			}
			di := DeviceInventory{Device: d.Device}
			inv, err := tx.Inventory(tenant, d.ID)
			switch {
			case err == nil:
				di.Inventory = &inv
			case !errors.Is(err, ErrNotFound):
				return err
			}
			out = append(out, di)
		}
		slices.SortFunc(out, func(a, b DeviceInventory) int { return strings.Compare(a.Device.Hostname, b.Device.Hostname) })
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + tenant})
		return
	}
	if err != nil {
		s.internal(w, r, "listing inventories", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Prefixes of the hub's secrets, so that a refusal can say which kind of
// credential was wrong.
const (
	operatorPrefix  = "tdm_op_"
	userTokenPrefix = "tdm_ut_"
)

var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecret returns prefix followed by 160 random bits.
func newSecret(prefix string) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + strings.ToLower(secretEncoding.EncodeToString(b))
}

// signInAlphabet is the letters and digits of sign-in codes: no look-alikes.
const signInAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newSignInCode returns a code a person can type: four groups of four
// letters and digits without look-alikes (80 bits).
func newSignInCode() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(signInAlphabet[int(x)%len(signInAlphabet)])
	}
	return sb.String()
}

// codeGroup returns the first group of code, upper-cased and trimmed as
// Server.signIn reads it, if code has the shape newSignInCode gives; no
// other string can be a code. The group names the code for its attempt
// budget: a wrong code counts against the code it would be by its first
// four characters, whether or not one is out with them, so the budget
// shows nothing of which codes exist, and a person's typos in the rest of
// their code count against their own code alone.
func codeGroup(code string) (string, bool) {
	if len(code) != 19 {
		return "", false
	}
	for i := range len(code) {
		if i%5 == 4 {
			if code[i] != '-' {
				return "", false
			}
		} else if strings.IndexByte(signInAlphabet, code[i]) < 0 {
			return "", false
		}
	}
	return code[:4], true
}
