package winebed

import "golang.org/x/sys/windows"

// UnderWine reports whether this Windows is wine: its ntdll exports
// wine_get_version. Tests that change the machine (HKLM) or that wine
// cannot show (file ACLs) ask it.
func UnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
