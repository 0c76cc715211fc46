// Package e2e holds the end-to-end tests of the desktop: the real hub,
// agent, tray and windows, built from this module and run under Xvfb with a
// real tray host (trayer) and a real notification daemon (dunst) on a
// private D-Bus session bus. xdotool drives the mouse and keyboard and every
// step leaves a screenshot in the artefacts directory.
//
// The tests skip when the X tools are missing, unless TANDEM_E2E=require
// (set by `make test`, which installs them), so CI cannot pass by skipping.
package e2e
