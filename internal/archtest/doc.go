// Package archtest holds tests of the code itself: the import direction that
// DESIGN.md sets out, and a doc comment on every package. It has no code of its own.
package archtest
