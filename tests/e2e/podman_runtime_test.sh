#!/usr/bin/env bash
# Podman drives an OCI runtime through runc's command line. This runs
# podman's everyday commands with --runtime RUNTIME against an image from
# the local registry fixture, in a private podman store that is removed at
# the end:   podman_runtime_test.sh RUNTIME
# Where podman maps the runtime's answers (exit codes, messages), each case
# also runs under crun, the reference, and both must agree.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runtime="${1:?usage: $0 RUNTIME}"
runtime="$(cd "$(dirname "$runtime")" && pwd)/$(basename "$runtime")"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"

# Not TEST_TMPDIR: podman refuses a runroot path longer than 50 characters.
work="$(mktemp -d /tmp/crate-podman.XXXXXX)"
# Podman's cgroupfs manager makes libpod_parent/ (and conmon/ in it) in every
# controller and leaves them; remove them after us unless they were there.
parent_was_there=0
compgen -G "/sys/fs/cgroup/*/libpod_parent" >/dev/null && parent_was_there=1
podman_() {
  podman --root "$work/storage" --runroot "$work/run" --storage-driver overlay \
    --cgroup-manager cgroupfs --events-backend file --runtime "${RT:-$runtime}" "$@"
}
cleanup() {
  podman_ rm --all --force --time 0 >/dev/null 2>&1 || true
  RT="$work/crun-hybrid" podman_ rm --all --force --time 0 >/dev/null 2>&1 || true
  if mountpoint -q "$work/noexec"; then umount "$work/noexec" || true; fi
  podman_ rmi --all --force >/dev/null 2>&1 || true
  umount -R "$work/storage" 2>/dev/null || true
  umount -R "$work/run" 2>/dev/null || true
  registry_stop >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ "$parent_was_there" = 0 ]; then
    find /sys/fs/cgroup/*/libpod_parent -depth -type d -exec rmdir {} + 2>/dev/null || true
  fi
}
trap cleanup EXIT

# This host's root lacks CAP_SYS_RESOURCE: podman's default nofile/nproc
# limits would be above the current hard limits.
limits=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

passed=0 failed=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    echo "ok   $1"; passed=$((passed + 1))
  else
    echo "FAIL $1: expected '$2', got '$3'"; failed=$((failed + 1))
  fi
}

CRATE_FIXTURE_TMPDIR="$work" registry_start >/dev/null
images_push "$work/images" >/dev/null
image="$REGISTRY_HOST/$(jq -r '.images.busybox.repository + ":" + .images.busybox.tag' "$work/images/images.json")"
podman_ pull -q --tls-verify=false "$image" >/dev/null

run() { podman_ run --rm --network none "${limits[@]}" "$@" 2>&1 </dev/null; }

check "run echo" "it works" "$(run "$image" echo it works)"
check "exit code" "42" "$(run "$image" sh -c 'exit 42' >/dev/null; echo $?)" || true
# -it needs a terminal on our side too: a pty from python's pty.spawn
# (script(1) with no input sometimes drops the container's output).
check "tty" "tty 0 1" "$(python3 -c 'import pty, sys; pty.spawn(sys.argv[1:])' \
  podman --root "$work/storage" --runroot "$work/run" --storage-driver overlay \
  --cgroup-manager cgroupfs --events-backend file --runtime "$runtime" \
  run --rm -it --network none "${limits[@]}" "$image" \
  sh -c '[ -t 0 ] && [ -t 1 ] && echo tty 0 1' </dev/null | tr -d '\r')"
check "memory 4m" "4194304" "$(run --memory 4m "$image" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
check "pids-limit 1" "ok" "$(run --pids-limit 1 "$image" echo ok)"
check "cap-drop" "0000000000000000" "$(run --cap-drop all "$image" sh -c 'grep CapEff /proc/self/status | cut -f2')"
check "read-only" "ro" "$(run --read-only "$image" sh -c 'touch /x 2>/dev/null && echo rw || echo ro')"
mkdir -p "$work/vol" && echo "from the host" >"$work/vol/file"
check "bind mount" "from the host" "$(run -v "$work/vol:/vol" "$image" cat /vol/file)"
cat >"$work/seccomp.json" <<'JSON'
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}
JSON
check "seccomp" "denied" "$(run --security-opt "seccomp=$work/seccomp.json" "$image" sh -c 'mkdir /tmp/x 2>/dev/null && echo allowed || echo denied')"

# A detached container: exec into it, stop it, kill another.
podman_ run -d --name sleeper --network none "${limits[@]}" "$image" sleep 1000 >/dev/null
check "exec" "inside" "$(podman_ exec sleeper echo inside 2>&1)"
check "exec sees pid 1" "sleep 1000" "$(podman_ exec sleeper cat /proc/1/cmdline | tr '\0' ' ' | sed 's/ $//')"
podman_ stop --time 1 sleeper >/dev/null
check "stop" "exited" "$(podman_ inspect --format '{{.State.Status}}' sleeper)"
podman_ rm sleeper >/dev/null
podman_ run -d --name victim --network none "${limits[@]}" "$image" sleep 1000 >/dev/null
podman_ kill --signal KILL victim >/dev/null
podman_ wait victim >/dev/null 2>&1 || true
check "kill" "137" "$(podman_ inspect --format '{{.State.ExitCode}}' victim)"
podman_ rm victim >/dev/null

# The reference: crun, which refuses this host's v1/v2 hybrid unless the
# hybrid's cgroup2 controllers are hidden in a private mount namespace.
reference=""
if command -v crun >/dev/null; then
  reference="$work/crun-hybrid"
  : >"$work/empty"
  cat >"$reference" <<EOF
#!/bin/sh
if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
  exec unshare --mount --propagation private sh -c \
    'mount --bind $work/empty /sys/fs/cgroup/unified/cgroup.controllers && exec crun "\$@"' crun "\$@"
fi
exec crun "\$@"
EOF
  chmod 755 "$reference"
fi
# same NAME EXPECTED_EXIT EXPECTED_OUTPUT PODMAN_ARGS... : podman's exit code
# and the container's output (podman's own error lines aside) under crate,
# and under the reference as well.
same() {
  local name="$1" code="$2" want="$3" rt out got
  shift 3
  for rt in "$runtime" $reference; do
    out="$(RT="$rt" podman_ "$@" 2>&1 </dev/null)" && got=0 || got=$?
    out="$(grep -v '^Error: ' <<<"$out" || true)"
    check "$name ($(basename "$rt"))" "$code $want" "$got $out"
  done
}
strict=(--rm --network none "${limits[@]}")
same "privileged" 0 priv-ok run "${strict[@]}" --privileged "$image" echo priv-ok
# conmon runs the runtime with SIGPIPE ignored; the container must not be.
same "SIGPIPE not ignored" 0 0 run "${strict[@]}" "$image" \
  sh -c 'echo $((0x$(awk "/^SigIgn/ {print \$2}" /proc/self/status) & 0x1000))'
# crun leaves glibc's two real-time signals (32, 33) ignored or blocked when
# its caller had them so (bazel's JVM does); crate resets them all.
check "signal dispositions and mask" "SigBlk:	0000000000000000
SigIgn:	0000000000000000" \
  "$(podman_ run "${strict[@]}" "$image" grep -E '^Sig(Blk|Ign)' /proc/self/status 2>&1)"
same "missing command" 127 "" run "${strict[@]}" "$image" /no/such/command
same "missing in PATH" 127 "" run "${strict[@]}" "$image" no-such-command
same "a directory" 126 "" run "${strict[@]}" "$image" /tmp
mkdir -p "$work/noexec"
mount -t tmpfs -o noexec tmpfs "$work/noexec"
printf '#!/bin/sh\necho script-ran\n' >"$work/noexec/script.sh"
chmod 755 "$work/noexec/script.sh"
same "script on a noexec volume" 126 "" run "${strict[@]}" -v "$work/noexec:/vol" "$image" /vol/script.sh
# An image VOLUME written as a JSON array without quotes gives podman
# relative destinations ("[/etc/foo,"), which runc and crun take from /.
podman_ run --name volsrc --network none "${limits[@]}" "$image" true >/dev/null
podman_ commit -q --change 'VOLUME [/etc/foo, /bar]' volsrc crate-test-volimg >/dev/null
podman_ rm volsrc >/dev/null
same "relative VOLUME destinations" 0 "/[
/bar]" run "${strict[@]}" crate-test-volimg sh -c 'ls -d "/[" "/bar]"'
for rt in "$runtime" $reference; do
  RT="$rt" podman_ run -d --name ex --network none "${limits[@]}" "$image" sleep 1000 >/dev/null
  RT="$rt" podman_ exec ex /tmp >/dev/null 2>&1 && got=0 || got=$?
  check "exec of a directory ($(basename "$rt"))" 126 "$got"
  RT="$rt" podman_ exec ex /no/such >/dev/null 2>&1 && got=0 || got=$?
  check "exec of a missing command ($(basename "$rt"))" 127 "$got"
  RT="$rt" podman_ rm --force --time 0 ex >/dev/null
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
