package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"github.com/kardianos/service"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// underServiceManager reports whether the Windows service manager started
// this process: its parent is services.exe. x/sys's svc.IsWindowsService,
// which kardianos/service goes by, also asks that services.exe run in
// session 0. Windows's does; wine's runs in session 1, so there the agent
// that the MSI installs ran as a console program, never answered the
// service manager, and the installation failed at StartServices after
// the enrollment had been made. Only services.exe starts services, so its
// name is enough.
func underServiceManager() bool {
	if ok, err := svc.IsWindowsService(); err == nil && ok {
		return true
	}
	parent, err := parentImage()
	return err == nil && strings.EqualFold(parent, "services.exe")
}

// parentImage is the executable name of the process that started this one.
func parentImage() (string, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return "", fmt.Errorf("listing processes: %w", err)
	}
	defer windows.CloseHandle(snap)
	me := uint32(os.Getpid())
	names := map[uint32]string{}
	var parent uint32
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		names[e.ProcessID] = windows.UTF16ToString(e.ExeFile[:])
		if e.ProcessID == me {
			parent = e.ParentProcessID
		}
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return "", fmt.Errorf("listing processes: %w", err)
	}
	name, ok := names[parent]
	if !ok {
		return "", errors.New("the parent process has ended")
	}
	return name, nil
}

// runService answers the Windows service manager itself, the same on
// Windows and under wine (see underServiceManager), rather than through
// kardianos/service's Run, which would run the agent as a console program
// wherever svc.IsWindowsService says no.
func runService(_ service.Service, p *program) error {
	h := &serviceHandler{p: p}
	if err := svc.Run(serviceName, h); err != nil {
		return fmt.Errorf("answering the Windows service manager: %w", err)
	}
	return h.err
}

// serviceHandler is the agent's side of the service control protocol.
type serviceHandler struct {
	p   *program
	err error
}

// Execute starts the agent, tells the service manager it runs, and stops it
// when asked. An agent that ends by itself ends the service with an error,
// so the recovery actions the installer set restart it.
func (h *serviceHandler) Execute(_ []string, requests <-chan svc.ChangeRequest, changes chan<- svc.Status) (bool, uint32) {
	changes <- svc.Status{State: svc.StartPending}
	if err := h.p.Start(nil); err != nil {
		h.err = err
		return true, 1
	}
	changes <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case err := <-h.p.done:
			h.p.close()
			if err == nil {
				err = errors.New("the agent stopped by itself")
			}
			h.err = err
			h.p.log.Error("the agent stopped; the service manager restarts it", "err", err)
			return true, 1
		case c := <-requests:
			switch c.Cmd {
			case svc.Interrogate:
				changes <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				changes <- svc.Status{State: svc.StopPending}
				if err := h.p.Stop(nil); err != nil {
					h.err = err
					return true, 2
				}
				return false, 0
			}
		}
	}
}
