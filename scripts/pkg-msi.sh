#!/usr/bin/env bash
# Builds the Windows installer DIST/tandem_VERSION_windows_amd64.msi from
# the .exe files scripts/dist.sh put into DIST, with msitools' wixl and
# packaging/windows/tandem.wxs, then fixes up what wixl cannot express.
#
# usage: scripts/pkg-msi.sh DIST VERSION
set -euo pipefail
cd "$(dirname "$0")/.."

dist=${1:?usage: scripts/pkg-msi.sh DIST VERSION}
version=${2:?usage: scripts/pkg-msi.sh DIST VERSION}

for t in wixl msiinfo msibuild; do
	command -v $t >/dev/null || {
		echo "$t is missing: install the Debian packages wixl and msitools" >&2
		exit 1
	}
done

# msiversion: the MSI's ProductVersion (numbers only; Windows compares the
# first three). v1.2.3-4-gabc -> 1.2.3.4; no tag yet -> 0.0.COMMITS.
msiversion() {
	local v=${1#v}
	if [[ $v =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)(-([0-9]+)-g)? ]]; then
		echo "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}${BASH_REMATCH[5]:+.${BASH_REMATCH[5]}}"
	else
		echo "0.0.$(($(git rev-list --count HEAD 2>/dev/null || echo 0) % 65536))"
	fi
}
msiver=$(msiversion "$version")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
need() {
	[ -f "$1" ] || {
		echo "missing $1: build the Windows binaries first (scripts/dist.sh msi, or make dist)" >&2
		exit 1
	}
}
need "$dist/tandem-agent_${version}_windows_amd64.exe"
need "$dist/tandem_${version}_windows_amd64.exe"
cp "$dist/tandem-agent_${version}_windows_amd64.exe" "$work/tandem-agent.exe"
cp "$dist/tandem_${version}_windows_amd64.exe" "$work/tandem.exe"
tray=0
if [ -f "$dist/tandem-tray_${version}_windows_amd64.exe" ]; then
	cp "$dist/tandem-tray_${version}_windows_amd64.exe" "$work/tandem-tray.exe"
	tray=1
else
	echo "note: the MSI has no tray (no tandem-tray .exe in $dist)"
fi

out="$dist/tandem_${version}_windows_amd64.msi"
echo "== MSI, ProductVersion $msiver"
# wixl warns (GLib-GObject-WARNING) about attributes it does not know; any
# such warning means the .wxs asks for something the MSI will not do.
# wixl takes the files' paths relative to the working directory.
wxs=$PWD/packaging/windows/tandem.wxs
if ! (cd "$work" && wixl -a x64 -D Version="$msiver" -D SrcVersion="$version" -D Dist=. -D Tray=$tray \
	-o tandem.msi "$wxs" 2>wixl.log) ||
	grep -q . "$work/wixl.log"; then
	echo "wixl failed or warned:" >&2
	cat "$work/wixl.log" >&2
	exit 1
fi

# What wixl cannot say, set in the tables with msibuild:
#  - SecureCustomProperties: HUB, TOKEN, CA and PURGE reach an elevated
#    installation started by a user who is not an administrator;
#  - CustomAction: HideTarget (0x2000) on EnrollAgent, so Windows Installer
#    does not write its command line, the enrollment token in it, to a log,
#    and the rollback and commit types of EnrollRollback and EnrollCommit;
#  - Upgrade: the same version installs over itself (VersionMax inclusive,
#    0x200), so a rebuilt MSI of one version upgrades cleanly. (msiinfo
#    writes CRLF lines.)
(cd "$work" && msiinfo export tandem.msi Property >Property.idt && msiinfo export tandem.msi Upgrade >Upgrade.idt &&
	msiinfo export tandem.msi CustomAction >CustomAction.idt)
# wixl writes Execute="rollback" and "commit" as immediate actions (it
# knows only "deferred"): their types are set here, in-script (0x400) with
# the rollback (0x100) or commit (0x200) bit, and checked.
awk -F'\t' -v OFS='\t' '
	function set(bit) { if (int($2 / bit) % 2 == 0) $2 += bit }
	NR > 3 && $1 == "EnrollAgent" { set(8192); n++ }
	NR > 3 && $1 == "EnrollRollback" { set(1024); set(256); n++ }
	NR > 3 && $1 == "EnrollCommit" { set(1024); set(512); n++ }
	{ print }
	END { exit n != 3 }' "$work/CustomAction.idt" >"$work/CustomAction.new" || {
	echo "could not set the enrollment actions' types in the MSI (wixl's CustomAction table changed?)" >&2
	exit 1
}
mv "$work/CustomAction.new" "$work/CustomAction.idt"
sed -i -e 's/^\(SecureCustomProperties\t\)\(.*\)$/\1HUB;TOKEN;CA;PURGE;\2/' "$work/Property.idt"
grep -q '^SecureCustomProperties	HUB;TOKEN;CA;PURGE;' "$work/Property.idt" || {
	echo "could not set SecureCustomProperties in the MSI (wixl's Property table changed?)" >&2
	exit 1
}
awk -F'\t' -v OFS='\t' 'NR > 3 && $7 ~ /^WIX_UPGRADE_DETECTED\r?$/ { $5 = $5 + 512 } { print }' \
	"$work/Upgrade.idt" >"$work/Upgrade.new" && mv "$work/Upgrade.new" "$work/Upgrade.idt"
(cd "$work" && msibuild tandem.msi -i Property.idt && msibuild tandem.msi -i Upgrade.idt && msibuild tandem.msi -i CustomAction.idt)

mv "$work/tandem.msi" "$out"
echo "   $(basename "$out"): $(du -h "$out" | cut -f1)"
