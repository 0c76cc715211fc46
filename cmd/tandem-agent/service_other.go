//go:build !windows

package main

import "github.com/kardianos/service"

// underServiceManager reports whether systemd or launchd started this
// process.
func underServiceManager() bool { return !service.Interactive() }

// runService runs the agent under the service manager until it is stopped.
func runService(s service.Service, _ *program) error { return s.Run() }
