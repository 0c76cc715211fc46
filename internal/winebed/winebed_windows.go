//go:build winebed

package winebed

import _ "unsafe" // for go:linkname

//go:linkname deleteatFallback internal/syscall/windows.TestDeleteatFallback
var deleteatFallback bool

func init() { deleteatFallback = true }
