#!/usr/bin/env bash
# Builds Tandem's release artefacts into DIST (default dist/), every binary
# stamped with the version from git, then the packages and SHA256SUMS.
#
# usage: scripts/dist.sh [all|bins|deb|msi|ci] [DIST]
#
#   bins  the binaries only
#   deb   the Linux binaries and the three .deb packages
#   msi   the Windows binaries and the MSI
#   all   everything (the default), signed when SIGN_* is set (scripts/sign.sh)
#   ci    what `make test` checks, pure Go only (no cgo, no mingw): the agent
#         and hub for linux/amd64 with their two .deb packages, and the agent
#         for windows/amd64 (to sign); never signed here
#
# Environment: VERSION (default: git describe --tags --always --dirty), GO
# (default go), WINCC (the mingw-w64 C compiler, default x86_64-w64-mingw32-gcc).
#
# Artefact names: PROGRAM_VERSION_OS_ARCH[.exe], tandem-agent_DEBVERSION_ARCH.deb,
# tandem_VERSION_windows_amd64.msi.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
dist=${2:-dist}
GO=${GO:-go}
WINCC=${WINCC:-x86_64-w64-mingw32-gcc}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
export VERSION
ldflags="-s -w -X tandem/internal/version.Version=$VERSION"

mkdir -p "$dist"
case $what in
all | bins | ci)
	# A fresh set: remove earlier artefacts (files at the top level only;
	# dist/.cache keeps the test's debootstrap tarball).
	find "$dist" -maxdepth 1 -type f -delete
	;;
deb | msi) ;;
*)
	echo "usage: scripts/dist.sh [all|bins|deb|msi|ci] [DIST]" >&2
	exit 2
	;;
esac

# The tray is written alongside this work; skip it, saying so, until its
# package exists.
have_tray=0
if compgen -G "cmd/tandem-tray/*.go" >/dev/null; then
	have_tray=1
else
	echo "note: cmd/tandem-tray has no Go files yet; the tray is not built or packaged"
fi

timed() { # timed LABEL CMD...: runs CMD, prints how long it took
	local label=$1 start=$SECONDS
	shift
	"$@"
	echo "   $label: $((SECONDS - start)) s"
}

# build OS ARCH CGO PROGRAM PKG [extra ldflags [extra go build flags...]]
build() {
	local os=$1 arch=$2 cgo=$3 prog=$4 pkg=$5 extra=${6:-}
	local goflags=("${@:7}")
	local out="$dist/${prog}_${VERSION}_${os}_${arch}"
	[ "$os" = windows ] && out="$out.exe"
	local cc=()
	if [ "$cgo" = 1 ] && [ "$os" = windows ]; then
		if ! command -v "$WINCC" >/dev/null; then
			echo "cannot cross-build $prog for Windows: cgo needs the mingw-w64 compiler $WINCC (Debian package gcc-mingw-w64-x86-64; make dist installs it)" >&2
			return 1
		fi
		cc=(CC="$WINCC")
	fi
	echo "== $prog $os/$arch (cgo=$cgo)"
	local log
	log=$(mktemp)
	if ! timed "$prog $os/$arch" env CGO_ENABLED="$cgo" GOOS="$os" GOARCH="$arch" "${cc[@]}" \
		"$GO" build -trimpath "${goflags[@]}" -ldflags "$ldflags $extra" -o "$out" "$pkg" 2>"$log"; then
		echo "building $prog for $os/$arch failed; the compiler said:" >&2
		tail -n 30 "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

linux_bins() {
	for arch in amd64 arm64; do
		build linux "$arch" 0 tandem-agent ./cmd/tandem-agent
		build linux "$arch" 0 tandem-hub ./cmd/tandem-hub
	done
	# The desktop programs link GL and GTK through cgo: native amd64 only.
	# -buildmode=pie: position-independent, as Debian builds C programs.
	build linux amd64 1 tandem . "" -buildmode=pie
	if [ $have_tray = 1 ]; then build linux amd64 1 tandem-tray ./cmd/tandem-tray "" -buildmode=pie; fi
}

windows_bins() {
	build windows amd64 0 tandem-agent ./cmd/tandem-agent
	build windows amd64 0 tandem-hub ./cmd/tandem-hub
	# -H windowsgui: no console window behind the desktop programs.
	build windows amd64 1 tandem . "-H windowsgui"
	if [ $have_tray = 1 ]; then build windows amd64 1 tandem-tray ./cmd/tandem-tray "-H windowsgui"; fi
}

darwin_bins() {
	# Fyne and the tray need a Mac (Xcode's clang and SDK) to build; see
	# packaging/macos/README.md.
	for arch in amd64 arm64; do
		build darwin "$arch" 0 tandem-agent ./cmd/tandem-agent
		build darwin "$arch" 0 tandem-hub ./cmd/tandem-hub
	done
}

# sign FILES...: signs when a certificate is supplied (scripts/sign.sh).
sign() {
	if [ -n "${SIGN_CERT:-}${SIGN_PFX:-}" ]; then
		scripts/sign.sh "$@"
	else
		echo "note: $* not signed (set SIGN_CERT and SIGN_KEY, or SIGN_PFX and SIGN_PASS; see scripts/sign.sh)"
	fi
}

sums() {
	(cd "$dist" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | LC_ALL=C sort |
		xargs -r sha256sum >SHA256SUMS)
	echo "== $dist/SHA256SUMS written"
}

start=$SECONDS
echo "Tandem $VERSION into $dist/"
case $what in
bins)
	linux_bins
	windows_bins
	darwin_bins
	sums
	;;
deb)
	linux_bins
	scripts/pkg-deb.sh "$dist" "$VERSION"
	sums
	;;
msi)
	windows_bins
	# The programs are signed before they go into the MSI, then the MSI.
	sign "$dist"/*_windows_amd64.exe
	scripts/pkg-msi.sh "$dist" "$VERSION"
	sign "$dist"/*.msi
	sums
	;;
ci)
	build linux amd64 0 tandem-agent ./cmd/tandem-agent
	build linux amd64 0 tandem-hub ./cmd/tandem-hub
	build windows amd64 0 tandem-agent ./cmd/tandem-agent
	DEB_ONLY="tandem-agent:amd64 tandem-hub:amd64" scripts/pkg-deb.sh "$dist" "$VERSION"
	sums
	;;
all)
	linux_bins
	windows_bins
	darwin_bins
	scripts/pkg-deb.sh "$dist" "$VERSION"
	sign "$dist"/*_windows_amd64.exe
	scripts/pkg-msi.sh "$dist" "$VERSION"
	sign "$dist"/*.msi
	sums
	;;
esac
echo "== done in $((SECONDS - start)) s:"
ls -l "$dist" | tail -n +2
