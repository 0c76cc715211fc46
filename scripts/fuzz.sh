#!/usr/bin/env bash
# Runs every Fuzz target in the module for a short time each (default 10s).
set -euo pipefail
fuzztime=${1:-10s}
found=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
		found=1
		echo "fuzz $target in ./$dir for $fuzztime"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "./$dir"
	done
done < <(git ls-files '*_test.go')
[ $found -eq 1 ] || echo "no fuzz targets found"
