// Package wine is the end-to-end part of the Windows test bed: the real
// Windows agent (tandem-agent.exe) under Debian's wine, enrolled into a real
// Linux hub on loopback, used through its named pipe by a second Windows
// process as a person's tray or command line would.
//
// scripts/wine.sh (the wine stage of `make test`) prepares the wine prefix
// and runs it with TANDEM_WINE_PREFIX and TANDEM_WINE set; without them the
// test skips, so `go test ./...` on a machine without wine passes by design
// and `make test` cannot.
package wine
