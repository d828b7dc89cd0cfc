#!/usr/bin/env bash
# crate-runtime against hostile and broken bundles, each case beside crun on
# the same bundle where crun is the reference: sysctls that would reach the
# host, namespace files that cannot be joined, create killed at random
# points, what the host cannot give, hook states, rootfs propagation,
# signal dispositions and exec failures as podman parses them.
#   hardening_test.sh [SWEEP_TRIALS [SEED]]
# Every container, cgroup, mount and directory made here is removed on
# exit; the test fails if one is left.
set -uo pipefail

CR="$(cd "$(dirname "$0")" && pwd)/../../cli/crate-runtime/crate-runtime"
[ -x "$CR" ] || CR="${TEST_SRCDIR:-}/crate/cli/crate-runtime/crate-runtime"
SWEEP_TRIALS="${1:-40}"
SEED="${2:-$RANDOM}"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (namespaces, mounts, cgroups)"
  exit 0
fi

WORK="$(mktemp -d /tmp/crate-hardening.XXXXXX)"
chmod 755 "$WORK"
ROOT="$WORK/state"
CRUN_ROOT="$WORK/crun-state"
# Container IDs are cgroup names too: unique per run, under one parent.
P="hard-$$-"
CG_PARENT="crate-hardening-$$"
FAILED=0
: >"$WORK/empty"

fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"
}
expect_contains() {
  case "$3" in
    *"$2"*) ;;
    *) fail "$1: expected to contain [$2], got [$3]" ;;
  esac
}

# crun refuses this host's v1/v2 hybrid unless the hybrid's cgroup2
# controllers are hidden in a private mount namespace (a pure host needs
# nothing).
# CRUN_WRAP: what crun runs under: a time limit, or a caller that ignores
# signals.
CRUN_WRAP=(timeout 20)
crun_() {
  if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
    "${CRUN_WRAP[@]}" unshare --mount --propagation private sh -c \
      'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers && exec crun "$@"' \
      "$WORK/empty" --root "$CRUN_ROOT" "$@"
  else
    "${CRUN_WRAP[@]}" crun --root "$CRUN_ROOT" "$@"
  fi
}
have_crun() { command -v crun >/dev/null; }

cgroup_dirs() {  # every cgroup directory this test made that still exists
  find /sys/fs/cgroup/*/"$CG_PARENT" -type d 2>/dev/null
}

cleanup() {
  local id
  for id in $("$CR" --root "$ROOT" list -q 2>/dev/null); do
    "$CR" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done
  if have_crun; then
    for id in $(crun_ list -q 2>/dev/null); do
      crun_ delete --force "$id" >/dev/null 2>&1
    done
  fi
  mountpoint -q "$WORK/noexec" && umount "$WORK/noexec"
  # The cgroup parents (removed last: children first).
  local d
  for d in $(cgroup_dirs | sort -r); do rmdir "$d" 2>/dev/null; done
  if grep -q " $WORK" /proc/self/mountinfo; then
    echo "FAIL: mounts left behind under $WORK" >&2
    FAILED=1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# make_bundle DIR ARGS... : a busybox rootfs, cgroupsPath under CG_PARENT.
make_bundle() {
  local dir="$1"
  shift
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" \
    "$dir/rootfs/sys" "$dir/rootfs/tmp" "$dir/rootfs/vol"
  cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
  local t
  for t in sh cat echo true sleep grep awk chmod rm ls; do
    ln -sf busybox "$dir/rootfs/bin/$t"
  done
  rm -f "$dir/config.json"
  (cd "$dir" && "$CR" spec) || fail "spec in $dir"
  local args
  args="$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")"
  jq --argjson a "$args" --arg cg "/$CG_PARENT/$(basename "$dir")" \
    '.process.terminal = false | .process.args = $a | .root.readonly = false |
     .linux.cgroupsPath = $cg' "$dir/config.json" >"$dir/c" &&
    mv "$dir/c" "$dir/config.json"
  cp "$dir/config.json" "$dir/base.json"
}

# with_config DIR [JQ_ARGS...] FILTER : config.json = FILTER applied to the
# bundle's base.
with_config() {
  local dir="$1"
  shift
  jq "$@" "$dir/base.json" >"$dir/config.json" || fail "jq $*"
}

# both DIR ID : runs the bundle under crate-runtime and crun; sets
# CRATE_OUT/CRATE_CODE and CRUN_OUT/CRUN_CODE. Nothing may take 20 s.
both() {
  CRATE_OUT="$(timeout 20 "$CR" --root "$ROOT" run -b "$1" "$2" 2>&1)"
  CRATE_CODE=$?
  "$CR" --root "$ROOT" delete --force "$2" >/dev/null 2>&1
  CRUN_OUT="" CRUN_CODE=""
  if have_crun; then
    CRUN_OUT="$(cd "$1" && crun_ run "$2-crun" 2>&1)"
    CRUN_CODE=$?
    crun_ delete --force "$2-crun" >/dev/null 2>&1
  fi
}

# refused NAME DIR ID MESSAGE : both runtimes refuse; crate-runtime says
# MESSAGE and leaves no state directory or cgroup. REFERENCE=runc compares
# with runc instead of crun.
refused() {
  if [ "${REFERENCE:-crun}" = runc ]; then
    CRATE_OUT="$(timeout 20 "$CR" --root "$ROOT" run -b "$2" "$3" 2>&1)"
    CRATE_CODE=$?
    "$CR" --root "$ROOT" delete --force "$3" >/dev/null 2>&1
  else
    both "$2" "$3"
  fi
  [ "$CRATE_CODE" -ne 0 ] || fail "$1: crate-runtime ran it"
  [ "$CRATE_CODE" -ne 124 ] || fail "$1: crate-runtime hung"
  expect_contains "$1" "$4" "$CRATE_OUT"
  [ ! -e "$ROOT/$3" ] || fail "$1: left a state directory"
  [ -z "$(ls -d /sys/fs/cgroup/*/"$CG_PARENT/$(basename "$2")" 2>/dev/null)" ] ||
    fail "$1: left a cgroup"
  if [ "${REFERENCE:-crun}" = runc ] && command -v runc >/dev/null; then
    (cd "$2" && timeout 20 runc --root "$WORK/runc-state" run "$3-runc" >/dev/null 2>&1) &&
      fail "$1: runc ran it, so the reference differs"
    runc --root "$WORK/runc-state" delete --force "$3-runc" >/dev/null 2>&1
  elif have_crun; then
    [ "$CRUN_CODE" -ne 0 ] || fail "$1: crun ran it, so the reference differs"
  fi
}

test_sysctls() {
  local b="$WORK/sysctl" before
  make_bundle "$b" cat /proc/sys/kernel/shmmax
  before="$(cat /proc/sys/vm/overcommit_ratio)"
  with_config "$b" '.linux.sysctl = {"vm.overcommit_ratio": "51"}'
  refused "sysctl vm.overcommit_ratio" "$b" "${P}s1" \
    'linux.sysctl.vm.overcommit_ratio: not allowed: it is not in a namespace of the container'"'"'s own'
  expect_eq "host vm.overcommit_ratio untouched" "$before" "$(cat /proc/sys/vm/overcommit_ratio)"
  with_config "$b" '.linux.sysctl = {"kernel.core_pattern": "|/bin/true"}'
  refused "sysctl kernel.core_pattern" "$b" "${P}s2" 'linux.sysctl.kernel.core_pattern: not allowed'
  with_config "$b" '.linux.sysctl = {"kernel.hostname": "x"}'
  refused "sysctl kernel.hostname" "$b" "${P}s3" 'conflicts with the "hostname" field'
  with_config "$b" '.linux.sysctl = {"net.ipv4.ip_forward": "1"} |
    .linux.namespaces |= map(select(.type != "network"))'
  refused "net sysctl in the host's network" "$b" "${P}s4" \
    "not allowed in the host's network namespace"
  # crun lets this one through (it checks no joined path), runc refuses it
  # as crate does; the value is the host's own, so that the reference run
  # changes nothing.
  with_config "$b" --arg v "$(cat /proc/sys/net/ipv4/ip_forward)" \
    '.linux.sysctl = {"net.ipv4.ip_forward": $v} |
    .linux.namespaces |= map(if .type == "network" then .path = "/proc/'"$$"'/ns/net" else . end)'
  REFERENCE=runc refused "net sysctl in the host's network joined by path" "$b" "${P}s5" \
    "joins the host's own network namespace by path"
  with_config "$b" '.linux.sysctl = {"kernel.shmmax": "4096"} |
    .linux.namespaces |= map(select(.type != "ipc"))'
  refused "ipc sysctl in the host's IPC" "$b" "${P}s6" "not allowed in the host's IPC namespace"
  # What the container owns is set, in its namespace only.
  before="$(cat /proc/sys/kernel/shmmax)"
  with_config "$b" '.linux.sysctl = {"kernel.shmmax": "4096"}'
  both "$b" "${P}s7"
  expect_eq "ipc sysctl applied" 4096 "$CRATE_OUT"
  [ -z "$CRUN_CODE" ] || expect_eq "crun: ipc sysctl applied" 4096 "$CRUN_OUT"
  expect_eq "host shmmax untouched" "$before" "$(cat /proc/sys/kernel/shmmax)"
}

test_namespace_paths() {
  local b="$WORK/nspath"
  make_bundle "$b" true
  with_config "$b" '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent" else . end)'
  refused "netns /nonexistent" "$b" "${P}n1" \
    'cannot open "/nonexistent": No such file or directory (want a namespace file of type network'
  with_config "$b" '.linux.namespaces |= map(if .type == "ipc" then .path = "/etc/passwd" else . end)'
  refused "ipc ns /etc/passwd" "$b" "${P}n2" '"/etc/passwd" is not a namespace file'
  with_config "$b" '.linux.namespaces += [{"type": "cgroup", "path": "/proc/self/ns/ipc"}]'
  refused "cgroup ns given an ipc file" "$b" "${P}n3" \
    '"/proc/self/ns/ipc" is a namespace of another type (want a namespace file of type cgroup'
  # The field is named by its index in linux.namespaces.
  expect_contains "field named" "linux.namespaces[" "$CRATE_OUT"
}

test_fail_closed() {
  local b="$WORK/closed"
  make_bundle "$b" true
  if ! grep -q '^CapBnd:.*' /proc/self/status ||
    [ $((0x$(awk '/^CapBnd/{print $2}' /proc/self/status) >> 24 & 1)) = 1 ]; then
    echo "skip: this host has CAP_SYS_RESOURCE"
  else
    with_config "$b" '.process.capabilities.bounding += ["CAP_SYS_RESOURCE"] |
      .process.capabilities.effective += ["CAP_SYS_RESOURCE"] |
      .process.capabilities.permitted += ["CAP_SYS_RESOURCE"]'
    refused "capability outside the bounding set" "$b" "${P}c1" \
      "process.capabilities.bounding: CAP_SYS_RESOURCE is not in this host's capability bounding set"
    # Refused at create, as runc and crun do, not at start.
    "$CR" --root "$ROOT" create -b "$b" "${P}c2" >/dev/null 2>&1 &&
      fail "create with CAP_SYS_RESOURCE succeeded"
  fi
  with_config "$b" '.process.user.additionalGids = [range(70000)]'
  refused "70000 additionalGids" "$b" "${P}c3" \
    "process.user.additionalGids: 70000 groups, more than the kernel's limit of 65536"
  ln -s / "$WORK/hostroot"
  with_config "$b" --arg r "$WORK/hostroot" '.root.path = $r'
  local out code
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}c4" 2>&1)"
  code=$?
  [ "$code" -ne 0 ] || fail "a rootfs linked to / ran"
  expect_contains "rootfs linked to /" "resolves to the host's root directory \"/\"" "$out"
  [ ! -e "$ROOT/${P}c4" ] || fail "rootfs linked to /: left a state directory"
}

# create killed with SIGKILL at seeded random points, then delete --force:
# no state, no process, no cgroup may be left. Half the trials join a
# namespace (the intermediate process's path).
test_kill_during_create() {
  local b="$WORK/sweep"
  make_bundle "$b" sleep 1000
  python3 - "$CR" "$ROOT" "$b" "${P}k" "$SWEEP_TRIALS" "$SEED" "$CG_PARENT" <<'PY' || FAILED=1
import glob, json, os, random, signal, subprocess, sys, time
cr, root, bundle, prefix, trials, seed, cg_parent = sys.argv[1:]
rng = random.Random(int(seed))
base = json.load(open(os.path.join(bundle, "base.json")))
failures = 0
def leftovers(cid):
    found = []
    if os.path.exists(os.path.join(root, cid)):
        found.append("state directory")
    found += glob.glob(f"/sys/fs/cgroup/*/{cg_parent}/sweep-{cid}")
    found += glob.glob(f"/sys/fs/cgroup/{cg_parent}/sweep-{cid}")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        if cid.encode() in cmd and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(f"process {pid}")
    return found
def clean_config(cid):
    config = json.loads(json.dumps(base))
    config["linux"]["cgroupsPath"] = f"/{cg_parent}/sweep-{cid}"
    return config
# How long a whole create takes here: the kills land across that span (and
# a little past it), wherever the load puts it.
json.dump(clean_config(prefix + "cal"), open(os.path.join(bundle, "config.json"), "w"))
spans = []
for _ in range(3):
    start = time.monotonic()
    subprocess.run([cr, "--root", root, "create", "-b", bundle, prefix + "cal"],
                   check=True, stdout=subprocess.DEVNULL)
    spans.append(time.monotonic() - start)
    subprocess.run([cr, "--root", root, "delete", "--force", prefix + "cal"], check=True)
span = max(spans) * 1.2
for i in range(int(trials)):
    cid = f"{prefix}{i}"
    config = clean_config(cid)
    if i % 2:
        config["linux"]["namespaces"].append({"type": "uts", "path": "/proc/1/ns/uts"})
        config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"]
                                         if n["type"] != "uts" or "path" in n]
        config.pop("hostname", None)
    json.dump(config, open(os.path.join(bundle, "config.json"), "w"))
    delay = rng.uniform(0, span)
    p = subprocess.Popen([cr, "--root", root, "create", "-b", bundle, cid],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()
    d = subprocess.run([cr, "--root", root, "delete", "--force", cid],
                       capture_output=True, text=True, timeout=30)
    left = leftovers(cid)
    for _ in range(100):
        if not left:
            break
        time.sleep(0.02)
        left = leftovers(cid)
    if d.returncode != 0 or left:
        failures += 1
        print(f"FAIL: create killed after {delay*1000:.1f} ms (trial {i}, seed {seed}): "
              f"delete --force exit {d.returncode} {d.stderr.strip()}; left {left}",
              file=sys.stderr)
print(f"kill-during-create: {trials} trials over {span * 1000:.1f} ms, seed {seed}, "
      f"{failures} failed")
sys.exit(1 if failures else 0)
PY
}

test_hook_states() {
  local b="$WORK/hooks" rt kind got
  make_bundle "$b" true
  # Runtime-namespace hooks write to the bundle's rootfs/tmp from the host;
  # container hooks write to /tmp after pivot_root (startContainer) or to
  # the rootfs path before it (createContainer, still in the host's view).
  with_config "$b" --arg t "$b/rootfs/tmp" '
    def h($f): {"path": "/bin/sh", "args": ["sh", "-c", ("cat > " + $f)]};
    .hooks = {"prestart": [h($t + "/prestart")],
              "createRuntime": [h($t + "/createRuntime")],
              "createContainer": [h($t + "/createContainer")],
              "startContainer": [h("/tmp/startContainer")],
              "poststart": [h($t + "/poststart")],
              "poststop": [h($t + "/poststop")]}'
  "$CR" --root "$ROOT" run -b "$b" "${P}h1" >/dev/null 2>&1 || fail "run with hooks"
  "$CR" --root "$ROOT" delete "${P}h1" >/dev/null 2>&1
  # The runtime-spec's lifecycle: the hooks of create and start see the
  # environment made (created), poststart a running container, poststop a
  # stopped one.
  for kind in prestart:created createRuntime:created createContainer:created \
    startContainer:created poststart:running poststop:stopped; do
    got="$(jq -r .status "$b/rootfs/tmp/${kind%%:*}" 2>/dev/null)"
    expect_eq "hook ${kind%%:*} state" "${kind#*:}" "$got"
  done
  # crun agrees where it is the reference (prestart, createRuntime).
  if have_crun; then
    rm -f "$b/rootfs/tmp/"*
    (cd "$b" && crun_ run "${P}h1-crun" >/dev/null 2>&1)
    crun_ delete --force "${P}h1-crun" >/dev/null 2>&1
    for kind in prestart createRuntime poststart poststop; do
      expect_eq "hook $kind state, crun beside crate" \
        "$(jq -r .status "$b/rootfs/tmp/$kind" 2>/dev/null)" \
        "$(case $kind in prestart|createRuntime) echo created ;; poststart) echo running ;; *) echo stopped ;; esac)"
    done
  fi
}

test_rootfs_propagation() {
  local b="$WORK/prop" p
  make_bundle "$b" sh -c 'awk '"'"'$5 == "/" { print $7 }'"'"' /proc/self/mountinfo'
  for p in private shared slave unbindable; do
    with_config "$b" ".linux.rootfsPropagation = \"$p\""
    both "$b" "${P}p-$p"
    expect_eq "rootfsPropagation $p runs" 0 "$CRATE_CODE"
    if [ -n "$CRUN_CODE" ]; then
      expect_eq "rootfsPropagation $p as crun" "$CRUN_OUT" "$CRATE_OUT"
    fi
  done
}

# conmon starts the runtime with SIGPIPE ignored; a container's process
# must still start with default dispositions and an empty mask.
test_signal_dispositions() {
  local b="$WORK/signals" wrap out
  make_bundle "$b" sh -c 'grep -E "^Sig(Ign|Blk)" /proc/self/status | awk "{print \$2}" | tr "\n" " "'
  wrap=(python3 -c 'import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
os.execvp(sys.argv[1], sys.argv[1:])')
  out="$("${wrap[@]}" "$CR" --root "$ROOT" run -b "$b" "${P}sig1" 2>&1)"
  expect_eq "init signals under an ignoring caller" \
    "0000000000000000 0000000000000000 " "$out"
  "$CR" --root "$ROOT" delete --force "${P}sig1" >/dev/null 2>&1
  if have_crun; then
    CRUN_WRAP=("${wrap[@]}")
    out="$(cd "$b" && crun_ run "${P}sig1-crun" 2>&1)"
    CRUN_WRAP=(timeout 20)
    # crun clears what glibc lets it: its process keeps glibc's two
    # real-time signals blocked when its caller had them blocked (a JVM,
    # as under bazel), so only SigIgn is compared.
    expect_eq "crun: init ignores nothing" "0000000000000000" "${out%% *}"
    crun_ delete --force "${P}sig1-crun" >/dev/null 2>&1
  fi
  with_config "$b" '.process.args = ["sleep", "1000"]'
  "${wrap[@]}" "$CR" --root "$ROOT" run -d -b "$b" "${P}sig2" >/dev/null 2>&1 || fail "run -d"
  out="$("${wrap[@]}" "$CR" --root "$ROOT" exec "${P}sig2" sh -c \
    'grep -E "^Sig(Ign|Blk)" /proc/self/status | awk "{print \$2}" | tr "\n" " "' 2>&1)"
  expect_eq "exec signals under an ignoring caller" \
    "0000000000000000 0000000000000000 " "$out"
  "$CR" --root "$ROOT" delete --force "${P}sig2" >/dev/null 2>&1
}

# runc's words, which podman maps: "no such file or directory" and
# "executable file not found" to 127, "permission denied" to 126.
test_exec_failures() {
  local b="$WORK/execfail"
  make_bundle "$b" true
  printf '#!/bin/sh\necho script-ran\n' >"$b/rootfs/script.sh"
  chmod 755 "$b/rootfs/script.sh"
  mkdir -p "$WORK/noexec"
  mount -t tmpfs -o noexec tmpfs "$WORK/noexec" || fail "mount noexec tmpfs"
  cp "$b/rootfs/script.sh" "$WORK/noexec/script.sh"
  with_config "$b" '.process.args = ["/no/such/command"]'
  refused "missing absolute" "$b" "${P}e1" \
    'exec: "/no/such/command": stat /no/such/command: no such file or directory'
  with_config "$b" '.process.args = ["no-such-command"]'
  refused "missing in PATH" "$b" "${P}e2" \
    'exec: "no-such-command": executable file not found in $PATH'
  with_config "$b" '.process.args = ["/bin"]'
  refused "a directory" "$b" "${P}e3" 'exec: "/bin": permission denied'
  with_config "$b" --arg v "$WORK/noexec" '.process.args = ["/vol/script.sh"] |
    .mounts += [{"destination": "/vol", "type": "bind", "source": $v,
                 "options": ["bind", "noexec"]}]'
  refused "a script on a noexec mount" "$b" "${P}e4" \
    'exec: "/vol/script.sh": permission denied'
  # After start (the file changed under it): the shell's codes.
  local out code
  jq '.process.args = ["/script.sh"] |
    .hooks.startContainer = [{"path": "/bin/rm", "args": ["rm", "/script.sh"]}]' \
    "$b/base.json" >"$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}e5" 2>&1)"
  code=$?
  expect_eq "exec of a file gone after start: exit" 127 "$code"
  expect_contains "exec of a file gone after start" "no such file or directory" "$out"
  "$CR" --root "$ROOT" delete --force "${P}e5" >/dev/null 2>&1
  cp "$WORK/noexec/script.sh" "$b/rootfs/script.sh"
  jq '.process.args = ["/script.sh"] |
    .hooks.startContainer = [{"path": "/bin/chmod", "args": ["chmod", "0644", "/script.sh"]}]' \
    "$b/base.json" >"$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}e6" 2>&1)"
  code=$?
  expect_eq "exec of a file made unexecutable after start: exit" 126 "$code"
  expect_contains "exec of a file made unexecutable after start" "permission denied" "$out"
  "$CR" --root "$ROOT" delete --force "${P}e6" >/dev/null 2>&1
}

# What podman sends: device modes with their type bits, a relative mount
# destination from an image's VOLUME list.
test_podman_shapes() {
  local b="$WORK/podman" out
  make_bundle "$b" sh -c 'ls -l /dev/fuse | cut -c1-10; cat /etc/foo/x 2>/dev/null; echo ok'
  mkdir -p "$WORK/vol" && echo in-volume >"$WORK/vol/x"
  jq --arg v "$WORK/vol" '.linux.devices = [{"path": "/dev/fuse", "type": "c",
      "major": 10, "minor": 229, "fileMode": 8576, "uid": 0, "gid": 0}] |
    .mounts += [{"destination": "etc/foo", "type": "bind", "source": $v,
                 "options": ["rbind"]}]' "$b/base.json" >"$b/config.json"
  both "$b" "${P}pm1"
  expect_eq "podman shapes: exit" 0 "$CRATE_CODE"
  expect_contains "fileMode 020600 keeps the permissions" "crw-------" "$CRATE_OUT"
  expect_contains "relative destination taken from /" "in-volume" "$CRATE_OUT"
  if [ -n "$CRUN_CODE" ]; then
    expect_eq "podman shapes as crun" \
      "$(grep -v warning <<<"$CRUN_OUT")" "$(grep -v warning <<<"$CRATE_OUT")"
  fi
}

# containerd's pod teardown: kill --all of a container whose init exited
# while its processes live on in the pod's shared pid namespace.
test_kill_all_after_init_exit() {
  local pod="$WORK/pod" member="$WORK/member" pod_pid out
  make_bundle "$pod" sleep 1000
  "$CR" --root "$ROOT" run -d -b "$pod" "${P}pod" >/dev/null 2>&1 || fail "run pod"
  pod_pid="$("$CR" --root "$ROOT" state "${P}pod" | jq -r .pid)"
  make_bundle "$member" sh -c 'sleep 1000 & echo started'
  jq --arg ns "/proc/$pod_pid/ns/pid" \
    '.linux.namespaces |= map(if .type == "pid" then .path = $ns else . end)' \
    "$member/base.json" >"$member/config.json"
  # create and start (run would delete it when its init exits).
  "$CR" --root "$ROOT" create -b "$member" "${P}member" >/dev/null 2>&1 ||
    fail "create member"
  "$CR" --root "$ROOT" start "${P}member" || fail "start member"
  local i
  for i in $(seq 100); do
    [ "$("$CR" --root "$ROOT" state "${P}member" | jq -r .status)" = stopped ] && break
    sleep 0.05
  done
  expect_eq "member stopped" stopped \
    "$("$CR" --root "$ROOT" state "${P}member" | jq -r .status)"
  local procs
  procs="$(cat /sys/fs/cgroup/pids/"$CG_PARENT"/member/cgroup.procs 2>/dev/null ||
    cat /sys/fs/cgroup/memory/"$CG_PARENT"/member/cgroup.procs 2>/dev/null)"
  [ -n "$procs" ] || fail "the member's sleep is not in its cgroup"
  "$CR" --root "$ROOT" kill --all "${P}member" KILL ||
    fail "kill --all of a stopped container with processes left"
  local left=1
  for i in $(seq 50); do
    left=0
    for p in $procs; do [ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.05
  done
  [ "$left" = 0 ] || fail "kill --all left the member's processes alive"
  # Without --all a stopped container is still an error, as in runc.
  "$CR" --root "$ROOT" kill "${P}member" KILL 2>/dev/null &&
    fail "kill of a stopped container without --all succeeded"
  "$CR" --root "$ROOT" delete --force "${P}member" || fail "delete member"
  "$CR" --root "$ROOT" delete --force "${P}pod" || fail "delete pod"
}

for t in test_sysctls test_namespace_paths test_fail_closed test_hook_states \
  test_rootfs_propagation test_signal_dispositions test_exec_failures \
  test_podman_shapes test_kill_all_after_init_exit test_kill_during_create; do
  echo "== $t"
  "$t"
done

# Nothing of ours may be left: no container, no cgroup below the parent.
left="$("$CR" --root "$ROOT" list -q 2>/dev/null)"
[ -z "$left" ] || fail "containers left: $left"
left="$(find /sys/fs/cgroup/*/"$CG_PARENT" -mindepth 1 -type d 2>/dev/null)"
[ -z "$left" ] || fail "cgroups left: $left"

if [ "$FAILED" != 0 ]; then
  echo "hardening_test: FAILED"
  exit 1
fi
echo "hardening_test: all passed"
