package msp

import (
	"fmt"
	"testing"
)

func TestPriorityForEveryCell(t *testing.T) {
	t.Parallel()
	tests := []struct {
		impact, urgency Level
		want            Priority
	}{
		{LevelHigh, LevelHigh, P1},
		{LevelHigh, LevelMedium, P2},
		{LevelHigh, LevelLow, P3},
		{LevelMedium, LevelHigh, P2},
		{LevelMedium, LevelMedium, P3},
		{LevelMedium, LevelLow, P4},
		{LevelLow, LevelHigh, P3},
		{LevelLow, LevelMedium, P4},
		{LevelLow, LevelLow, P4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("impact %s urgency %s", tt.impact, tt.urgency), func(t *testing.T) {
			t.Parallel()
			got, err := PriorityFor(tt.impact, tt.urgency)
			if err != nil || got != tt.want {
				t.Fatalf("PriorityFor = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestPriorityForRejectsBadLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		impact, urgency Level
		field           string
	}{
		{0, LevelHigh, "impact"},
		{4, LevelHigh, "impact"},
		{LevelHigh, 0, "urgency"},
		{LevelHigh, -1, "urgency"},
	}
	for _, tt := range tests {
		p, err := PriorityFor(tt.impact, tt.urgency)
		wantErrIs(t, err, ErrInvalid)
		wantField(t, err, tt.field)
		if p != 0 {
			t.Errorf("PriorityFor(%d, %d) = %v with an error", tt.impact, tt.urgency, p)
		}
	}
}

func TestPriorityAndLevelNames(t *testing.T) {
	t.Parallel()
	names := map[Priority]string{P1: "P1 critical", P2: "P2 high", P3: "P3 medium", P4: "P4 low", 0: "Priority(0)", 5: "Priority(5)"}
	for p, want := range names {
		if p.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(p), p.String(), want)
		}
		if p.Valid() != (p >= 1 && p <= 4) {
			t.Errorf("%d.Valid() = %v", int(p), p.Valid())
		}
	}
	levels := map[Level][3]string{
		LevelHigh:   {"high", "The whole business or many people", "Work has stopped"},
		LevelMedium: {"medium", "A team or several people", "Work is slowed down"},
		LevelLow:    {"low", "Just me", "It can wait"},
		9:           {"Level(9)", "Level(9)", "Level(9)"},
	}
	for l, want := range levels {
		if got := [3]string{l.String(), l.ImpactLabel(), l.UrgencyLabel()}; got != want {
			t.Errorf("level %d: %q, want %q", int(l), got, want)
		}
	}
	if fmt.Sprint(Levels()) != "[high medium low]" {
		t.Errorf("Levels() = %v", Levels())
	}
}
