package localapi

import (
	"strings"
	"unicode"
)

// windowsUserName names a Windows account for the local API and the hub:
// the account alone when it is local to this computer (its domain is the
// computer's name) or a built-in one, DOMAIN\account otherwise, with
// spaces and control characters made underscores ("Thandi Mokoena" is a
// common local account name; a user reference holds no spaces).
func windowsUserName(domain, account, computer string) string {
	name := account
	if domain != "" && !strings.EqualFold(domain, computer) && !strings.EqualFold(domain, "NT AUTHORITY") && !strings.EqualFold(domain, "BUILTIN") {
		name = domain + `\` + account
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, name)
}
