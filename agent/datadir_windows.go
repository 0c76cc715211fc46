package agent

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// protectDataDir gives the data directory a protected DACL that its files
// and subdirectories inherit: full control for SYSTEM, Administrators and
// the account the agent runs as, nothing for anyone else. The directory
// under %ProgramData% would otherwise inherit read access for every local
// user, and it holds the device's private key, the store key, the outbox
// ledger (ticket text) and status.json. Trays reach the agent through its
// named pipe, which has its own ACL, never through these files.
func protectDataDir(dir string) error {
	sid, err := processUserSID()
	if err != nil {
		return fmt.Errorf("protecting the data directory %s: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString(dataDirSDDL(sid.String()))
	if err != nil {
		return fmt.Errorf("protecting the data directory %s: %w", dir, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("protecting the data directory %s: %w", dir, err)
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return fmt.Errorf("protecting the data directory %s (run the agent as SYSTEM or as an administrator, or as the account that owns the directory): %w", dir, err)
	}
	return nil
}

// dataDirSDDL is the data directory's DACL: protected (P), each entry
// inherited by files (OI) and directories (CI).
func dataDirSDDL(user string) string {
	return "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + user + ")"
}

// processUserSID is the user of this process's token.
func processUserSID() (*windows.SID, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("reading this process's user: %w", err)
	}
	return tu.User.Sid.Copy()
}
