#!/usr/bin/env bash
# events, stats, update and top end to end through the crate CLI, a private
# crated (started on demand) and real containers, as root: events seen live
# for run/stop/rm and with --since afterwards; a die told with its exit
# code when the container exited while crated was killed; stats of a
# container with a memory limit; update raising and lowering memory and
# pids limits, checked in the cgroup files and kept by a restart; top
# listing the container's process. Hostile input: bad filters, since after
# until, update of an exited container, negative and absurd limits.
# Everything it makes is removed at the end, whatever happened.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"
# shellcheck source=../fixtures/private_crated.sh
source "$here/../fixtures/private_crated.sh"
bin() { fixture_binary "$@" || exit 1; }
CRATE="$(bin cli/crate crate)"
CRATE_RUNTIME="$(bin cli/crate-runtime crate-runtime)"
bin cli/crated crated >/dev/null
bin cli/crate-shim crate-shim >/dev/null

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (containers, mounts, cgroups)"
  exit 0
fi

EVENTS_PID=""
cleanup() {
  [ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null
  private_crated_cleanup
}
private_crated_setup cobs
trap cleanup EXIT

FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; }
expect_contains() {
  case "$3" in *"$2"*) ;; *) fail "$1: expected to contain [$2], got [$3]" ;; esac
}
expect_not_contains() {
  case "$3" in *"$2"*) fail "$1: expected not to contain [$2], got [$3]" ;; esac
}
expect_match() {  # expect_match WHAT EXTENDED-REGEX TEXT
  grep -Eq -- "$2" <<<"$3" || fail "$1: expected a line matching /$2/, got [$3]"
}
# crate ARGS...: runs the CLI with no stdin; sets OUT, ERR and RC.
crate() {
  "$CRATE" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT="$(cat "$WORK/out")"
  ERR="$(cat "$WORK/err")"
}
# wait_for WHAT COMMAND...: until the command succeeds (bounded, so that a
# broken build fails instead of hanging; the bound is no speed check).
wait_for() {
  local what="$1" i
  shift
  for i in $(seq 600); do
    "$@" && return 0
    sleep 0.1
  done
  fail "gave up waiting for $what"
  return 1
}
now() { date +%s.%N; }
id_of() { "$CRATE" inspect -f '{{.Id}}' "$1" </dev/null 2>/dev/null; }
cgroup_file() {  # cgroup_file ID CONTROLLER FILE (v1 here; v2 elsewhere)
  if [ -d /sys/fs/cgroup/"$2" ]; then
    cat "/sys/fs/cgroup/$2/crate/$1/$3"
  else
    cat "/sys/fs/cgroup/crate/$1/$4"
  fi
}
spec_limit() {  # spec_limit ID KEY.PATH in config.json's linux.resources
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))["linux"]["resources"]
for k in sys.argv[2].split("."): r=r.get(k, {}) if isinstance(r, dict) else {}
print(r if r != {} else "")' "$CRATE_ROOT/containers/$1/config.json" "$2"
}

private_crated_load_busybox || { echo "FAIL: loading busybox"; exit 1; }

# --- events, live -----------------------------------------------------------
T0="$(now)"
"$CRATE" events >"$WORK/live" 2>"$WORK/live.err" </dev/null &
EVENTS_PID=$!
# The stream is open once it shows something made after its start.
seen_sync() {
  "$CRATE" volume create "evsync$1" </dev/null >/dev/null 2>&1
  grep -q "volume create evsync$1" "$WORK/live"
}
n=0
synced() { n=$((n + 1)); seen_sync "$n"; }
wait_for "the events stream" synced

crate run -d --name web -l tier=front busybox sleep 1000
expect_eq "run -d" 0 "$RC"
WEB="$OUT"
crate stop -t 1 web
expect_eq "stop" 0 "$RC"
crate rm web
expect_eq "rm" 0 "$RC"
wait_for "web's destroy event" grep -q "container destroy $WEB" "$WORK/live"
kill "$EVENTS_PID" 2>/dev/null
wait "$EVENTS_PID" 2>/dev/null
EVENTS_PID=""
# sleep as pid 1 ignores SIGTERM: stop's SIGKILL follows.
LIVE="$(grep " $WEB " "$WORK/live" | awk '{print $3}' | tr '\n' ' ')"
expect_match "live actions of web" "^create start (kill )+die stop destroy $" "$LIVE"
expect_match "docker's line" \
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z container start $WEB \(image=busybox, name=web, tier=front\)$" \
  "$(cat "$WORK/live")"
expect_match "die has the exit code" "container die $WEB .*exitCode=(137|143)" \
  "$(cat "$WORK/live")"
expect_match "volume events too" "volume create evsync1 \(driver=local\)" \
  "$(cat "$WORK/live")"

# --- events, after the fact ------------------------------------------------
T1="$(now)"
crate events --since "$T0" --until "$T1" --filter container=web
expect_eq "since/until" 0 "$RC"
expect_eq "since: the same actions" "$LIVE" \
  "$(awk '{print $3}' <<<"$OUT" | tr '\n' ' ')"
crate events --since "$T0" --until "$T1" --filter event=die --filter type=container
expect_eq "filter event=die" 1 "$(grep -c . <<<"$OUT")"
crate events --since "$T0" --until "$T1" --filter label=tier=front \
  --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
expect_contains "template" "container start web" "$OUT"
expect_not_contains "label filter" "volume" "$OUT"
crate events --since "$T0" --until "$T1" --filter type=volume --format json
python3 -c 'import json,sys
for l in sys.stdin: e=json.loads(l); assert e["Type"]=="volume" and e["Actor"]["Attributes"]["driver"]=="local", e' \
  <<<"$OUT" || fail "--format json: [$OUT]"
crate events --filter container=web --until "$T0"
expect_eq "until before web: nothing of it" "" "$OUT"

# Hostile input.
crate events --filter colour=red --until "$T1"
expect_eq "unknown filter" 125 "$RC"
expect_contains "unknown filter message" 'invalid filter "colour"' "$ERR"
crate events --filter type=network --until "$T1"
expect_eq "unknown type" 125 "$RC"
crate events --filter nonsense --until "$T1"
expect_eq "filter without =" 125 "$RC"
crate events --since "$T1" --until "$T0"
expect_eq "since after until" 125 "$RC"
expect_contains "since after until message" "must not be after --until" "$ERR"
crate events --since yesterday-ish
expect_eq "bad since" 125 "$RC"

# --- die while crated is away ---------------------------------------------
T2="$(now)"
crate run -d --name quick busybox sh -c 'trap "exit 7" TERM; sleep 1000 & wait'
expect_eq "run quick" 0 "$RC"
QUICK="$OUT"
for p in $(private_crated_pids); do kill -9 "$p"; done
wait_for "crated gone" test -z "$(private_crated_pids)"
# The container ends while no crated runs: only its shim sees the exit.
"$CRATE_RUNTIME" --root "$WORK/r/runtime" kill "$QUICK" TERM >/dev/null 2>&1
wait_for "quick's exit file" test -f "$CRATE_ROOT/containers/$QUICK/exit.json"
crate events --since "$T2" --until "$(now)" --filter container=quick
expect_eq "events after the restart" 0 "$RC"
expect_eq "die told once" 1 "$(grep -c "container die $QUICK" <<<"$OUT")"
expect_match "die's exit code" "container die $QUICK .*exitCode=7" "$OUT"
crate ps -a
crate events --since "$T2" --until "$(now)" --filter container=quick --filter event=die
expect_eq "still once after another look" 1 "$(grep -c . <<<"$OUT")"

# --- stats ------------------------------------------------------------------
crate run -d --name lim -m 32m --pids-limit 50 busybox sleep 1000
expect_eq "run lim" 0 "$RC"
LIM="$OUT"
crate stats --no-stream lim
expect_eq "stats" 0 "$RC"
expect_match "stats header" \
  "^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$" "$OUT"
expect_match "stats row" "^${LIM:0:12} +lim +[0-9.]+% +[0-9.]+[KMG]?i?B / 32MiB +[0-9.]+% +-- +.* / .* +1$" "$OUT"
crate stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' lim
expect_match "stats template" "^lim [0-9.]+[KMG]?i?B / 32MiB 1$" "$OUT"
crate stats --no-stream --format json lim
python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); assert r["Name"]=="lim" and r["MemPerc"].endswith("%"), r' \
  <<<"$OUT" || fail "stats json: [$OUT]"
crate stats --no-stream
expect_contains "stats of every running one" "lim" "$OUT"
crate stats --no-stream no-such-container
expect_eq "stats of nothing" 125 "$RC"

# --- update -----------------------------------------------------------------
expect_eq "memory limit at run" 33554432 "$(cgroup_file "$LIM" memory memory.limit_in_bytes memory.max)"
crate update -m 48m --pids-limit 80 lim
expect_eq "update up" 0 "$RC"
expect_eq "update prints the container" "lim" "$OUT"
expect_eq "memory raised" 50331648 "$(cgroup_file "$LIM" memory memory.limit_in_bytes memory.max)"
expect_eq "pids raised" 80 "$(cgroup_file "$LIM" pids pids.max pids.max)"
crate update --memory 16m --pids-limit 20 lim
expect_eq "update down" 0 "$RC"
expect_eq "memory lowered" 16777216 "$(cgroup_file "$LIM" memory memory.limit_in_bytes memory.max)"
expect_eq "pids lowered" 20 "$(cgroup_file "$LIM" pids pids.max pids.max)"
expect_eq "saved memory" 16777216 "$(spec_limit "$LIM" memory.limit)"
expect_eq "saved pids" 20 "$(spec_limit "$LIM" pids.limit)"
crate stats --no-stream --format '{{.MemUsage}}' lim
expect_match "stats sees the new limit" " / 16MiB$" "$OUT"

# Refused, and nothing changed.
for args in "-m -5" "--pids-limit -7" "--cpus 1000" "-m 1k" "-m 128m" \
  "--memory-swap 8m" "--pids-limit 99999999999" "--cpu-shares 1"; do
  # shellcheck disable=SC2086
  crate update $args lim
  expect_eq "update $args refused" 125 "$RC"
  expect_contains "update $args names the flag" "${args%% *}" "$ERR"
done
crate update lim
expect_eq "update without flags" 125 "$RC"
expect_eq "memory untouched" 16777216 "$(cgroup_file "$LIM" memory memory.limit_in_bytes memory.max)"
expect_eq "pids untouched" 20 "$(cgroup_file "$LIM" pids pids.max pids.max)"
expect_eq "saved memory untouched" 16777216 "$(spec_limit "$LIM" memory.limit)"

# A restart keeps the limits.
crate restart -t 1 lim
expect_eq "restart" 0 "$RC"
expect_eq "memory after restart" 16777216 "$(cgroup_file "$LIM" memory memory.limit_in_bytes memory.max)"
expect_eq "pids after restart" 20 "$(cgroup_file "$LIM" pids pids.max pids.max)"

crate run --name done busybox true
crate update -m 32m done
expect_eq "update of an exited container" 125 "$RC"
expect_contains "its reason" "only a running or created container" "$ERR"

# --- top --------------------------------------------------------------------
crate top lim
expect_eq "top" 0 "$RC"
expect_match "top's titles" "^UID +PID +PPID +C +STIME +TTY +TIME +CMD$" "$OUT"
expect_match "top's process" "sleep 1000$" "$OUT"
expect_eq "only the container's processes" 2 "$(grep -c . <<<"$OUT")"
crate top lim -o pid,comm
expect_eq "top with ps options" 0 "$RC"
expect_match "ps options' titles" "^ *PID +COMMAND$" "$OUT"
expect_match "ps options' row" "^ *[0-9]+ +sleep$" "$OUT"
crate top lim -o comm
expect_eq "top without a PID column" 125 "$RC"
expect_contains "its reason" "no PID column" "$ERR"
crate top done
expect_eq "top of an exited container" 125 "$RC"
crate top
expect_eq "top without a container" 125 "$RC"

crate rm -f lim done quick
expect_eq "removed" 0 "$RC"
if [ "$FAILED" = 0 ]; then
  echo "PASS"
  exit 0
fi
exit 1
