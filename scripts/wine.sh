#!/usr/bin/env bash
# The Windows test bed: the real Windows binaries under Debian's wine.
#
#   scripts/wine.sh CACHE   build the ProcessPrng shim, make a wine prefix
#                           (cached in CACHE), run the Windows test binaries
#                           of the packages below and the end-to-end test
#                           (e2e/wine): a Linux hub, the Windows agent.
#
# What it cannot show is in the README ("The Windows test bed").
set -euo pipefail
cache=${1:?usage: scripts/wine.sh CACHE}
root=$(cd "$(dirname "$0")/.." && pwd)
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver64
for tool in "$wine" "$wineserver" x86_64-w64-mingw32-gcc; do
	command -v "$tool" >/dev/null || { echo "the Windows test bed needs $tool: install wine64 and gcc-mingw-w64-x86-64"; exit 1; }
done
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# The shim, from source, and a prefix keyed by wine's version and the shim.
shim=$cache/bcryptprimitives.dll
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$shim" \
	"$root/scripts/wine/bcryptprimitives.c" "$root/scripts/wine/bcryptprimitives.def" -ladvapi32
# (the DLL itself differs at every build: mingw stamps the time in it)
key=$( { "$wine" --version; cat "$root"/scripts/wine/bcryptprimitives.*; } | sha256sum | cut -c1-12)
export WINEPREFIX=$cache/prefix-$key WINEDEBUG=-all WINEDLLOVERRIDES="bcryptprimitives=n;mscoree,mshtml="
if [ ! -f "$WINEPREFIX/.tandem-ready" ]; then
	rm -rf "$cache"/prefix-*
	echo "wine: making a prefix in $WINEPREFIX"
	"$wine" wineboot --init >/dev/null 2>&1 || true
	"$wineserver" -w
	cp "$shim" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
	touch "$WINEPREFIX/.tandem-ready"
fi
# One wineserver for the whole stage, and wine's own services started now
# with no terminal: a service started by a test's process would inherit its
# output pipe and hold it open for as long as the stage runs.
"$wineserver" -p </dev/null >/dev/null 2>&1
trap '"$wineserver" -k 2>/dev/null || true' EXIT
"$wine" wineboot </dev/null >/dev/null 2>&1 || true

# The packages whose Windows code paths run here: each one's test binary,
# built for Windows, run from its own directory (its testdata).
packages=(localdb localapi sync/outbox inventory agent cmd/tandem-agent internal/logfile)
bin=$cache/bin
mkdir -p "$bin"
status=0
for p in "${packages[@]}"; do
	exe=$bin/$(echo "$p" | tr / -).test.exe
	# winebed (internal/winebed) is linked into test binaries only; it needs
	# the linker's check of go:linkname off.
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go test -c -tags winebed -ldflags=-checklinkname=0 -o "$exe" "./$p"
	start=$(date +%s)
	if (cd "$root/$p" && timeout 600 "$wine" "$exe" -test.timeout 540s -test.short=false >"$exe.log" 2>&1); then
		echo "ok   wine $p ($(($(date +%s) - start)) s)"
	else
		echo "FAIL wine $p ($(($(date +%s) - start)) s)"
		grep -v '^time=' "$exe.log" | grep -B3 -A12 -- '--- FAIL\|^panic' | head -80
		status=1
	fi
done

# End to end: the Windows agent enrolled into a Linux hub on loopback.
TANDEM_WINE_PREFIX=$WINEPREFIX TANDEM_WINE=$wine go test -count=1 -timeout 10m ./e2e/wine/ || status=1
exit $status
