#!/usr/bin/env bash
# Signs Windows programs and installers (Authenticode) in place with
# osslsigncode, using a code-signing certificate supplied at build time.
#
# usage: scripts/sign.sh FILE.exe|FILE.msi...
#
# The certificate, one of:
#   SIGN_CERT  certificate chain (PEM, or DER .spc) and SIGN_KEY its private
#              key (PEM or DER; SIGN_PASS if the key is encrypted)
#   SIGN_PFX   a PKCS#12 file (.pfx/.p12) with SIGN_PASS its password
# Optional:
#   SIGN_TIMESTAMP  an RFC 3161 time-stamp server URL (for example
#                   http://timestamp.digicert.com); without it the
#                   signatures are not time-stamped and stop being valid
#                   when the certificate expires
#   SIGN_NAME, SIGN_URL  the description and link Windows shows
#
# Passwords go to osslsigncode through a file readable by this user alone,
# never on a command line.
set -euo pipefail

[ $# -gt 0 ] || {
	echo "usage: scripts/sign.sh FILE.exe|FILE.msi..." >&2
	exit 2
}
command -v osslsigncode >/dev/null || {
	echo "osslsigncode is missing: install the Debian package osslsigncode" >&2
	exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(-h sha256 -n "${SIGN_NAME:-Tandem}" -i "${SIGN_URL:-https://tandem.example.org/}")
if [ -n "${SIGN_PASS:-}" ]; then
	(umask 077 && printf '%s' "$SIGN_PASS" >"$work/pass")
	args+=(-readpass "$work/pass")
fi
if [ -n "${SIGN_PFX:-}" ]; then
	[ -r "$SIGN_PFX" ] || {
		echo "SIGN_PFX=$SIGN_PFX cannot be read" >&2
		exit 1
	}
	args+=(-pkcs12 "$SIGN_PFX")
elif [ -n "${SIGN_CERT:-}" ] && [ -n "${SIGN_KEY:-}" ]; then
	for f in "$SIGN_CERT" "$SIGN_KEY"; do
		[ -r "$f" ] || {
			echo "$f (SIGN_CERT or SIGN_KEY) cannot be read" >&2
			exit 1
		}
	done
	args+=(-certs "$SIGN_CERT" -key "$SIGN_KEY")
else
	echo "no signing certificate: set SIGN_CERT and SIGN_KEY, or SIGN_PFX (and SIGN_PASS)" >&2
	exit 1
fi
if [ -n "${SIGN_TIMESTAMP:-}" ]; then
	args+=(-ts "$SIGN_TIMESTAMP")
fi

for f in "$@"; do
	[ -f "$f" ] || {
		echo "nothing to sign at $f" >&2
		exit 1
	}
	out="$work/$(basename "$f")"
	extra=()
	# MSI: also the extended signature (MsiDigitalSignatureEx), which covers
	# the files' metadata too.
	case $f in *.msi | *.MSI) extra=(-add-msi-dse) ;; esac
	if ! osslsigncode sign "${args[@]}" "${extra[@]}" -in "$f" -out "$out" >"$work/log" 2>&1; then
		echo "signing $f failed; osslsigncode said:" >&2
		cat "$work/log" >&2
		exit 1
	fi
	# Keep the file's mode; replace the content.
	cat "$out" >"$f"
	rm -f "$out"
	echo "   signed $(basename "$f")"
done
