package app

import (
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

// Every plain-words topic files the ticket under a real pillar and one of
// its categories, and the list has what issue 5 asks for.
func TestTopicsMapToValidPillarAndCategory(t *testing.T) {
	want := []string{"Email and Microsoft 365", "Printing", "Network and Wi-Fi", "Files and backup",
		"A security worry", "A new starter or leaver", "Something else"}
	if len(Topics) != len(want) {
		t.Fatalf("%d topics, want %d", len(Topics), len(want))
	}
	for i, tp := range Topics {
		if tp.Label != want[i] {
			t.Errorf("topic %d is %q, want %q", i, tp.Label, want[i])
		}
		if err := msp.ValidateCategory(tp.Pillar, tp.Category); err != nil {
			t.Errorf("topic %q maps to %s/%s: %v", tp.Label, tp.Pillar, tp.Category, err)
		}
		if _, err := msp.FunctionFor(tp.Pillar, tp.Category); err != nil {
			t.Errorf("topic %q has no responsibility-matrix function: %v", tp.Label, err)
		}
		if topicHints[tp.Label] == "" {
			t.Errorf("topic %q has no hint", tp.Label)
		}
	}
	if tp, _ := topicByLabel("A new starter or leaver"); tp.Category != "new-starter-leaver" {
		t.Errorf("a new starter maps to %q", tp.Category)
	}
}

// Who is affected and how badly use each level once, from the least to the
// most, so every priority can be reached.
func TestAnswersMapToEveryLevel(t *testing.T) {
	for name, cs := range map[string][]Choice{"affected": Affected, "severity": Severity} {
		seen := map[msp.Level]bool{}
		for _, c := range cs {
			if !c.Level.Valid() || seen[c.Level] {
				t.Errorf("%s answer %q has level %d (valid, and once each)", name, c.Label, c.Level)
			}
			seen[c.Level] = true
		}
	}
	if l, _ := levelOf(Affected, "The whole office"); l != msp.LevelHigh {
		t.Errorf("the whole office is impact %v", l)
	}
	if l, _ := levelOf(Severity, "I can't work"); l != msp.LevelHigh {
		t.Errorf("I can't work is urgency %v", l)
	}
	reached := map[msp.Priority]bool{}
	for _, a := range Affected {
		for _, s := range Severity {
			p, err := msp.PriorityFor(a.Level, s.Level)
			if err != nil {
				t.Fatal(err)
			}
			reached[p] = true
			if !strings.HasPrefix(PriorityWords(p), p.String()) {
				t.Errorf("the window calls %v %q, not the name the CLI and the report use", p, PriorityWords(p))
			}
		}
	}
	if len(reached) != 4 {
		t.Errorf("the answers reach priorities %v, want all four", reached)
	}
}

func TestWords(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(-10 * time.Second), "just now"},
		{now.Add(-1 * time.Minute), "1 minute ago"},
		{now.Add(-2 * time.Hour), "2 hours ago"},
		{now.Add(-30 * time.Hour), "yesterday"},
		{now.Add(-72 * time.Hour), "3 days ago"},
	} {
		if got := Ago(c.at, now); got != c.want {
			t.Errorf("Ago(%v) = %q, want %q", now.Sub(c.at), got, c.want)
		}
	}
	if got := TicketNumber("01937f2c-8a1b-7c3d-9e4f-a1b2c3d4e5f6"); got != "#D4E5F6" {
		t.Errorf("TicketNumber = %q", got)
	}
	if got := Size(1536); got != "2 KB" {
		t.Errorf("Size(1536) = %q", got)
	}
	if got := Size(10 << 20); got != "10 MB" {
		t.Errorf("Size(10 MiB) = %q", got)
	}
	if got := OfflineWords(1); got != "You're offline — it will be sent when you're back online (1 change waiting)." {
		t.Errorf("OfflineWords(1) = %q", got)
	}
	if StatusWords(msp.StatusWaiting) != "Waiting for you" {
		t.Error("waiting on customer is not said plainly")
	}
}
