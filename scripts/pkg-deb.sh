#!/usr/bin/env bash
# Builds the Debian packages tandem-agent and tandem-hub (amd64, arm64) and
# tandem-desktop (amd64) from the binaries scripts/dist.sh put into DIST,
# with dpkg-deb (no source package, no debhelper). The maintainer scripts,
# units and desktop files come from packaging/.
#
# usage: scripts/pkg-deb.sh DIST VERSION
#
# Environment: DEB_MAINTAINER ("Name <address>"), DEB_HOMEPAGE, DEB_ONLY
# (package:arch words, such as "tandem-agent:amd64", to build only those).
set -euo pipefail
cd "$(dirname "$0")/.."

dist=${1:?usage: scripts/pkg-deb.sh DIST VERSION}
version=${2:?usage: scripts/pkg-deb.sh DIST VERSION}
maintainer=${DEB_MAINTAINER:-Tandem packaging <packaging@tandem.example.org>}
homepage=${DEB_HOMEPAGE:-https://tandem.example.org/}
pkgdir=packaging/deb

# debversion (scripts/debversion.sh): git describe's form as a Debian version.
source "$(dirname "$0")/debversion.sh"
debver=$(debversion "$version")

# The changelog's date: the commit's, so two builds of one commit match.
when=$(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# manpage PROG SECTION SUMMARY HELPTEXT > file: a man page from the usage text.
manpage() {
	local prog=$1 sect=$2 summary=$3 help=$4
	cat <<EOF
.TH ${prog^^} $sect "" "Tandem $version" "Tandem"
.SH NAME
$prog \\- $summary
.SH SYNOPSIS
.nf
$(printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/")
.fi
.SH SEE ALSO
The Tandem README, section "Installing on endpoints".
EOF
}

# helptext PROG: the program's own usage text (from the amd64 build, which
# runs here), else a line saying where to find it.
helptext() {
	local bin=$dist/${1}_${version}_linux_amd64
	local text=""
	if [ -x "$bin" ]; then
		text=$("$bin" help 2>&1 </dev/null || true)
	fi
	[ -n "$text" ] || text="$1 --help"
	printf '%s\n' "$text"
}

# common ROOT PKG ARCH: /usr/share/doc files, DEBIAN/control fields that
# every package has, md5sums.
finish() {
	local root=$1 pkg=$2 arch=$3 depends_extra=${4:-}
	local doc=$root/usr/share/doc/$pkg
	mkdir -p "$doc"
	sed -e "s|@HOMEPAGE@|$homepage|" -e "s|@YEAR@|$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)|" \
		"$pkgdir/copyright" >"$doc/copyright"
	# A native package (no Debian revision): changelog.gz.
	printf '%s (%s) stable; urgency=medium\n\n  * Tandem %s.\n\n -- %s  %s\n' \
		"$pkg" "$debver" "$version" "$maintainer" "$when" | gzip -9n >"$doc/changelog.gz"
	if [ -f "$pkgdir/$pkg/lintian-overrides" ]; then
		install -D -m 0644 "$pkgdir/$pkg/lintian-overrides" "$root/usr/share/lintian/overrides/$pkg"
	fi
	mkdir -p "$root/DEBIAN"
	for s in postinst prerm postrm; do
		if [ -f "$pkgdir/$pkg/$s" ]; then install -m 0755 "$pkgdir/$pkg/$s" "$root/DEBIAN/$s"; fi
	done
	local size
	size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
	{
		echo "Package: $pkg"
		echo "Version: $debver"
		echo "Architecture: $arch"
		echo "Maintainer: $maintainer"
		echo "Installed-Size: $size"
		sed -e '/^Package:/d' -e "s|@HOMEPAGE@|$homepage|" -e "s|@VERSION@|$debver|" \
			-e "s|@SHLIBS@|$depends_extra|" "$pkgdir/$pkg/control"
	} >"$root/DEBIAN/control"
	if [ -n "$(find "$root/etc" -type f 2>/dev/null)" ]; then
		(cd "$root" && find etc -type f -printf '/%p\n' | LC_ALL=C sort) >"$root/DEBIAN/conffiles"
	fi
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0 md5sum) >"$root/DEBIAN/md5sums"
	chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control"
	local out="$dist/${pkg}_${debver}_${arch}.deb"
	dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
	echo "   $(basename "$out"): $(du -h "$out" | cut -f1)"
}

need() { # need FILE: the binary must have been built
	[ -f "$1" ] || {
		echo "missing $1: build the binaries first (scripts/dist.sh bins, or make dist)" >&2
		exit 1
	}
}

agent() {
	local arch=$1 root=$work/tandem-agent-$arch
	need "$dist/tandem-agent_${version}_linux_$arch"
	install -D -m 0755 "$dist/tandem-agent_${version}_linux_$arch" "$root/usr/bin/tandem-agent"
	install -D -m 0644 packaging/systemd/tandem-agent.service "$root/lib/systemd/system/tandem-agent.service"
	install -D -m 0644 "$pkgdir/tandem-agent/agent.conf.example" "$root/usr/share/doc/tandem-agent/examples/agent.conf"
	mkdir -p "$root/usr/share/man/man8"
	manpage tandem-agent 8 "the Tandem endpoint agent" "$(helptext tandem-agent)" | gzip -9n >"$root/usr/share/man/man8/tandem-agent.8.gz"
	finish "$root" tandem-agent "$arch"
}

hub() {
	local arch=$1 root=$work/tandem-hub-$arch
	need "$dist/tandem-hub_${version}_linux_$arch"
	install -D -m 0755 "$dist/tandem-hub_${version}_linux_$arch" "$root/usr/bin/tandem-hub"
	install -D -m 0644 packaging/systemd/tandem-hub.service "$root/lib/systemd/system/tandem-hub.service"
	mkdir -p "$root/usr/share/man/man8"
	manpage tandem-hub 8 "the Tandem hub, the MSP's server" "$(helptext tandem-hub)" | gzip -9n >"$root/usr/share/man/man8/tandem-hub.8.gz"
	finish "$root" tandem-hub "$arch"
}

# shlibs ROOT: the Depends of the cgo binaries under ROOT/usr/bin, from
# dpkg-shlibdeps (which wants a debian/control next to it).
shlibs() {
	local root=$1 tmp=$work/shlibs
	mkdir -p "$tmp/debian"
	printf 'Source: tandem\n\nPackage: tandem-desktop\nArchitecture: amd64\n' >"$tmp/debian/control"
	(cd "$tmp" && dpkg-shlibdeps -O -e "$root"/usr/bin/* 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

desktop() {
	local arch=amd64 root=$work/tandem-desktop-amd64
	need "$dist/tandem_${version}_linux_$arch"
	install -D -m 0755 "$dist/tandem_${version}_linux_$arch" "$root/usr/bin/tandem"
	mkdir -p "$root/usr/share/man/man1"
	manpage tandem 1 "the Tandem desktop windows" "$(helptext tandem)" | gzip -9n >"$root/usr/share/man/man1/tandem.1.gz"
	if [ -f "$dist/tandem-tray_${version}_linux_$arch" ]; then
		install -D -m 0755 "$dist/tandem-tray_${version}_linux_$arch" "$root/usr/bin/tandem-tray"
		install -D -m 0644 packaging/linux/tandem-tray.desktop "$root/etc/xdg/autostart/tandem-tray.desktop"
		manpage tandem-tray 1 "the Tandem icon in the system tray" "$(helptext tandem-tray)" | gzip -9n >"$root/usr/share/man/man1/tandem-tray.1.gz"
	else
		echo "note: tandem-desktop without the tray (no tandem-tray binary in $dist)"
	fi
	install -D -m 0644 packaging/linux/tandem.desktop "$root/usr/share/applications/tandem.desktop"
	install -D -m 0644 assets/icon.png "$root/usr/share/icons/hicolor/256x256/apps/tandem.png"
	local deps
	deps=$(shlibs "$root")
	if [ -z "$deps" ]; then
		echo "dpkg-shlibdeps found no library dependencies of the desktop programs; is dpkg-dev installed?" >&2
		exit 1
	fi
	finish "$root" tandem-desktop "$arch" "$deps"
}

# DEB_ONLY="tandem-agent:amd64 ...": build only these (the test's upgrade,
# scripts/dist.sh ci).
want() { [ -z "${DEB_ONLY:-}" ] || [[ " $DEB_ONLY " == *" $1:$2 "* ]]; }
command -v dpkg-deb >/dev/null || {
	echo "dpkg-deb is missing: build the packages on Debian or Ubuntu (Debian package dpkg)" >&2
	exit 1
}
# Only tandem-desktop links C libraries; dpkg-shlibdeps finds its Depends.
if want tandem-desktop amd64 && ! command -v dpkg-shlibdeps >/dev/null; then
	echo "dpkg-shlibdeps is missing: install the Debian package dpkg-dev" >&2
	exit 1
fi
echo "== Debian packages, version $debver"
for arch in amd64 arm64; do
	if want tandem-agent "$arch"; then agent "$arch"; fi
	if want tandem-hub "$arch"; then hub "$arch"; fi
done
if want tandem-desktop amd64; then desktop; fi
