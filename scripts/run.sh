#!/usr/bin/env bash
# Starts the whole product locally on its embedded defaults: a hub with its
# embedded store, a tenant, an agent enrolled into it, the tray and the
# new-ticket window (or, with no display, how to use the command line).
# Everything lives under RUNDIR; Ctrl-C stops it all.
#
# usage: scripts/run.sh BIN RUNDIR
set -euo pipefail
bin=$(cd "$1" && pwd)
rundir=$2
hubdir=$rundir/hub
agentdir=$rundir/agent
listen=${TANDEM_LISTEN:-127.0.0.1:8443}
mkdir -p "$hubdir" "$agentdir"

pids=()
stop() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap stop EXIT INT TERM

echo "== starting tandem-hub on $listen (data in $hubdir)"
"$bin/tandem-hub" serve --data "$hubdir" --listen "$listen" >"$rundir/hub.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	[ -f "$hubdir/hub.json" ] && "$bin/tandem-hub" tenant list --data "$hubdir" >/dev/null 2>&1 && break
	sleep 0.1
done
cat "$hubdir/hub.json"

if [ ! -f "$rundir/tenant" ]; then
	echo "== creating a demo tenant"
	"$bin/tandem-hub" tenant create --data "$hubdir" --name "Demo Accounting (Pty) Ltd" --mode co-managed >"$rundir/tenant"
fi
tenant=$(cat "$rundir/tenant")
echo "tenant: $tenant"

if [ ! -f "$agentdir/enrolled" ]; then
	echo "== enrolling this machine's agent"
	token=$("$bin/tandem-hub" token create --data "$hubdir" --tenant "$tenant")
	"$bin/tandem-agent" enroll --hub "https://$listen" --token "$token" --ca "$hubdir/ca.pem" --data "$agentdir"
	touch "$agentdir/enrolled"
fi

echo "== starting tandem-agent (data in $agentdir)"
"$bin/tandem-agent" run --data "$agentdir" >"$rundir/agent.log" 2>&1 &
pids+=($!)

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	echo "== starting the tray and opening the new-ticket window"
	if [ -x "$bin/tandem-tray" ]; then
		PATH="$bin:$PATH" "$bin/tandem-tray" --data "$agentdir" >"$rundir/tray.log" 2>&1 &
		pids+=($!)
	fi
	"$bin/tandem" open new-ticket --data "$agentdir" >"$rundir/window.log" 2>&1 &
	pids+=($!)
	echo
	echo "Running. Logs: $rundir/hub.log, $rundir/agent.log, $rundir/tray.log"
	echo "The Tandem icon is in the system tray: raise a ticket, follow your tickets."
else
	echo
	echo "No display was found (DISPLAY and WAYLAND_DISPLAY are empty), so the tray and the"
	echo "windows are not started. The hub and the agent are running; from the command line:"
	echo
	echo "  raise a ticket:   $bin/tandem-agent ticket new --data $agentdir --title 'Printer offline' --description 'The 2nd floor printer shows offline'"
	echo "  your tickets:     $bin/tandem-agent ticket list --data $agentdir"
	echo "  one ticket:       $bin/tandem-agent ticket show ID --data $agentdir"
	echo "  reply:            $bin/tandem-agent ticket reply ID --message 'It works again' --data $agentdir"
	echo "  sync status:      $bin/tandem-agent status --data $agentdir"
	echo "  the hub's view:   $bin/tandem-hub tickets --data $hubdir --tenant $tenant"
	echo
	echo "Logs: $rundir/hub.log, $rundir/agent.log"
fi
echo "Ctrl-C stops everything."
wait -n "${pids[@]}" || true
