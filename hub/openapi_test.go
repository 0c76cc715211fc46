package hub_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

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
// from the source of Server.Handler and adminRoutes, resolving the path
// constants of package protocol and package hub, so a route added in code
// but not in docs/openapi.yaml fails TestOpenAPICoversEveryRoute.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	parse := func(name string) *ast.File {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		return f
	}
	consts := map[string]string{} // "protocol.PathPush" or "PathAdminTenants" → path
	collect := func(f *ast.File, prefix string) {
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if v, err := strconv.Unquote(lit.Value); err == nil {
						consts[prefix+name.Name] = v
					}
				}
			}
			return true
		})
	}
	collect(parse("../sync/protocol/protocol.go"), "protocol.")
	hubFiles := []*ast.File{parse("server.go"), parse("admin.go")}
	for _, f := range hubFiles {
		collect(f, "")
	}
	var routes []string
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
			pattern, ok := evalString(call.Args[0], consts)
			if !ok {
				t.Errorf("%s: cannot read the route pattern of this %s call; extend registeredRoutes", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			}
			routes = append(routes, pattern)
			return true
		})
	}
	if len(routes) < 10 {
		t.Fatalf("found only %d routes in server.go and admin.go (%v); has the registration moved?", len(routes), routes)
	}
	return routes
}

// evalString evaluates a string literal, a known constant or a sum of them.
func evalString(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.SelectorExpr:
		pkg, ok := e.X.(*ast.Ident)
		if !ok {
			return "", false
		}
		s, ok := consts[pkg.Name+"."+e.Sel.Name]
		return s, ok
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

func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete", "head", "options":
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	registered := registeredRoutes(t)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("the hub serves %s but docs/openapi.yaml does not describe it", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("docs/openapi.yaml describes %s but the hub does not serve it", d)
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
