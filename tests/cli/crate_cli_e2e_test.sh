#!/usr/bin/env bash
# The crate CLI end to end, as a docker user drives it: a private crated
# (started on demand by the CLI) and the local registry fixture; images
# (pull, images, tag, rmi, inspect) always, containers (run and its exit
# codes, run -d, ps, logs, stop, kill, rm, wait, create + start, --rm,
# names, signals, exec) when crate-shim is there beside crated. Everything
# it makes is removed at the end, whatever happened.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"
# shellcheck source=../fixtures/private_crated.sh
source "$here/../fixtures/private_crated.sh"
bin() { fixture_binary "$@" || exit 1; }
CRATE="$(bin cli/crate crate)"
CRATED="$(bin cli/crated crated)"
CRATE_RUNTIME="$(bin cli/crate-runtime crate-runtime)"
# crated runs the crate-shim beside its own real path.
SHIM="$(dirname "$(readlink -f "$CRATED")")/../crate-shim/crate-shim"

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (containers, mounts, cgroups)"
  exit 0
fi

# Short: a shim's socket path (run dir + shims/<64 hex>/shim.sock) must
# fit in sun_path's 108 bytes.
private_crated_setup ccli
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

# crate ARGS...: runs the CLI; sets OUT, ERR and RC.
crate() {
  "$CRATE" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT="$(cat "$WORK/out")"
  ERR="$(cat "$WORK/err")"
}

cleanup() {
  if declare -F registry_stop >/dev/null; then registry_stop >/dev/null 2>&1; fi
  private_crated_cleanup
}
trap cleanup EXIT

CRATE_FIXTURE_TMPDIR="$WORK" registry_start >/dev/null || { echo "FAIL: registry"; exit 1; }
images_push "$WORK/images" busybox layers >/dev/null || { echo "FAIL: pushing the test images"; exit 1; }
IMG="$REGISTRY_HOST/crate-test/busybox"     # pulled by the image tests
OTHER="$REGISTRY_HOST/crate-test/layers"    # pulled by run's default --pull missing

test_usage_and_flags() {
  crate --help
  expect_eq "--help rc" 0 "$RC"
  expect_contains "--help lists run" "Create and run a new container from an image" "$OUT"
  local c
  for c in run create start ps stop kill rm logs wait inspect pull images rmi tag \
    version info "image ls" "image inspect" "container ls" "completion bash" \
    attach exec restart top stats update events push login logout load save \
    "volume create" "volume ls" "volume inspect" "volume rm" "volume prune" \
    "image prune" "container prune" "system df" "system prune" "system info"; do
    # shellcheck disable=SC2086
    crate $c --help
    expect_eq "$c --help rc" 0 "$RC"
    expect_contains "$c --help" "Usage: crate $c" "$OUT"
  done
  crate images --bogus
  expect_eq "unknown flag rc" 125 "$RC"
  expect_contains "unknown flag" "Error: " "$ERR"
  expect_contains "unknown flag help hint" "See 'crate images --help'." "$ERR"
  crate run --bogus "$IMG"
  expect_eq "run unknown flag rc" 125 "$RC"
  expect_contains "run unknown flag" "unknown flag: --bogus" "$ERR"
  crate run
  expect_eq "run without image rc" 125 "$RC"
  expect_contains "run without image" "\"crate run\" requires at least 1 argument." "$ERR"
  crate run -it --name not-a-tty "$IMG" sh </dev/null
  expect_eq "run -it without a terminal rc" 125 "$RC"
  expect_contains "run -it without a terminal" "the input device is not a TTY" "$ERR"
  crate nosuchcommand
  expect_eq "unknown command rc" 125 "$RC"
  crate completion bash
  bash -n <<<"$OUT" || fail "completion bash is not valid bash"
  expect_contains "completion knows run's flags" "--pids-limit" "$OUT"
}

test_version_and_info() {
  crate version
  expect_eq "version rc" 0 "$RC"
  expect_contains "version (client)" "Client:" "$OUT"
  expect_contains "version (service)" "OCI runtime spec: 1.1.0" "$OUT"
  [ -n "$(private_crated_pids)" ] || fail "crated was not started on demand"
  crate info
  expect_eq "info rc" 0 "$RC"
  expect_match "info containers" "^ Containers: [0-9]+$" "$OUT"
  expect_match "info images" "^ Images: [0-9]+$" "$OUT"
  crate info --format '{{.ServerVersion}}'
  expect_eq "info --format" "0.1.0" "$OUT"
}

test_pull() {
  crate pull "$IMG"
  expect_eq "pull rc" 0 "$RC"
  expect_contains "pull default tag" "Using default tag: latest" "$OUT"
  expect_contains "pull from" "latest: Pulling from $IMG" "$OUT"
  expect_match "pull layer lines" "^[0-9a-f]{12}: Pull complete$" "$OUT"
  expect_match "pull digest" "^Digest: sha256:[0-9a-f]{64}$" "$OUT"
  expect_contains "pull status" "Status: Downloaded newer image for $IMG:latest" "$OUT"
  expect_eq "pull's last line" "$IMG:latest" "$(tail -n1 <<<"$OUT")"
  crate pull "$IMG:latest"
  expect_contains "pull again" "Status: Image is up to date for $IMG:latest" "$OUT"
  expect_not_contains "pull with a tag" "Using default tag" "$OUT"
  crate pull -q "$IMG"
  expect_eq "pull -q" "$IMG:latest" "$OUT"
  crate pull "$REGISTRY_HOST/crate-test/nosuch"
  expect_eq "pull of a missing image rc" 125 "$RC"
  expect_contains "pull of a missing image" "Error: " "$ERR"
}

test_images_tag_rmi_inspect() {
  crate images
  expect_eq "images rc" 0 "$RC"
  expect_match "images header" "^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$" "$OUT"
  expect_match "images row" "^$IMG +latest +[0-9a-f]{12} +.+ +[0-9.]+[kM]B$" "$OUT"
  local id
  id="$(awk -v r="$IMG" '$1 == r {print $3}' <<<"$OUT")"
  crate images -q
  expect_contains "images -q" "$id" "$OUT"
  crate images --digests
  expect_match "images --digests" "^$IMG +latest +sha256:[0-9a-f]{64} +$id " "$OUT"
  crate images --format json
  expect_eq "images --format json" "latest" \
    "$(jq -r --arg r "$IMG" 'select(.Repository == $r) | .Tag' <<<"$OUT")"
  crate images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  expect_contains "images --format template" "$IMG:latest $id" "$OUT"
  crate images --format '{{.Nope}}'
  expect_eq "images bad template rc" 125 "$RC"

  crate tag "$IMG" e2e/copy:1
  expect_eq "tag rc" 0 "$RC"
  expect_eq "tag prints nothing" "" "$OUT"
  crate images e2e/copy
  expect_match "images REPOSITORY (short docker.io name)" "^e2e/copy +1 +$id " "$OUT"
  expect_not_contains "images REPOSITORY filters" "$IMG" "$OUT"
  crate image ls --format '{{.Repository}}'
  expect_contains "image ls" "e2e/copy" "$OUT"

  crate image inspect e2e/copy:1
  expect_eq "image inspect rc" 0 "$RC"
  expect_eq "image inspect RepoTags" "true" \
    "$(jq '.[0].RepoTags | index("e2e/copy:1") != null' <<<"$OUT")"
  expect_eq "image inspect Id" "$id" "$(jq -r '.[0].Id[7:19]' <<<"$OUT")"
  crate inspect --format '{{.Os}}/{{.Architecture}} {{json .Config.Cmd}}' e2e/copy:1
  expect_eq "inspect --format" "linux/$(dpkg --print-architecture 2>/dev/null || echo amd64) [\"sh\"]" "$OUT"
  crate inspect e2e/copy:1 nosuch/thing
  expect_eq "inspect of a missing one rc" 125 "$RC"
  expect_contains "inspect of a missing one" "Error: No such object: nosuch/thing" "$ERR"
  expect_eq "inspect prints the others" 1 "$(jq length <<<"$OUT")"

  crate rmi e2e/copy:1
  expect_eq "rmi rc" 0 "$RC"
  expect_contains "rmi untags" "Untagged: e2e/copy:1" "$OUT"
  crate rmi e2e/copy:1
  expect_eq "rmi again rc" 125 "$RC"
  expect_contains "rmi again" "Error: " "$ERR"
  crate images -q
  expect_contains "rmi of one name keeps the image" "$id" "$OUT"
}

# --- containers --------------------------------------------------------------

test_run_exit_codes() {
  crate run --rm "$OTHER" echo hello
  expect_eq "run rc" 0 "$RC"
  expect_eq "run output" "hello" "$OUT"
  expect_contains "run pulls a missing image" "Unable to find image '$OTHER:latest' locally" "$ERR"
  expect_not_contains "run's pull output stays off stdout" "Pull" "$OUT"
  crate ps -a -q
  expect_eq "--rm removed the container" "" "$OUT"

  crate run --name three "$IMG" sh -c 'echo out-line; echo err-line >&2; exit 3'
  expect_eq "run exit code 3" 3 "$RC"
  expect_eq "run stdout" "out-line" "$OUT"
  expect_eq "run stderr" "err-line" "$ERR"
  crate logs three
  expect_eq "logs stdout" "out-line" "$OUT"
  expect_eq "logs stderr" "err-line" "$ERR"
  crate logs --tail 1 three
  expect_eq "logs --tail 1 (the last line was stderr's)" "" "$OUT"
  expect_eq "logs --tail 1 stderr" "err-line" "$ERR"
  crate logs --tail 0 three
  expect_eq "logs --tail 0" "" "$OUT$ERR"
  crate logs --since 1h three
  expect_eq "logs --since 1h" "out-line" "$OUT"
  crate logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" three
  expect_eq "logs --since the future" "" "$OUT$ERR"
  crate ps -l --format '{{.Names}} {{.Status}}'
  expect_match "ps -l" "^three Exited \(3\) .+ ago$" "$OUT"
  crate ps -n 1 -q
  expect_eq "ps -n 1" 1 "$(wc -l <<<"$OUT")"
  crate run --name three "$IMG" true
  expect_eq "name conflict rc" 125 "$RC"
  expect_contains "name conflict" "already in use" "$ERR"
  crate run --rm "$IMG" nosuchcommand
  expect_eq "command not found rc" 127 "$RC"
  expect_contains "command not found" "Error: " "$ERR"
  crate run --rm "$IMG" /etc/passwd
  expect_eq "cannot execute rc" 126 "$RC"
  crate run --rm --pull never "$REGISTRY_HOST/crate-test/neverpulled"
  expect_eq "--pull never rc" 125 "$RC"
  crate run --rm "$REGISTRY_HOST/crate-test/nosuch" true
  expect_eq "unknown image rc" 125 "$RC"
  crate run --rm -e FROM_FLAG=1 -w /tmp -u 1000 --hostname box "$IMG" \
    sh -c 'echo "$FROM_FLAG $(pwd) $(id -u) $(hostname)"'
  expect_eq "run options" "1 /tmp 1000 box" "$OUT"
  crate ps -a -q
  expect_eq "failed runs leave only the exited one" 1 "$(wc -l <<<"$OUT")"
  crate rm three
  expect_eq "rm rc" 0 "$RC"
  expect_eq "rm prints the name" "three" "$OUT"
}

test_detached_ps_logs_stop_rm() {
  crate run -d --name web "$IMG" sh -c 'trap "echo stopping; exit 0" TERM; echo started; while true; do sleep 0.1; done'
  expect_eq "run -d rc" 0 "$RC"
  expect_match "run -d prints the ID" "^[0-9a-f]{64}$" "$OUT"
  local id="$OUT" i
  for i in $(seq 50); do
    "$CRATE" logs web 2>/dev/null | grep -q started && break
    sleep 0.1
  done
  crate ps
  expect_match "ps header" "^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$" "$OUT"
  expect_match "ps row" "^${id:0:12} +$IMG +\".*\" +.+ ago +Up .+ +web$" "$OUT"
  crate ps -q
  expect_eq "ps -q" "${id:0:12}" "$OUT"
  crate ps --no-trunc -q
  expect_eq "ps --no-trunc -q" "$id" "$OUT"
  crate ps --format '{{.Names}} {{.State}}'
  expect_eq "ps --format" "web running" "$OUT"
  crate ps --format json
  expect_eq "ps --format json" "web" "$(jq -r .Names <<<"$OUT")"
  crate ps --filter name=nosuch -q
  expect_eq "ps --filter" "" "$OUT"
  crate logs web
  expect_eq "logs" "started" "$OUT"
  crate logs -t web
  expect_match "logs -t" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z started$" "$OUT"
  "$CRATE" logs -f web >"$WORK/follow.out" 2>&1 &
  local follower=$!
  crate stop -t 5 web
  expect_eq "stop rc" 0 "$RC"
  expect_eq "stop prints the name" "web" "$OUT"
  for i in $(seq 50); do kill -0 "$follower" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$follower" 2>/dev/null && fail "logs -f did not end when the container stopped"
  wait "$follower"
  expect_eq "logs -f" "$(printf 'started\nstopping')" "$(cat "$WORK/follow.out")"
  crate ps -q
  expect_eq "ps without -a hides the stopped" "" "$OUT"
  crate ps -a --format '{{.Names}}: {{.Status}}'
  expect_match "ps -a status" "^web: Exited \(0\) .+ ago$" "$OUT"
  crate wait web
  expect_eq "wait" "0" "$OUT"
  crate inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.Name}}' web
  expect_eq "inspect a container" "exited 0 /web" "$OUT"
  crate inspect "${id:0:8}"
  expect_eq "inspect by ID prefix" "$id" "$(jq -r '.[0].Id' <<<"$OUT")"
  crate rm "${id:0:8}"
  expect_eq "rm by ID prefix" 0 "$RC"
  crate ps -a -q
  expect_eq "removed" "" "$OUT"
  crate logs web
  expect_eq "logs of a removed container rc" 125 "$RC"
}

test_kill_and_forced_rm() {
  crate run -d --name k "$IMG" sleep 60
  crate kill k
  expect_eq "kill rc" 0 "$RC"
  expect_eq "kill prints the name" "k" "$OUT"
  crate wait k
  expect_eq "wait after kill" "137" "$OUT"
  crate run -d --name f "$IMG" sleep 60
  crate rm f
  expect_eq "rm of a running container rc" 125 "$RC"
  expect_contains "rm of a running container" "Error: " "$ERR"
  crate rm -f f k
  expect_eq "rm -f rc" 0 "$RC"
  expect_eq "rm -f prints each" "$(printf 'f\nk')" "$OUT"
  crate kill nosuch
  expect_eq "kill of a missing container rc" 125 "$RC"
}

test_create_and_start() {
  crate create --name later "$IMG" sh -c 'echo from-start; exit 5'
  expect_eq "create rc" 0 "$RC"
  expect_match "create prints the ID" "^[0-9a-f]{64}$" "$OUT"
  crate ps -a --format '{{.Names}} {{.State}} {{.Status}}'
  expect_eq "created" "later created Created" "$OUT"
  crate start -a later
  expect_eq "start -a exit code" 5 "$RC"
  expect_eq "start -a output" "from-start" "$OUT"
  crate rm later
  crate create --name bg "$IMG" true
  crate start bg
  expect_eq "start rc" 0 "$RC"
  expect_eq "start prints the name" "bg" "$OUT"
  crate wait bg
  expect_eq "wait after start" "0" "$OUT"
  crate rm bg
}

test_exec() {
  crate run -d --name ex -e FROM_RUN=run "$IMG" sleep 60
  expect_eq "exec: run -d rc" 0 "$RC"
  crate exec ex echo hello
  expect_eq "exec rc" 0 "$RC"
  expect_eq "exec output" "hello" "$OUT"
  crate exec ex sh -c 'echo out-line; echo err-line >&2; exit 7'
  expect_eq "exec exit code" 7 "$RC"
  expect_eq "exec stdout" "out-line" "$OUT"
  expect_eq "exec stderr" "err-line" "$ERR"
  crate exec ex nosuchcommand
  expect_eq "exec of a missing command rc" 127 "$RC"
  expect_contains "exec of a missing command" "executable file not found" "$ERR"
  crate exec ex /etc/passwd
  expect_eq "exec of a file that is not executable rc" 126 "$RC"
  crate exec -e FROM_EXEC=1 -e FROM_RUN=over -w /tmp -u 1000:1000 ex \
    sh -c 'echo "$FROM_EXEC $FROM_RUN $(pwd) $(id -u):$(id -g)"'
  expect_eq "exec -e -w -u" "1 over /tmp 1000:1000" "$OUT"
  crate exec ex sh -c 'echo "$FROM_RUN"'
  expect_eq "exec keeps the container's env" "run" "$OUT"
  crate exec -u nosuchuser ex true
  expect_eq "exec -u of a missing user rc" 125 "$RC"
  OUT="$(echo hi | "$CRATE" exec -i ex cat 2>"$WORK/err")"
  RC=$?
  expect_eq "exec -i rc" 0 "$RC"
  expect_eq "exec -i" "hi" "$OUT"
  OUT="$(echo hi | "$CRATE" exec ex cat 2>"$WORK/err")"
  expect_eq "exec without -i does not read our stdin" "" "$OUT"
  crate exec -t ex sh -c 'test -t 1 && echo on-a-tty'
  expect_eq "exec -t rc" 0 "$RC"
  expect_eq "exec -t: stdout is a terminal" "on-a-tty" "$(tr -d '\r' <<<"$OUT")"
  crate exec -it ex true </dev/null
  expect_eq "exec -it without a terminal rc" 125 "$RC"
  expect_contains "exec -it without a terminal" "the input device is not a TTY" "$ERR"
  crate exec -d ex sh -c 'echo detached >/tmp/exec-d'
  expect_eq "exec -d rc" 0 "$RC"
  expect_eq "exec -d prints nothing" "" "$OUT"
  local i
  for i in $(seq 50); do
    "$CRATE" exec ex cat /tmp/exec-d 2>/dev/null | grep -q detached && break
    sleep 0.1
  done
  crate exec ex cat /tmp/exec-d
  expect_eq "exec -d ran" "detached" "$OUT"
  crate exec nosuch true
  expect_eq "exec in a missing container rc" 125 "$RC"
  # The shim's death mid-exec ends the exec with an error, not a hang.
  local id
  id="$("$CRATE" inspect -f '{{.Id}}' ex)"
  local init_pid
  init_pid="$("$CRATE" inspect -f '{{.State.Pid}}' ex)"
  "$CRATE" exec ex sh -c 'echo ready; sleep 60' >"$WORK/exec.out" 2>"$WORK/exec.err" &
  local cli=$!
  for i in $(seq 50); do grep -q ready "$WORK/exec.out" && break; sleep 0.1; done
  crate exec ex true  # a second exec meanwhile is fine
  expect_eq "exec beside another rc" 0 "$RC"
  kill -9 $(pgrep -f "crate-shim .*--id $id") 2>/dev/null
  for i in $(seq 50); do kill -0 "$cli" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$cli" 2>/dev/null && fail "exec did not end when the shim died"
  wait "$cli"
  expect_eq "exec when the shim dies rc" 125 "$?"
  expect_eq "exec when the shim dies" "Error: the container's shim went away before the process exited" "$(cat "$WORK/exec.err")"
  # kill -9 of a shim: its container is reported exited (137, "shim
  # died"), and its processes are gone, not left running or as zombies.
  crate inspect -f '{{.State.Status}} {{.State.ExitCode}}' ex
  expect_eq "a killed shim: the container exited" "exited 137" "$OUT"
  for i in $(seq 50); do [ -e "/proc/$init_pid" ] || break; sleep 0.1; done
  [ -e "/proc/$init_pid" ] && fail "a killed shim: the container's init $init_pid is left ($(awk '{print $3}' "/proc/$init_pid/stat" 2>/dev/null))"
  crate rm -f ex
  crate run -d --name ex "$IMG" sleep 60
  crate kill ex
  crate wait ex
  crate exec ex true
  expect_eq "exec in a stopped container rc" 125 "$RC"
  expect_contains "exec in a stopped container" "container ex is not running" "$ERR"
  crate rm ex
}

# Signals sent to a foreground `crate run` go to the container.
test_signal_forwarding() {
  "$CRATE" run --name sig "$IMG" sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.1; done' \
    >"$WORK/sig.out" 2>&1 &
  local cli=$! i
  for i in $(seq 100); do grep -q ready "$WORK/sig.out" && break; sleep 0.1; done
  kill -TERM "$cli"
  wait "$cli"
  expect_eq "forwarded SIGTERM: the container's exit code" 7 "$?"
  expect_eq "forwarded SIGTERM: output" "$(printf 'ready\ngot-term')" "$(cat "$WORK/sig.out")"
  crate rm sig
}

# docker's start of an exited container runs it again (same log, same
# writable layer); restart stops and starts.
test_start_again_and_restart() {
  crate run --name again "$IMG" sh -c 'echo run >>/count; wc -l </count'
  expect_eq "first run" "1" "$OUT"
  crate start -a again
  expect_eq "start -a of an exited container rc" 0 "$RC"
  expect_eq "second run sees the first one's file" "2" "$OUT"
  crate start again
  expect_eq "start of an exited container rc" 0 "$RC"
  crate wait again
  crate logs again
  expect_eq "the log holds every run" "$(printf '1\n2\n3')" "$OUT"
  crate rm again
  crate run -d --name rs "$IMG" sh -c 'trap "exit 0" TERM; echo up; while true; do sleep 0.1; done'
  local first_pid second_pid
  first_pid="$("$CRATE" inspect -f '{{.State.Pid}}' rs)"
  crate restart -t 5 rs
  expect_eq "restart rc" 0 "$RC"
  expect_eq "restart prints the name" "rs" "$OUT"
  crate ps --format '{{.Names}} {{.State}}' --filter name=rs
  expect_eq "running after restart" "rs running" "$OUT"
  second_pid="$("$CRATE" inspect -f '{{.State.Pid}}' rs)"
  [ "$first_pid" != "$second_pid" ] || fail "restart: the same init pid $first_pid"
  crate restart nosuch
  expect_eq "restart of a missing container rc" 125 "$RC"
  crate rm -f rs
}

# --rm with -d: removed after the exit by the service, and its name free.
test_auto_remove_detached() {
  crate run -d --rm --name gone "$IMG" true
  expect_eq "run -d --rm rc" 0 "$RC"
  local i
  for i in $(seq 100); do
    [ -z "$("$CRATE" ps -aq --filter name=gone)" ] && break
    sleep 0.1
  done
  expect_eq "run -d --rm: gone after its exit" "" "$("$CRATE" ps -aq --filter name=gone)"
  crate run -d --rm --name gone "$IMG" true
  crate wait gone  # exited; its shim may linger a few seconds
  crate run --rm --name gone "$IMG" echo reused
  expect_eq "the name of an exited --rm container is free at once" "reused" "$OUT"
}

test_nothing_left() {
  crate ps -a -q
  expect_eq "no containers left" "" "$OUT"
  pgrep -f "crate-shim .*$WORK/" >/dev/null && fail "a shim is left"
}

for t in test_usage_and_flags test_version_and_info test_pull test_images_tag_rmi_inspect; do
  echo "== $t"
  "$t"
done
if [ -x "$SHIM" ]; then
  for t in test_run_exit_codes test_detached_ps_logs_stop_rm test_kill_and_forced_rm \
    test_create_and_start test_exec test_signal_forwarding test_start_again_and_restart \
    test_auto_remove_detached test_nothing_left; do
    echo "== $t"
    "$t"
  done
else
  echo "SKIP: the container tests: no crate-shim beside crated ($SHIM); build //cli/crate-shim"
fi
if [ "$FAILED" != 0 ]; then
  echo "crate_cli_e2e_test: FAILED"
  exit 1
fi
echo "crate_cli_e2e_test: all passed"
