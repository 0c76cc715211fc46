// Command tandem-tray is the Tandem icon in the system tray: the state of
// this computer's IT support at a glance, a menu to raise and follow
// tickets, and notifications when support answers.
//
//	tandem-tray [--data DIR]   run (DIR: the agent's data directory)
//	tandem-tray version
//
// It is a thin client of the agent's local API and opens windows by
// running `tandem open …`. The logic lives in package tray; this command is
// the getlantern/systray glue (ui.go).
package main
