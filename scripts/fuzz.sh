#!/usr/bin/env bash
# Runs every Fuzz target in the module for a short time each (default 10s).
set -euo pipefail
fuzztime=${1:-10s}
# maxcount prints the most inputs a target runs when fuzztime is a count, for
# targets that do real work per input (a store behind them); 0 for no cap.
maxcount() {
	case $1 in
	FuzzPushDecode) echo 10000 ;;
	# inventory: parsers fed whole captures (system_profiler's up to 64 KB)
	FuzzParseSystemProfiler) echo 3000 ;;
	FuzzAntivirusTools) echo 20000 ;;
	FuzzLinuxParsers) echo 30000 ;;
	FuzzWMIClasses) echo 30000 ;;
	*) echo 0 ;;
	esac
}
found=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
		found=1
		t=$fuzztime
		minimize=60s
		max=$(maxcount "$target")
		if [ "$max" -gt 0 ]; then
			minimize=200x
			if [[ $t =~ ^[0-9]+x$ ]] && [ "${t%x}" -gt "$max" ]; then
				t=${max}x
			fi
		fi
		echo "fuzz $target in ./$dir for $t"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" -fuzzminimizetime "$minimize" "./$dir"
	done
done < <(git ls-files '*_test.go')
[ $found -eq 1 ] || echo "no fuzz targets found"
