package msp

import (
	"crypto/sha256"
	"strings"
	"time"

	"github.com/google/uuid"
)

// NewID returns a fresh UUIDv7 in its canonical lower-case form. Version 7
// UUIDs start with a millisecond timestamp, so ids sort by creation time and
// an entity written offline keeps one identity through every retry.
func NewID() string {
	// uuid.NewV7 fails only if crypto/rand fails, which since Go 1.24 never
	// returns an error (the runtime aborts instead), so Must cannot panic.
	return uuid.Must(uuid.NewV7()).String()
}

// NewTicketID returns a fresh UUIDv7 for a ticket.
func NewTicketID() string { return NewID() }

// TicketNumberLen is how many characters of a ticket's id its number shows.
const TicketNumberLen = 6

// TicketNumber is the short number people read out on the phone and type
// into a search box: the last TicketNumberLen characters of the ticket's
// id without its hyphens, upper-case, after a '#' ("#69DC5E"). A UUIDv7
// ends in random bits, so the numbers of a tenant's tickets rarely repeat;
// the id stays the ticket's identity.
func TicketNumber(id string) string {
	s := strings.ReplaceAll(id, "-", "")
	if len(s) > TicketNumberLen {
		s = s[len(s)-TicketNumberLen:]
	}
	return "#" + strings.ToUpper(s)
}

// ValidateID checks that s is a UUIDv7 written in canonical form
// (36 lower-case characters with hyphens). field names it in the error.
func ValidateID(field, s string) error {
	if s == "" {
		return invalid(field, "is missing; create one with NewID")
	}
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return invalid(field, "must be a UUID like 0192f0c5-8a4e-7c3b-9a1d-2f6e8b7c4d21, not %q", clip(s))
	}
	if u.Version() != 7 {
		return invalid(field, "must be a version 7 UUID (time-ordered), this one is version %d", u.Version())
	}
	if u.Variant() != uuid.RFC4122 {
		return invalid(field, "must be an RFC 9562 UUID, this one has the %s variant", u.Variant())
	}
	if strings.ToLower(s) != s { // no allocation when s is already lower case
		return invalid(field, "must be written in lower case")
	}
	return nil
}

// IDTime returns the creation time embedded in a UUIDv7, to the millisecond.
// ok is false if id is not a valid UUIDv7.
func IDTime(id string) (t time.Time, ok bool) {
	if ValidateID("id", id) != nil {
		return time.Time{}, false
	}
	sec, nsec := uuid.MustParse(id).Time().UnixTime()
	return time.Unix(sec, nsec).UTC(), true
}

// derivedID returns a UUIDv7 computed from a valid UUIDv7 and a purpose: the
// same inputs always give the same id, and the id carries the same timestamp
// as from. Apply uses it for the notes it writes, so replaying a change writes
// the same note (a no-op) instead of a second one.
func derivedID(from, purpose string) string {
	src := uuid.MustParse(from)
	sum := sha256.Sum256([]byte("tandem/" + purpose + "\x00" + from))
	var u uuid.UUID
	copy(u[:], sum[:16])
	copy(u[:6], src[:6])        // 48-bit millisecond timestamp
	u[6] = 0x70 | (u[6] & 0x0f) // version 7
	u[8] = 0x80 | (u[8] & 0x3f) // RFC 9562 variant
	return u.String()
}
