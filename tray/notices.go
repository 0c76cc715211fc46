package tray

import (
	"errors"
	"fmt"
	"strings"
)

// reach lists the ways to reach support, one a line.
func reach(s Snapshot) []string {
	sup := s.Support()
	var out []string
	if sup.Phone != "" {
		out = append(out, fmt.Sprintf("Call %s on %s.", s.SupportName(), sup.Phone))
	}
	if sup.Email != "" {
		out = append(out, fmt.Sprintf("Email %s at %s.", s.SupportName(), sup.Email))
	}
	if len(out) == 0 {
		out = append(out, "Call your IT support.")
	}
	if h := s.Device.Hostname; h != "" {
		out = append(out, "Your computer's name is "+h+".")
	}
	return out
}

// CliRaise is the command that raises a ticket without any window.
const CliRaise = `tandem-agent ticket new --title "…" --description "…"`

// NoWindowNotice is what the tray says when "Raise a ticket…" cannot open
// its window (no OpenGL in a remote session, the windows program missing):
// how to reach support instead, and the command that raises a ticket from
// a terminal.
func NoWindowNotice(s Snapshot, err error) Notification {
	why := "The ticket window could not open on this computer."
	if errors.Is(err, ErrNoWindows) {
		why = "The ticket window is not installed on this computer."
	}
	lines := append([]string{why}, reach(s)...)
	lines = append(lines, "Or, in a terminal: "+CliRaise)
	return Notification{Summary: "Raise a ticket another way", Body: strings.Join(lines, "\n"), Icon: StateAttention}
}

// NoAgentNotice is what "Raise a ticket…" says while the agent is down: a
// ticket cannot be saved, so whom to call.
func NoAgentNotice(s Snapshot) Notification {
	lines := []string{"Tickets cannot be saved on this computer right now."}
	lines = append(lines, reach(s)...)
	lines = append(lines, "Restarting the computer usually starts Tandem again.")
	return Notification{Summary: "Tandem agent is not running", Body: strings.Join(lines, "\n"), Icon: StateNotRunning}
}

// CallNotice shows the number to call: most desktops have no program for
// phone links, so the person reads it off the notification.
func CallNotice(s Snapshot) Notification {
	sup := s.Support()
	body := ""
	if h := s.Device.Hostname; h != "" {
		body = "They may ask for your computer's name: " + h
	}
	return Notification{Summary: fmt.Sprintf("Call %s on %s", s.SupportName(), sup.Phone), Body: body}
}
