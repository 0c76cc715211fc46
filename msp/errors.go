package msp

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps exactly one of them,
// so callers can tell the kinds apart with errors.Is. All five are permanent:
// sending the same change again gives the same answer, so a sync loop should
// set the change aside (dead-letter it) rather than retry it.
var (
	// ErrInvalid: a field is missing, malformed or out of range.
	ErrInvalid = errors.New("invalid")
	// ErrForbidden: the actor's role or scope does not allow the change.
	ErrForbidden = errors.New("not allowed")
	// ErrTransition: the ticket's status machine does not allow the change.
	ErrTransition = errors.New("status change not allowed")
	// ErrNotFound: the change names a ticket that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change was made on a view of the object that
	// somebody else has changed since (a stale matrix edit).
	ErrConflict = errors.New("changed meanwhile")
)

// IsPermanent reports whether err is one of this package's refusals, which
// will not succeed on retry.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, ErrForbidden) ||
		errors.Is(err, ErrTransition) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict)
}

// ValidationError says which field is wrong and why. It wraps ErrInvalid.
//
// Field is the field's JSON path, for example "title" or "comments[2].body",
// so a form can put the message next to the right input.
type ValidationError struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// FieldProblems returns every ValidationError inside err, in order, looking
// through errors.Join and %w wrapping. Validate methods report all problems
// they find at once; errors.As only finds the first.
func FieldProblems(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if ve, ok := e.(*ValidationError); ok {
			out = append(out, ve)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// invalid builds a *ValidationError with a formatted problem.
func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// forbidden wraps ErrForbidden with the reason in plain words.
func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForbidden, fmt.Sprintf(format, args...))
}

// TransitionError is a status change the state machine does not have. It
// wraps ErrTransition.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	switch {
	case e.From == e.To:
		return fmt.Sprintf("the ticket is already %s", e.To.Label())
	case e.From.Terminal():
		return fmt.Sprintf("a %s ticket cannot change any more; raise a new ticket instead", e.From.Label())
	default:
		return fmt.Sprintf("a ticket cannot go from %s to %s", e.From.Label(), e.To.Label())
	}
}

// Unwrap makes errors.Is(err, ErrTransition) true.
func (e *TransitionError) Unwrap() error { return ErrTransition }

// prefixField puts parent in front of the Field of every ValidationError in
// err, so a comment's "body" becomes "comments[2].body".
func prefixField(parent string, err error) error {
	for _, ve := range FieldProblems(err) {
		if ve.Field == "" {
			ve.Field = parent
		} else {
			ve.Field = parent + "." + ve.Field
		}
	}
	return err
}
