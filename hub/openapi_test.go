package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"tandem/hub"
	"tandem/hub/webhook"
	"tandem/msp"
	"tandem/sync/protocol"
)

// openAPI is the part of docs/openapi.yaml these tests read.
type openAPI struct {
	OpenAPI string `yaml:"openapi"`
	Info    struct {
		Version string `yaml:"version"`
	} `yaml:"info"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Parameters map[string]struct {
			Name   string `yaml:"name"`
			In     string `yaml:"in"`
			Schema struct {
				Const string `yaml:"const"`
			} `yaml:"schema"`
		} `yaml:"parameters"`
		Schemas map[string]struct {
			Properties map[string]struct {
				MaxItems int `yaml:"maxItems"`
			} `yaml:"properties"`
		} `yaml:"schemas"`
		SecuritySchemes map[string]struct {
			Type   string `yaml:"type"`
			Scheme string `yaml:"scheme"`
		} `yaml:"securitySchemes"`
	} `yaml:"components"`
}

func readOpenAPI(t *testing.T) openAPI {
	t.Helper()
	b, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatalf("reading the API description: %v", err)
	}
	var doc openAPI
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid YAML: %v", err)
	}
	return doc
}

// registeredRoutes reads the routes the hub registers ("GET /v1/health")
// from every mux.HandleFunc and mux.Handle call in the non-test Go files
// of package hub, resolving the string constants of package hub and of the
// tandem packages it imports (protocol.PathPush, webhook.AdminPath), so a
// route added in code but not in docs/openapi.yaml fails
// TestOpenAPICoversEveryRoute. A pattern without a method ("/v1/admin/webhooks/")
// mounts a handler that routes by itself; those are returned in mounts,
// by prefix, with the words the handler's package routes on, for probeMount.
func registeredRoutes(t *testing.T) (routes []string, mounts map[string][]string) {
	t.Helper()
	fset := token.NewFileSet()
	parseDir := func(dir string) []*ast.File {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatalf("listing %s: %v", dir, err)
		}
		var files []*ast.File
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatalf("parsing %s: %v", name, err)
			}
			files = append(files, f)
		}
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		return files
	}
	// consts: "PathAdminTenants" (package hub) or "protocol.PathPush" → its expression.
	exprs := map[string]ast.Expr{}
	collect := func(files []*ast.File, prefix string) {
		for _, f := range files {
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if i < len(vs.Values) {
							exprs[prefix+name.Name] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	hubFiles := parseDir(".")
	collect(hubFiles, "")
	pkgFiles := map[string][]*ast.File{} // by the name package hub imports it as
	imported := map[string]bool{}
	for _, f := range hubFiles {
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil || !strings.HasPrefix(path, "tandem/") || imported[path] {
				continue
			}
			imported[path] = true
			files := parseDir(filepath.Join("..", filepath.FromSlash(strings.TrimPrefix(path, "tandem/"))))
			name := files[0].Name.Name
			if imp.Name != nil {
				name = imp.Name.Name
			}
			collect(files, name+".")
			pkgFiles[name] = files
		}
	}
	visiting := map[string]bool{}
	var consts func(name string) (string, bool)
	consts = func(name string) (string, bool) {
		e, ok := exprs[name]
		if !ok || visiting[name] {
			return "", false
		}
		visiting[name] = true
		defer delete(visiting, name)
		pkg, _, qualified := strings.Cut(name, ".")
		return evalString(e, func(ref string) (string, bool) {
			if qualified && !strings.Contains(ref, ".") {
				ref = pkg + "." + ref // a constant of the same package
			}
			return consts(ref)
		})
	}
	var uses []string
	mounts = map[string][]string{}
	for _, f := range hubFiles {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
				return true
			}
			uses = append(uses, fset.Position(call.Pos()).String())
			pattern, ok := evalString(call.Args[0], consts)
			if !ok {
				t.Errorf("%s: cannot read the route pattern of this %s call; extend registeredRoutes", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			}
			if method, path, ok := strings.Cut(pattern, " "); ok {
				routes = append(routes, method+" "+strings.TrimSpace(path))
				return true
			}
			// No method: every method of this path (or subtree) goes to a
			// handler that routes by itself. The words it routes on are in
			// the package that names the pattern (webhook.AdminPath), or
			// else in package hub.
			prefix := strings.TrimSuffix(pattern, "/")
			files := hubFiles
			ast.Inspect(call.Args[0], func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && pkgFiles[id.Name] != nil {
						files = pkgFiles[id.Name]
					}
				}
				return true
			})
			words := mounts[prefix]
			for _, w := range routingWords(files) {
				if !slices.Contains(words, w) {
					words = append(words, w)
				}
			}
			mounts[prefix] = words
			return true
		})
	}
	if len(routes) < 10 {
		t.Fatalf("found only %d routes in package hub (%v, at %v); has the registration moved?", len(routes), routes, uses)
	}
	return routes, mounts
}

// routingWords returns the string literals files compare with an indexed
// value (parts[0] == "dead", switch parts[1] { case "ping": }): the path
// segments a self-routing handler looks for.
func routingWords(files []*ast.File) []string {
	var words []string
	add := func(e ast.Expr) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(lit.Value)
		if err == nil && s != "" && !strings.ContainsAny(s, "/ ") && !slices.Contains(words, s) {
			words = append(words, s)
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if n.Op == token.EQL || n.Op == token.NEQ {
					if _, ok := n.X.(*ast.IndexExpr); ok {
						add(n.Y)
					}
					if _, ok := n.Y.(*ast.IndexExpr); ok {
						add(n.X)
					}
				}
			case *ast.SwitchStmt:
				if _, ok := n.Tag.(*ast.IndexExpr); ok {
					for _, c := range n.Body.List {
						for _, e := range c.(*ast.CaseClause).List {
							add(e)
						}
					}
				}
			}
			return true
		})
	}
	return words
}

// evalString evaluates a string literal, a known constant or a sum of them.
func evalString(e ast.Expr, consts func(name string) (string, bool)) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		return consts(e.Name)
	case *ast.SelectorExpr:
		pkg, ok := e.X.(*ast.Ident)
		if !ok {
			return "", false
		}
		return consts(pkg.Name + "." + e.Sel.Name)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := evalString(e.X, consts)
		b, ok2 := evalString(e.Y, consts)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return evalString(e.X, consts)
	}
	return "", false
}

// mountRefusals names, for each prefix the hub mounts a self-routing
// handler on (a pattern without a method), how that handler answers a
// method and path it does not serve. probeMount sends every method to
// every path the documented paths under the prefix can make and checks
// that the hub serves exactly the documented ones.
var mountRefusals = map[string]func(status int, body []byte) bool{
	// webhook.AdminHandler: 404 "no GET /v1/admin/webhooks/x in the webhook API".
	webhook.AdminPath: func(status int, body []byte) bool {
		return status == http.StatusNotFound && bytes.Contains(body, []byte(" in the webhook API"))
	},
}

// wildcard matches a path wildcard: {sum} in Go's patterns, {sha256} in
// the API description. Their names may differ; their places may not.
var wildcard = regexp.MustCompile(`\{[^}/]*\}`)

func shape(route string) string { return wildcard.ReplaceAllString(route, "{}") }

func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	registered, mounts := registeredRoutes(t)
	under := func(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }
	var documented []string
	mounted := map[string][]string{} // mount prefix → documented routes under it
	for path, ops := range doc.Paths {
	op:
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete", "head", "options":
			default:
				continue
			}
			route := strings.ToUpper(method) + " " + path
			for m := range mounts {
				if under(path, m) {
					mounted[m] = append(mounted[m], route)
					continue op
				}
			}
			documented = append(documented, route)
		}
	}
	var shapes []string
	for _, r := range registered {
		shapes = append(shapes, shape(r))
	}
	for _, r := range registered {
		if !slices.ContainsFunc(documented, func(d string) bool { return shape(d) == shape(r) }) {
			t.Errorf("the hub serves %s but docs/openapi.yaml does not describe it", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(shapes, shape(d)) {
			t.Errorf("docs/openapi.yaml describes %s but the hub does not serve it", d)
		}
	}
	if len(mounts) == 0 {
		return
	}
	h := startHub(t)
	for m, words := range mounts {
		refused, ok := mountRefusals[m]
		if !ok {
			t.Errorf("the hub mounts a handler on %s (a pattern without a method); add to mountRefusals how it refuses what it does not serve", m)
			continue
		}
		if len(mounted[m]) == 0 {
			t.Errorf("the hub mounts a handler on %s but docs/openapi.yaml describes nothing under it", m)
			continue
		}
		probeMount(t, h, m, words, mounted[m], refused)
	}
}

// probeMount checks that the handler the hub mounts on prefix serves
// exactly the documented routes under it ("POST /v1/admin/webhooks/{id}/ping"):
// it sends each method to every path made of the words the handler routes
// on, the documented paths' literal segments and a stand-in for their
// parameters, up to one segment longer than the longest, with the operator
// credential and no body.
func probeMount(t *testing.T, h *testHub, prefix string, words, routes []string, refused func(int, []byte) bool) {
	t.Helper()
	const param = "p0" // stands in for any {parameter}
	type template struct {
		method string
		segs   []string
	}
	var templates []template
	vocab := append([]string{param}, words...)
	longest := 0
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		var segs []string
		if rest := strings.TrimPrefix(path, prefix); rest != "" {
			segs = strings.Split(strings.TrimPrefix(rest, "/"), "/")
		}
		for _, s := range segs {
			if !wildcard.MatchString(s) && !slices.Contains(vocab, s) {
				vocab = append(vocab, s)
			}
		}
		longest = max(longest, len(segs))
		templates = append(templates, template{method, segs})
	}
	documented := func(method string, segs []string) string {
		for _, tp := range templates {
			if tp.method != method || len(tp.segs) != len(segs) {
				continue
			}
			match := true
			for i, s := range tp.segs {
				if !wildcard.MatchString(s) && s != segs[i] {
					match = false
				}
			}
			if match {
				return tp.method + " " + prefix + "/" + strings.Join(tp.segs, "/")
			}
		}
		return ""
	}
	paths := [][]string{nil}
	for n := 1; n <= longest; n++ {
		for _, p := range paths {
			if len(p) != n-1 {
				continue
			}
			for _, v := range vocab {
				paths = append(paths, append(slices.Clone(p), v))
			}
		}
	}
	paths = append(paths, slices.Repeat([]string{param}, longest+1))
	if len(paths) > 2000 {
		t.Fatalf("probing %s would take %d paths (words %v); narrow routingWords", prefix, len(paths), vocab)
	}
	t.Logf("probing %s: %d paths × 5 methods, words %v", prefix, len(paths), vocab)

	c := h.rawClient(t, nil)
	operator := operatorToken(t, h)
	for _, segs := range paths {
		path := prefix
		if len(segs) > 0 {
			path += "/" + strings.Join(segs, "/")
		}
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			req, err := http.NewRequest(method, h.info.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+operator)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s %s: reading the answer: %v", method, path, err)
			}
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusTooManyRequests {
				t.Fatalf("%s %s: %d %s; the probe's operator credential was refused", method, path, resp.StatusCode, body)
			}
			served := !refused(resp.StatusCode, body)
			switch doc := documented(method, segs); {
			case served && doc == "":
				t.Errorf("the hub serves %s %s (%d %s) but docs/openapi.yaml does not describe it", method, path, resp.StatusCode, bytes.TrimSpace(body))
			case !served && doc != "":
				t.Errorf("docs/openapi.yaml describes %s but the hub refuses %s %s: %d %s", doc, method, path, resp.StatusCode, bytes.TrimSpace(body))
			}
		}
	}
}

func TestOpenAPIMatchesProtocol(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	if doc.Info.Version != protocol.Version {
		t.Errorf("info.version = %q, want the protocol version %q", doc.Info.Version, protocol.Version)
	}
	p := doc.Components.Parameters["TandemProtocol"]
	if p.Name != protocol.Header || p.In != "header" || p.Schema.Const != protocol.Version {
		t.Errorf("parameter TandemProtocol = %+v, want header %s with const %q", p, protocol.Header, protocol.Version)
	}
	if got := doc.Components.Schemas["PushRequest"].Properties["mutations"].MaxItems; got != protocol.MaxBatch {
		t.Errorf("PushRequest.mutations maxItems = %d, want MaxBatch %d", got, protocol.MaxBatch)
	}
	if s := doc.Components.SecuritySchemes["deviceCertificate"]; s.Type != "mutualTLS" {
		t.Errorf("security scheme deviceCertificate is %q, want mutualTLS", s.Type)
	}
	if s := doc.Components.SecuritySchemes["operator"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("security scheme operator is %+v, want http bearer", s)
	}
}

// TestOpenAPISchemasTakeRealPayloads encodes values of the wire types with
// every field set and checks them against their schemas in
// docs/openapi.yaml: no key a schema with additionalProperties: false does
// not list, every required key present, enum values known. A field added
// to a Go type but not to the description fails here.
func TestOpenAPISchemasTakeRealPayloads(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatalf("reading the API description: %v", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid YAML: %v", err)
	}
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)

	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	tn := msp.NewTenant("t1", "Demo Accounting", msp.ModeCoManaged)
	tn.TimeZone = "Africa/Johannesburg"
	tn.Branding = hub.DefaultBranding
	tn.Matrix = msp.DefaultMatrix(tn.Mode)
	tn.Holidays = msp.Holidays{Region: msp.RegionSouthAfrica,
		Extra:   []msp.Holiday{{Date: msp.DateOf(now), Name: "Year-end shutdown", Observed: true, Proclaimed: true}},
		Removed: []msp.Date{msp.DateOf(now.AddDate(0, 0, 1))}}
	tn.SLA = msp.DefaultSLAPolicy()
	tn.SLA.AtRiskPercent = 20
	tn.OverflowAfter = time.Hour
	tn.Alerts = msp.AlertPolicy{SilentAfter: time.Hour, DiskFullPercent: 95, SecurityUpdatesDays: 10, RestartDays: 5, NoPosture: true, EnrollGrace: time.Hour}
	tn.Billing = msp.Billing{Basis: msp.BillActiveUsers, ContractMonths: 12, ContractStart: "2026-01-01"}
	tn.AttachmentQuota = 50 << 30
	if err := tn.Validate(); err != nil {
		t.Fatalf("the sample tenant is not valid: %v", err)
	}
	sla := msp.SLAState{State: msp.SLABreached, Priority: msp.P2, ResponseDue: now, RespondedAt: now, ResolutionDue: now,
		AtRisk: true, ResponseBreached: true, ResolutionBreached: true, AllHours: true, PausedReason: "waiting", ComputedAt: now}
	tk := &msp.Ticket{ID: "tk1", Tenant: "t1", Device: "d1", Requester: "jane", Title: "Printer", Description: "Jammed",
		Pillar: msp.PillarHelpdesk, Category: "printing", Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: msp.P3,
		Status: msp.StatusResolved, Owner: msp.PartyMSP, Assignee: "sam",
		Comments:    []msp.Comment{{ID: "c1", Author: "sam", Role: msp.RoleTechnician, Body: "Done", Internal: true, Kind: msp.CommentKindStatus, CreatedAt: now}},
		Attachments: []msp.Attachment{{ID: "a1", Name: "shot.png", MediaType: "image/png", Size: 10, SHA256: strings.Repeat("ab", 32), CreatedAt: now}},
		CreatedAt:   now, UpdatedAt: now, ResolvedAt: now, ClosedAt: now, Revision: 3, TitleRevision: 1, DescriptionRevision: 1,
		SLA: sla, Alert: &msp.AlertRef{Condition: msp.AlertDiskFull, Key: msp.AlertKey("d1", msp.AlertDiskFull)}}
	payloads := []struct {
		schema string
		v      any
	}{
		{"Tenant", tn},
		{"Ticket", tk},
		{"Change", msp.Change{ID: "ch1", Kind: msp.ChangeSLA, TicketID: "tk1", SLA: &sla, At: now}},
		{"FeedChange", protocol.Change{Seq: 1, Kind: protocol.ChangeTenant, Tenant: &tn}},
		{"FeedChange", protocol.Change{Seq: 2, Kind: protocol.ChangeTicket, Ticket: tk}},
		{"FeedChange", protocol.Change{Seq: 3, Kind: protocol.ChangeResponsibilities, History: []msp.MatrixEvent{
			{ID: "m1", Tenant: "t1", At: now, By: "sam", ByName: "Sam", ByRole: msp.RoleTechnician, Function: msp.FuncPatching,
				Before: &msp.Responsibility{Function: msp.FuncPatching, BusinessHours: msp.PartyMSP, AfterHours: msp.PartyMSP},
				After:  &msp.Responsibility{Function: msp.FuncPatching, BusinessHours: msp.PartyInternal, AfterHours: msp.PartyMSP, Note: "ours"}, Reason: "why"},
			{ID: "m2", Tenant: "t1", At: now, By: msp.OperatorID, ByName: "the hub's operator", ByRole: msp.RoleSystem, ModeBefore: msp.ModeCoManaged, ModeAfter: msp.ModeFullyManaged}}}},
		{"FeedChange", protocol.Change{Seq: 4, Kind: protocol.ChangePerson, PersonID: "p1", Person: &msp.Person{ID: "p1", Tenant: "t1", Name: "Thandi",
			Email: "thandi@example.co.za", Phone: "+27 82 555 0101", Accounts: []msp.PersonAccount{{Device: "pc-1", Account: "thandi"}}, CreatedAt: now, UpdatedAt: now}}},
		{"PeopleRequest", hub.PeopleRequest{Tenant: "t1", Update: true, People: []hub.PersonInput{{Line: 2, Name: "Thandi", Email: "t@example.co.za", Phone: "+27 1",
			Accounts: []msp.PersonAccount{{Device: "pc-1", Account: "thandi"}}}}}},
		{"Mutation", protocol.Mutation{Seq: 1, Kind: protocol.KindMatrix, Matrix: &msp.MatrixEdit{ID: "e1", Tenant: "t1",
			Row:  &msp.Responsibility{Function: msp.FuncPatching, BusinessHours: msp.PartyInternal, AfterHours: msp.PartyMSP},
			Base: &msp.Responsibility{Function: msp.FuncPatching, BusinessHours: msp.PartyMSP, AfterHours: msp.PartyMSP}, Reason: "why"}}},
		{"Mutation", protocol.Mutation{Seq: 2, Kind: protocol.KindMatrix, Matrix: &msp.MatrixEdit{ID: "e2", Tenant: "t1", Mode: msp.ModeCoManaged, BaseMode: msp.ModeFullyManaged}}},
		{"SweepStats", hub.SweepStats{Tenants: 1, Open: 2, Changed: 3, Events: 4, Devices: 5, Failures: 6, Preexisting: 7}},
		{"StaffDevice", hub.StaffDevice{Device: msp.Device{ID: "d1", Tenant: "t1", Hostname: "pc-1", OS: "Windows 11 Pro", EnrolledAt: now, LastSeen: now},
			Inventoried: now, PatchesChecked: now, Pending: 2, SecurityNames: []string{"KB5041585"}, RebootRequired: true, PostureFailing: []string{"firewall"}}},
		{"BlobResponse", protocol.BlobResponse{SHA256: strings.Repeat("ab", 32), Size: 10, Created: true}},
		{"WebhookRequest", webhook.AddRequest{Tenant: "t1", URL: "https://example.com/hook", Events: []string{"sla.*"}, Description: "PSA"}},
		{"WebhookEndpoint", webhook.Endpoint{ID: "e1", Tenant: "t1", URL: "https://example.com/hook", Secret: "whsec_x", Events: []string{"*"}, Description: "PSA", CreatedAt: now}},
		{"WebhookDelivery", webhook.Delivery{ID: "v1", Endpoint: "e1", Tenant: "t1", Event: "ping", Body: json.RawMessage(`{"id":"v1"}`),
			State: webhook.StateDead, Attempts: 15, CreatedAt: now, NextAt: now, LastStatus: 500, LastError: "refused", DoneAt: now}},
	}
	for _, p := range payloads {
		b, err := json.Marshal(p.v)
		if err != nil {
			t.Fatalf("encoding a %s: %v", p.schema, err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		checkSchema(t, schemas, p.schema, map[string]any{"$ref": "#/components/schemas/" + p.schema}, v)
	}
}

// checkSchema checks value v (decoded JSON) at path against schema s: the
// keywords $ref, properties, additionalProperties: false, required, items
// and enum, which are what the descriptions of the wire types use.
func checkSchema(t *testing.T, schemas map[string]any, path string, s map[string]any, v any) {
	t.Helper()
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			break
		}
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		target, found := schemas[name].(map[string]any)
		if !ok || !found {
			t.Errorf("%s: $ref %s names no schema", path, ref)
			return
		}
		s = target
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		t.Errorf("%s: %v is not among %v", path, v, enum)
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, sub := range v {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					t.Errorf("%s: key %q is not in the schema, which refuses unknown keys", path, k)
				}
				continue
			}
			checkSchema(t, schemas, path+"."+k, ps, sub)
		}
		req, _ := s["required"].([]any)
		for _, k := range req {
			if _, ok := v[fmt.Sprint(k)]; !ok {
				t.Errorf("%s: required key %q is missing from the encoded value", path, k)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range v {
				checkSchema(t, schemas, fmt.Sprintf("%s[%d]", path, i), items, e)
			}
		}
	}
}

// TestOpenAPIListsEveryHolidayRegion keeps the enum of a tenant's
// holidays.region in docs/openapi.yaml equal to the regions msp knows, so
// a region added with a new rickar/cal country is described too.
func TestOpenAPIListsEveryHolidayRegion(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatalf("reading the API description: %v", err)
	}
	var doc struct {
		Components struct {
			Schemas struct {
				Tenant struct {
					Properties struct {
						Holidays struct {
							Properties struct {
								Region struct {
									Enum []string `yaml:"enum"`
								} `yaml:"region"`
							} `yaml:"properties"`
						} `yaml:"holidays"`
					} `yaml:"properties"`
				} `yaml:"Tenant"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid YAML: %v", err)
	}
	got := doc.Components.Schemas.Tenant.Properties.Holidays.Properties.Region.Enum
	want := []string{msp.RegionNone, ""}
	for _, r := range msp.Regions() {
		want = append(want, r.Code)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Tenant.holidays.region enum =\n%q\nwant\n%q", got, want)
	}
}

// TestOpenAPIDescribesEveryWebhookEvent keeps the webhooks: section of
// docs/openapi.yaml equal to the event kinds package webhook sends, each
// with the Standard Webhooks headers.
func TestOpenAPIDescribesEveryWebhookEvent(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatalf("reading the API description: %v", err)
	}
	var doc struct {
		Webhooks map[string]struct {
			Post struct {
				Parameters []struct {
					Ref string `yaml:"$ref"`
				} `yaml:"parameters"`
			} `yaml:"post"`
		} `yaml:"webhooks"`
		Components struct {
			Parameters map[string]struct {
				Name string `yaml:"name"`
			} `yaml:"parameters"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid YAML: %v", err)
	}
	kinds := []string{webhook.EventTicketCreated, webhook.EventTicketStatus, webhook.EventTicketReply, webhook.EventTicketAssigned,
		webhook.EventSLAAtRisk, webhook.EventSLABreached, webhook.EventAlertOpened, webhook.EventAlertResolved, webhook.EventPing}
	var got []string
	for k := range doc.Webhooks {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(kinds)
	if !slices.Equal(got, kinds) {
		t.Errorf("webhooks: describes %q, want the kinds package webhook sends %q", got, kinds)
	}
	for k, w := range doc.Webhooks {
		var headers []string
		for _, p := range w.Post.Parameters {
			headers = append(headers, doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")].Name)
		}
		for _, h := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature, webhook.HeaderEvent, webhook.HeaderDelivery} {
			if !slices.Contains(headers, h) {
				t.Errorf("webhooks: %s does not describe the header %s (it has %q)", k, h, headers)
			}
		}
	}
}
