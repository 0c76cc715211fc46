//go:build !windows

package tray

// Icon returns a state's icon in the format this system's tray wants: PNG.
func Icon(s State) []byte { return PNG(s) }
