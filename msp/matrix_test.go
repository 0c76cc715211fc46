package msp

import (
	"testing"
)

func TestFunctionsCatalogue(t *testing.T) {
	t.Parallel()
	want := []Function{FuncMonitoring, FuncPatching, FuncBackup, FuncSecurityBaseline, FuncHelpdeskTier1,
		FuncHelpdeskTier2, FuncHelpdeskTier3, FuncAfterHours, FuncMicrosoft365, FuncNetwork, FuncCommunications,
		FuncProjects, FuncVendorManagement, FuncOnboarding, FuncCompliance, FuncDRTesting, FuncStrategy}
	fs := Functions()
	if len(fs) != len(want) {
		t.Fatalf("%d functions, want %d", len(fs), len(want))
	}
	for i, f := range fs {
		if f.ID != want[i] || !slug.MatchString(string(f.ID)) || f.Name == "" || f.Description == "" || f.ID.Name() != f.Name {
			t.Errorf("function %d = %+v, want id %s with a name and description", i, f, want[i])
		}
	}
	fs[0].Name = "changed"
	if Functions()[0].Name == "changed" {
		t.Error("Functions() returned the catalogue itself")
	}
	if Function("coffee").Valid() || Function("coffee").Name() != "coffee" {
		t.Error("unknown function")
	}
}

func TestDefaultMatrix(t *testing.T) {
	t.Parallel()
	type owners struct{ business, after Party }
	tests := []struct {
		mode ServiceMode
		want map[Function]owners
	}{
		{ModeFullyManaged, map[Function]owners{
			FuncMonitoring:    {PartyMSP, PartyMSP},
			FuncHelpdeskTier1: {PartyMSP, PartyMSP},
			FuncProjects:      {PartyMSP, PartyMSP},
			FuncStrategy:      {PartyShared, PartyShared},
		}},
		{ModeCoManaged, map[Function]owners{
			FuncMonitoring:       {PartyMSP, PartyMSP},
			FuncPatching:         {PartyMSP, PartyMSP},
			FuncBackup:           {PartyMSP, PartyMSP},
			FuncSecurityBaseline: {PartyMSP, PartyMSP},
			FuncAfterHours:       {PartyMSP, PartyMSP},
			FuncHelpdeskTier3:    {PartyMSP, PartyMSP},
			FuncHelpdeskTier1:    {PartyInternal, PartyMSP},
			FuncHelpdeskTier2:    {PartyShared, PartyMSP},
			FuncProjects:         {PartyInternal, PartyInternal},
			FuncVendorManagement: {PartyInternal, PartyInternal},
			FuncStrategy:         {PartyInternal, PartyInternal},
			FuncOnboarding:       {PartyInternal, PartyMSP},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			m := DefaultMatrix(tt.mode)
			if err := m.Validate(); err != nil {
				t.Fatalf("default matrix invalid: %v", err)
			}
			for f, w := range tt.want {
				if got := (owners{m.OwnerAt(f, true), m.OwnerAt(f, false)}); got != w {
					t.Errorf("%s: business/after = %v, want %v", f, got, w)
				}
			}
			if tt.mode == ModeFullyManaged {
				for _, r := range m {
					if r.Function != FuncStrategy && (r.BusinessHours != PartyMSP || r.AfterHours != PartyMSP) {
						t.Errorf("fully managed: %s not the MSP's at all hours", r.Function)
					}
				}
			}
			// Nothing is left to internal IT alone outside business hours
			// unless it is planned work.
			planned := map[Function]bool{FuncProjects: true, FuncVendorManagement: true, FuncStrategy: true}
			for _, r := range m {
				if r.AfterHours == PartyInternal && !planned[r.Function] {
					t.Errorf("%s: internal IT owns it after hours", r.Function)
				}
			}
		})
	}
	if err := DefaultMatrix("unknown").Validate(); err != nil {
		t.Errorf("matrix of unknown mode: %v", err)
	}
}

func TestMatrixValidateRejects(t *testing.T) {
	t.Parallel()
	base := DefaultMatrix(ModeCoManaged)
	tests := []struct {
		name  string
		edit  func(Matrix) Matrix
		field string
	}{
		{"missing function", func(m Matrix) Matrix { return m[1:] }, "matrix"},
		{"duplicate", func(m Matrix) Matrix { return append(m, m[0]) }, "matrix[17].function"},
		{"unknown function", func(m Matrix) Matrix {
			return append(m, Responsibility{Function: "coffee", BusinessHours: PartyMSP, AfterHours: PartyMSP})
		}, "matrix[17].function"},
		{"bad business owner", func(m Matrix) Matrix { m[2].BusinessHours = "vendor"; return m }, "matrix[2].business_hours"},
		{"empty after-hours owner", func(m Matrix) Matrix { m[3].AfterHours = ""; return m }, "matrix[3].after_hours"},
		{"empty", func(Matrix) Matrix { return nil }, "matrix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := tt.edit(append(Matrix(nil), base...))
			err := m.Validate()
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, tt.field)
		})
	}
}

func TestMatrixOwnerForAndWith(t *testing.T) {
	t.Parallel()
	m := DefaultMatrix(ModeCoManaged)
	tests := []struct {
		pillar   Pillar
		category string
		business bool
		want     Party
	}{
		{PillarHelpdesk, "printing", true, PartyInternal},
		{PillarHelpdesk, "printing", false, PartyMSP},
		{PillarBackup, "restore-file", true, PartyMSP},
		{PillarMicrosoft365, "teams", true, PartyShared},
		{PillarHelpdesk, "new-starter-leaver", true, PartyInternal},
	}
	for _, tt := range tests {
		got, err := m.OwnerFor(tt.pillar, tt.category, tt.business)
		if err != nil || got != tt.want {
			t.Errorf("OwnerFor(%s, %s, %v) = %s, %v; want %s", tt.pillar, tt.category, tt.business, got, err, tt.want)
		}
	}
	if _, err := m.OwnerFor(PillarHelpdesk, "nope", true); err == nil {
		t.Error("OwnerFor accepted an unknown category")
	}
	if _, err := m[1:].OwnerFor(PillarHelpdesk, "printing", true); err != nil {
		t.Errorf("OwnerFor with an unrelated row missing: %v", err)
	}
	if _, err := (Matrix{}).OwnerFor(PillarHelpdesk, "printing", true); err == nil {
		t.Error("OwnerFor on an empty matrix gave an owner")
	}
	if (Matrix{}).OwnerAt(FuncPatching, true) != "" {
		t.Error("OwnerAt of a missing row not empty")
	}

	changed, err := m.With(FuncHelpdeskTier1, PartyShared, PartyMSP)
	if err != nil {
		t.Fatal(err)
	}
	if changed.OwnerAt(FuncHelpdeskTier1, true) != PartyShared || m.OwnerAt(FuncHelpdeskTier1, true) != PartyInternal {
		t.Error("With changed the wrong matrix")
	}
	added, err := m[1:].With(FuncMonitoring, PartyMSP, PartyMSP)
	if err != nil || added.Validate() != nil {
		t.Errorf("With did not add the missing row: %v", err)
	}
	for _, bad := range []struct {
		f    Function
		b, a Party
	}{{"coffee", PartyMSP, PartyMSP}, {FuncPatching, "x", PartyMSP}, {FuncPatching, PartyMSP, ""}} {
		if _, err := m.With(bad.f, bad.b, bad.a); err == nil {
			t.Errorf("With(%q, %q, %q) accepted", bad.f, bad.b, bad.a)
		}
	}
}
