// Package tray is everything the tray icon does that does not need a tray:
// it turns what the agent's local API says (status, the person's tickets,
// this device's health) into a state with an icon and a sentence, a menu
// model of fixed slots, and desktop notifications; it follows the agent's
// event stream and reconnects by itself when the agent stops; it finds and
// runs `tandem open …` for the windows; and it writes the files that start
// the tray at login.
//
// The systray glue lives in cmd/tandem-tray. This package imports neither
// getlantern/systray nor Fyne, so it builds on every system without cgo and
// its logic is tested without a display.
package tray
