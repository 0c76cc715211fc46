package hub_test

import (
	"bytes"
	"os"
	"regexp"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// spdxID is an SPDX license identifier: a listed one (MIT, Apache-2.0) or
// LicenseRef- and a name of one's own.
var spdxID = regexp.MustCompile(`^(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.+-]*)$`)

// TestOpenAPIIsValid checks docs/openapi.yaml with a real validator,
// pb33f/libopenapi-validator, against the OpenAPI 3.1 specification's own
// JSON Schema, and builds its model with libopenapi, which resolves every
// $ref. info.license must carry an SPDX identifier (swagger-cli and
// redocly's recommended rules ask for one).
func TestOpenAPIIsValid(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatalf("reading the API description: %v", err)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatalf("libopenapi cannot read docs/openapi.yaml: %v", err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("OpenAPI version %q, want 3.1.0", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("making the validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("docs/openapi.yaml: %s", e.Message)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  at %s (line %d): %s", se.FieldPath, se.Line, se.Reason)
			}
		}
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("building the model of docs/openapi.yaml (a $ref that names nothing?): %v", err)
	}
	lic := model.Model.Info.License
	if lic == nil || lic.Name == "" || !spdxID.MatchString(lic.Identifier) {
		t.Errorf("info.license = %+v, want a name and an SPDX identifier", lic)
	}
	if model.Model.Webhooks.Len() == 0 {
		t.Error("docs/openapi.yaml describes no webhooks")
	}

	// The validator can fail: a licence with both an identifier and a url,
	// which OpenAPI 3.1 forbids, is refused.
	broken := bytes.Replace(b, []byte("    identifier: LicenseRef-Tandem-Proprietary\n"),
		[]byte("    identifier: LicenseRef-Tandem-Proprietary\n    url: https://example.com/licence\n"), 1)
	if bytes.Equal(broken, b) {
		t.Fatal("could not make the broken copy: info.license.identifier moved")
	}
	bdoc, err := libopenapi.NewDocument(broken)
	if err != nil {
		t.Fatal(err)
	}
	bv, errs := validator.NewValidator(bdoc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, _ := bv.ValidateDocument(); ok {
		t.Error("the validator accepted a licence with both identifier and url")
	}
}
