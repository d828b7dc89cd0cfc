#!/usr/bin/env bash
# crate-runtime end to end: run, the create/start/state/kill/delete life
# cycle, and bad bundles, through the binary as podman would use it.
# Every container, mount and directory made here is removed on exit, also
# when a check fails.
set -uo pipefail

CR="$(cd "$(dirname "$0")" && pwd)/../../cli/crate-runtime/crate-runtime"
[ -x "$CR" ] || CR="${TEST_SRCDIR:-}/crate/cli/crate-runtime/crate-runtime"
BUSYBOX="$(command -v busybox)"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (namespaces, mounts)"
  exit 0
fi
if [ -z "$BUSYBOX" ]; then
  echo "busybox-static is needed (third_party/debian-packages.txt)" >&2
  exit 1
fi

WORK="$(mktemp -d "${TEST_TMPDIR:-/tmp}/crate-runtime-e2e.XXXXXX")"
# A container's root in a user namespace is another host user, who must be
# able to reach the rootfs: TEST_TMPDIR under /root is not reachable.
USERNS_WORK="$(mktemp -d /tmp/crate-runtime-e2e-userns.XXXXXX)"
chmod 755 "$USERNS_WORK"
ROOT="$WORK/state"
# Container IDs are also cgroup names on the host: keep them unique.
P="crate-e2e-$$-"
FAILED=0

cleanup() {
  local id job
  # Background processes of a failed check (console receiver, signal runner).
  for job in $(jobs -p); do kill "$job" 2>/dev/null; done
  for id in $("$CR" --root "$ROOT" list -q 2>/dev/null); do
    "$CR" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done
  # Nothing may stay mounted below WORK (the containers' mounts live in
  # their own namespaces; this catches a leak into the host's).
  if grep -q " $WORK" /proc/self/mountinfo; then
    echo "FAIL: mounts left behind under $WORK" >&2
    grep " $WORK" /proc/self/mountinfo >&2
    FAILED=1
  fi
  rm -rf "$WORK" "$USERNS_WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}

expect_eq() {  # what expected actual
  if [ "$2" != "$3" ]; then
    fail "$1: expected [$2], got [$3]"
  fi
}

expect_contains() {  # what needle haystack
  case "$3" in
    *"$2"*) ;;
    *) fail "$1: expected to contain [$2], got [$3]" ;;
  esac
}

# make_bundle DIR ARGS... : busybox rootfs, config from `crate-runtime spec`.
# jq: userns(HOSTID) gives the config a user namespace mapping 65536 IDs
# from 0 onto HOSTID.
USERNS_JQ='def userns($h): .linux.namespaces += [{"type": "user"}] |
  .linux.uidMappings = [{"containerID": 0, "hostID": $h, "size": 65536}] |
  .linux.gidMappings = [{"containerID": 0, "hostID": $h, "size": 65536}]; '

make_bundle() {
  local dir="$1"
  shift
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/sys"
  cp "$BUSYBOX" "$dir/rootfs/bin/busybox"
  local t
  for t in sh hostname echo true cat ls sleep id wc grep touch mount head mkdir tty stty uname cut tr; do
    ln -sf busybox "$dir/rootfs/bin/$t"
  done
  rm -f "$dir/config.json"
  (cd "$dir" && "$CR" spec) || fail "spec in $dir"
  local args
  args="$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")"
  jq --argjson a "$args" '.process.terminal = false | .process.args = $a |
      .hostname = "e2e-host"' "$dir/config.json" >"$dir/config.tmp" &&
    mv "$dir/config.tmp" "$dir/config.json"
}

state_of() {
  "$CR" --root "$ROOT" state "$1" 2>/dev/null | jq -r .status
}

test_version_and_features() {
  local out
  out="$("$CR" --version)"
  expect_contains "--version" "crate-runtime version" "$out"
  expect_contains "--version" "spec: 1.1.0" "$out"
  out="$("$CR" features | jq -r '.linux.namespaces | join(",")')"
  expect_contains "features" "pid,network,mount" "$out"
  out="$("$CR" features | jq -c '[.linux.cgroup.v1, .linux.cgroup.v2,
    (.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null),
    (.linux.seccomp.supportedFlags | index("SECCOMP_FILTER_FLAG_LOG") != null)]')"
  expect_eq "features: cgroup drivers and seccomp" "[true,true,true,true]" "$out"
  # Every field runc's features document has, ours has too.
  if command -v runc >/dev/null; then
    local fields='[paths(type == "object" or type == "boolean") | map(tostring) | join(".")] | .[]'
    out="$(comm -23 <(runc features | jq -r "$fields" | sort) \
      <("$CR" features | jq -r "$fields" | sort))"
    expect_eq "features: runc's fields" "" "$out"
  fi
}

test_run_output_and_exit_code() {
  local b="$WORK/run"
  make_bundle "$b" sh -c 'echo "host=$(hostname) pid=$$ uid=$(id -u)"; exit 7'
  local out code
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}r1 2>&1)"
  code=$?
  expect_eq "run output" "host=e2e-host pid=1 uid=0" "$out"
  expect_eq "run exit code" 7 "$code"
  [ ! -e "$ROOT/${P}r1" ] || fail "run left its state directory behind"
}

test_run_sees_its_rootfs() {
  local b="$WORK/rootfs"
  make_bundle "$b" sh -c 'touch /x 2>/dev/null && echo rw || echo ro;
      ls /dev | tr "\n" " "; grep -c " /proc proc " /proc/self/mounts'
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}r2 2>&1)"
  expect_contains "read-only root" "ro" "$out"
  local d
  for d in fd full null ptmx pts random shm stderr stdin stdout tty urandom zero; do
    expect_contains "/dev/$d" " $d " " $(echo $out) "
  done
  expect_contains "proc mounted" "1" "$out"
  out="$("$CR" --root "$ROOT" run --no-pivot -b "$b" ${P}r3 2>&1)"
  expect_contains "no-pivot run" "ro" "$out"
}

test_sysctl_masked_readonly() {
  local b="$WORK/paths"
  make_bundle "$b" sh -c 'cat /proc/sys/net/ipv4/ping_group_range;
      echo x >/proc/sys/kernel/domainname 2>/dev/null && echo sys-rw || echo sys-ro;
      wc -c </proc/keys'
  jq '.linux.sysctl = {"net.ipv4.ping_group_range": "0 2147483647"}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}paths1" 2>&1 | tr '\t\n' '  ')"
  # The sysctl is written before /proc/sys turns read-only (podman sets it).
  expect_contains "sysctl" "0 2147483647" "$out"
  expect_contains "read-only /proc/sys" "sys-ro" "$out"
  expect_contains "masked /proc/keys" "sys-ro 0" "$out"
}

test_join_namespaces() {
  local b="$WORK/joinA"
  make_bundle "$b" sleep 1000
  local a="${P}jA"
  "$CR" --root "$ROOT" run -d -b "$b" "$a" || fail "run -d of the first container"
  local pid
  pid="$("$CR" --root "$ROOT" state "$a" | jq -r .pid)"
  local b2="$WORK/joinB"
  make_bundle "$b2" sh -c 'cat /proc/1/cmdline | tr "\0" " "; hostname;
    grep -E "^[0-9]+:pids:" /proc/self/cgroup | cut -d: -f3; cat /proc/self/uid_map'
  jq --arg p "/proc/$pid/ns" '.linux.namespaces = [
        {"type": "pid", "path": ($p + "/pid")},
        {"type": "network", "path": ($p + "/net")},
        {"type": "uts", "path": ($p + "/uts")},
        {"type": "ipc"}, {"type": "mount"}] | del(.hostname) |
      .linux.resources.pids.limit = 9' \
    "$b2/config.json" >"$b2/c" && mv "$b2/c" "$b2/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b2" "${P}jB" 2>&1 | tr '\n' ' ')"
  expect_contains "joined pid namespace" "sleep 1000" "$out"
  expect_contains "joined uts namespace" "e2e-host" "$out"
  # The init joined its cgroup itself, from inside the joined namespaces.
  expect_contains "cgroup with joined namespaces" " /${P}jB " "$out"

  # A user namespace joined by path: the init still joins its cgroups.
  local u="${P}jU"
  b="$USERNS_WORK/joinU"
  make_bundle "$b" sleep 1000
  jq "$USERNS_JQ"'userns(300000)' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  "$CR" --root "$ROOT" run -d -b "$b" "$u" || fail "run -d of the user namespace container"
  local upid
  upid="$("$CR" --root "$ROOT" state "$u" | jq -r .pid)"
  b2="$USERNS_WORK/joinV"
  make_bundle "$b2" sh -c 'grep -E "^[0-9]+:pids:" /proc/self/cgroup | cut -d: -f3;
    cat /proc/self/uid_map'
  jq --arg p "/proc/$upid/ns" '.linux.namespaces = [
        {"type": "user", "path": ($p + "/user")},
        {"type": "pid"}, {"type": "ipc"}, {"type": "mount"}] | del(.hostname) |
      .linux.resources.pids.limit = 9' \
    "$b2/config.json" >"$b2/c" && mv "$b2/c" "$b2/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b2" "${P}jV" 2>&1 | tr '\n' ' ')"
  expect_contains "cgroup with a joined user namespace" "/${P}jV " "$out"
  expect_contains "joined user namespace" "300000" "$out"
  "$CR" --root "$ROOT" delete --force "$u" || fail "delete of the user namespace container"
  "$CR" --root "$ROOT" delete --force "$a" || fail "delete of the first container"
}

test_preserve_fds_and_signals() {
  local b="$WORK/fds"
  make_bundle "$b" sh -c 'cat /proc/self/fd/3; cat /proc/self/fd/4 2>/dev/null || echo no-fd-4'
  echo from-fd-3 >"$WORK/fd3"
  local out
  out="$("$CR" --root "$ROOT" run --preserve-fds 1 -b "$b" "${P}fd1" 3<"$WORK/fd3" 4<"$WORK/fd3" | tr '\n' ' ')"
  expect_eq "preserve-fds" "from-fd-3 no-fd-4 " "$out"
  # A foreground run passes signals on: TERM kills the shell, 128+15.
  make_bundle "$b" sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done'
  "$CR" --root "$ROOT" run -b "$b" "${P}sig1" >"$WORK/sig.out" 2>&1 &
  local runner=$! i
  for i in $(seq 100); do grep -q ready "$WORK/sig.out" 2>/dev/null && break; sleep 0.1; done
  kill -TERM "$runner"
  wait "$runner"
  expect_eq "signal forwarded, exit status returned" 42 "$?"
}

test_personality_and_ioprio() {
  local b="$WORK/pers"
  make_bundle "$b" sh -c 'uname -m; cat /proc/self/io 2>/dev/null | head -0'
  jq '.linux.personality = {"domain": "LINUX32"} |
      .process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}pers1" 2>&1)"
  case "$(uname -m)" in
    x86_64) expect_eq "LINUX32 personality" i686 "$out" ;;
  esac
  make_bundle "$b" cat /proc/self/personality
  jq '.linux.personality = {"domain": "LINUX",
      "flags": ["ADDR_NO_RANDOMIZE"]}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}pers2" 2>&1)"
  expect_eq "ADDR_NO_RANDOMIZE personality" 00040000 "$out"
  jq '.linux.personality = {"domain": "LINUX32",
      "flags": ["ADDR_NO_RANDOMIZE"]}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}pers3" 2>&1)"
  expect_eq "LINUX32|ADDR_NO_RANDOMIZE personality" 00040008 "$out"
}

test_idmapped_mount() {
  local b="$WORK/idmap" src="$WORK/idmap-src"
  mkdir -p "$src" && touch "$src/f" && chown -R 1000:1000 "$src"
  # As runc reads them, a mount's maps are a user namespace's: the ID on the
  # file system is the "containerID", the one seen through the mount the
  # "hostID" (runc's idmap tests map containerID 0 to a container's hostID).
  make_bundle "$b" sh -c 'stat -c "%u:%g" /data/f; touch /data/new &&
      stat -c "%u:%g" /data/new'
  ln -sf busybox "$b/rootfs/bin/stat"
  jq --arg src "$src" '.mounts += [{"destination": "/data", "type": "bind",
      "source": $src, "options": ["rbind"],
      "uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}],
      "gidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}]}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}idmap1" 2>&1)"
  expect_eq "idmapped mount owners inside" "0:0
0:0" "$out"
  # What root made inside belongs to the mapped host user.
  expect_eq "idmapped mount owner on the host" 1000:1000 \
    "$(stat -c %u:%g "$src/new" 2>&1)"
  # "idmap" with no maps of the mount nor a user namespace is refused.
  jq '.mounts[-1] |= (del(.uidMappings, .gidMappings) |
      .options += ["idmap"])' "$b/config.json" >"$b/c" &&
    mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}idmap2" 2>&1)"
  expect_contains "idmap without maps" "needs both uidMappings and gidMappings" "$out"
}

# crun run, with the unified hierarchy's controllers hidden from it: crun
# 1.8.1 refuses to run on a v1/v2 hybrid host, which crate-runtime supports.
crun_run() {  # bundle id
  local empty="$WORK/empty-controllers"
  : >"$empty"
  unshare --mount --propagation private sh -c \
    'mount --bind "$1" /sys/fs/cgroup/unified/cgroup.controllers &&
     exec crun --root "$2" run -b "$3" "$4"' sh \
    "$empty" "$WORK/crun-state" "$1" "$2"
}

# Idmapped mounts other than binds, idmap against ridmap, and what the
# kernel refuses.
test_idmapped_file_systems() {
  local b="$USERNS_WORK/idmapfs" out pid id="${P}idfs1"
  # A tmpfs with the container's maps: made by the host's root (so owned
  # by host root), it is root's inside; what root makes there belongs to
  # the mapped host IDs seen from outside, as without idmap.
  make_bundle "$b" sh -c 'stat -c "%u:%g:%a" /t; touch /t/x && chown 5:6 /t/x &&
      stat -c "%u:%g" /t/x; grep -c " /t .*nosuid.*idmapped" /proc/self/mountinfo;
      touch /t/ready; sleep 100'
  ln -sf busybox "$b/rootfs/bin/stat"
  ln -sf busybox "$b/rootfs/bin/chown"
  mkdir -p "$b/rootfs/t"
  jq "$USERNS_JQ"'userns(200000) |
      .process.capabilities |= with_entries(.value += ["CAP_CHOWN"]) |
      .mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs",
        "options": ["idmap", "nosuid", "size=1m", "mode=755"]}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  "$CR" --root "$ROOT" run -d -b "$b" "$id" >"$b/out" 2>&1 ||
    fail "run -d idmapped tmpfs: $(cat "$b/out")"
  pid="$("$CR" --root "$ROOT" state "$id" | jq -r .pid)"
  for _ in $(seq 100); do
    [ -e "/proc/$pid/root/t/ready" ] && break
    sleep 0.05
  done
  expect_eq "idmapped tmpfs inside" "0:0:755
5:6
1" "$(cat "$b/out")"
  expect_eq "idmapped tmpfs from the host" "200005:200006" \
    "$(stat -c %u:%g "/proc/$pid/root/t/x" 2>&1)"
  "$CR" --root "$ROOT" delete --force "$id"

  # tmpcopyup: the tmpfs starts with the image's directory.
  mkdir -p "$b/rootfs/opt" && echo hi >"$b/rootfs/opt/f"
  jq '.process.args = ["sh", "-c", "cat /opt/f; grep -c \" /opt .*idmapped\" /proc/self/mountinfo"] |
      .mounts += [{"destination": "/opt", "type": "tmpfs", "source": "tmpfs",
        "options": ["idmap", "tmpcopyup"]}]' "$b/config.json" >"$b/c" &&
    mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}idfs2" 2>&1)"
  expect_eq "idmapped tmpcopyup" "hi
1" "$out"

  # A type the kernel cannot idmap, and a bad option: refused naming the
  # mount, with what the kernel said; nothing is left.
  jq '.mounts += [{"destination": "/m", "type": "mqueue", "source": "mqueue",
        "options": ["idmap"]}]' "$b/config.json" >"$b/c"
  mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}idfs3" 2>&1)"
  expect_contains "mqueue idmap refused" "mounts[$(jq '.mounts | length - 1' "$b/config.json")] (/m): idmapped mqueue: mount_setattr MOUNT_ATTR_IDMAP: Invalid argument (this file system type cannot be idmapped)" "$out"
  jq '.mounts[-1] = {"destination": "/m", "type": "tmpfs", "source": "tmpfs",
        "options": ["idmap", "size=lots"]}' "$b/config.json" >"$b/c" &&
    mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}idfs4" 2>&1)"
  expect_contains "bad tmpfs option" "fsconfig tmpfs size=lots (e tmpfs: Bad value for 'size'): Invalid argument" "$out"
  [ ! -e "$ROOT/${P}idfs3" ] && [ ! -e "$ROOT/${P}idfs4" ] ||
    fail "a refused idmapped mount left a state directory"

  # "idmap" maps the bind's own mount, "ridmap" its submounts too. Files
  # are 1000's on disk, seen as 0 through the map.
  local src="$WORK/idmap-rec"
  b="$WORK/idmaprec"
  mkdir -p "$src/sub" && touch "$src/f"
  mount -t tmpfs -o size=1m tmpfs "$src/sub" || fail "mount tmpfs on $src/sub"
  touch "$src/sub/g" && chown -R 1000:1000 "$src"
  make_bundle "$b" sh -c 'stat -c "%u:%g" /data/f /data/sub/g'
  ln -sf busybox "$b/rootfs/bin/stat"
  jq --arg src "$src" '.mounts += [{"destination": "/data", "type": "bind",
      "source": $src, "options": ["rbind", "idmap"],
      "uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}],
      "gidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}]}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}idrec1" 2>&1)"
  expect_eq "idmap is not recursive" "0:0
1000:1000" "$out"
  # crun (which clones no submounts) agrees on the bind itself.
  if command -v crun >/dev/null; then
    out="$(crun_run "$b" "${P}idrec-crun" 2>&1 | head -1)"
    expect_eq "crun idmap bind" "0:0" "$out"
  fi
  jq '.mounts[-1].options = ["rbind", "ridmap"]' "$b/config.json" >"$b/c" &&
    mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}idrec2" 2>&1)"
  expect_eq "ridmap is recursive" "0:0
0:0" "$out"
  umount "$src/sub" || fail "umount $src/sub"
}

test_lsm_labels_without_lsm() {
  if [ -e /sys/kernel/security/apparmor ] || [ -e /sys/fs/selinux ]; then
    echo "skip: this host runs AppArmor or SELinux"
    return
  fi
  # A confinement the host cannot give fails create and leaves nothing
  # (runc and crun refuse too); a mount label is dropped with a warning, as
  # crun does.
  local b="$WORK/lsm" out code
  make_bundle "$b" echo ran
  local base="$b/config.base.json"
  cp "$b/config.json" "$base"
  jq '.process.apparmorProfile = "crate-test"' "$base" >"$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}lsm1" 2>&1)"
  code=$?
  expect_eq "apparmor without AppArmor: exit" 1 "$code"
  expect_contains "apparmor without AppArmor" \
    'process.apparmorProfile "crate-test": AppArmor is not enabled on this host' "$out"
  [ ! -e "$ROOT/${P}lsm1" ] || fail "apparmor refusal left a state directory"
  jq '.process.selinuxLabel = "system_u:system_r:container_t:s0"' "$base" >"$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}lsm1" 2>&1)"
  expect_contains "selinux without SELinux" \
    'process.selinuxLabel "system_u:system_r:container_t:s0": SELinux is not enabled' "$out"
  jq '.linux.mountLabel = "system_u:object_r:container_file_t:s0"' "$base" >"$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}lsm1" 2>&1)"
  expect_contains "mountLabel warning" 'warning: linux.mountLabel' "$out"
  expect_contains "container ran" ran "$out"

  make_bundle "$b" sleep 1000
  "$CR" --root "$ROOT" run -d -b "$b" "${P}lsm2" || fail "run -d for exec --apparmor"
  out="$("$CR" --root "$ROOT" exec --apparmor crate-exec "${P}lsm2" echo exec-ran 2>&1)"
  code=$?
  [ "$code" -ne 0 ] || fail "exec --apparmor without AppArmor succeeded"
  expect_contains "exec --apparmor without AppArmor" \
    'process.apparmorProfile "crate-exec": AppArmor is not enabled' "$out"
  "$CR" --root "$ROOT" delete --force "${P}lsm2" || fail "delete ${P}lsm2"
}

test_intel_rdt_without_resctrl() {
  if [ -d /sys/fs/resctrl/info ]; then
    echo "skip: resctrl is mounted here"
    return
  fi
  local b="$WORK/rdt"
  make_bundle "$b" echo ran
  jq '.linux.intelRdt = {"closID": "crate", "l3CacheSchema": "L3:0=f"}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out code
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}rdt1" 2>&1)"
  code=$?
  [ "$code" -ne 0 ] || fail "intelRdt without resctrl ran"
  expect_contains "intelRdt refused" \
    "linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl" "$out"
  [ ! -e "$ROOT/${P}rdt1" ] || fail "refused intelRdt left a state directory"
}

# What of intelRdt the command line shows without resctrl (the groups
# themselves are tested against a resctrl-shaped tree in
# runtime/linux:intel_rdt_local_test).
test_intel_rdt_command_line() {
  expect_eq "features intelRdt" true \
    "$("$CR" features | jq -r .linux.intelRdt.enabled)"
  local b="$WORK/rdt2" id="${P}rdt2" out
  make_bundle "$b" sleep 60
  "$CR" --root "$ROOT" run -d -b "$b" "$id" || fail "run -d for rdt2"
  out="$("$CR" --root "$ROOT" update --l3-cache-schema 'L3:0=f' "$id" 2>&1)"
  [ $? -ne 0 ] || fail "update --l3-cache-schema without intelRdt accepted"
  expect_contains "update --l3-cache-schema refused" \
    "was created without linux.intelRdt" "$out"
  out="$("$CR" --root "$ROOT" update --mem-bw-schema 'MB:0=50' --pids-limit 44 "$id" 2>&1)"
  [ $? -ne 0 ] || fail "update --mem-bw-schema without intelRdt accepted"
  expect_contains "update --mem-bw-schema refused" \
    "was created without linux.intelRdt" "$out"
  expect_eq "events --stats without intelRdt" "null 44" \
    "$("$CR" --root "$ROOT" events --stats "$id" | jq -r '"\(.data.intel_rdt) \(.data.pids.limit)"')"
  "$CR" --root "$ROOT" delete --force "$id" || fail "delete $id"
}

test_oom_event() {
  local b="$WORK/oom" id="${P}oom1"
  # The victim is a child shell holding 64 MB in a variable; the init
  # lives on, so the container is still there to be watched.
  make_bundle "$b" sh -c 'sleep 1; sh -c "x=\$(head -c 64000000 /dev/zero | tr \"\\\\0\" a)"; sleep 60'
  jq '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  "$CR" --root "$ROOT" run -d -b "$b" "$id" || fail "run -d for oom"
  "$CR" --root "$ROOT" events --interval 1s "$id" >"$WORK/oom.events" 2>&1 &
  local events=$! i
  for i in $(seq 100); do
    grep -q '"type":"oom"' "$WORK/oom.events" && break
    sleep 0.1
  done
  expect_contains "oom event" "{\"type\":\"oom\",\"id\":\"$id\"}" \
    "$(cat "$WORK/oom.events")"
  expect_contains "stats events go on" '"type":"stats"' \
    "$(cat "$WORK/oom.events")"
  "$CR" --root "$ROOT" delete --force "$id" || fail "delete oom container"
  kill "$events" 2>/dev/null
  wait "$events" 2>/dev/null

  # Removing the cgroup wakes a v1 watcher too; that is no OOM.
  make_bundle "$b" sleep 60
  "$CR" --root "$ROOT" run -d -b "$b" "${P}oom2" || fail "run -d ${P}oom2"
  "$CR" --root "$ROOT" events --interval 1s "${P}oom2" >"$WORK/oom2.events" 2>&1 &
  events=$!
  sleep 0.3
  "$CR" --root "$ROOT" delete --force "${P}oom2" || fail "delete ${P}oom2"
  sleep 0.3
  kill "$events" 2>/dev/null
  wait "$events" 2>/dev/null
  expect_eq "no oom event on delete" 0 \
    "$(grep -c '"type":"oom"' "$WORK/oom2.events")"
}

test_rootfs_propagation() {
  local b="$WORK/prop"
  make_bundle "$b" sh -c 'head -1 /proc/self/mountinfo'
  local p out
  for p in rshared shared rslave private rprivate; do
    jq --arg p "$p" '.linux.rootfsPropagation = $p' "$b/config.json" >"$b/c" &&
      mv "$b/c" "$b/config.json"
    out="$("$CR" --root "$ROOT" run -b "$b" "${P}prop-$p" 2>&1)"
    [ $? -eq 0 ] || fail "rootfsPropagation $p: $out"
    case "$p" in
      *shared) expect_contains "rootfsPropagation $p" " shared:" "$out" ;;
    esac
  done
}

test_time_namespace_and_scheduler() {
  local b="$WORK/timens"
  make_bundle "$b" sh -c 'cat /proc/self/timens_offsets; cut -d" " -f19,41 /proc/self/stat'
  jq '.linux.namespaces += [{"type": "time"}] |
      .linux.timeOffsets = {"boottime": {"secs": 172800}} |
      .process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}tn1" 2>&1 | tr -s ' \n' '  ')"
  expect_contains "time offsets" "boottime 172800 0" "$out"
  expect_contains "nice and SCHED_BATCH" "5 3" "$out"
}

test_tmpcopyup() {
  local b="$WORK/tmpcopyup"
  make_bundle "$b" sh -c 'cat /etc/seed; echo more >/etc/new && cat /etc/new; ls -l /etc/seed | cut -c1-10'
  mkdir -p "$b/rootfs/etc"
  echo seeded >"$b/rootfs/etc/seed"
  chmod 640 "$b/rootfs/etc/seed"
  jq '.mounts += [{"destination": "/etc", "type": "tmpfs", "source": "tmpfs",
                   "options": ["tmpcopyup", "nosuid"]}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}tcu1" 2>&1 | tr '\n' ' ')"
  expect_eq "tmpcopyup" "seeded more -rw-r----- " "$out"
  [ ! -e "$b/rootfs/etc/new" ] || fail "tmpcopyup wrote through to the rootfs"
}

test_configured_devices() {
  local b="$WORK/devices"
  make_bundle "$b" sh -c 'ls -ln /dev/fuse | cut -c1-10; ls -ln /dev/fuse | tr -s " " | cut -d" " -f3,4,5,6'
  jq '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                         "fileMode": 416, "uid": 3, "gid": 4}] |
      .linux.resources.devices += [{"allow": true, "type": "c", "major": 10,
                                    "minor": 229, "access": "rwm"}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}dev1" 2>&1 | tr '\n' ' ')"
  expect_eq "configured device" "crw-r----- 3 4 10, 229 " "$out"
}

test_lifecycle() {
  local b="$WORK/life"
  make_bundle "$b" sleep 1000
  "$CR" --root "$ROOT" create -b "$b" --pid-file "$WORK/pid" ${P}c1 ||
    fail "create"
  expect_eq "state after create" created "$(state_of ${P}c1)"
  local pid
  pid="$(cat "$WORK/pid" 2>/dev/null)"
  expect_eq "pid file" "$pid" "$("$CR" --root "$ROOT" state ${P}c1 | jq -r .pid)"
  expect_contains "list" "${P}c1" "$("$CR" --root "$ROOT" list)"
  expect_eq "list json" created \
    "$("$CR" --root "$ROOT" list --format json | jq -r '.[0].status')"
  local out
  out="$("$CR" --root "$ROOT" create -b "$b" ${P}c1 2>&1)"
  [ $? -ne 0 ] || fail "a second create of ${P}c1 succeeded"
  expect_contains "duplicate create" "container \"${P}c1\" already exists" "$out"

  "$CR" --root "$ROOT" start ${P}c1 || fail "start"
  expect_eq "state after start" running "$(state_of ${P}c1)"
  out="$("$CR" --root "$ROOT" start ${P}c1 2>&1)"
  [ $? -ne 0 ] || fail "a second start succeeded"
  out="$("$CR" --root "$ROOT" delete ${P}c1 2>&1)"
  [ $? -ne 0 ] || fail "delete of a running container succeeded"
  expect_contains "delete running" "not stopped: running" "$out"

  "$CR" --root "$ROOT" kill ${P}c1 KILL || fail "kill"
  local i
  for i in $(seq 50); do
    [ "$(state_of ${P}c1)" = stopped ] && break
    sleep 0.1
  done
  expect_eq "state after kill" stopped "$(state_of ${P}c1)"
  out="$("$CR" --root "$ROOT" kill ${P}c1 TERM 2>&1)"
  [ $? -ne 0 ] || fail "kill of a stopped container succeeded"
  "$CR" --root "$ROOT" delete ${P}c1 || fail "delete"
  [ ! -e "$ROOT/${P}c1" ] || fail "delete left the state directory"
  out="$("$CR" --root "$ROOT" state ${P}c1 2>&1)"
  [ $? -ne 0 ] || fail "state of a deleted container succeeded"
  expect_contains "state of deleted" "container \"${P}c1\" does not exist" "$out"
}

test_delete_force_and_created() {
  local b="$WORK/force"
  make_bundle "$b" sleep 1000
  "$CR" --root "$ROOT" run -d -b "$b" ${P}f1 || fail "run -d"
  expect_eq "detached" running "$(state_of ${P}f1)"
  local pid
  pid="$("$CR" --root "$ROOT" state ${P}f1 | jq -r .pid)"
  "$CR" --root "$ROOT" delete --force ${P}f1 || fail "delete --force"
  [ ! -e "$ROOT/${P}f1" ] || fail "delete --force left the state directory"
  [ ! -e "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status" ||
    fail "process $pid survived delete --force"
  # A container that was never started can be deleted without --force.
  "$CR" --root "$ROOT" create -b "$b" ${P}f2 || fail "create ${P}f2"
  "$CR" --root "$ROOT" delete ${P}f2 || fail "delete of a created container"
}

test_bad_config() {
  local b="$WORK/bad"
  make_bundle "$b" true
  jq '.linux.namespaces[1].type = "foo"' "$b/config.json" >"$b/c" &&
    mv "$b/c" "$b/config.json"
  local out code
  out="$("$CR" --root "$ROOT" --log "$WORK/log.json" --log-format json \
    run -b "$b" ${P}bad1 2>&1)"
  code=$?
  [ "$code" -ne 0 ] || fail "bad config ran"
  expect_contains "bad namespace" \
    'linux.namespaces[1].type: unknown namespace "foo"' "$out"
  [ ! -e "$ROOT/${P}bad1" ] || fail "bad config left a state directory"
  expect_eq "json log" error "$(jq -r .level "$WORK/log.json" | tail -1)"
  expect_contains "json log msg" "unknown namespace" \
    "$(jq -r .msg "$WORK/log.json" | tail -1)"
  [ -n "$(jq -r .time "$WORK/log.json" | tail -1)" ] || fail "json log time"

  jq '.linux.namespaces[1].type = "network" | .mounts[0].destination = "proc"' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  # runc and crun take a relative destination from the root (runc warns).
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}bad2 2>&1)"
  expect_contains "relative mount" \
    'warning: mounts[0].destination: "proc" is not absolute; taken as "/proc"' "$out"
  "$CR" --root "$ROOT" delete --force ${P}bad2 2>/dev/null

  jq '.mounts[0].destination = "/proc" | .process.args = "true"' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}bad3 2>&1)"
  expect_contains "wrong type" \
    'process.args: expected array of strings, got string "true"' "$out"

  jq '.process.args = ["true"] | .linux.resources.memory.limit = -5' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}bad4 2>&1)"
  expect_contains "impossible memory" \
    'linux.resources.memory.limit: impossible value -5' "$out"

  jq 'del(.linux.resources.memory) | .root.path = "nowhere"' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}bad5 2>&1)"
  expect_contains "missing rootfs" "is not a directory" "$out"

  jq '.root.path = "rootfs" | .process.args = ["no-such-program"]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}bad6 2>&1)"
  expect_contains "missing program" \
    'exec: "no-such-program": executable file not found in $PATH' "$out"
  local id
  for id in ${P}bad2 ${P}bad3 ${P}bad4 ${P}bad5 ${P}bad6; do
    [ ! -e "$ROOT/$id" ] || fail "$id left a state directory"
    [ ! -e "/sys/fs/cgroup/pids/$id" ] || fail "$id left a cgroup"
  done
  expect_eq "nothing listed" "" "$("$CR" --root "$ROOT" list -q)"
}

test_user_namespace() {
  local b="$USERNS_WORK/bundle"
  make_bundle "$b" sh -c 'id -u; cat /proc/self/uid_map'
  jq "$USERNS_JQ"'userns(200000)' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}u1 2>&1)"
  expect_contains "user namespace uid" "0" "$out"
  expect_contains "user namespace map" "200000" "$out"

  # The init in a user namespace still joins its own cgroups (its kuid is
  # root's until it changes user), with the limits applied.
  make_bundle "$b" sh -c 'grep -E "^[0-9]+:pids:" /proc/self/cgroup'
  jq "$USERNS_JQ"'userns(200000) |
      .linux.resources.pids.limit = 7' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  "$CR" --root "$ROOT" create -b "$b" ${P}u0 >/dev/null 2>&1
  local pid
  pid="$("$CR" --root "$ROOT" state ${P}u0 | jq -r .pid)"
  local cg
  cg="$(grep -E '^[0-9]+:pids:' "/proc/$pid/cgroup" | cut -d: -f3)"
  expect_eq "user namespace init in its pids cgroup" "/${P}u0" "$cg"
  expect_eq "user namespace pids limit" "7" \
    "$(cat "/sys/fs/cgroup/pids$cg/pids.max" 2>&1)"
  "$CR" --root "$ROOT" delete --force ${P}u0 >/dev/null 2>&1

  # "idmap" with the container's own maps: a host directory of root's is
  # root's inside the user namespace too, and writable by it.
  local src="$USERNS_WORK/idmap-src"
  mkdir -p "$src" && touch "$src/f"
  make_bundle "$b" sh -c 'stat -c "%u:%g" /data/f; touch /data/new && echo wrote'
  ln -sf busybox "$b/rootfs/bin/stat"
  # The rootfs is host root's, out of reach of the container's root.
  mkdir -p "$b/rootfs/data"
  jq --arg src "$src" "$USERNS_JQ"'userns(200000) |
      .mounts += [{"destination": "/data", "type": "bind", "source": $src,
        "options": ["rbind", "idmap"]}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" ${P}u2 2>&1)"
  expect_eq "idmap in a user namespace" "0:0
wrote" "$out"
  expect_eq "idmap write owner on the host" 0:0 "$(stat -c %u:%g "$src/new" 2>&1)"
}

test_cgroups() {
  local b="$WORK/cgroup"
  make_bundle "$b" sleep 1000
  jq '.linux.resources.memory.limit = 67108864 | .linux.resources.pids.limit = 20' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local id="${P}cg1"
  "$CR" --root "$ROOT" run -d -b "$b" "$id" || fail "run -d with limits"
  local pid dir
  pid="$("$CR" --root "$ROOT" state "$id" | jq -r .pid)"
  dir="$(awk -F: '$2 ~ /(^|,)pids(,|$)/ {print $3}' "/proc/$pid/cgroup")"
  expect_eq "cgroup path" "/$id" "$dir"
  expect_eq "pids.max" 20 "$(cat "/sys/fs/cgroup/pids/$id/pids.max" 2>/dev/null ||
    cat "/sys/fs/cgroup/$id/pids.max" 2>/dev/null)"
  expect_eq "ps json" "[$pid]" "$("$CR" --root "$ROOT" ps --format json "$id")"
  expect_eq "container sees its own limit" 20 \
    "$("$CR" --root "$ROOT" exec "$id" cat /sys/fs/cgroup/pids/pids.max)"
  "$CR" --root "$ROOT" update --pids-limit 33 "$id" || fail "update"
  expect_eq "updated pids.max" 33 "$(cat "/sys/fs/cgroup/pids/$id/pids.max" 2>/dev/null ||
    cat "/sys/fs/cgroup/$id/pids.max" 2>/dev/null)"
  local out
  out="$(echo '{"memory": {"limit": -7}}' | "$CR" --root "$ROOT" update -r - "$id" 2>&1)"
  [ $? -ne 0 ] || fail "impossible update accepted"
  expect_contains "impossible update" "linux.resources.memory.limit: impossible value -7" "$out"
  expect_eq "events --stats" 33 \
    "$("$CR" --root "$ROOT" events --stats "$id" | jq -r .data.pids.limit)"
  "$CR" --root "$ROOT" pause "$id" || fail "pause"
  expect_eq "paused" paused "$(state_of "$id")"
  "$CR" --root "$ROOT" resume "$id" || fail "resume"
  expect_eq "resumed" running "$(state_of "$id")"
  "$CR" --root "$ROOT" kill --all "$id" KILL || fail "kill --all"
  "$CR" --root "$ROOT" delete --force "$id" || fail "delete after kill --all"
  [ ! -e "/sys/fs/cgroup/pids/$id" ] && [ ! -e "/sys/fs/cgroup/$id" ] ||
    fail "delete left the cgroup"
  # The default "deny all devices" rule still lets the container use /dev.
  make_bundle "$b" sh -c 'echo x >/dev/null && head -c 1 /dev/zero | wc -c'
  jq '.linux.resources.devices = [{"allow": false, "access": "rwm"}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  expect_eq "default devices allowed" 1 \
    "$("$CR" --root "$ROOT" run -b "$b" "${P}cg2" 2>&1)"
}

# With a cgroup namespace the container mounts each hierarchy itself: every
# line of /proc/self/cgroup is at its root, the mounts are cgroup file
# systems rooted there (not binds of host paths), and they show the
# container's own limits, not the host's tree.
test_cgroup_namespace() {
  local b="$WORK/cgroupns"
  make_bundle "$b" sh -c 'grep -cv ":/$" /proc/self/cgroup;
      grep " /sys/fs/cgroup/" /proc/self/mountinfo | cut -d" " -f4,5,9 |
        grep -v "^/ /sys/fs/cgroup/[a-z_=]* cgroup$" | wc -l;
      grep -c " /sys/fs/cgroup/" /proc/self/mountinfo;
      cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes;
      ls /sys/fs/cgroup/pids | grep -c "^'"$P"'"'
  jq '.linux.namespaces += [{"type": "cgroup"}] |
      .linux.resources.memory.limit = 67108864 |
      .linux.resources.pids.limit = 21' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out hierarchies
  hierarchies="$(awk '$5 ~ "^/sys/fs/cgroup/[^/]*$" && $0 ~ / - cgroup / {n++} END {print n}' \
    /proc/self/mountinfo)"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}cgns1" 2>&1 | tr '\n' ' ')"
  expect_eq "cgroup namespace view" \
    "0 0 $hierarchies 21 67108864 0 " "$out"
  [ ! -e "/sys/fs/cgroup/pids/${P}cgns1" ] || fail "cgroupns run left its cgroup"
}

# A rootfs whose /etc is a symlink to a host directory, with mounts below
# /etc: every mount lands inside the rootfs (where the container itself
# resolves /etc), and the host directory is left untouched.
test_mount_through_escaping_symlink() {
  local b="$WORK/escape" host="$WORK/host-etc"
  make_bundle "$b" sh -c 'cat /etc/x/hello; ls /etc/t | wc -l;
      grep -c " '"$host"'/x \| '"$host"'/t " /proc/self/mountinfo'
  mkdir -p "$host" "$b/shared"
  echo inside >"$b/shared/hello"
  ln -s "$host" "$b/rootfs/etc"
  jq '.mounts += [{"destination": "/etc/x", "type": "bind", "source": "shared",
                   "options": ["rbind", "ro"]},
                  {"destination": "/etc/t", "type": "tmpfs", "source": "tmpfs"}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}esc1" 2>&1 | tr '\n' ' ')"
  expect_eq "mounts under an escaping symlink" "inside 0 2 " "$out"
  expect_eq "host directory untouched" "" "$(ls -A "$host")"
  [ -d "$b/rootfs$host/x" ] && [ -d "$b/rootfs$host/t" ] ||
    fail "mount points not made inside the rootfs ($b/rootfs$host)"
}

test_security() {
  local b="$WORK/security"
  make_bundle "$b" sh -c 'grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status;
      mkdir /tmp/x 2>&1 || true'
  jq '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1}]} |
      .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}sec1" 2>&1)"
  # runc spec's set: AUDIT_WRITE, KILL, NET_BIND_SERVICE.
  expect_contains "capabilities" "CapEff:	0000000020000420" "$out"
  expect_contains "no_new_privs" "NoNewPrivs:	1" "$out"
  expect_contains "seccomp" "Operation not permitted" "$out"
}

test_terminal() {
  local b="$WORK/tty"
  make_bundle "$b" sh -c 'tty; stty size; exit 4'
  jq '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local out code
  # Foreground: crate-runtime relays the pty to its own stdio.
  out="$(timeout 20 "$CR" --root "$ROOT" run -b "$b" "${P}tty1" </dev/null | tr -d '\r')"
  code=${PIPESTATUS[0]}
  expect_contains "pty in foreground run" "/dev/pts/0" "$out"
  expect_contains "console size" "30 100" "$out"
  # --console-socket: the master goes to whoever listens there (under
  # /tmp: a socket path has to fit in 108 bytes).
  cat >"$WORK/recv.py" <<'PY'
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(256, socket.CMSG_LEN(4))
fds = array.array("i")
fds.frombytes(anc[0][2][:4])
out = b""
while True:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out += d
sys.stdout.write(msg.decode() + " " + out.decode().replace("\r", ""))
PY
  python3 "$WORK/recv.py" "$USERNS_WORK/console.sock" "$WORK/listening" >"$WORK/console.out" &
  local recv=$!
  local i
  for i in $(seq 50); do [ -e "$WORK/listening" ] && break; sleep 0.1; done
  "$CR" --root "$ROOT" create -b "$b" --console-socket "$USERNS_WORK/console.sock" "${P}tty2" ||
    { fail "create with --console-socket"; kill "$recv"; }
  "$CR" --root "$ROOT" start "${P}tty2" || fail "start with a console"
  for i in $(seq 50); do [ "$(state_of "${P}tty2")" = stopped ] && break; sleep 0.1; done
  "$CR" --root "$ROOT" delete --force "${P}tty2"
  wait "$recv"
  expect_contains "console socket" "/dev/pts/0 /dev/pts/0" "$(cat "$WORK/console.out")"
}

test_hooks() {
  local b="$WORK/hooks"
  make_bundle "$b" sh -c 'cat /tmp/start-state'
  local h="$WORK/hook.sh"
  printf '#!/bin/sh\ncat >"%s/hook-$1.json"\n' "$WORK" >"$h"
  chmod +x "$h"
  jq --arg h "$h" '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}] |
      .hooks = {
        "prestart": [{"path": $h, "args": ["hook", "prestart"]}],
        "createRuntime": [{"path": $h, "args": ["hook", "createRuntime"]}],
        "createContainer": [{"path": $h, "args": ["hook", "createContainer"]}],
        "startContainer": [{"path": "/bin/sh",
                            "args": ["sh", "-c", "cat >/tmp/start-state"]}],
        "poststart": [{"path": $h, "args": ["hook", "poststart"]}],
        "poststop": [{"path": $h, "args": ["hook", "poststop"]}]}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  local id="${P}hk1" out
  out="$("$CR" --root "$ROOT" run -b "$b" "$id" 2>&1)"
  expect_eq "startContainer state" "$id" "$(echo "$out" | jq -r .id 2>/dev/null)"
  local k
  for k in prestart createRuntime createContainer poststart poststop; do
    expect_eq "$k hook state" "$id" "$(jq -r .id "$WORK/hook-$k.json" 2>/dev/null)"
  done
  expect_eq "createRuntime status (the runtime-spec's created, as crun)" created "$(jq -r .status "$WORK/hook-createRuntime.json")"
  expect_eq "poststop status" stopped "$(jq -r .status "$WORK/hook-poststop.json")"
  # A failing createRuntime hook fails the create and leaves nothing.
  jq '.hooks = {"createRuntime": [{"path": "/bin/false"}]}' "$b/config.json" >"$b/c" &&
    mv "$b/c" "$b/config.json"
  out="$("$CR" --root "$ROOT" run -b "$b" "${P}hk2" 2>&1)"
  expect_contains "failing hook" "createRuntime hook /bin/false: exit status 1" "$out"
  [ ! -e "$ROOT/${P}hk2" ] || fail "failing hook left a state directory"
}

test_exec() {
  local b="$WORK/exec"
  make_bundle "$b" sleep 1000
  local id="${P}ex1" out code
  "$CR" --root "$ROOT" run -d -b "$b" "$id" || fail "run -d for exec"
  out="$("$CR" --root "$ROOT" exec "$id" sh -c 'echo "$(hostname) $$"; cat /proc/1/cmdline; exit 5' | tr '\0' ' ')"
  code=${PIPESTATUS[0]}
  expect_eq "exec output" "e2e-host 2
sleep 1000 " "$out"
  expect_eq "exec exit code" 5 "$code"
  out="$("$CR" --root "$ROOT" exec -e FOO=bar -u 1000:1000 --cwd /bin "$id" sh -c 'echo "$FOO $(id -u) $(pwd)"')"
  expect_eq "exec env, user, cwd" "bar 1000 /bin" "$out"
  out="$("$CR" --root "$ROOT" exec -t "$id" tty </dev/null | tr -d '\r')"
  expect_eq "exec tty" "/dev/pts/0" "$out"
  out="$("$CR" --root "$ROOT" exec "$id" no-such-program 2>&1)"
  [ $? -ne 0 ] || fail "exec of a missing program succeeded"
  expect_contains "exec missing" 'exec: "no-such-program": executable file not found' "$out"
  printf '{"user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["sh", "-c", "echo via-process"], "env": ["PATH=/bin"]}' >"$WORK/process.json"
  expect_eq "exec --process" via-process \
    "$("$CR" --root "$ROOT" exec --process "$WORK/process.json" "$id")"
  "$CR" --root "$ROOT" exec -d --pid-file "$WORK/exec.pid" "$id" sleep 999 || fail "exec -d"
  local expid
  expid="$(cat "$WORK/exec.pid")"
  expect_contains "exec -d joined the cgroup" "$expid" \
    "$("$CR" --root "$ROOT" ps --format json "$id")"
  local initpid
  initpid="$("$CR" --root "$ROOT" state "$id" | jq -r .pid)"
  expect_eq "exec'd process in each of the init's cgroups" \
    "$(cat "/proc/$initpid/cgroup")" "$(cat "/proc/$expid/cgroup")"
  "$CR" --root "$ROOT" delete --force "$id" || fail "delete after exec"
  [ ! -e "/proc/$expid" ] || grep -q '^State:.*Z' "/proc/$expid/status" ||
    fail "exec'd process $expid survived delete --force"
}

for t in test_oom_event test_intel_rdt_without_resctrl test_intel_rdt_command_line test_lsm_labels_without_lsm test_idmapped_mount test_configured_devices test_tmpcopyup test_time_namespace_and_scheduler test_rootfs_propagation test_personality_and_ioprio test_preserve_fds_and_signals test_join_namespaces test_sysctl_masked_readonly test_exec test_hooks test_terminal test_security test_cgroups test_cgroup_namespace test_mount_through_escaping_symlink test_version_and_features test_run_output_and_exit_code \
  test_idmapped_file_systems \
  test_run_sees_its_rootfs test_lifecycle test_delete_force_and_created \
  test_bad_config test_user_namespace; do
  echo "== $t"
  "$t"
done
if [ "$FAILED" -ne 0 ]; then
  echo "FAILED" >&2
  exit 1
fi
echo "PASSED"
