// Package msp holds the domain of Tandem that the endpoint and the hub share:
// tickets and their status machine, the service pillars and categories, the
// ITIL priority matrix, tenants and their service mode, the shared-responsibility
// matrix, and devices with their inventory, patch state and security posture.
//
// Every type that crosses a trust boundary has a Validate method that returns an
// error saying what is wrong in words a person can act on. Validation errors are
// *ValidationError values naming the field by its JSON path; they wrap ErrInvalid,
// and FieldProblems lists all of them.
//
// Tickets change only through Apply, which takes a Change, the Actor the hub
// learnt from the credential, and the hub's clock. Apply is pure, deterministic
// and idempotent, so the hub and every replica that runs it on the same inputs
// agree, and a change delivered twice has the effect of one. Its refusals wrap
// ErrInvalid, ErrForbidden, ErrTransition or ErrNotFound, all permanent.
//
// The package imports nothing of the project and no module but
// github.com/google/uuid, so both sides can rely on the same rules.
package msp
