package msp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the size of what people type and of references between entities.
const (
	MaxTitleRunes       = 200
	MaxDescriptionRunes = 20_000
	MaxCommentRunes     = 20_000
	MaxNameRunes        = 200      // names of tenants, people, files, software
	MaxRefBytes         = 128      // ids of tenants, devices and people
	MaxAttachmentBytes  = 25 << 20 // 25 MiB
	MaxAttachments      = 100
	MaxComments         = 5_000
)

// maxConflictRunes bounds the notes Apply writes for a stale edit, which
// quote a whole proposed title and description.
const maxConflictRunes = MaxTitleRunes + MaxDescriptionRunes + 1_000

// clip shortens s for quoting in an error message.
func clip(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// checkText validates free text of at most max runes. multiline allows
// newlines and tabs; other control characters are always rejected.
func checkText(field, s string, required bool, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return invalid(field, "contains bytes that are not valid UTF-8 text")
	}
	if required && strings.TrimSpace(s) == "" {
		return invalid(field, "is empty; write a few words")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "is %d characters long; the most allowed is %d, so shorten it", n, max)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			if multiline {
				return invalid(field, "contains a control character (%U); remove it", r)
			}
			return invalid(field, "must be one line without control characters such as tabs or line breaks")
		}
	}
	return nil
}

// checkRef validates a reference to another entity (a tenant, device or
// person id): no spaces or control characters, at most MaxRefBytes.
func checkRef(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid(field, "is missing")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return invalid(field, "contains bytes that are not valid UTF-8 text")
	}
	if len(s) > MaxRefBytes {
		return invalid(field, "is %d bytes long; the most allowed is %d", len(s), MaxRefBytes)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return invalid(field, "must not contain spaces or control characters")
		}
	}
	return nil
}
