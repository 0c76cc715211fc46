package app

import (
	"fmt"
	"strings"
	"time"

	"tandem/localapi"
	"tandem/msp"
)

// Topic is one answer to "What is it about?", in the words a person uses,
// and the pillar and category a technician files it under.
type Topic struct {
	Label    string
	Pillar   msp.Pillar
	Category string
}

// Topics are the choices of "What is it about?", in the order shown.
var Topics = []Topic{
	{"Email and Microsoft 365", msp.PillarMicrosoft365, "email-calendar"},
	{"Printing", msp.PillarHelpdesk, "printing"},
	{"Network and Wi-Fi", msp.PillarNetwork, "wifi"},
	{"Files and backup", msp.PillarBackup, "restore-file"},
	{"A security worry", msp.PillarSecurity, msp.CategoryOther},
	{"A new starter or leaver", msp.PillarHelpdesk, "new-starter-leaver"},
	{"Something else", msp.PillarHelpdesk, msp.CategoryOther},
}

// topicHints say in one line what each topic covers.
var topicHints = map[string]string{
	"Email and Microsoft 365": "Outlook, Teams, OneDrive, passwords and sign-in",
	"Printing":                "Printer offline, paper jams, scanning",
	"Network and Wi-Fi":       "No internet, Wi-Fi dropping, VPN from home",
	"Files and backup":        "A lost or deleted file, a backup warning",
	"A security worry":        "A suspicious email or link, a virus warning, a lost laptop",
	"A new starter or leaver": "Set up or remove a colleague's computer and accounts",
	"Something else":          "Anything else; describe it and we will sort it",
}

// topicByLabel returns the topic with the given label.
func topicByLabel(label string) (Topic, bool) {
	for _, t := range Topics {
		if t.Label == label {
			return t, true
		}
	}
	return Topic{}, false
}

// Affected are the answers to "Who is affected?", mapped to impact.
var Affected = []Choice{
	{"Just me", msp.LevelLow},
	{"My team", msp.LevelMedium},
	{"The whole office", msp.LevelHigh},
}

// Severity are the answers to "How badly?", mapped to urgency.
var Severity = []Choice{
	{"I can't work", msp.LevelHigh},
	{"I can work around it", msp.LevelMedium},
	{"It's a minor annoyance", msp.LevelLow},
}

// Choice is a plain-words answer mapped to a level.
type Choice struct {
	Label string
	Level msp.Level
}

func labels(cs []Choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Label
	}
	return out
}

func levelOf(cs []Choice, label string) (msp.Level, bool) {
	for _, c := range cs {
		if c.Label == label {
			return c.Level, true
		}
	}
	return 0, false
}

// PriorityWords says a priority the way a person reads it: the one name
// the CLI, the report and the tray use too (msp.Priority.String, "P2
// high"), with what it means for the person where it says something.
func PriorityWords(p msp.Priority) string {
	switch p {
	case msp.P1:
		return p.String() + ": handled first"
	case msp.P2:
		return p.String() + ": handled soon"
	}
	return p.String()
}

// StatusWords says a ticket's status for the person who raised it, in the
// same words as the tray.
func StatusWords(s msp.Status) string { return s.RequesterLabel() }

// TicketNumber is the short number a person reads out on the phone
// (msp.TicketNumber): the dashboard's search finds a ticket by it.
func TicketNumber(id string) string { return msp.TicketNumber(id) }

// Ago says how long ago t was: "just now", "5 minutes ago", "2 hours ago",
// "yesterday", "3 days ago", then the date.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 48*time.Hour:
		return "yesterday"
	case d < 7*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return t.Local().Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Size says a byte count in KB or MB.
func Size(n int64) string {
	switch {
	case n < 1024:
		return plural(int(n), "byte")
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1024*1024)), ".0") + " MB"
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// RequesterWords names who raised a ticket for staff: the person the hub
// matched to the OS account ("Thandi Nkosi"), or the account itself
// ("thandi@reception-pc") when no person of the organisation has it;
// "Tandem's monitoring" for a ticket the hub raised itself (an alert).
func RequesterWords(t localapi.StaffTicket) string {
	if t.RequesterName != "" {
		return t.RequesterName
	}
	if t.Caller != nil && t.Caller.Name != "" {
		return t.Caller.Name
	}
	if t.Alert != nil {
		return "Tandem's monitoring"
	}
	return t.Requester
}

// requesterLabel names the author of the ticket's first message.
func requesterLabel(t localapi.StaffTicket) string {
	if t.Alert != nil {
		return RequesterWords(t)
	}
	return RequesterWords(t) + " (requester)"
}

// CallBackWords is the ticket pane's call-back line: "Call back: +27 82
// 555 0101 · thandi@example.co.za (thandi on reception-pc)", or, when no
// person matches the account, what the MSP can do about it; empty for an
// alert, which nobody raised.
func CallBackWords(t localapi.StaffTicket) string {
	if t.Alert != nil {
		return ""
	}
	if t.Caller != nil && t.RequesterName == "" {
		if t.Caller.Phone != "" {
			return "Call back: " + t.Caller.Phone + " (phoned in)"
		}
		return "Call back: no number given on the call"
	}
	if t.RequesterName == "" {
		return "Call back: no person on record for " + t.Requester + " (the MSP adds them with tandem-hub person add)"
	}
	var parts []string
	for _, s := range []string{t.RequesterPhone, t.RequesterEmail} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no phone or e-mail on record")
	}
	account, host := msp.SplitRequester(t.Requester)
	if host != "" {
		account += " on " + host
	}
	return "Call back: " + strings.Join(parts, " · ") + " (" + account + ")"
}
