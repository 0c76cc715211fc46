package tray

import (
	"bytes"
	"fmt"
	"strings"
)

// What starts the tray at login. The packaging installs these; the tray
// only knows their contents.
const (
	// DesktopFileName is the XDG autostart entry's file name (in
	// /etc/xdg/autostart for every user, or ~/.config/autostart).
	DesktopFileName = "tandem-tray.desktop"
	// RunKeyPath is the Windows registry key under HKEY_LOCAL_MACHINE (every
	// user) or HKEY_CURRENT_USER whose values start programs at sign-in.
	RunKeyPath = `Software\Microsoft\Windows\CurrentVersion\Run`
	// RunValueName is the tray's value under RunKeyPath.
	RunValueName = "Tandem"
	// LaunchAgentLabel is the macOS LaunchAgent's label; its file is
	// LaunchAgentLabel + ".plist" in /Library/LaunchAgents.
	LaunchAgentLabel = "app.tandem.tray"
)

// DesktopEntry is the XDG autostart .desktop file that runs exe (with
// args) at login.
func DesktopEntry(exe string, args ...string) string {
	fields := []string{desktopQuote(exe)}
	for _, a := range args {
		fields = append(fields, desktopQuote(a))
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Tandem\n" +
		"GenericName=IT support\n" +
		"Comment=Raise and follow IT support tickets\n" +
		"Exec=" + strings.Join(fields, " ") + "\n" +
		"Icon=tandem\n" +
		"Terminal=false\n" +
		"NoDisplay=true\n" +
		"X-GNOME-Autostart-enabled=true\n" +
		"X-GNOME-Autostart-Delay=2\n" +
		"X-KDE-autostart-after=panel\n"
}

// desktopQuote quotes one Exec argument as the Desktop Entry
// Specification asks: inside double quotes, escape " ` $ and \ with a
// backslash; then, since the whole value is a string, backslashes double
// again. "%" is doubled as it starts field codes.
func desktopQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`=") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$', '\\':
			b.WriteString(`\\`) // the escape's backslash, itself escaped for the string value
		}
		if r == '\\' {
			b.WriteString(`\`)
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// RunValue is the REG_SZ data of the Run value for exe: the path in
// double quotes (it usually holds spaces: C:\Program Files\…), then args.
func RunValue(exe string, args ...string) string {
	parts := []string{`"` + exe + `"`}
	for _, a := range args {
		if strings.ContainsAny(a, " \t") {
			a = `"` + a + `"`
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// LaunchAgent is the macOS LaunchAgent property list that runs exe (with
// args) in each person's GUI session at login, and again if it crashes;
// quitting it from the menu (a clean exit) keeps it closed.
func LaunchAgent(exe string, args ...string) string {
	var argv bytes.Buffer
	for _, a := range append([]string{exe}, args...) {
		argv.WriteString("\t\t<string>")
		argv.WriteString(xmlEscaper.Replace(a))
		argv.WriteString("</string>\n")
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>%s</string>
	<key>ProgramArguments</key>
	<array>
%s	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`, LaunchAgentLabel, argv.String())
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
