#!/usr/bin/env bash
# Prints the figures of the performance table (issue 19) that the hub's
# benchmarks measure, each beside its reference and the ratio, from one run.
# The benchmarks run the product's code on loopback and in temporary
# directories; each is bounded (the whole run takes some 5 to 10 minutes on
# 2 cores). ROUNDS=n runs every benchmark n times, interleaved, and prints
# the median (default 1). Absolute times move with the machine's load; the
# ratios are what count.
set -euo pipefail
rounds=${ROUNDS:-1}
go=${GO:-go}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# bench PKG PATTERN BENCHTIME: runs the benchmarks, appends their lines.
bench() {
	local pkg=$1 pattern=$2 benchtime=$3
	echo "running $pattern in $pkg ..." >&2
	if ! $go test -run '^$' -bench "$pattern" -benchtime "$benchtime" -timeout 30m "$pkg" >"$out/last" 2>&1; then
		cat "$out/last" >&2
		echo "benchmark $pattern failed" >&2
		exit 1
	fi
	grep '^Benchmark' "$out/last" >>"$out/all" || true
}

for _ in $(seq "$rounds"); do
	bench ./hub/ 'FirstSync/tickets=100000$' 5x
	bench ./hub/ 'SLASweepIdle' 60x
	bench ./hub/ 'TicketsList' 5x
	bench ./hub/ 'CheckIn' 3s
	bench ./agent/ 'Drain10k$|DrainReference$' 1x
	bench ./agent/ 'Drain50k$' 1x
done

# metric NAME UNIT: the median of the metric UNIT of benchmark NAME (the
# -N suffix of the CPU count ignored).
metric() {
	awk -v name="$1" -v unit="$2" '
		{ n = $1; sub(/-[0-9]+$/, "", n) }
		n == name { for (i = 3; i < NF; i++) if ($(i+1) == unit) v[++c] = $i }
		END {
			if (c == 0) { print "nan"; exit }
			for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			print v[int((c + 1) / 2)]
		}' "$out/all"
}

calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

sync_ms=$(calc "$(metric BenchmarkFirstSync/tickets=100000 ns/op) / 1e6" 1)
scan_ms=$(metric BenchmarkFirstSync/tickets=100000 ref_scan_ms)
pulls=$(metric BenchmarkFirstSync/tickets=100000 pulls/sync)
idle_ms=$(calc "$(metric BenchmarkSLASweepIdle/tickets=100000 ns/op) / 1e6" 3)
empty_ms=$(calc "$(metric BenchmarkSLASweepIdle/tickets=0 ns/op) / 1e6" 3)
list_s=$(calc "$(metric BenchmarkTicketsList ns/op) / 1e9" 3)
list_ref=$(calc "$(metric BenchmarkTicketsList ref_scan_ms) / 1e3" 3)
list_heap=$(metric BenchmarkTicketsList heap_growth_MB)
ingest=$(metric BenchmarkCheckInIngest checkins/s)
p99=$(metric BenchmarkCheckInIngest p99_ms)
noop=$(metric BenchmarkCheckInNoOpHandler checkins/s)
drain10=$(metric BenchmarkDrain10k s/10k)
cpu10=$(metric BenchmarkDrain10k cpu_s)
disk10=$(metric BenchmarkDrain10k hub_B/ticket)
ref_s=$(calc "$(metric BenchmarkDrainReference ns/op) / 1e9" 3)
drain50=$(metric BenchmarkDrain50k s/50k)
disk50=$(metric BenchmarkDrain50k hub_B/ticket)

printf '\n%-52s | %-26s | %-34s | %-8s | %s\n' figure Tandem reference ratio goal
printf '%s\n' "-----------------------------------------------------|----------------------------|------------------------------------|----------|-------------------------"
row() { printf '%-52s | %-26s | %-34s | %-8s | %s\n' "$@"; }
row "new device's first sync, tenant with 100k tickets" "$sync_ms ms, $pulls pulls" "badger scan of the tickets: $scan_ms ms" "$(calc "$sync_ms / $scan_ms" 3)×" "≤ 50 ms"
row "SLA sweep each minute, idle hub, 100k open tickets" "$idle_ms ms ($(calc "$idle_ms / 600" 4) % of a core)" "no open ticket: $empty_ms ms" "$(calc "$idle_ms / $empty_ms" 1)×" "whole idle hub ≤ 1.5× empty"
row "tandem-hub tickets --json, 100k (streamed)" "$list_s s, heap +$list_heap MB after 4 more" "badger scan of the same values: $list_ref s" "$(calc "$list_s / $list_ref" 1)×" "≤ 3×, flat memory"
row "hub check-ins per second, durable" "$ingest/s, p99 $p99 ms" "decode-only handler: $noop/s" "$(calc "$ingest / $noop")×" "≥ 0.6×, p99 ≤ 50 ms"
row "drain 10,000 queued tickets, durable both sides" "$drain10 s (CPU $cpu10 s)" "badger 10k × 600 B, 100/tx: $ref_s s" "$(calc "$drain10 / $ref_s" 1)×" "≤ 1 s"
row "drain growth 10k → 50k" "$drain10 s → $drain50 s" "linear: 5×" "$(calc "$drain50 / $drain10")×" "≤ 5.2×"
row "hub disk per ticket (drain 10k / 50k)" "$disk10 B / $disk50 B" "the ticket: about 600 B" "$(calc "$disk10 / 600" 1)×" "flat"
echo
echo "($rounds round(s); median of each figure. Ratios are what count: absolute times move with the machine's load.)"
