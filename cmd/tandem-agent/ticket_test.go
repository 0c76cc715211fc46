package main

import (
	"strings"
	"testing"
)

func TestTicketIDFirstOrLast(t *testing.T) {
	for _, c := range []struct{ args, id, rest string }{
		{"ID --json", "ID", "--json"},
		{"--data DIR ID", "ID", "--data DIR"},
		{"--json ID", "ID", "--json"},
		{"--data=DIR ID", "ID", "--data=DIR"},
		{"--message M", "", "--message M"},
		{"ID --message M", "ID", "--message M"},
		{"", "", ""},
	} {
		id, rest := ticketID(strings.Fields(c.args))
		if id != c.id || strings.Join(rest, " ") != c.rest {
			t.Errorf("ticketID(%q) = %q, %q; want %q, %q", c.args, id, rest, c.id, c.rest)
		}
	}
}
