package tray

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"tandem/msp"
)

// StatusWords says a ticket's status for the person who raised it, in the
// same words as the windows, lower-case for the middle of a menu line.
func StatusWords(s msp.Status) string {
	w := s.RequesterLabel()
	r, n := utf8.DecodeRuneInString(w)
	return string(unicode.ToLower(r)) + w[n:]
}

// shorten cuts s to at most n characters, ending with "…" when cut, and
// keeps it on one line.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// changes says "1 change" or "3 changes".
func changes(n int) string {
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}

// quoted puts a ticket's title in quotation marks.
func quoted(title string) string { return "“" + shorten(title, 48) + "”" }
