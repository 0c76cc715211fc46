package msp

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// RouteDecision is who a ticket goes to, why, and when that changes.
type RouteDecision struct {
	// Owner is the party that owns the ticket at the moment routed.
	Owner Party `json:"owner"`
	// Function is the matrix function that decided, empty for a fully
	// managed tenant.
	Function Function `json:"function,omitempty"`
	// Reason says in plain words who handles the ticket and why, for the
	// requester and staff: "Your IT lead handles printing during business
	// hours (until 17:00); after that Blue Fern IT."
	Reason string `json:"reason"`
	// Until is when the matrix hands this kind of ticket to another
	// party (business hours end or begin), zero if it never does.
	Until time.Time `json:"until,omitzero"`
	// Then is the party that owns this kind of ticket from Until on,
	// empty if Until is zero.
	Then Party `json:"then,omitempty"`
}

// Route decides who owns tk for tenant t at the instant at.
//
// A fully managed tenant's tickets always go to the MSP. A co-managed
// tenant's go to the party the responsibility matrix names for the
// ticket's function (its pillar, or the category's own function) in
// business hours or after hours, read on the tenant's calendar with its
// holidays. A ticket whose function cannot be found, or a tenant whose
// calendar cannot be built, goes to the MSP: outside business hours the
// MSP's cover applies, so nothing is left without an owner.
//
// Shared rows route to PartyShared: both sides see the ticket, internal
// IT answers first, and the hub hands it to the MSP if nobody answers
// within Tenant.Overflow (the Reason says so).
func Route(t Tenant, tk *Ticket, at time.Time) RouteDecision {
	msp := mspName(t)
	if t.Mode != ModeCoManaged {
		return RouteDecision{Owner: PartyMSP, Reason: fmt.Sprintf("%s handles all IT for %s.", msp, orDefault(t.Name, "your business"))}
	}
	if tk == nil {
		return RouteDecision{Owner: PartyMSP, Reason: msp + " takes tickets nobody else is named for."}
	}
	f, err := FunctionFor(tk.Pillar, tk.Category)
	if err != nil {
		return RouteDecision{Owner: PartyMSP, Reason: fmt.Sprintf("The kind of problem is not one Tandem knows, so %s takes it.", msp)}
	}
	row, ok := t.Responsibilities().Lookup(f)
	if !ok || !row.BusinessHours.Valid() || !row.AfterHours.Valid() {
		return RouteDecision{Owner: PartyMSP, Function: f, Reason: fmt.Sprintf("Nobody is named for %s in the responsibility matrix, so %s takes it.", lowerFirst(f.Name()), msp)}
	}
	what := subject(tk, f)
	cal, err := t.Calendar()
	if err != nil {
		// No usable calendar: every hour is after hours.
		d := RouteDecision{Owner: row.AfterHours, Function: f}
		d.Reason = fmt.Sprintf("%s %s outside business hours, and %s has no business hours Tandem can read.", upperFirst(partyName(t, d.Owner)), verbFor(d.Owner, what), orDefault(t.Name, "the business"))
		return d.withOverflow(t, msp)
	}
	loc := cal.Location()
	inHours := cal.InBusinessHours(at)
	d := RouteDecision{Owner: row.AfterHours, Function: f}
	if inHours {
		d.Owner = row.BusinessHours
	}
	if row.BusinessHours == row.AfterHours {
		d.Reason = fmt.Sprintf("%s %s at all hours.", upperFirst(partyName(t, d.Owner)), verbFor(d.Owner, what))
		return d.withOverflow(t, msp)
	}
	var period string
	if inHours {
		d.Until, d.Then = closeAfter(cal, at), row.AfterHours
		period = "during business hours"
	} else {
		d.Until, d.Then = cal.NextOpen(at), row.BusinessHours
		period = "after hours"
	}
	d.Reason = fmt.Sprintf("%s %s %s", upperFirst(partyName(t, d.Owner)), verbFor(d.Owner, what), period)
	if !d.Until.IsZero() {
		d.Reason += fmt.Sprintf(" (until %s); after that %s.", ClockWords(d.Until, at, loc), partyName(t, d.Then))
	} else {
		d.Reason += "."
		d.Then = ""
	}
	return d.withOverflow(t, msp)
}

// withOverflow adds the overflow promise to the reason of a ticket not
// owned by the MSP.
func (d RouteDecision) withOverflow(t Tenant, msp string) RouteDecision {
	if d.Owner == PartyInternal || d.Owner == PartyShared {
		d.Reason += fmt.Sprintf(" If nobody answers within %s, %s takes it.", words(t.Overflow()), msp)
	}
	return d
}

// closeAfter returns when the business hours that hold at end: the first
// instant after at that is not in business hours, following spans that
// run on past midnight. It is zero if business hours never end in the
// next two weeks (a calendar open around the clock).
func closeAfter(cal *Calendar, at time.Time) time.Time {
	day := DateOf(at.In(cal.loc))
	for range 15 {
		_, close, ok := cal.hours(day)
		if !ok {
			return time.Time{}
		}
		next := day.AddDays(1)
		open2, _, ok2 := cal.hours(next)
		if !ok2 || !open2.Equal(close) {
			return close
		}
		day = next
	}
	return time.Time{}
}

// subject names the kind of ticket for a reason: a noun phrase for the
// category ("printing", "Wi-Fi problems"), or the function's name for the
// catch-all category and categories without a phrase.
func subject(tk *Ticket, f Function) string {
	if s, ok := subjects[tk.Category]; ok && tk.Category != CategoryOther {
		if _, known := LookupCategory(tk.Pillar, tk.Category); known {
			return s
		}
	}
	return lowerFirst(f.Name())
}

// subjects are the category ids in words that fit "X handles ___".
var subjects = map[string]string{
	"printing":             "printing",
	"new-starter-leaver":   "new starters and leavers",
	"slow-computer":        "slow computers",
	"software":             "installing and fixing programs",
	"hardware":             "hardware",
	"email-calendar":       "email and calendar problems",
	"teams":                "Teams problems",
	"files":                "OneDrive and SharePoint files",
	"sign-in":              "passwords and sign-in",
	"office-apps":          "Word, Excel and PowerPoint",
	"no-internet":          "internet outages",
	"wifi":                 "Wi-Fi problems",
	"remote-access":        "remote access and VPN",
	"slow-internet":        "slow internet",
	"suspicious-email":     "suspicious email",
	"virus-warning":        "virus warnings",
	"lost-device":          "lost and stolen devices",
	"account-misuse":       "misused accounts",
	"restore-file":         "restoring files",
	"restore-computer":     "recovering broken computers",
	"backup-warning":       "backup failures",
	"backup-scope":         "what the backups cover",
	"desk-phone":           "desk phones and softphones",
	"call-quality":         "call quality",
	"voicemail-forwarding": "voicemail and call forwarding",
	"mobile":               "work mobiles and SIMs",
	"meeting-room":         "meeting rooms",
	"device-offline":       "offline computers and servers",
	"disk-full":            "full disks",
	"alert-received":       "alerts",
	"updates":              "updates and restarts",
}

func verbFor(p Party, what string) string {
	if p == PartyShared {
		return "share " + what + "; your IT lead answers first"
	}
	return "handles " + what
}

// partyName names a party for the tenant's staff: "your IT lead", the
// MSP's brand name, or "your IT lead and Blue Fern IT".
func partyName(t Tenant, p Party) string {
	switch p {
	case PartyInternal:
		return "your IT lead"
	case PartyShared:
		return "your IT lead and " + mspName(t)
	}
	return mspName(t)
}

func mspName(t Tenant) string {
	return orDefault(strings.TrimSpace(t.Branding.Name), "your IT provider")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lowerFirst lower-cases the first letter of s if its first word is an
// ordinary capitalised word ("Printing" → "printing"), keeping names such
// as "Teams", "OneDrive", "Wi-Fi" and "Microsoft 365".
func lowerFirst(s string) string {
	word, _, _ := strings.Cut(s, " ")
	word = strings.TrimRight(word, ",.;:")
	switch word {
	case "Teams", "Word", "Microsoft", "Outlook", "Excel", "PowerPoint", "IT":
		return s
	}
	for i, r := range word {
		if i > 0 && !unicode.IsLower(r) {
			return s
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// words writes a duration for people: "30 min", "1 h", "1 h 30 min",
// "2 days".
func words(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d%(24*time.Hour) == 0:
		if d == 24*time.Hour {
			return "1 day"
		}
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
