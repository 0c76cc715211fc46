//go:build windows

package localapi

import (
	"errors"
	"fmt"
	"net"
	"runtime"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipeSDDL is the pipe's security descriptor: a protected DACL giving
// SYSTEM and Administrators full control and Authenticated Users read and
// write. Only full control includes creating pipe instances, so no user
// can squat the agent's name; anonymous and network logons get nothing.
const pipeSDDL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;AU)"

// listen opens the agent's named pipe. winio creates the first instance
// with FILE_FLAG_FIRST_PIPE_INSTANCE, so it fails if another process holds
// the name.
func listen(dir string) (net.Listener, error) {
	name := PipeName(dir)
	ln, err := winio.ListenPipe(name, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL,
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err != nil {
		return nil, fmt.Errorf("opening the local API pipe %s (is another agent running?): %w", name, err)
	}
	return ln, nil
}

// handle is what winio's pipe connections offer to reach the pipe handle.
type handle interface{ Fd() uintptr }

var procImpersonateNamedPipeClient = windows.NewLazySystemDLL("advapi32.dll").NewProc("ImpersonateNamedPipeClient")

// identify names the user at the other end of the pipe: from the client's
// token while impersonating it (the client dials with the Identification
// level), else from the token of the client's process.
func (s *Server) identify(c net.Conn) (string, error) {
	h, ok := c.(handle)
	if !ok {
		return "", errors.New("not a named pipe connection")
	}
	pipe := windows.Handle(h.Fd())
	name, err := impersonatedUser(pipe)
	if err == nil {
		return name, nil
	}
	name, perr := processUser(pipe)
	if perr != nil {
		return "", fmt.Errorf("naming the pipe's client: %w", errors.Join(err, perr))
	}
	return name, nil
}

// impersonatedUser reads the user of the client's token by impersonating
// it on this OS thread for as long as it takes to read the token.
func impersonatedUser(pipe windows.Handle) (string, error) {
	runtime.LockOSThread()
	if r, _, err := procImpersonateNamedPipeClient.Call(uintptr(pipe)); r == 0 {
		runtime.UnlockOSThread()
		return "", fmt.Errorf("ImpersonateNamedPipeClient: %w", err)
	}
	var tok windows.Token
	err := windows.OpenThreadToken(windows.CurrentThread(), windows.TOKEN_QUERY, true, &tok)
	if rerr := windows.RevertToSelf(); rerr != nil {
		// The thread still carries the client's identity: leave it locked
		// so the runtime ends it with this goroutine's caller rather than
		// run other code on it.
		if err == nil {
			tok.Close()
		}
		return "", fmt.Errorf("RevertToSelf: %w", rerr)
	}
	runtime.UnlockOSThread()
	if err != nil {
		return "", fmt.Errorf("OpenThreadToken: %w", err)
	}
	defer tok.Close()
	return tokenUser(tok)
}

// processUser reads the user of the token of the client's process.
func processUser(pipe windows.Handle) (string, error) {
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(pipe, &pid); err != nil {
		return "", fmt.Errorf("GetNamedPipeClientProcessId: %w", err)
	}
	p, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return "", fmt.Errorf("OpenProcess(%d): %w", pid, err)
	}
	defer windows.CloseHandle(p)
	var tok windows.Token
	if err := windows.OpenProcessToken(p, windows.TOKEN_QUERY, &tok); err != nil {
		return "", fmt.Errorf("OpenProcessToken(%d): %w", pid, err)
	}
	defer tok.Close()
	return tokenUser(tok)
}

// tokenUser names a token's user: the account alone for a local account,
// DOMAIN\account for a domain one, with spaces made underscores (a user
// reference holds no spaces). Anonymous and guest tokens are refused.
func tokenUser(tok windows.Token) (string, error) {
	tu, err := tok.GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("GetTokenUser: %w", err)
	}
	sid := tu.User.Sid
	if sid.IsWellKnown(windows.WinAnonymousSid) || sid.IsWellKnown(windows.WinBuiltinGuestsSid) {
		return "", errors.New("an anonymous or guest caller cannot use the local API")
	}
	account, domain, _, err := sid.LookupAccount("")
	if err != nil {
		// A deleted or unresolvable account is still someone; no account
		// name holds a colon, so this is never taken for one.
		return "sid:" + sid.String(), nil
	}
	return windowsUserName(domain, account, computerName()), nil
}

func computerName() string {
	n := uint32(windows.MAX_COMPUTERNAME_LENGTH + 1)
	b := make([]uint16, n)
	if err := windows.GetComputerName(&b[0], &n); err != nil {
		return ""
	}
	return windows.UTF16ToString(b[:n])
}

// lookupUID is not used on Windows: callers are named from their tokens.
func lookupUID(uint32) (string, error) {
	return "", errors.New("user ids are not used on Windows")
}
