package msp

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewIDIsCanonicalV7(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	prev := ""
	for range 1000 {
		id := NewID()
		if err := ValidateID("id", id); err != nil {
			t.Fatalf("NewID() = %q: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
		if id <= prev { // uuid's v7 is monotonic within a process
			t.Fatalf("NewID not increasing: %q after %q", id, prev)
		}
		prev = id
	}
	if err := ValidateID("id", NewTicketID()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateID(t *testing.T) {
	t.Parallel()
	v7 := NewID()
	tests := []struct {
		name, id string
		ok       bool
		problem  string
	}{
		{"v7", v7, true, ""},
		{"empty", "", false, "missing"},
		{"v4", uuid.NewString(), false, "version 4"},
		{"upper case", strings.ToUpper(v7), false, "lower case"},
		{"no hyphens", strings.ReplaceAll(v7, "-", ""), false, "must be a UUID"},
		{"urn form", "urn:uuid:" + v7, false, "must be a UUID"},
		{"braces", "{" + v7 + "}", false, "must be a UUID"},
		{"garbage", "ticket-1", false, "must be a UUID"},
		{"wrong variant", v7[:19] + "c" + v7[20:], false, "variant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateID("ticket_id", tt.id)
			if tt.ok {
				wantErrIs(t, err, nil)
				return
			}
			wantErrIs(t, err, ErrInvalid)
			wantField(t, err, "ticket_id")
			if !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("error %q does not mention %q", err, tt.problem)
			}
		})
	}
}

func TestIDTime(t *testing.T) {
	t.Parallel()
	before := time.Now().Truncate(time.Millisecond)
	id := NewID()
	after := time.Now()
	at, ok := IDTime(id)
	if !ok || at.Before(before) || at.After(after) {
		t.Fatalf("IDTime = %v, %v; want within [%v, %v]", at, ok, before, after)
	}
	if _, ok := IDTime("nope"); ok {
		t.Fatal("IDTime accepted garbage")
	}
}

func TestDerivedIDIsDeterministicV7WithSourceTime(t *testing.T) {
	t.Parallel()
	src := NewID()
	a, b := derivedID(src, "conflict"), derivedID(src, "conflict")
	if a != b {
		t.Fatalf("derivedID not deterministic: %s vs %s", a, b)
	}
	if err := ValidateID("id", a); err != nil {
		t.Fatal(err)
	}
	if a == src || a == derivedID(src, "other") || a == derivedID(NewID(), "conflict") {
		t.Fatal("derivedID collides across inputs")
	}
	ta, _ := IDTime(a)
	ts, _ := IDTime(src)
	if !ta.Equal(ts) {
		t.Fatalf("derived time %v, source time %v", ta, ts)
	}
}
