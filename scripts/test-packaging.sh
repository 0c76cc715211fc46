#!/usr/bin/env bash
# Tests the release artefacts: the .deb packages (lintian, systemd units,
# installation, enrollment, upgrade and purge in a fresh Debian root made
# with debootstrap), the MSI (tables and sequence), Authenticode signing
# with a throw-away certificate, and the macOS property lists.
#
# usage: scripts/test-packaging.sh [--ci] [DIST]
#
# Builds DIST (scripts/dist.sh all) first unless it already holds this
# version's artefacts. Needs root (debootstrap, chroot, mount). The
# debootstrapped root is cached as a tarball in PKG_CACHE (default
# DIST/.cache, ignored by git); delete it to start from a fresh download.
# The root is made (or unpacked) in the background while the programs build.
# Reports how long each part took.
#
# --ci: the part `make test` runs (make test-packaging-ci), built from pure Go
# alone, without cgo or mingw: DIST (default dist/ci) is always rebuilt with
# scripts/dist.sh ci (the agent and hub for linux/amd64 and their .debs, the
# agent for windows/amd64), then SHA256SUMS and versions, lintian,
# systemd-analyze, the Debian root (install, enroll, collect, upgrade, purge,
# the hub's package) and Authenticode signing of the agent's .exe. Left to the
# full test: the tandem-desktop package, arm64, the MSI and its checks,
# signing the MSI and a cgo program, go test ./packaging/ (make test-go).
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
if [ "${1:-}" = --ci ]; then
	ci=1
	shift
fi
if [ $ci = 1 ]; then dist=${1:-dist/ci}; else dist=${1:-dist}; fi
GO=${GO:-go}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
export VERSION
cache=${PKG_CACHE:-$dist/.cache}
suite=bookworm

if [ "$(id -u)" -ne 0 ]; then
	# --ci (make test) as another user: build with this user's Go and its
	# cache, then run the rest, which needs root, through sudo.
	if [ $ci = 1 ] && command -v sudo >/dev/null; then
		scripts/dist.sh ci "$dist"
		echo "== the rest needs root (debootstrap, chroot, mount): running it through sudo"
		exec sudo env VERSION="$VERSION" PKG_CACHE="$cache" TEST_PACKAGING_BUILT=1 \
			scripts/test-packaging.sh --ci "$dist"
	fi
	echo "test-packaging needs root (debootstrap, chroot and mount); run it with sudo" >&2
	exit 1
fi

t0=$SECONDS
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
pass() { echo "ok:   $*"; }
timing=()
lap() { # lap LABEL START
	timing+=("$(printf '%-34s %4d s' "$1" $((SECONDS - $2)))")
}

work=$(mktemp -d)
mounts=()
hubpid=""
rootpid=""
cleanup() {
	[ -z "$hubpid" ] || kill "$hubpid" 2>/dev/null || true
	# A debootstrap still running in the background: its whole process group.
	if [ -n "$rootpid" ]; then
		kill -- -"$rootpid" 2>/dev/null || true
		wait "$rootpid" 2>/dev/null || true
	fi
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
	# debootstrap binds /dev into the root in a container; if it was cut off
	# before unmounting, unmount here, and never let rm leave this file system.
	{ findmnt -rn -o TARGET || true; } | { grep -F "$work/" || true; } | LC_ALL=C sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# ---- a fresh Debian root, made in the background ----------------------------
# The mirror apt uses on this machine (deb822 .sources or one-line lists).
mirror() {
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
		/^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found = uri }
		/^$/ { if (found) { print found; exit } } END { if (found) print found }' s="$suite" | head -1)
	[ -n "$m" ] || m=$(grep -hE "^deb +(\[[^]]*\] +)?[a-z]+://[^ ]+ +$suite( |$)" /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{ print $1; exit }')
	echo "$m"
}
mkdir -p "$cache"
tarball=$cache/debootstrap-$suite-minbase-$(dpkg --print-architecture).tar.gz
root=$work/root
# make_root: debootstrap (network and disk bound) into $root and cache it, or
# unpack the cache. Runs beside the build (CPU bound); writes its own timing
# to $work/root.lap and its log to $work/debootstrap.log.
make_root() {
	local t=$SECONDS m
	if [ -f "$tarball" ]; then
		mkdir -p "$root"
		tar -C "$root" -xzf "$tarball" || {
			echo "cannot unpack $tarball: delete it to debootstrap afresh" >&2
			return 1
		}
		echo "unpack the cached root	$((SECONDS - t))" >"$work/root.lap"
		return 0
	fi
	m=$(mirror)
	[ -n "$m" ] || {
		echo "no apt source for $suite in /etc/apt/sources.list*: cannot debootstrap; add a $suite mirror to apt's sources" >&2
		return 1
	}
	echo "== debootstrap $suite from $m in the background (cached afterwards in $tarball)"
	debootstrap --variant=minbase --include=adduser "$suite" "$root" "$m" >"$work/debootstrap.log" 2>&1 || {
		echo "debootstrap $suite from $m failed; its log ends:" >&2
		tail -20 "$work/debootstrap.log" >&2
		return 1
	}
	echo "debootstrap (first run)	$((SECONDS - t))" >"$work/root.lap"
	t=$SECONDS
	if ! { tar -C "$root" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"; }; then
		echo "note: could not cache the Debian root in $tarball; the next run debootstraps again" >&2
		rm -f "$tarball.tmp"
	fi
	echo "cache the root (tar.gz)	$((SECONDS - t))" >>"$work/root.lap"
	# Through sudo: the cache belongs to the user who ran make.
	if [ -n "${SUDO_UID:-}" ] && [ -f "$tarball" ]; then
		chown "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$cache" "$tarball" || true
	fi
}
# Job control on for this one job: its own process group, which cleanup
# can end as a whole.
set -m
make_root &
rootpid=$!
set +m

# ---- the artefacts --------------------------------------------------------
t=$SECONDS
if [ $ci = 1 ]; then
	if [ -n "${TEST_PACKAGING_BUILT:-}" ]; then
		echo "== CI part of the packaging test: artefacts built before sudo in $dist"
	else
		echo "== CI part of the packaging test: pure-Go artefacts into $dist (scripts/dist.sh ci)"
		scripts/dist.sh ci "$dist"
	fi
	lap "artefacts (dist.sh ci)" $t
else
	if [ ! -f "$dist/tandem-agent_${VERSION}_linux_amd64" ] || ! compgen -G "$dist/tandem-agent_*_amd64.deb" >/dev/null ||
		! compgen -G "$dist/tandem_${VERSION}_windows_amd64.msi" >/dev/null; then
		echo "== no artefacts of $VERSION in $dist: building them (scripts/dist.sh all)"
		scripts/dist.sh all "$dist"
	fi
	lap "artefacts (make dist if needed)" $t
fi
agent_deb=$(ls "$dist"/tandem-agent_*_amd64.deb)
hub_deb=$(ls "$dist"/tandem-hub_*_amd64.deb)
host_agent=$dist/tandem-agent_${VERSION}_linux_amd64
host_hub=$dist/tandem-hub_${VERSION}_linux_amd64

# ---- SHA256SUMS -------------------------------------------------------------
if (cd "$dist" && sha256sum --quiet -c SHA256SUMS); then
	pass "SHA256SUMS matches every artefact"
else
	fail "SHA256SUMS does not match the artefacts in $dist"
fi
for f in "$dist"/tandem-agent_"$VERSION"_* "$dist"/tandem-hub_"$VERSION"_*; do
	grep -q -- "$VERSION" <(strings "$f" | grep -F "$VERSION" | head -1) ||
		fail "$(basename "$f") does not carry the version $VERSION"
done

# ---- Go checks of the packaging files (plists, autostart, MSI source) ------
if [ $ci = 1 ]; then
	echo "      (go test ./packaging/ is left to make test-go)"
else
	t=$SECONDS
	if $GO test -count=1 ./packaging/; then pass "go test ./packaging/ (plists parsed, autostart entries match the tray)"; else fail "go test ./packaging/"; fi
	lap "go test ./packaging/" $t
fi

# ---- lintian ----------------------------------------------------------------
t=$SECONDS
for deb in "$dist"/*.deb; do
	out=$(lintian --allow-root --tag-display-limit 0 "$deb" 2>&1 || true)
	errors=$(grep -c '^E:' <<<"$out" || true)
	warnings=$(grep '^W:' <<<"$out" || true)
	if [ "$errors" -eq 0 ]; then
		pass "lintian $(basename "$deb"): no errors"
	else
		fail "lintian $(basename "$deb"): $errors errors"
		grep '^E:' <<<"$out" >&2
	fi
	[ -z "$warnings" ] || printf '      %s\n' "$warnings"
done
lap "lintian (all .deb)" $t

# ---- systemd units ----------------------------------------------------------
t=$SECONDS
# The highest exposure each unit may have (systemd-analyze security, which
# rates the hub's about 1.2 and the agent's about 2.7): a network server is
# expected at about 2, an agent that must run as root somewhat higher.
# In tenths, as --threshold takes it: 25 is 2.5.
declare -A exposure_limit=([tandem-hub]=25 [tandem-agent]=50)
for deb in "$agent_deb" "$hub_deb"; do
	uroot=$work/unit-$(basename "$deb" .deb)
	dpkg-deb -x "$deb" "$uroot"
	# The targets the units name (multi-user.target, network-online.target)
	# come from this machine's systemd; the unit and its binary from the package.
	mkdir -p "$uroot/lib/systemd/system"
	cp -an /lib/systemd/system/. "$uroot/lib/systemd/system/"
	for unit in "$uroot"/lib/systemd/system/tandem-*.service; do
		# --root: ExecStart's binary is looked up in the unpacked package.
		# --man=no: verify would look the Documentation= man page up on this
		# machine; it is looked for in the package instead, below.
		if out=$(systemd-analyze verify --man=no --root="$uroot" "$unit" 2>&1) && [ -z "$out" ]; then
			pass "systemd-analyze verify $(basename "$unit")"
		else
			fail "systemd-analyze verify $(basename "$unit"): $out"
		fi
		name=$(basename "$unit" .service)
		for page in $(sed -n 's/^Documentation=//p' "$unit" | tr ' ' '\n' | sed -n 's/^man:\(.*\)(\([0-9]\))$/\2\/\1/p'); do
			if [ -f "$uroot/usr/share/man/man${page%%/*}/${page#*/}.${page%%/*}.gz" ]; then
				pass "$name: its Documentation= man page ${page#*/}(${page%%/*}) is in the package"
			else
				fail "$name: Documentation= names man:${page#*/}(${page%%/*}), which the package lacks"
			fi
		done
		# The unit's exposure, as systemd rates its sandboxing (0 to 10,
		# lower is safer), offline: no running systemd is needed, so this
		# works in CI as root in a container.
		limit=${exposure_limit[$name]:-}
		[ -n "$limit" ] || { fail "$name: no exposure limit in test-packaging.sh"; continue; }
		if out=$(systemd-analyze security --offline=true --root="$uroot" --threshold="$limit" "$unit" 2>&1); then
			pass "systemd-analyze security $name: $(sed -n 's/.*Overall exposure level for [^:]*: //p' <<<"$out") (at most $((limit / 10)).$((limit % 10)))"
		else
			fail "systemd-analyze security $name: above $((limit / 10)).$((limit % 10)): $(sed -n 's/.*Overall exposure level for [^:]*: //p' <<<"$out")"
			grep '✗' <<<"$out" >&2 || printf '%s\n' "$out" >&2
		fi
	done
done
lap "systemd-analyze verify, security" $t

# ---- the Debian root: install, enroll, collect, upgrade, purge --------------
t=$SECONDS
st=0
wait "$rootpid" || st=$?
rootpid=""
lap "waiting for the Debian root" $t
if [ -f "$work/root.lap" ]; then
	while IFS=$'\t' read -r label secs; do
		timing+=("$(printf '%-34s %4d s' "  (bg) $label" "$secs")")
	done <"$work/root.lap"
fi
if [ "$st" -ne 0 ]; then
	fail "no Debian $suite root to install into (see above)"
	exit 1
fi
t=$SECONDS
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounts+=("$root/sys")
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# A hub on loopback (the chroot shares this machine's network) to enroll with.
hubdir=$work/hub
mkdir -p "$hubdir"
port=$((20000 + RANDOM % 20000))
"$host_hub" serve --data "$hubdir" --listen "127.0.0.1:$port" >"$work/hub.log" 2>&1 &
hubpid=$!
for _ in $(seq 1 100); do
	"$host_hub" tenant list --data "$hubdir" >/dev/null 2>&1 && break
	sleep 0.1
done
tenant=$("$host_hub" tenant create --data "$hubdir" --name "Packaging Test Ltd" --mode co-managed)
token=$("$host_hub" token create --data "$hubdir" --tenant "$tenant")
mkdir -p "$root/etc/tandem"
cp "$hubdir/ca.pem" "$root/etc/tandem/ca.pem"
printf 'HUB=https://127.0.0.1:%s\nTOKEN="%s"\nCA=/etc/tandem/ca.pem\n' "$port" "$token" >"$root/etc/tandem/agent.conf"

cp "$agent_deb" "$hub_deb" "$root/tmp/"
if in_root dpkg -i "/tmp/$(basename "$agent_deb")" >"$work/install.log" 2>&1; then
	pass "dpkg -i $(basename "$agent_deb") in a fresh $suite root"
else
	fail "dpkg -i $(basename "$agent_deb")"
fi
sed 's/^/      /' "$work/install.log"
grep -q 'systemd is not running here' "$work/install.log" &&
	pass "postinst saw no running systemd and did not start the service" ||
	fail "postinst did not say it skipped starting the service"
[ -L "$root/etc/systemd/system/multi-user.target.wants/tandem-agent.service" ] &&
	pass "tandem-agent.service enabled for the next boot" || fail "tandem-agent.service not enabled"
if [ -f "$root/var/lib/tandem-agent/identity/identity.json" ]; then
	pass "postinst enrolled the device from /etc/tandem/agent.conf"
else
	fail "no identity after installation: postinst did not enroll"
fi
device=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device_id"])' \
	"$root/var/lib/tandem-agent/identity/identity.json" 2>/dev/null || true)
devices=$("$host_hub" devices --data "$hubdir" --tenant "$tenant" --json 2>&1 || true)
if [ -n "$device" ] && grep -q -- "$device" <<<"$devices"; then
	pass "the hub lists device $device"
else
	fail "the hub does not list the enrolled device ($device): $devices"
fi

# collect --json inside the root: it must describe the root (its OS, its
# package database), not this machine.
if in_root tandem-agent collect --json >"$work/collect.json" 2>"$work/collect.err"; then
	pass "tandem-agent collect --json ran in the root"
else
	fail "tandem-agent collect --json in the root: $(cat "$work/collect.err")"
fi
want_os=$(. "$root/etc/os-release" && echo "$PRETTY_NAME")
want_pkgs=$(in_root dpkg-query -W -f '${Status}\n' | grep -c 'install ok installed')
python3 - "$work/collect.json" "$want_os" "$want_pkgs" <<'EOF' && pass "collect names the root's OS ($want_os) and its $want_pkgs packages" || fail "collect output does not describe the root"
import json, sys
rep = json.load(open(sys.argv[1]))
want_os, want_pkgs = sys.argv[2], int(sys.argv[3])
text = json.dumps(rep)
if want_os not in text:
    sys.exit(f"the report does not name {want_os!r}")
# The software list: the longest list of objects with a name and a version.
def lists(v):
    if isinstance(v, dict):
        for x in v.values(): yield from lists(x)
    elif isinstance(v, list):
        yield v
        for x in v: yield from lists(x)
software = max((l for l in lists(rep) if l and all(isinstance(i, dict) and "name" in i and "version" in i for i in l)), key=len, default=[])
if abs(len(software) - want_pkgs) > 2:
    sys.exit(f"the report lists {len(software)} packages; the root has {want_pkgs}")
EOF

# The update check inside the root: apt-get -s dist-upgrade's answer, package
# for package, from the first collection (apt asked) and the second (the
# answer kept in the agent's data directory, apt not asked again).
in_root apt-get -s -o Debug::NoLocking=1 dist-upgrade >"$work/apt-s.txt" 2>&1 || true
in_root tandem-agent collect --json >"$work/collect2.json" 2>"$work/collect2.err" || true
python3 - "$work/apt-s.txt" "$work/collect.json" "$work/collect2.json" "$root/var/lib/tandem-agent/cache/apt-dist-upgrade.json" <<'EOF' && pass "collect's pending updates equal apt-get -s dist-upgrade's in the root, asked and kept" || fail "collect's pending updates differ from apt-get -s dist-upgrade's in the root"
import json, re, sys
apt = open(sys.argv[1]).read()
want = sorted((m[0], m[1] or "", m[2]) for m in re.findall(r'^Inst (\S+) (?:\[([^\]]*)\] )?\((\S+) ', apt, re.M))
for f in sys.argv[2:4]:
    got = sorted((p["name"], p["installed_version"], p["candidate_version"]) for p in json.load(open(f))["patches"]["pending"] or [])
    if got != want:
        sys.exit(f"{f}: {len(got)} pending updates, apt-get -s says {len(want)}: {sorted(set(got) ^ set(want))[:10]}")
kept = json.load(open(sys.argv[4]))
if sorted((p["name"], p["installed_version"], p["candidate_version"]) for p in kept["pending"] or []) != want:
    sys.exit("the kept answer differs from apt-get -s")
print(f"      {len(want)} pending updates, asked and kept")
EOF

# Upgrade: the same programs as a higher version; data and identity kept.
t2=$SECONDS
updist=$work/updist
mkdir -p "$updist"
upver="${VERSION}.upgrade"
cp "$dist/tandem-agent_${VERSION}_linux_amd64" "$updist/tandem-agent_${upver}_linux_amd64"
DEB_ONLY=tandem-agent:amd64 scripts/pkg-deb.sh "$updist" "$upver" >/dev/null
up_deb=$(ls "$updist"/tandem-agent_*_amd64.deb)
cp "$up_deb" "$root/tmp/"
if in_root dpkg -i "/tmp/$(basename "$up_deb")" >"$work/upgrade.log" 2>&1; then
	pass "upgrade to $(basename "$up_deb")"
else
	fail "upgrade: $(cat "$work/upgrade.log")"
fi
after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device_id"])' \
	"$root/var/lib/tandem-agent/identity/identity.json" 2>/dev/null || true)
[ -n "$device" ] && [ "$after" = "$device" ] && pass "the upgrade kept the device's identity" ||
	fail "identity after upgrade: '$after', before: '$device'"
upd=$(in_root dpkg-query -W -f '${Version} ${Status}' tandem-agent)
grep -q '\.upgrade install ok installed$' <<<"$upd" && pass "tandem-agent is now $upd" || fail "after the upgrade: $upd"
grep -q 'systemd is not running here' "$work/upgrade.log" || fail "the upgrade's postinst did not handle the missing systemd"
lap "  of which upgrade" $t2

# Purge: data, enrollment settings and the enablement go.
if in_root dpkg --purge tandem-agent >"$work/purge.log" 2>&1; then pass "dpkg --purge tandem-agent"; else fail "purge: $(cat "$work/purge.log")"; fi
for gone in /var/lib/tandem-agent /etc/tandem/agent.conf /usr/bin/tandem-agent \
	/etc/systemd/system/multi-user.target.wants/tandem-agent.service; do
	[ ! -e "$root$gone" ] && [ ! -L "$root$gone" ] || fail "$gone is left after purge"
done
[ -e "$root/etc/tandem/ca.pem" ] && pass "purge removed the agent's data and settings, kept the admin's ca.pem" ||
	fail "purge removed /etc/tandem/ca.pem, which the package did not create"

# The hub package: its own user, its data directory, its settings.
if in_root dpkg -i "/tmp/$(basename "$hub_deb")" >"$work/hub-install.log" 2>&1; then
	pass "dpkg -i $(basename "$hub_deb")"
else
	fail "dpkg -i $(basename "$hub_deb"): $(cat "$work/hub-install.log")"
fi
in_root getent passwd tandem-hub >/dev/null && pass "system user tandem-hub" || fail "no user tandem-hub"
owner=$(in_root stat -c '%U %a' /var/lib/tandem-hub 2>/dev/null || true)
[ "$owner" = "tandem-hub 700" ] && pass "/var/lib/tandem-hub owned by tandem-hub, mode 700" || fail "/var/lib/tandem-hub: '$owner'"
grep -q '^TANDEM_HUB_NAME=.' "$root/etc/default/tandem-hub" && pass "/etc/default/tandem-hub written" || fail "/etc/default/tandem-hub"
in_root dpkg --purge tandem-hub >/dev/null 2>&1 || fail "purge tandem-hub"
[ ! -e "$root/var/lib/tandem-hub" ] && [ ! -e "$root/etc/default/tandem-hub" ] && pass "purge removed the hub's data and settings" ||
	fail "the hub's data or settings are left after purge"
lap "Debian root: install/enroll/upgrade/purge" $t

# ---- the MSI ----------------------------------------------------------------
# msi_checks: the MSI's tables, sequence, service, properties and contents.
msi_checks() {
	t=$SECONDS
	msi=$(realpath "$dist/tandem_${VERSION}_windows_amd64.msi")
	tables=$(msiinfo tables "$msi" | LC_ALL=C sort | tr '\n' ' ')
	echo "      MSI tables: $tables"
	for want in File Component Feature ServiceInstall ServiceControl CustomAction Registry Shortcut Upgrade InstallExecuteSequence; do
		grep -qw "$want" <<<"$tables" || fail "the MSI has no $want table"
	done
	msiinfo export "$msi" InstallExecuteSequence | tr -d '\r' | tail -n +4 >"$work/seq"
	seq_of() { awk -F'\t' -v a="$1" '$1 == a { print $3 }' "$work/seq"; }
	check_between() { # ACTION AFTER BEFORE
		local s a b
		s=$(seq_of "$1") a=$(seq_of "$2") b=$(seq_of "$3")
		if [ -n "$s" ] && [ -n "$a" ] && [ -n "$b" ] && [ "$s" -gt "$a" ] && [ "$s" -lt "$b" ]; then
			pass "MSI: $1 ($s) runs between $2 ($a) and $3 ($b)"
		else
			fail "MSI: $1 ($s) is not between $2 ($a) and $3 ($b)"
		fi
	}
	check_between EnrollAgent InstallFiles StartServices
	check_between AgentRecovery InstallServices StartServices
	check_between AgentDelayedStart InstallServices StartServices
	check_between PurgeAgentData RemoveFiles InstallFinalize
	check_between SetScExe CostFinalize InstallInitialize
	svc=$(msiinfo export "$msi" ServiceInstall | tr -d '\r' | tail -n +4)
	awk -F'\t' '$2 == "tandem-agent" && $5 == 2 { ok = 1 } END { exit !ok }' <<<"$svc" &&
		pass "MSI: service tandem-agent, automatic start" || fail "MSI ServiceInstall: $svc"
	msiinfo export "$msi" ServiceControl | tr -d '\r' | awk -F'\t' 'NR > 3 && $2 == "tandem-agent" && $3 == 163 { ok = 1 } END { exit !ok }' &&
		pass "MSI: the service starts on install, stops on install and uninstall, is removed on uninstall" ||
		fail "MSI ServiceControl events"
	msiinfo export "$msi" Property | tr -d '\r' | grep -q '^SecureCustomProperties	HUB;TOKEN;CA;PURGE;' &&
		pass "MSI: HUB, TOKEN, CA, PURGE are secure properties" || fail "MSI SecureCustomProperties"
	if [ -f "$dist/tandem-tray_${VERSION}_windows_amd64.exe" ]; then
		msiinfo export "$msi" Registry | tr -d '\r' | grep -q 'CurrentVersion\\Run	Tandem	"\[#TrayExe\]"' &&
			pass "MSI: the tray starts at sign-in (HKLM Run)" || fail "MSI: no HKLM Run value for the tray"
	else
		echo "      (no tray built: the MSI's Run value is not checked)"
	fi
	# The MSI carries exactly the programs in DIST (signed ones when signed).
	mkdir -p "$work/msix"
	(cd "$work/msix" && msiextract "$msi" >/dev/null)
	for exe in tandem-agent tandem; do
		got=$(find "$work/msix" -name "$exe.exe" -exec sha256sum {} + | cut -d' ' -f1)
		want=$(sha256sum "$dist/${exe}_${VERSION}_windows_amd64.exe" | cut -d' ' -f1)
		[ "$got" = "$want" ] && pass "MSI: $exe.exe is the one in $dist" || fail "MSI: $exe.exe differs from $dist"
	done
	lap "MSI checks" $t
}
if [ $ci = 1 ]; then
	echo "      (CI: no MSI; it needs the cgo tandem.exe from mingw-w64: make test-packaging)"
else
	msi_checks
fi

# ---- signing with a throw-away certificate ----------------------------------
t=$SECONDS
sd=$work/sign
mkdir -p "$sd"
openssl req -x509 -newkey rsa:3072 -nodes -days 2 -subj "/CN=Tandem Packaging Test/O=Tandem Test" \
	-addext "extendedKeyUsage=codeSigning" -addext "keyUsage=critical,digitalSignature" \
	-keyout "$sd/key.pem" -out "$sd/cert.pem" 2>/dev/null
openssl pkcs12 -export -inkey "$sd/key.pem" -in "$sd/cert.pem" -passout pass:test-pass -out "$sd/cert.pfx"
cp "$dist/tandem-agent_${VERSION}_windows_amd64.exe" "$sd/agent.exe"
if [ $ci = 1 ]; then
	# CI: the pure-Go agent only, signed both ways (key files, then PKCS#12).
	cp "$dist/tandem-agent_${VERSION}_windows_amd64.exe" "$sd/agent-pfx.exe"
	by_cert=(agent.exe) by_pfx=(agent-pfx.exe)
else
	cp "$dist/tandem_${VERSION}_windows_amd64.msi" "$sd/tandem.msi"
	cp "$dist/tandem_${VERSION}_windows_amd64.exe" "$sd/desktop.exe"
	by_cert=(agent.exe tandem.msi) by_pfx=(desktop.exe)
fi
SIGN_CERT=$sd/cert.pem SIGN_KEY=$sd/key.pem scripts/sign.sh "${by_cert[@]/#/$sd/}" || fail "sign.sh with SIGN_CERT/SIGN_KEY"
SIGN_PFX=$sd/cert.pfx SIGN_PASS=test-pass scripts/sign.sh "${by_pfx[@]/#/$sd/}" || fail "sign.sh with SIGN_PFX"
# digests_match: every "Current X" digest osslsigncode printed equals its
# "Calculated X" (X: message digest for PE files; DigitalSignature and
# MsiDigitalSignatureEx for MSI), and there is at least one.
digests_match() {
	awk -F' *: *' '
		/^Current / { k = $1; sub(/^Current /, "", k); split($2, a, " "); cur[k] = a[1] }
		/^Calculated / { k = $1; sub(/^Calculated /, "", k); split($2, a, " "); calc[k] = a[1] }
		END { n = 0; for (k in cur) { n++; if (cur[k] != calc[k]) exit 1 } exit n == 0 }'
}
for f in "${by_cert[@]}" "${by_pfx[@]}"; do
	# Self-signed: the chain does not verify; the signature and its signer must.
	out=$(osslsigncode verify -in "$sd/$f" 2>&1 || true)
	if grep -q 'Subject: .*CN *= *Tandem Packaging Test' <<<"$out" && digests_match <<<"$out"; then
		pass "osslsigncode verify $f: signed by CN=Tandem Packaging Test, digest matches"
	else
		fail "osslsigncode verify $f:"
		echo "$out" >&2
	fi
done
# A tampered file must not verify.
printf 'x' | dd of="$sd/agent.exe" bs=1 seek=$(($(stat -c %s "$sd/agent.exe") / 2)) conv=notrunc 2>/dev/null
out=$(osslsigncode verify -in "$sd/agent.exe" 2>&1 || true)
if grep -qi 'MISMATCH' <<<"$out"; then
	pass "a changed byte breaks the signature"
else
	fail "osslsigncode did not notice a changed byte"
fi
lap "signing" $t

# ---- report -----------------------------------------------------------------
lap "total" $t0
echo
echo "timings:"
printf '  %s\n' "${timing[@]}"
echo "sizes:"
(cd "$dist" && { ls -l *.deb *.msi 2>/dev/null || true; } | awk '{ printf "  %-56s %6.1f MB\n", $9, $5 / 1048576 }')
name=test-packaging
[ $ci = 0 ] || name="test-packaging --ci"
if [ "$failures" -gt 0 ]; then
	echo "$name: $failures checks FAILED" >&2
	exit 1
fi
echo "$name: all checks passed"
[ $ci = 0 ] || echo "(the desktop package, arm64, the MSI and signing it are checked by the full make test-packaging)"
