package msp

import (
	"regexp"
	"testing"
)

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestPillarCatalogue(t *testing.T) {
	t.Parallel()
	ps := Pillars()
	want := map[Pillar]bool{PillarMonitoring: true, PillarMicrosoft365: true, PillarBackup: true, PillarSecurity: true,
		PillarCommunications: true, PillarHelpdesk: true, PillarNetwork: true}
	if len(ps) != len(want) {
		t.Fatalf("%d pillars, want %d", len(ps), len(want))
	}
	for _, p := range ps {
		if !want[p.ID] {
			t.Errorf("unexpected pillar %q", p.ID)
		}
		delete(want, p.ID)
		if p.Name == "" || p.Summary == "" || !p.ID.Valid() || p.ID.Name() != p.Name {
			t.Errorf("%s: incomplete %+v", p.ID, p)
		}
		if !p.Function.Valid() {
			t.Errorf("%s: function %q not in the matrix", p.ID, p.Function)
		}
		if n := len(p.Categories); n < 3 || n > 6 {
			t.Errorf("%s: %d categories, want 3 to 6", p.ID, n)
		}
		ids := map[string]bool{}
		for _, c := range p.Categories {
			if !slug.MatchString(c.ID) || c.Name == "" || c.Hint == "" {
				t.Errorf("%s/%s: bad category %+v", p.ID, c.ID, c)
			}
			if ids[c.ID] {
				t.Errorf("%s: category %s twice", p.ID, c.ID)
			}
			ids[c.ID] = true
			if c.Function != "" && !c.Function.Valid() {
				t.Errorf("%s/%s: function %q not in the matrix", p.ID, c.ID, c.Function)
			}
			if err := ValidateCategory(p.ID, c.ID); err != nil {
				t.Errorf("ValidateCategory(%s, %s): %v", p.ID, c.ID, err)
			}
			if got, ok := LookupCategory(p.ID, c.ID); !ok || got != c {
				t.Errorf("LookupCategory(%s, %s) = %+v, %v", p.ID, c.ID, got, ok)
			}
		}
		if !ids[CategoryOther] {
			t.Errorf("%s: no %q category", p.ID, CategoryOther)
		}
	}
}

func TestPillarsReturnsACopy(t *testing.T) {
	t.Parallel()
	ps := Pillars()
	ps[0].Name = "changed"
	ps[0].Categories[0].Name = "changed"
	info, _ := LookupPillar(ps[0].ID)
	info.Categories[1].Name = "changed too"
	again := Pillars()
	if again[0].Name == "changed" || again[0].Categories[0].Name == "changed" || again[0].Categories[1].Name == "changed too" {
		t.Fatal("the catalogue was changed through a returned value")
	}
}

func TestWordsOfficeWorkersUse(t *testing.T) {
	t.Parallel()
	names := map[[2]string]string{
		{"microsoft-365", "email-calendar"}: "Email and calendar",
		{"microsoft-365", "teams"}:          "Teams",
		{"microsoft-365", "files"}:          "OneDrive and SharePoint files",
		{"microsoft-365", "sign-in"}:        "Password or sign-in",
		{"helpdesk", "printing"}:            "Printing",
		{"helpdesk", "new-starter-leaver"}:  "New starter or leaver",
		{"helpdesk", "slow-computer"}:       "Computer is slow",
		{"helpdesk", "other"}:               "Something else",
	}
	for k, want := range names {
		c, ok := LookupCategory(Pillar(k[0]), k[1])
		if !ok || c.Name != want {
			t.Errorf("%s/%s = %q, %v; want %q", k[0], k[1], c.Name, ok, want)
		}
	}
}

func TestValidateCategoryRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pillar   Pillar
		category string
		field    string
	}{
		{"no pillar", "", "printing", "pillar"},
		{"unknown pillar", "finance", "printing", "pillar"},
		{"no category", PillarHelpdesk, "", "category"},
		{"category of another pillar", PillarHelpdesk, "teams", "category"},
		{"case matters", PillarHelpdesk, "Printing", "category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateCategory(tt.pillar, tt.category)
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, tt.field)
		})
	}
	if _, ok := LookupPillar("finance"); ok {
		t.Error("LookupPillar found an unknown pillar")
	}
	if _, ok := LookupCategory("finance", "other"); ok {
		t.Error("LookupCategory found a category of an unknown pillar")
	}
	if Pillar("finance").Name() != "finance" {
		t.Error("Name of unknown pillar")
	}
}

func TestFunctionFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pillar   Pillar
		category string
		want     Function
	}{
		{PillarHelpdesk, "printing", FuncHelpdeskTier1},
		{PillarHelpdesk, "new-starter-leaver", FuncOnboarding},
		{PillarHelpdesk, "other", FuncHelpdeskTier1},
		{PillarBackup, "restore-file", FuncBackup},
		{PillarSecurity, "suspicious-email", FuncSecurityBaseline},
		{PillarMonitoring, "device-offline", FuncMonitoring},
		{PillarMonitoring, "updates", FuncPatching},
		{PillarMicrosoft365, "teams", FuncMicrosoft365},
		{PillarNetwork, "wifi", FuncNetwork},
		{PillarCommunications, "desk-phone", FuncCommunications},
	}
	for _, tt := range tests {
		got, err := FunctionFor(tt.pillar, tt.category)
		if err != nil || got != tt.want {
			t.Errorf("FunctionFor(%s, %s) = %s, %v; want %s", tt.pillar, tt.category, got, err, tt.want)
		}
	}
	if _, err := FunctionFor(PillarHelpdesk, "teams"); err == nil {
		t.Error("FunctionFor accepted a category of another pillar")
	}
}
