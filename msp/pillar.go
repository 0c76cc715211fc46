package msp

import (
	"slices"
	"strings"
)

// Category is a kind of problem within a pillar, named the way an office
// worker would say it. ID is a stable slug stored on tickets; Name and Hint
// may be reworded freely.
type Category struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Hint string `json:"hint,omitempty"` // one line of examples for the picker
	// Function is the responsibility-matrix function that handles this
	// category, when it differs from the pillar's.
	Function Function `json:"function,omitempty"`
}

// PillarInfo describes one service pillar and the categories under it.
type PillarInfo struct {
	ID         Pillar     `json:"id"`
	Name       string     `json:"name"`
	Summary    string     `json:"summary"`
	Function   Function   `json:"function"` // the matrix function that handles its tickets
	Categories []Category `json:"categories"`
}

// CategoryOther is the catch-all category every pillar has.
const CategoryOther = "other"

var other = Category{ID: CategoryOther, Name: "Something else", Hint: "None of the above fits"}

// pillars is the catalogue, in the order a picker shows it.
var pillars = []PillarInfo{
	{
		ID: PillarHelpdesk, Name: "Helpdesk", Function: FuncHelpdeskTier1,
		Summary: "Everyday help with computers, printers and software",
		Categories: []Category{
			{ID: "printing", Name: "Printing", Hint: "Printer offline, paper jams, scanning"},
			{ID: "new-starter-leaver", Name: "New starter or leaver", Hint: "Set up or remove a colleague's computer and accounts", Function: FuncOnboarding},
			{ID: "slow-computer", Name: "Computer is slow", Hint: "Slow to start, freezing, programs hanging"},
			{ID: "software", Name: "Install or fix a program", Hint: "A program won't open, needs installing or updating"},
			{ID: "hardware", Name: "Screen, keyboard or other hardware", Hint: "Something broken or a new device needed"},
			other,
		},
	},
	{
		ID: PillarMicrosoft365, Name: "Microsoft 365", Function: FuncMicrosoft365,
		Summary: "Email, Teams, files and your Microsoft account",
		Categories: []Category{
			{ID: "email-calendar", Name: "Email and calendar", Hint: "Outlook, missing mail, shared mailboxes, meetings"},
			{ID: "teams", Name: "Teams", Hint: "Chats, calls, channels"},
			{ID: "files", Name: "OneDrive and SharePoint files", Hint: "Files not syncing, sharing, lost documents"},
			{ID: "sign-in", Name: "Password or sign-in", Hint: "Locked out, forgotten password, sign-in codes"},
			{ID: "office-apps", Name: "Word, Excel or PowerPoint", Hint: "An Office app won't open or asks for a licence"},
			other,
		},
	},
	{
		ID: PillarNetwork, Name: "Network and internet", Function: FuncNetwork,
		Summary: "Internet, Wi-Fi and reaching the office from elsewhere",
		Categories: []Category{
			{ID: "no-internet", Name: "No internet", Hint: "Nothing loads, for you or the whole office"},
			{ID: "wifi", Name: "Wi-Fi", Hint: "Can't connect, keeps dropping, weak signal"},
			{ID: "remote-access", Name: "Working from home or VPN", Hint: "Can't reach office files or systems from outside"},
			{ID: "slow-internet", Name: "Internet is slow", Hint: "Pages and video calls are slow"},
			other,
		},
	},
	{
		ID: PillarSecurity, Name: "Security", Function: FuncSecurityBaseline,
		Summary: "Suspicious email, viruses, lost devices, hacked accounts",
		Categories: []Category{
			{ID: "suspicious-email", Name: "Suspicious email or link", Hint: "I think I got a phishing email or clicked a bad link"},
			{ID: "virus-warning", Name: "Virus or scary pop-up", Hint: "Antivirus warning, strange pop-ups, ransom message"},
			{ID: "lost-device", Name: "Lost or stolen device", Hint: "A laptop or phone with work data is missing"},
			{ID: "account-misuse", Name: "Someone used my account", Hint: "Emails I didn't send, sign-ins I don't recognise"},
			other,
		},
	},
	{
		ID: PillarBackup, Name: "Backup and recovery", Function: FuncBackup,
		Summary: "Getting files or whole computers back",
		Categories: []Category{
			{ID: "restore-file", Name: "Get back a deleted or older file", Hint: "A file or folder was deleted or overwritten"},
			{ID: "restore-computer", Name: "Recover a broken computer", Hint: "A computer or server died and needs rebuilding"},
			{ID: "backup-warning", Name: "Backup failed or warned", Hint: "A backup report or alert says something went wrong"},
			{ID: "backup-scope", Name: "Back up something new", Hint: "Add a folder, mailbox or system to the backups"},
			other,
		},
	},
	{
		ID: PillarCommunications, Name: "Phones and meetings", Function: FuncCommunications,
		Summary: "Desk phones, softphones, mobiles and meeting rooms",
		Categories: []Category{
			{ID: "desk-phone", Name: "Desk phone or softphone", Hint: "No dial tone, can't make or take calls"},
			{ID: "call-quality", Name: "Poor call quality", Hint: "Echo, robotic voices, dropped calls"},
			{ID: "voicemail-forwarding", Name: "Voicemail and call forwarding", Hint: "Set up or change voicemail, forwarding, hunt groups"},
			{ID: "mobile", Name: "Work mobile or SIM", Hint: "Company phone, SIM card, mobile data"},
			{ID: "meeting-room", Name: "Meeting room screen or camera", Hint: "Room display, speakerphone, camera"},
			other,
		},
	},
	{
		ID: PillarMonitoring, Name: "Alerts and servers", Function: FuncMonitoring,
		Summary: "Alerts, offline computers and servers, full disks",
		Categories: []Category{
			{ID: "device-offline", Name: "A computer or server is offline", Hint: "It doesn't respond or can't be reached"},
			{ID: "disk-full", Name: "Disk full or nearly full", Hint: "Out of space warnings"},
			{ID: "alert-received", Name: "I got an alert or warning", Hint: "An email or message from a monitoring system"},
			{ID: "updates", Name: "Updates and restarts", Hint: "Updates failing, or a computer keeps asking to restart", Function: FuncPatching},
			other,
		},
	},
}

// Pillars returns the seven pillars and their categories, in the order a
// picker shows them. The result is a copy the caller may change.
func Pillars() []PillarInfo {
	out := make([]PillarInfo, len(pillars))
	for i, p := range pillars {
		out[i] = p
		out[i].Categories = slices.Clone(p.Categories)
	}
	return out
}

// findPillar returns the catalogue entry for p, or nil. Callers must not
// change it.
func findPillar(p Pillar) *PillarInfo {
	for i := range pillars {
		if pillars[i].ID == p {
			return &pillars[i]
		}
	}
	return nil
}

// LookupPillar returns the pillar with id p.
func LookupPillar(p Pillar) (PillarInfo, bool) {
	info := findPillar(p)
	if info == nil {
		return PillarInfo{}, false
	}
	out := *info
	out.Categories = slices.Clone(info.Categories)
	return out, true
}

// Valid reports whether p is one of the seven pillars.
func (p Pillar) Valid() bool { return findPillar(p) != nil }

// Name returns the pillar's display name, or the raw id if it is unknown.
func (p Pillar) Name() string {
	if info := findPillar(p); info != nil {
		return info.Name
	}
	return string(p)
}

// LookupCategory returns the category with the given id under pillar p.
func LookupCategory(p Pillar, id string) (Category, bool) {
	info := findPillar(p)
	if info == nil {
		return Category{}, false
	}
	for _, c := range info.Categories {
		if c.ID == id {
			return c, true
		}
	}
	return Category{}, false
}

// ValidateCategory checks that p is a pillar and category one of its
// categories. Errors name the field "pillar" or "category".
func ValidateCategory(p Pillar, category string) error {
	info := findPillar(p)
	if info == nil {
		if p == "" {
			return invalid("pillar", "is missing; choose what the problem is about")
		}
		return invalid("pillar", "%q is not a service pillar; choose one of %s", clip(string(p)), pillarList())
	}
	for _, c := range info.Categories {
		if c.ID == category {
			return nil
		}
	}
	if category == "" {
		return invalid("category", "is missing; choose the kind of %s problem", info.Name)
	}
	ids := make([]string, len(info.Categories))
	for i, c := range info.Categories {
		ids[i] = c.ID
	}
	return invalid("category", "%q is not a %s category; choose one of %s", clip(category), info.Name, strings.Join(ids, ", "))
}

// FunctionFor returns the responsibility-matrix function that handles
// tickets of pillar p and the given category.
func FunctionFor(p Pillar, category string) (Function, error) {
	if err := ValidateCategory(p, category); err != nil {
		return "", err
	}
	if c, _ := LookupCategory(p, category); c.Function != "" {
		return c.Function, nil
	}
	return findPillar(p).Function, nil
}

func pillarList() string {
	ids := make([]string, len(pillars))
	for i, p := range pillars {
		ids[i] = string(p.ID)
	}
	return strings.Join(ids, ", ")
}
