#!/usr/bin/env bash
# containerd drives an OCI runtime through its runc shim
# (containerd-shim-runc-v2), which calls runc's command line. This starts a
# private containerd (its own root, state and socket; the CRI plugin off),
# pulls an image from the local registry fixture and runs ctr's everyday
# commands with --runc-binary RUNTIME. Everything it made is removed at the
# end:   containerd_runtime_test.sh RUNTIME
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runtime="${1:?usage: $0 RUNTIME}"
runtime="$(cd "$(dirname "$runtime")" && pwd)/$(basename "$runtime")"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"

for tool in containerd ctr containerd-shim-runc-v2 jq python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (third_party/install_deps.sh)" >&2; exit 1; }
done

work="$(mktemp -d /tmp/crate-containerd.XXXXXX)"
# The ctr namespace names the parent cgroup of the containers.
ns="crate-e2e-$$"
sock="$work/containerd.sock"
containerd_pid=""
c() { ctr -a "$sock" -n "$ns" "$@"; }
cleanup() {
  if [ -n "$containerd_pid" ]; then
    for t in $(c task ls -q 2>/dev/null); do
      c task kill -s KILL "$t" >/dev/null 2>&1 || true
    done
    sleep 0.3
    for t in $(c task ls -q 2>/dev/null); do
      c task delete --force "$t" >/dev/null 2>&1 || true
    done
    for t in $(c container ls -q 2>/dev/null); do
      c container rm "$t" >/dev/null 2>&1 || true
    done
    for i in $(c image ls -q 2>/dev/null); do
      c image rm "$i" >/dev/null 2>&1 || true
    done
    kill "$containerd_pid" 2>/dev/null || true
    wait "$containerd_pid" 2>/dev/null || true
  fi
  pkill -f "containerd-shim-runc-v2 -namespace $ns " 2>/dev/null || true
  # Snapshots and task roots that containerd mounted below the work dir.
  { grep -o " $work[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  find /sys/fs/cgroup/*/"$ns" /sys/fs/cgroup/"$ns" -depth -type d \
    -exec rmdir {} + 2>/dev/null || true
  registry_stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    echo "ok   $1"; passed=$((passed + 1))
  else
    echo "FAIL $1: expected '$2', got '$3'"; failed=$((failed + 1))
  fi
}

cat >"$work/config.toml" <<TOML
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
TOML
containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 100); do
  c version >/dev/null 2>&1 && break
  sleep 0.1
done
c version >/dev/null || { cat "$work/containerd.log" >&2; exit 1; }

CRATE_FIXTURE_TMPDIR="$work" registry_start >/dev/null
images_push "$work/images" >/dev/null
image="$REGISTRY_HOST/$(jq -r '.images.busybox.repository + ":" + .images.busybox.tag' "$work/images/images.json")"
c images pull --plain-http "$image" >/dev/null

# run [CTR-RUN-FLAGS...] ID ARGS...
run() {
  local flags=()
  while [ "${1#--}" != "$1" ]; do flags+=("$1"); shift; done
  local id="$1"; shift
  c run --rm --runc-binary "$runtime" "${flags[@]}" "$image" "$id" "$@" 2>&1 </dev/null
}
pty() { python3 -c 'import pty, sys; pty.spawn(sys.argv[1:])' "$@" </dev/null | tr -d '\r'; }

check "run echo" "it works" "$(run r1 echo it works)"
check "exit code" "42" "$(run r2 sh -c 'exit 42' >/dev/null; echo $?)" || true
check "cgroup" "/$ns/r3" "$(run r3 sh -c 'grep -E "^[0-9]+:pids:" /proc/self/cgroup | cut -d: -f3')"
check "tty" "tty 0 1" "$(pty ctr -a "$sock" -n "$ns" run --rm -t --runc-binary "$runtime" \
  "$image" r4 sh -c '[ -t 0 ] && [ -t 1 ] && echo tty 0 1')"
check "env and cwd" "v=1 /tmp" "$(run --env=v=1 --cwd=/tmp r5 sh -c 'echo "v=$v $(pwd)"')"
check "read-only rootfs" "ro" "$(run --read-only r6 sh -c 'touch /x 2>/dev/null && echo rw || echo ro')"

# Detached: the shim calls `create`, then `start`.
c run -d --runc-binary "$runtime" --memory-limit 8388608 "$image" sleeper sleep 1000 >/dev/null
check "task running" "RUNNING" "$(c task ls | awk '$1 == "sleeper" {print $3}')"
check "memory limit" "8388608" "$(cat /sys/fs/cgroup/memory/"$ns"/sleeper/memory.limit_in_bytes 2>/dev/null ||
  grep -o '^[0-9]*' /sys/fs/cgroup/"$ns"/sleeper/memory.max 2>/dev/null)"
check "exec" "inside" "$(c task exec --exec-id e1 sleeper echo inside 2>&1)"
check "exec exit code" "3" "$(c task exec --exec-id e2 sleeper sh -c 'exit 3' >/dev/null 2>&1; echo $?)" || true
check "exec tty" "tty 0 1" "$(pty ctr -a "$sock" -n "$ns" task exec -t --exec-id e3 sleeper \
  sh -c '[ -t 0 ] && [ -t 1 ] && echo tty 0 1' 2>/dev/null | head -n1)"
check "ps" "1" "$(c task ps sleeper | tail -n +2 | wc -l | tr -d ' ')"
c task pause sleeper
check "pause" "PAUSED" "$(c task ls | awk '$1 == "sleeper" {print $3}')"
c task resume sleeper
check "resume" "RUNNING" "$(c task ls | awk '$1 == "sleeper" {print $3}')"
c task kill -s KILL sleeper
for _ in $(seq 50); do
  [ "$(c task ls | awk '$1 == "sleeper" {print $3}')" = STOPPED ] && break
  sleep 0.1
done
check "kill" "STOPPED" "$(c task ls | awk '$1 == "sleeper" {print $3}')"
check "exit status after kill" "exit code 137" "$(c task delete sleeper 2>&1 | grep -o 'exit code [0-9]*')"
c container rm sleeper
check "cgroup removed" "gone" "$([ -e /sys/fs/cgroup/pids/"$ns"/sleeper ] || [ -e /sys/fs/cgroup/"$ns"/sleeper ] && echo left || echo gone)"

# A pod's teardown: a member shares the pod's pid namespace, so when its
# init exits the shim runs `kill --all` for what the init left in the
# member's cgroup (runc signals it). crun, the reference, beside crate.
pod_teardown() {  # RUNTIME TAG
  local rt="$1" tag="$2" pod_pid marker i
  # A number of this run's own, which `pgrep -f` can tell apart.
  marker="$((100000 + $$ % 10000))$([ "$tag" = crate ] && echo 1 || echo 2)"
  c run -d --runc-binary "$rt" "$image" "pod$tag" sleep 1000 >/dev/null
  pod_pid="$(c task ls | awk -v id="pod$tag" '$1 == id {print $2}')"
  c run -d --runc-binary "$rt" --with-ns "pid:/proc/$pod_pid/ns/pid" "$image" \
    "member$tag" sh -c "sleep $marker & exit 0" >/dev/null
  for i in $(seq 50); do
    [ "$(c task ls | awk -v id="member$tag" '$1 == id {print $3}')" = STOPPED ] && break
    sleep 0.1
  done
  for i in $(seq 50); do
    pgrep -f "^sleep $marker\$" >/dev/null || break
    sleep 0.1
  done
  check "pod teardown kills what the member left ($tag)" "none" \
    "$(pgrep -f "^sleep $marker\$" >/dev/null && echo left || echo none)"
  pkill -KILL -f "^sleep $marker\$" 2>/dev/null || true
  c task delete "member$tag" >/dev/null 2>&1 || true
  c container rm "member$tag" >/dev/null 2>&1 || true
  c task kill -s KILL "pod$tag" >/dev/null 2>&1 || true
  for i in $(seq 50); do
    [ "$(c task ls | awk -v id="pod$tag" '$1 == id {print $3}')" = STOPPED ] && break
    sleep 0.1
  done
  c task delete "pod$tag" >/dev/null 2>&1 || true
  c container rm "pod$tag" >/dev/null 2>&1 || true
}
pod_teardown "$runtime" crate
if command -v crun >/dev/null; then
  # crun refuses this host's v1/v2 hybrid unless the hybrid's cgroup2
  # controllers are hidden in a private mount namespace.
  : >"$work/empty"
  cat >"$work/crun-hybrid" <<EOF
#!/bin/sh
if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
  exec unshare --mount --propagation private sh -c \
    'mount --bind $work/empty /sys/fs/cgroup/unified/cgroup.controllers && exec crun "\$@"' crun "\$@"
fi
exec crun "\$@"
EOF
  chmod 755 "$work/crun-hybrid"
  pod_teardown "$work/crun-hybrid" crun
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
