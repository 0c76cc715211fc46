package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRaiseTicketFromTray walks the receptionist's path: the tray icon in a
// real tray host, "Raise a ticket…", the form filled with the keyboard,
// Send; the ticket reaches the hub; a technician replies on the hub; the
// reply arrives as a desktop notification and in the ticket's window.
func TestRaiseTicketFromTray(t *testing.T) {
	if testing.Short() {
		t.Skip("the desktop end-to-end test builds and starts the whole product")
	}
	d := startDesktop(t)
	p := startProduct(t, d)

	d.startProgram("tandem-tray", filepath.Join(d.bin, "tandem-tray"), "--data", p.agentDir)
	icon := d.waitTrayIcon(30 * time.Second)
	d.waitFor("the agent to reach the hub", 60*time.Second, func() bool {
		out, err := d.run(filepath.Join(d.bin, "tandem-agent"), "status", "--json", "--data", p.agentDir)
		return err == nil && strings.Contains(out, `"online": true`)
	})
	time.Sleep(2 * time.Second) // the tray hears the agent's status event
	d.shot("tray-icon")

	// Open the menu and choose "Raise a ticket…".
	x, y, w, h := d.geometry(icon)
	d.must("xdotool", "mousemove", itoa(x+w/2), itoa(y+h/2), "click", "1")
	time.Sleep(700 * time.Millisecond)
	d.shot("tray-menu")
	d.must("xdotool", "key", "Down", "Return")

	form := d.waitWindow("Raise a ticket", 30*time.Second)
	time.Sleep(1500 * time.Millisecond) // Fyne draws its first frame
	d.shot("new-ticket-window")
	const title = "Printer on the 2nd floor says offline"
	d.must("xdotool", "windowfocus", "--sync", form)
	d.must("xdotool", "type", "--delay", "20", title)
	d.must("xdotool", "key", "Tab")
	d.must("xdotool", "type", "--delay", "20", "Since this morning. I switched it off and on again.")
	d.must("xdotool", "key", "Tab", "Right", "Right") // What is it about? → Printing
	time.Sleep(300 * time.Millisecond)
	d.shot("new-ticket-filled")
	d.must("xdotool", "key", "ctrl+Return")
	time.Sleep(1500 * time.Millisecond)
	d.shot("new-ticket-sent")

	tk := p.waitHubTicket(t, title, 60*time.Second)
	if tk.Pillar == "" || tk.Category == "" {
		t.Errorf("the hub's ticket has no pillar/category: %+v", tk)
	}
	t.Logf("the hub holds ticket %s (%s/%s), owner %s", tk.ID, tk.Pillar, tk.Category, tk.Owner)

	// A technician replies on the hub; the agent pulls it and the tray
	// notifies the person.
	const reply = "Hi, I have restarted the print spooler. Please try again."
	p.technicianReply(t, tk.ID, reply)
	d.waitFor("the reply's notification on screen", 90*time.Second, func() bool {
		out, err := d.run("dunstctl", "count", "displayed")
		return err == nil && strings.TrimSpace(out) != "0"
	})
	time.Sleep(300 * time.Millisecond) // dunst draws the popup
	d.shot("reply-notification")
	d.must("dunstctl", "action", "0") // a click on the notification: open the ticket
	d.waitFor("the notification in dunst's history", 10*time.Second, func() bool {
		for _, n := range d.notifications() {
			if strings.Contains(n, title) {
				return true
			}
		}
		return false
	})
	win := d.waitWindow("My tickets", 30*time.Second)
	time.Sleep(1500 * time.Millisecond)
	d.must("xdotool", "windowfocus", "--sync", win)
	d.shot("ticket-with-reply")
}
