# Sourced by scripts/pkg-deb.sh (and packaging's tests): debversion turns
# git describe's form into a Debian version. v1.2.3 -> 1.2.3,
# v1.2.3-4-gabc1234-dirty -> 1.2.3+4.gabc1234.dirty, abc1234 (no tag yet) ->
# 0.0~gitabc1234. A tag starts with v or holds a dot; a bare commit hash
# that happens to be all digits (7216862) is not a version, or every later
# build would sort below it and dpkg would call the upgrade a downgrade.
debversion() {
	local v=${1#v}
	if [[ ($1 == v[0-9]* || $v =~ ^[0-9]+\.[0-9]) && $v =~ ^[0-9]+(\.[0-9]+)*(-|$) ]]; then
		v=${v//-/+}
		v=$(echo "$v" | sed -e 's/+/./2g')
	else
		v="0.0~git${v//-/.}"
	fi
	echo "$v" | tr -c 'A-Za-z0-9.+~\n' '.'
}
