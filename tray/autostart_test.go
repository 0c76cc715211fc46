package tray

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestDesktopEntry(t *testing.T) {
	t.Parallel()
	got := DesktopEntry("/usr/bin/tandem-tray")
	for _, line := range []string{"[Desktop Entry]", "Type=Application", "Name=Tandem", "Exec=/usr/bin/tandem-tray", "Terminal=false", "X-GNOME-Autostart-enabled=true"} {
		if !strings.Contains(got, "\n"+line+"\n") && !strings.HasPrefix(got, line+"\n") {
			t.Errorf("desktop entry lacks %q:\n%s", line, got)
		}
	}
	for _, tc := range []struct{ exe, arg, want string }{
		{"/opt/Tandem Desk/tandem-tray", "--data", `Exec="/opt/Tandem Desk/tandem-tray" --data`},
		{"/opt/t/tandem-tray", "/var/lib/$HOME/100%", `Exec=/opt/t/tandem-tray "/var/lib/\\$HOME/100%%"`},
		{`/opt/a\b/tray`, `say "hi"`, `Exec="/opt/a\\\\b/tray" "say \\"hi\\""`},
	} {
		if got := DesktopEntry(tc.exe, tc.arg); !strings.Contains(got, "\n"+tc.want+"\n") {
			t.Errorf("DesktopEntry(%q, %q) has no line %s:\n%s", tc.exe, tc.arg, tc.want, got)
		}
	}
}

func TestRunValue(t *testing.T) {
	t.Parallel()
	if got, want := RunValue(`C:\Program Files\Tandem\tandem-tray.exe`), `"C:\Program Files\Tandem\tandem-tray.exe"`; got != want {
		t.Errorf("RunValue = %s, want %s", got, want)
	}
	if got, want := RunValue(`C:\T\tandem-tray.exe`, "--data", `C:\Program Data\T`), `"C:\T\tandem-tray.exe" --data "C:\Program Data\T"`; got != want {
		t.Errorf("RunValue = %s, want %s", got, want)
	}
	if RunKeyPath != `Software\Microsoft\Windows\CurrentVersion\Run` {
		t.Errorf("Run key %s", RunKeyPath)
	}
}

// The LaunchAgent is a well-formed plist whose ProgramArguments are the
// executable and its arguments, escaped.
func TestLaunchAgent(t *testing.T) {
	t.Parallel()
	got := LaunchAgent("/Applications/Tandem & Co.app/Contents/MacOS/tandem-tray", "--data", "<dir>")
	dec := xml.NewDecoder(strings.NewReader(got))
	dec.Strict = true
	var strs []string
	inArgs, lastKey, keys := false, "", map[string]bool{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, got)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "key":
				var k string
				if err := dec.DecodeElement(&k, &se); err != nil {
					t.Fatal(err)
				}
				lastKey, keys[k] = k, true
				inArgs = k == "ProgramArguments"
			case "string":
				var s string
				if err := dec.DecodeElement(&s, &se); err != nil {
					t.Fatal(err)
				}
				if inArgs {
					strs = append(strs, s)
				} else if lastKey == "Label" && s != LaunchAgentLabel {
					t.Errorf("label %q", s)
				}
			}
		}
	}
	want := []string{"/Applications/Tandem & Co.app/Contents/MacOS/tandem-tray", "--data", "<dir>"}
	if strings.Join(strs, "|") != strings.Join(want, "|") {
		t.Errorf("ProgramArguments %q, want %q", strs, want)
	}
	for _, k := range []string{"Label", "ProgramArguments", "RunAtLoad", "KeepAlive", "LimitLoadToSessionType"} {
		if !keys[k] {
			t.Errorf("plist lacks %s", k)
		}
	}
}
