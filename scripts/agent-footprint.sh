#!/usr/bin/env bash
# Measures the running agent as a user's machine has it: a real hub on
# loopback, an enrolled agent running its loops (heartbeat, collectors,
# local API), idle. Prints the peak RSS and the average CPU over a window.
#
# usage: scripts/agent-footprint.sh BIN [WINDOW_SECONDS] (default 600)
set -euo pipefail
bin=$(cd "$1" && pwd)
window=${2:-600}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$bin/tandem-hub" serve --data "$work/hub" --listen 127.0.0.1:0 >"$work/hub.out" 2>"$work/hub.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -f "$work/hub/hub.json" ] && break; sleep 0.1; done
url=$(sed -n 's/.*"url": "\(.*\)".*/\1/p' "$work/hub/hub.json")
tenant=$("$bin/tandem-hub" tenant create --data "$work/hub" --name "Footprint" --mode co-managed)
token=$("$bin/tandem-hub" token create --data "$work/hub" --tenant "$tenant")
"$bin/tandem-agent" enroll --hub "$url" --token "$token" --ca "$work/hub/ca.pem" --data "$work/agent" >/dev/null
"$bin/tandem-agent" run --data "$work/agent" 2>"$work/agent.log" &
agent=$!
pids+=($agent)

echo "agent running (pid $agent); letting the first collection finish..." >&2
sleep 60
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$agent/stat"; }
start=$(ticks)
peak=0
for _ in $(seq 1 "$window"); do
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$agent/status")
	[ "$rss" -gt "$peak" ] && peak=$rss
	sleep 1
done
end=$(ticks)
awk -v p="$peak" -v t=$((end - start)) -v hz="$hz" -v w="$window" 'BEGIN {
	printf "idle window: %d s\npeak RSS:    %.1f MB\naverage CPU: %.3f %% of one core\n", w, p/1024, 100*t/hz/w }'
