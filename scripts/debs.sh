#!/usr/bin/env bash
# Installs the Debian packages given as arguments that are not installed yet,
# with sudo when not running as root. Installs nothing when all are present.
set -euo pipefail
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}"; exit 1; }
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg run (unattended-upgrades, a second make) to
# let go of its lock instead of failing at once.
lock=(-o DPkg::Lock::Timeout=600)
$sudo apt-get "${lock[@]}" update -qq
$sudo apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}"
