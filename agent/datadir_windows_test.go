package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"tandem/internal/winebed"
)

// Under %ProgramData% a new directory inherits read access for every local
// user. The data directory holds the device key and ticket text, so it and
// what is in it — a file left by an earlier agent included — are for
// SYSTEM, Administrators and the agent's account alone.
func TestDataDirIsForTheAgentAndAdministratorsAlone(t *testing.T) {
	if winebed.UnderWine() {
		t.Skip("wine 8 accepts a file's DACL and keeps none: it reads back SYSTEM, the user and Everyone from the Unix mode; TestDataDirSDDL checks the DACL that is set")
	}
	dir := filepath.Join(t.TempDir(), "agent")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	earlier := filepath.Join(dir, "outbox.ledger")
	if err := os.WriteFile(earlier, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// Everyone may read it, as an inherited ACL would allow.
	open, err := windows.SecurityDescriptorFromString("D:(A;OICI;FA;;;WD)")
	if err != nil {
		t.Fatal(err)
	}
	openDACL, _, _ := open.DACL()
	if err := windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION, nil, nil, openDACL, nil); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	me, err := processUserSID()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{me.String(): true}
	for _, w := range []windows.WELL_KNOWN_SID_TYPE{windows.WinLocalSystemSid, windows.WinBuiltinAdministratorsSid} {
		s, err := windows.CreateWellKnownSid(w)
		if err != nil {
			t.Fatal(err)
		}
		allowed[s.String()] = true
	}
	for _, path := range []string{dir, earlier, filepath.Join(dir, "store")} {
		sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		text := sd.String()
		dacl, _, err := sd.DACL()
		if err != nil || dacl == nil {
			t.Fatalf("%s has no DACL (%v): everyone has access; %s", path, err, text)
		}
		if path == dir {
			if ctl, _, _ := sd.Control(); ctl&windows.SE_DACL_PROTECTED == 0 {
				t.Errorf("%s inherits its parent's access: %s", path, text)
			}
		}
		for i := range uint32(dacl.AceCount) {
			var ace *windows.ACCESS_ALLOWED_ACE
			if err := windows.GetAce(dacl, i, &ace); err != nil {
				t.Fatal(err)
			}
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart)).String()
			if !allowed[sid] {
				t.Errorf("%s grants access to %s: %s", filepath.Base(path), sid, text)
			}
		}
	}
}

// The DACL the data directory is given: protected, inherited by what is in
// it, and naming SYSTEM, Administrators and the agent's account alone.
func TestDataDirSDDL(t *testing.T) {
	me, err := processUserSID()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString(dataDirSDDL(me.String()))
	if err != nil {
		t.Fatal(err)
	}
	if ctl, _, _ := sd.Control(); ctl&windows.SE_DACL_PROTECTED == 0 {
		t.Errorf("the DACL is not protected: %s", sd)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			t.Fatal(err)
		}
		if ace.Header.AceFlags&(windows.OBJECT_INHERIT_ACE|windows.CONTAINER_INHERIT_ACE) != windows.OBJECT_INHERIT_ACE|windows.CONTAINER_INHERIT_ACE {
			t.Errorf("entry %d is not inherited by files and directories: %s", i, sd)
		}
		got = append(got, (*windows.SID)(unsafe.Pointer(&ace.SidStart)).String())
	}
	want := []string{"S-1-5-18", "S-1-5-32-544", me.String()}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the DACL grants %v, want %v", got, want)
	}
}
