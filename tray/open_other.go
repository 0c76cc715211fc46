//go:build !linux && !darwin && !windows

package tray

func urlOpener(u string) (string, []string) { return "xdg-open", []string{u} }
