package msp

import (
	"errors"
	"fmt"
	"testing"
)

func TestValidationErrorWrapsErrInvalid(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("save ticket: %w", invalid("title", "is empty"))
	if !errors.Is(err, ErrInvalid) {
		t.Fatal("errors.Is(ErrInvalid) = false")
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "title" || ve.Problem != "is empty" {
		t.Fatalf("errors.As gave %+v", ve)
	}
	if got := ve.Error(); got != "title: is empty" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestFieldProblemsFindsAllThroughJoinAndWrap(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("outer: %w", errors.Join(
		invalid("a", "x"),
		fmt.Errorf("mid: %w", errors.Join(invalid("b", "y"), errors.New("plain"))),
		invalid("c", "z"),
	))
	var got []string
	for _, p := range FieldProblems(err) {
		got = append(got, p.Field)
	}
	if fmt.Sprint(got) != "[a b c]" {
		t.Fatalf("fields = %v, want [a b c]", got)
	}
	if FieldProblems(nil) != nil {
		t.Fatal("FieldProblems(nil) not empty")
	}
}

func TestPrefixField(t *testing.T) {
	t.Parallel()
	err := prefixField("comments[2]", errors.Join(invalid("body", "x"), invalid("", "y")))
	ps := FieldProblems(err)
	if len(ps) != 2 || ps[0].Field != "comments[2].body" || ps[1].Field != "comments[2]" {
		t.Fatalf("got %v", ps)
	}
	if prefixField("x", nil) != nil {
		t.Fatal("prefixField(nil) != nil")
	}
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{invalid("f", "p"), true},
		{forbidden("no"), true},
		{&TransitionError{From: StatusClosed, To: StatusOpen}, true},
		{fmt.Errorf("x: %w", ErrNotFound), true},
		{errors.New("connection reset"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestTransitionErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to Status
		want     string
	}{
		{StatusOpen, StatusOpen, "the ticket is already open"},
		{StatusClosed, StatusOpen, "a closed ticket cannot change any more; raise a new ticket instead"},
		{StatusNew, StatusReopened, "a ticket cannot go from new to reopened"},
	}
	for _, tt := range tests {
		err := &TransitionError{From: tt.from, To: tt.to}
		if err.Error() != tt.want {
			t.Errorf("%s→%s: %q, want %q", tt.from, tt.to, err.Error(), tt.want)
		}
		if !errors.Is(err, ErrTransition) {
			t.Errorf("%s→%s: not ErrTransition", tt.from, tt.to)
		}
	}
}
