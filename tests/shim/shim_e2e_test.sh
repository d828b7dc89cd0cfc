#!/usr/bin/env bash
# crate-shim end to end, as root on the real kernel, with busybox-static
# bundles, driven through its socket by Debian's python3 (shim_client.py):
# the ready line, the CRI log, wait, exit.json and what is left after the
# exit (nothing); attach with stdin, exec, SIGTERM; a terminal and its
# size; a create that fails; a kill -9 of the shim's starter (nothing
# happens) and of the shim itself (the container lives on until
# `crate-runtime delete --force`). Prints the shim's PSS beside conmon's.
# Every process, cgroup, mount and directory made here is removed on exit.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
SH="$here/../../cli/crate-shim/crate-shim"
[ -x "$SH" ] || SH="${TEST_SRCDIR:-}/crate/cli/crate-shim/crate-shim"
CR="$here/../../cli/crate-runtime/crate-runtime"
[ -x "$CR" ] || CR="${TEST_SRCDIR:-}/crate/cli/crate-runtime/crate-runtime"
CLIENT="$here/shim_client.py"
[ -f "$CLIENT" ] || CLIENT="${TEST_SRCDIR:-}/crate/tests/shim/shim_client.py"
PY=/usr/bin/python3
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (namespaces, mounts, cgroups)"
  exit 0
fi
for tool in "$PY" jq busybox; do
  command -v "$tool" >/dev/null || {
    echo "SKIP: $tool is not installed"
    exit 0
  }
done

WORK="$(mktemp -d /tmp/crate-shim-e2e.XXXXXX)"
chmod 755 "$WORK"
ROOT="$WORK/state"
P="shim-$$-"
CG_PARENT="crate-shim-e2e-$$"
FAILED=0
: >"$WORK/pids" # every shim, starter and conmon started here

fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}
pass() { echo "ok: $*"; }
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
expect_contains() {
  case "$3" in
    *"$2"*) pass "$1" ;;
    *) fail "$1: expected to contain [$2], got [$3]" ;;
  esac
}

# Gone, or a zombie nobody has reaped yet.
gone() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 0
  [ -z "$state" ] || [ "$state" = Z ]
}
wait_gone() { # PID [SECONDS]
  local i
  for ((i = 0; i < ${2:-10} * 20; i++)); do
    gone "$1" && return 0
    sleep 0.05
  done
  return 1
}
cgroup_dirs() { find /sys/fs/cgroup/*/"$CG_PARENT" -type d 2>/dev/null; }

cleanup() {
  local pid id d
  # Shims first, so that none is left to reap and report.
  while read -r pid; do
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  done <"$WORK/pids"
  for id in $("$CR" --root "$ROOT" list -q 2>/dev/null); do
    "$CR" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done
  for d in $(cgroup_dirs | sort -r); do rmdir "$d" 2>/dev/null; done
  if [ -n "$(cgroup_dirs)" ]; then
    echo "FAIL: cgroups left behind: $(cgroup_dirs)" >&2
    FAILED=1
  fi
  if grep -q " $WORK" /proc/self/mountinfo; then
    echo "FAIL: mounts left behind under $WORK" >&2
    FAILED=1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# make_bundle DIR ARGS... : a busybox rootfs whose process runs ARGS, its
# cgroup under CG_PARENT. TERMINAL=true gives it a terminal.
make_bundle() {
  local dir="$1"
  shift
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" \
    "$dir/rootfs/sys" "$dir/rootfs/tmp"
  cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
  local t
  for t in sh cat echo true sleep tty stty; do
    ln -sf busybox "$dir/rootfs/bin/$t"
  done
  rm -f "$dir/config.json"
  (cd "$dir" && "$CR" spec) || fail "spec in $dir"
  local args
  args="$("$PY" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")"
  jq --argjson a "$args" --arg cg "/$CG_PARENT/$(basename "$dir")" \
    --argjson tty "${TERMINAL:-false}" \
    '.process.terminal = $tty | .process.args = $a | .root.readonly = false |
     .linux.cgroupsPath = $cg' "$dir/config.json" >"$dir/c" &&
    mv "$dir/c" "$dir/config.json"
}

# start_shim ID BUNDLE [FLAGS...]: runs crate-shim and waits for its ready
# line: READY, SHIM_PID, INIT_PID, SOCK, SHIM_DIR, CTR (log and exit file).
start_shim() {
  local id="$1" bundle="$2"
  shift 2
  SHIM_DIR="$WORK/shims/$id"
  CTR="$WORK/ctr/$id"
  SOCK="$SHIM_DIR/shim.sock"
  mkdir -p "$SHIM_DIR" "$CTR"
  "$SH" --id "$id" --bundle "$bundle" --runtime-root "$ROOT" \
    --shim-dir "$SHIM_DIR" --log "$CTR/ctr.log" --exit-file "$CTR/exit.json" \
    "$@" --ready-fd 3 3>"$CTR/ready" 2>"$CTR/shim.err"
  local code=$? i
  [ "$code" = 0 ] || fail "$id: crate-shim exited $code: $(cat "$CTR/shim.err")"
  for ((i = 0; i < 600; i++)); do
    [ "$(tail -c 1 "$CTR/ready" 2>/dev/null | od -An -c | tr -d ' ')" = '\n' ] && break
    sleep 0.05
  done
  READY="$(cat "$CTR/ready")"
  SHIM_PID="$(jq -r '.shim_pid // empty' <<<"$READY" 2>/dev/null)"
  INIT_PID="$(jq -r '.pid // empty' <<<"$READY" 2>/dev/null)"
  [ -n "$SHIM_PID" ] && echo "$SHIM_PID" >>"$WORK/pids"
}

call() { "$PY" "$CLIENT" call "$SOCK" "$1"; }
# field JSON FILTER
field() { jq -r "$2" <<<"$1" 2>/dev/null; }

pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null; }

# A container that prints, exits 3, and leaves nothing behind.
test_lifecycle() {
  local id="${P}life" b="$WORK/life"
  make_bundle "$b" sh -c 'echo hello; echo oops >&2; exit 3'
  start_shim "$id" "$b"
  expect_eq "ready line ok" true "$(field "$READY" .ok)"
  [ -n "$INIT_PID" ] && [ "$INIT_PID" -gt 0 ] && pass "init pid $INIT_PID" ||
    fail "no init pid in $READY"
  gone "$SHIM_PID" && fail "shim $SHIM_PID not running"
  # Detached: its own session, and not our child.
  local sid ppid
  read -r sid ppid < <(ps -o sid=,ppid= -p "$SHIM_PID")
  [ "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] && [ "$ppid" != $$ ] &&
    pass "shim in its own session (sid $sid, parent $ppid)" ||
    fail "shim not detached: sid $sid ppid $ppid"
  expect_eq "shim.pid" "$SHIM_PID" "$(jq -r .pid "$SHIM_DIR/shim.pid")"
  expect_eq "shim.sock mode" 600 "$(stat -c %a "$SOCK")"
  expect_eq "runtime sees it created" created \
    "$("$CR" --root "$ROOT" state "$id" | jq -r .status)"
  expect_eq "state before start" created "$(field "$(call '{"op":"state","container":"'"$id"'"}')" .status)"
  expect_eq "start" true "$(field "$(call '{"op":"start","container":"'"$id"'"}')" .ok)"
  local w
  w="$(call '{"op":"wait","container":"'"$id"'"}')"
  expect_eq "wait exit code" 3 "$(field "$w" .exit_code)"
  grep -q ' stdout F hello$' "$CTR/ctr.log" && pass "log has stdout F hello" ||
    fail "log: $(cat "$CTR/ctr.log")"
  grep -q ' stderr F oops$' "$CTR/ctr.log" && pass "log has stderr F oops" ||
    fail "log: $(cat "$CTR/ctr.log")"
  expect_eq "exit.json exit_code" 3 "$(jq -r .exit_code "$CTR/exit.json" 2>/dev/null)"
  local st
  st="$(call '{"op":"state","container":"'"$id"'"}')"
  expect_eq "state after exit" stopped "$(field "$st" .status)"
  expect_eq "state exit code" 3 "$(field "$st" .exit_code)"
  [ -e "$ROOT/$id" ] && fail "runtime state dir $ROOT/$id left" || pass "state dir gone"
  [ -n "$(find /sys/fs/cgroup/*/"$CG_PARENT/life" -maxdepth 0 2>/dev/null)" ] &&
    fail "cgroup left: $(find /sys/fs/cgroup/*/"$CG_PARENT/life" -maxdepth 0)" ||
    pass "cgroup gone"
  gone "$INIT_PID" && pass "init gone" || fail "init $INIT_PID left"
  wait_gone "$SHIM_PID" 15 && pass "shim exited after the container" ||
    fail "shim $SHIM_PID still running"
  [ -e "$SOCK" ] || [ -e "$SHIM_DIR/shim.pid" ] &&
    fail "shim.sock or shim.pid left: $(ls "$SHIM_DIR")" || pass "shim files removed"
}

# A long-running container with stdin: attach, echo, execs (pipes, stdin,
# a terminal), then SIGTERM to all its processes; the shim's PSS measured
# while it is idle.
test_interactive() {
  local id="${P}cat" b="$WORK/cat"
  make_bundle "$b" sh -c 'trap "exit 143" TERM; echo started; while read -r l; do echo "got $l"; done'
  start_shim "$id" "$b" --stdin
  expect_eq "ready line ok" true "$(field "$READY" .ok)"
  local out
  out="$("$PY" "$CLIENT" interactive "$SOCK" "$id" 2>&1)" || fail "interactive: $out"
  # (the shell drops the last newline of a $(...))
  expect_eq "attach: stdin reached the container" "started
got ping" "$(field "$out" .echo)"
  expect_eq "exec exit code" 7 "$(field "$out" .exec_exit)"
  expect_eq "exec stdout" from-exec "$(field "$out" .exec_stdout)"
  expect_eq "exec stderr" err-exec "$(field "$out" .exec_stderr)"
  expect_eq "exec wait" 7 "$(field "$out" .exec_wait)"
  expect_eq "exec id in use" exists "$(field "$out" .exec_again)"
  expect_eq "exec with stdin" to-exec "$(field "$out" .exec2_stdout)"
  expect_eq "exec closed stdin" 0 "$(field "$out" .exec2_exit)"
  expect_contains "exec with a terminal" /dev/pts/ "$(field "$out" .exec_tty)"
  expect_eq "exec with a terminal: exit" 0 "$(field "$out" .exec_tty_exit)"
  expect_eq "the init's client saw only the init" "started
got ping
got pong" "$(field "$out" .init_stdout)"
  grep -q 'from-exec' "$CTR/ctr.log" && fail "exec output in the log" ||
    pass "exec output not in the log"
  grep -q ' stdout F got ping$' "$CTR/ctr.log" && pass "log has the echo" ||
    fail "log: $(cat "$CTR/ctr.log")"

  # Idle: the shim gives back what create and the requests touched.
  sleep 2
  SHIM_PSS="$(pss_kb "$SHIM_PID")"
  echo "crate-shim PSS (idle, one shim): ${SHIM_PSS} kB"
  grep -E '^(Rss|Pss_Anon|Pss_File):' "/proc/$SHIM_PID/smaps_rollup" | sed 's/^/  /'

  out="$("$PY" "$CLIENT" term "$SOCK" "$id" 2>&1)" || fail "term: $out"
  expect_eq "SIGTERM: exit frame" 143 "$(field "$out" .attach_exit)"
  expect_eq "SIGTERM to all: the exec'd sleep died of it" 143 \
    "$(field "$out" .exec_wait.exit_code)"
  expect_eq "SIGTERM: wait" 143 "$(field "$out" .wait.exit_code)"
  expect_eq "SIGTERM: state" stopped "$(field "$out" .state.status)"
  expect_eq "kill after the exit" state "$(field "$out" .kill_after)"
  expect_eq "exit.json after SIGTERM" 143 "$(jq -r .exit_code "$CTR/exit.json" 2>/dev/null)"
  wait_gone "$SHIM_PID" 15 && pass "shim exited" || fail "shim $SHIM_PID still running"
}

# A terminal: tty names a pty, resize by request and by frame.
test_tty() {
  local id="${P}tty" b="$WORK/tty"
  TERMINAL=true make_bundle "$b" sh -c 'tty; read x; stty size; read y; stty size'
  start_shim "$id" "$b" --tty
  expect_eq "tty ready line ok" true "$(field "$READY" .ok)"
  local out
  out="$("$PY" "$CLIENT" tty "$SOCK" "$id" 2>&1)" || fail "tty: $out"
  expect_contains "tty prints a pty" /dev/pts/ "$(field "$out" .tty)"
  expect_contains "resize request" "33 101" "$(field "$out" .output)"
  expect_contains "resize frame" "40 120" "$(field "$out" .output)"
  expect_eq "tty exit" 0 "$(field "$out" .exit)"
  grep -q ' stdout [PF] /dev/pts/' "$CTR/ctr.log" && pass "terminal output in the log" ||
    fail "log: $(cat "$CTR/ctr.log")"
  wait_gone "$SHIM_PID" 15 && pass "tty shim exited" || fail "shim $SHIM_PID still running"
}

# Creates that fail report the error and leave nothing.
test_create_errors() {
  local b="$WORK/bad"
  make_bundle "$b" true
  jq '.hooks = {"createRuntime": [{"path": "/bin/false"}]}' "$b/config.json" >"$b/c" &&
    mv "$b/c" "$b/config.json"
  local id="${P}bad"
  start_shim "$id" "$b"
  expect_eq "failing hook: not ok" false "$(field "$READY" .ok)"
  expect_contains "failing hook: the error" createRuntime "$(field "$READY" .message)"
  # A container whose process has no terminal, started with --tty: created,
  # then undone by the shim.
  local b2="$WORK/notty" id2="${P}notty"
  make_bundle "$b2" sleep 100
  start_shim "$id2" "$b2" --tty
  expect_eq "--tty without process.terminal: not ok" false "$(field "$READY" .ok)"
  expect_contains "--tty without process.terminal: the error" "process.terminal" \
    "$(field "$READY" .message)"
  local i
  for i in "$id" "$id2"; do
    [ -e "$ROOT/$i" ] && fail "$i: state dir left" || pass "$i: no state dir"
    [ -n "$(ls -A "$WORK/shims/$i")" ] && fail "$i: shim dir not empty: $(ls "$WORK/shims/$i")" ||
      pass "$i: no shim.pid or shim.sock"
    [ -e "$WORK/ctr/$i/ctr.log" ] && fail "$i: log left" || pass "$i: no log"
  done
  [ -n "$(find /sys/fs/cgroup/*/"$CG_PARENT"/bad /sys/fs/cgroup/*/"$CG_PARENT"/notty -maxdepth 0 2>/dev/null)" ] &&
    fail "cgroups of failed creates left" || pass "no cgroups of failed creates"
}

# Whoever starts the shim may die; the shim ignores TERM, INT and HUP; a
# kill -9 of the shim leaves the container to `delete --force`.
test_kills() {
  local id="${P}kill" b="$WORK/kill"
  make_bundle "$b" sleep 1000
  SHIM_DIR="$WORK/shims/$id"
  CTR="$WORK/ctr/$id"
  SOCK="$SHIM_DIR/shim.sock"
  mkdir -p "$SHIM_DIR" "$CTR"
  # The starter: a session of its own that stays, as crated would.
  setsid bash -c '"$@" 3>"$0"; exec sleep 300' "$CTR/ready" \
    "$SH" --id "$id" --bundle "$b" --runtime-root "$ROOT" --shim-dir "$SHIM_DIR" \
    --log "$CTR/ctr.log" --exit-file "$CTR/exit.json" --ready-fd 3 &
  local starter=$! i
  echo "$starter" >>"$WORK/pids"
  for ((i = 0; i < 600; i++)); do
    [ -s "$CTR/ready" ] && break
    sleep 0.05
  done
  READY="$(cat "$CTR/ready")"
  SHIM_PID="$(field "$READY" '.shim_pid // empty')"
  INIT_PID="$(field "$READY" '.pid // empty')"
  echo "$SHIM_PID" >>"$WORK/pids"
  expect_eq "started from a starter" true "$(field "$READY" .ok)"
  expect_eq "start" true "$(field "$(call '{"op":"start","container":"'"$id"'"}')" .ok)"
  kill -9 -- "-$starter" 2>/dev/null
  wait "$starter" 2>/dev/null
  sleep 0.3
  gone "$SHIM_PID" && fail "shim died with its starter" || pass "shim outlives its starter"
  gone "$INIT_PID" && fail "container died with the starter" || pass "container outlives the starter"
  kill -TERM "$SHIM_PID"
  kill -INT "$SHIM_PID"
  kill -HUP "$SHIM_PID"
  sleep 0.3
  expect_eq "shim ignores TERM, INT, HUP" running \
    "$(field "$(call '{"op":"state","container":"'"$id"'"}')" .status)"

  # kill -9 of the shim: the container runs on, parentless; nothing
  # records its end until the runtime deletes it.
  kill -9 "$SHIM_PID"
  wait_gone "$SHIM_PID" 5 || fail "shim survived kill -9"
  sleep 0.3
  gone "$INIT_PID" && fail "container died with its shim" || pass "container outlives a killed shim"
  expect_eq "runtime: still running" running \
    "$("$CR" --root "$ROOT" state "$id" 2>/dev/null | jq -r .status)"
  [ -e "$CTR/exit.json" ] && fail "exit.json without an exit" || pass "no exit.json"
  [ -e "$SOCK" ] && pass "a dead shim's socket stays (the reconciler's clue)" ||
    fail "shim.sock gone"
  "$CR" --root "$ROOT" delete --force "$id" || fail "delete --force $id"
  wait_gone "$INIT_PID" 5 && pass "delete --force killed the container" ||
    fail "init $INIT_PID survived delete --force"
  [ -e "$ROOT/$id" ] && fail "state dir left after delete --force" || pass "no state dir"
  [ -n "$(find /sys/fs/cgroup/*/"$CG_PARENT/kill" -maxdepth 0 2>/dev/null)" ] &&
    fail "cgroup left after delete --force" || pass "no cgroup"
}

# conmon, podman's monitor, on the same kind of container (run through
# crate-runtime), for the PSS figure beside the shim's.
measure_conmon() {
  if ! command -v conmon >/dev/null; then
    echo "conmon PSS: conmon not installed"
    return
  fi
  local id="${P}conmon" b="$WORK/conmon"
  make_bundle "$b" sh -c 'echo started; exec sleep 1000'
  conmon -c "$id" -u "$id" -n "$id" -r "$CR" --runtime-arg=--root="$ROOT" \
    -b "$b" -p "$b/pid" -P "$b/conmon.pid" -l "k8s-file:$b/ctr.log" \
    --exit-dir "$b" --socket-dir-path "$b" --log-level=error >/dev/null 2>&1 ||
    {
      echo "conmon PSS: conmon did not start"
      return
    }
  local cm
  cm="$(cat "$b/conmon.pid" 2>/dev/null)"
  [ -n "$cm" ] && echo "$cm" >>"$WORK/pids"
  "$CR" --root "$ROOT" start "$id" >/dev/null 2>&1
  sleep 2
  echo "conmon PSS (idle, one conmon): $(pss_kb "$cm") kB (crate-shim: ${SHIM_PSS:-?} kB)"
  "$CR" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  wait_gone "$cm" 10 || kill -9 "$cm" 2>/dev/null
}

test_lifecycle
test_interactive
test_tty
test_create_errors
test_kills
measure_conmon

if [ "$FAILED" = 0 ]; then
  echo PASS
else
  echo FAILED
fi
exit "$FAILED"
