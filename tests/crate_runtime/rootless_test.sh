#!/usr/bin/env bash
# crate-runtime run by an unprivileged user on a `spec --rootless` bundle:
# the user's uid is root inside, state lives under $XDG_RUNTIME_DIR, no
# cgroup is made (the user may not write cgroupfs here), and the container
# sees what crun rootless shows it on the same bundle (tests/e2e/probe.sh).
# The test user is created when missing and then removed; every container,
# mount namespace and directory made here is removed on exit.
set -uo pipefail
# useradd, userdel and setpriv live in sbin, which the test PATH lacks.
export PATH="$PATH:/usr/sbin:/sbin"

HERE="$(cd "$(dirname "$0")" && pwd)"
CR="$HERE/../../cli/crate-runtime/crate-runtime"
[ -x "$CR" ] || CR="${TEST_SRCDIR:-}/crate/cli/crate-runtime/crate-runtime"
PROBE="$HERE/../e2e/probe.sh"
[ -f "$PROBE" ] || PROBE="${TEST_SRCDIR:-}/crate/tests/e2e/probe.sh"
BUSYBOX="$(command -v busybox)"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (to act as another user)"
  exit 0
fi
if [ -z "$BUSYBOX" ]; then
  echo "busybox-static is needed (third_party/debian-packages.txt)" >&2
  exit 1
fi

USER_NAME=crate-rootless-test
MADE_USER=0
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd -m "$USER_NAME" || { echo "useradd $USER_NAME failed" >&2; exit 1; }
  MADE_USER=1
fi
RUID="$(id -u "$USER_NAME")"
RGID="$(id -g "$USER_NAME")"

# Under /tmp, not TEST_TMPDIR: the user must reach the bundle and binary.
WORK="$(mktemp -d /tmp/crate-rootless.XXXXXX)"
chmod 755 "$WORK"
XDG="$WORK/xdg"
B="$WORK/bundle"
ID="crate-rootless-$$"
FAILED=0

as_user() {  # command...: run as the test user, with its runtime dir
  setpriv --reuid="$RUID" --regid="$RGID" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="/home/$USER_NAME" \
    XDG_RUNTIME_DIR="$XDG" "$@"
}

cleanup() {
  local id
  for id in $(as_user "$WORK/crate-runtime" list -q 2>/dev/null); do
    as_user "$WORK/crate-runtime" delete --force "$id" >/dev/null 2>&1
  done
  as_user crun --root "$WORK/crun-state" delete -f "$ID-crun" >/dev/null 2>&1
  rm -rf "$WORK"
  if [ "$MADE_USER" = 1 ]; then userdel -r "$USER_NAME" >/dev/null 2>&1; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}

expect_eq() {  # what expected actual
  if [ "$2" != "$3" ]; then fail "$1: expected [$2], got [$3]"; fi
}

expect_contains() {  # what needle haystack
  case "$3" in
    *"$2"*) ;;
    *) fail "$1: [$2] not in [$3]" ;;
  esac
}

# The binary is copied out of the runfiles, which live under /root.
cp "$CR" "$WORK/crate-runtime"
mkdir -p "$XDG" "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" \
  "$B/rootfs/sys" "$B/rootfs/tmp"
chmod 700 "$XDG"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$B/rootfs/bin/$applet"
done
cp "$PROBE" "$B/rootfs/probe.sh"
chown -R "$RUID:$RGID" "$WORK"

cd "$B" || exit 1
as_user "$WORK/crate-runtime" spec --rootless || fail "spec --rootless"
uid_map="$(jq -c '.linux.uidMappings' config.json)"
expect_eq "rootless uidMappings" "[{\"containerID\":0,\"hostID\":$RUID,\"size\":1}]" \
  "$uid_map"
edit_config() {  # jq-filter: config.json edited in place, kept the user's
  jq "$1" "$B/config.json" >"$WORK/config.new" &&
    mv "$WORK/config.new" "$B/config.json" &&
    chown "$RUID:$RGID" "$B/config.json"
}
set_args() {  # args-json
  edit_config ".process.args=$1 | .process.terminal=false"
}

# run: root inside, the user outside; no cgroup of the container's name.
set_args '["/bin/sh","-c","id -u; cat /proc/self/uid_map; cat /proc/self/cgroup | grep -c '"$ID"' ; exit 3"]'
out="$(as_user "$WORK/crate-runtime" run "$ID" 2>"$WORK/err")"
rc=$?
expect_eq "rootless run exit code" 3 "$rc"
expect_eq "rootless run output" "0
         0       $RUID          1
0" "$out"
expect_eq "rootless run stderr" "" "$(cat "$WORK/err")"
for c in pids memory cpu devices freezer unified; do
  [ -e "/sys/fs/cgroup/$c/$ID" ] && fail "cgroup /sys/fs/cgroup/$c/$ID made"
done

# Life cycle with the state under $XDG_RUNTIME_DIR/crate-runtime.
set_args '["/bin/sleep","60"]'
as_user "$WORK/crate-runtime" create "$ID" || fail "rootless create"
[ -d "$XDG/crate-runtime/$ID" ] || fail "no state in $XDG/crate-runtime/$ID"
status="$(as_user "$WORK/crate-runtime" state "$ID" | jq -r .status)"
expect_eq "state after create" created "$status"
as_user "$WORK/crate-runtime" start "$ID" || fail "rootless start"
status="$(as_user "$WORK/crate-runtime" state "$ID" | jq -r .status)"
expect_eq "state after start" running "$status"
as_user "$WORK/crate-runtime" kill "$ID" KILL || fail "rootless kill"
for _ in $(seq 100); do
  status="$(as_user "$WORK/crate-runtime" state "$ID" | jq -r .status)"
  case "$status" in stopped | "") break ;; esac
  sleep 0.05
done
expect_eq "state after kill" stopped "$status"
as_user "$WORK/crate-runtime" delete "$ID" || fail "rootless delete"
[ -e "$XDG/crate-runtime/$ID" ] && fail "state left in $XDG/crate-runtime/$ID"

# A cgroup asked for by path that the user cannot have: a warning, and the
# container still runs, as with runc.
edit_config '.linux.cgroupsPath="/'"$ID"'" | .process.args=["/bin/true"]'
as_user "$WORK/crate-runtime" run "$ID" 2>"$WORK/err" ||
  fail "rootless run with cgroupsPath: $(cat "$WORK/err")"
expect_contains "cgroupsPath warning" "warning: running without a cgroup" \
  "$(cat "$WORK/err")"

# The same bundle under crun rootless. crun refuses this host's hybrid
# cgroups unless cgroup.controllers of the unified part reads empty: hide it
# in a mount namespace of the user's own (docs/DESIGN quirk).
edit_config 'del(.linux.cgroupsPath) | .process.args=["/bin/sh","/probe.sh"]'
if command -v crun >/dev/null; then
  : >"$WORK/empty"
  chmod 644 "$WORK/empty"
  as_user unshare --user --map-current-user --mount --propagation private \
    --keep-caps sh -c "mount --bind '$WORK/empty' \
      /sys/fs/cgroup/unified/cgroup.controllers &&
      exec crun --root '$WORK/crun-state' run '$ID-crun'" \
    >"$WORK/crun.out" 2>"$WORK/crun.err"
  if [ ! -s "$WORK/crun.out" ]; then
    echo "crun rootless did not run here: $(cat "$WORK/crun.err")"
  else
    as_user "$WORK/crate-runtime" run "$ID" >"$WORK/crate.out" 2>&1 ||
      fail "rootless probe run: $(cat "$WORK/crate.out")"
    # The empty file over cgroup.controllers is crun's, not the container's.
    grep -v '^/sys/fs/cgroup/unified/cgroup.controllers ' "$WORK/crun.out" \
      >"$WORK/crun.seen"
    diff -u --label crun --label crate-runtime "$WORK/crun.seen" \
      "$WORK/crate.out" || fail "rootless: crate-runtime and crun differ"
  fi
fi

# The user's /etc/subuid and /etc/subgid ranges (useradd adds them) mapped
# after its own ID: the maps are written by newuidmap/newgidmap, and IDs
# other than 0 exist inside (chown to 1:1, with CAP_CHOWN, needs the second
# range).
SUBUID="$(awk -F: -v u="$USER_NAME" '$1 == u {print $2; exit}' /etc/subuid)"
SUBGID="$(awk -F: -v u="$USER_NAME" '$1 == u {print $2; exit}' /etc/subgid)"
if [ -z "$SUBUID" ] || [ -z "$SUBGID" ]; then
  fail "no /etc/subuid or /etc/subgid range for $USER_NAME"
else
  edit_config '.linux.uidMappings=[{"containerID":0,"hostID":'"$RUID"',"size":1},
      {"containerID":1,"hostID":'"$SUBUID"',"size":65536}]
    | .linux.gidMappings=[{"containerID":0,"hostID":'"$RGID"',"size":1},
      {"containerID":1,"hostID":'"$SUBGID"',"size":65536}]
    | .mounts += [{"destination":"/tmp","type":"tmpfs","source":"tmpfs",
      "options":["nosuid","nodev","mode=1777"]}]
    | .process.capabilities |= with_entries(.value += ["CAP_CHOWN"])
    | .process.args=["/bin/sh","-c","cat /proc/self/uid_map /proc/self/gid_map;
      touch /tmp/x && chown 1:1 /tmp/x && stat -c %u:%g /tmp/x"]'
  out="$(as_user "$WORK/crate-runtime" run "$ID" 2>"$WORK/err")"
  rc=$?
  expect_eq "subordinate ranges run exit code" 0 "$rc"
  expect_eq "subordinate ranges stderr" "" "$(cat "$WORK/err")"
  expect_eq "subordinate ranges maps and chown" "\
         0       $RUID          1
         1     $SUBUID      65536
         0       $RGID          1
         1     $SUBGID      65536
1:1" "$out"

  # A range the user was not given: newuidmap refuses, and the error names
  # the command line and carries what newuidmap said.
  edit_config '.linux.uidMappings[1].hostID=10 | .process.args=["/bin/true"]'
  as_user "$WORK/crate-runtime" run "$ID" 2>"$WORK/err" &&
    fail "run with a range outside /etc/subuid succeeded"
  err="$(cat "$WORK/err")"
  case "$err" in
    *"newuidmap "[0-9]*" 0 $RUID 1 1 10 65536: newuidmap:"*) ;;
    *) fail "refused newuidmap error: [$err]" ;;
  esac
  as_user "$WORK/crate-runtime" list -q | grep -qx "$ID" &&
    fail "container $ID left after refused newuidmap"

  # An idmapped tmpfs: the init makes it in the container's user namespace
  # (only that namespace's owner may idmap it) with an idmap user namespace
  # of its own; the mount's host IDs are the container's. On-disk 0 is seen
  # as host SUBUID+9, container ID 10, inside and from the host. (crun
  # 1.8.1 cannot: "open `/proc/PID/ns/user`: Permission denied".)
  edit_config '.linux.uidMappings=[{"containerID":0,"hostID":'"$RUID"',"size":1},
      {"containerID":1,"hostID":'"$SUBUID"',"size":65536}]
    | .linux.gidMappings=[{"containerID":0,"hostID":'"$RGID"',"size":1},
      {"containerID":1,"hostID":'"$SUBGID"',"size":65536}]
    | .mounts += [{"destination":"/idt","type":"tmpfs","source":"tmpfs",
      "options":["idmap","size=1m"],
      "uidMappings":[{"containerID":0,"hostID":'"$((SUBUID + 9))"',"size":1}],
      "gidMappings":[{"containerID":0,"hostID":'"$((SUBGID + 9))"',"size":1}]}]
    | .process.user={"uid":10,"gid":10}
    | .process.args=["/bin/sh","-c","stat -c %u:%g /idt; touch /idt/x &&
      stat -c %u:%g /idt/x; grep -c \" /idt .*idmapped\" /proc/self/mountinfo;
      touch /idt/ready; sleep 60"]'
  as_user "$WORK/crate-runtime" run -d "$ID" >"$WORK/out" 2>&1 ||
    fail "rootless idmapped tmpfs: $(cat "$WORK/out")"
  pid="$(as_user "$WORK/crate-runtime" state "$ID" | jq -r .pid)"
  for _ in $(seq 100); do
    [ -e "/proc/$pid/root/idt/ready" ] && break
    sleep 0.05
  done
  expect_eq "rootless idmapped tmpfs inside" "10:10
10:10
1" "$(cat "$WORK/out")"
  expect_eq "rootless idmapped tmpfs from the host" \
    "$((SUBUID + 9)):$((SUBGID + 9))" \
    "$(stat -c %u:%g "/proc/$pid/root/idt/x" 2>&1)"
  as_user "$WORK/crate-runtime" delete --force "$ID" ||
    fail "delete idmapped tmpfs container"

  # A type the kernel cannot idmap fails in the init, naming the mount and
  # with the kernel's errno, and leaves nothing.
  edit_config '.mounts += [{"destination":"/mq","type":"mqueue",
      "source":"mqueue","options":["idmap"]}] | .process.args=["/bin/true"]'
  as_user "$WORK/crate-runtime" run "$ID" 2>"$WORK/err" &&
    fail "rootless idmapped mqueue succeeded"
  expect_contains "rootless idmapped mqueue refused" \
    "mounts[$(jq '.mounts | length - 1' "$B/config.json")] (/mq): idmapped mqueue: mount_setattr MOUNT_ATTR_IDMAP: Invalid argument (this file system type cannot be idmapped)" \
    "$(cat "$WORK/err")"
  as_user "$WORK/crate-runtime" list -q | grep -qx "$ID" &&
    fail "container $ID left after a refused idmapped mqueue"
  edit_config 'del(.mounts[-1])'

  # A host directory cannot be idmapped by an unprivileged runtime (the
  # kernel wants CAP_SYS_ADMIN in the initial user namespace): refused
  # before anything is made, saying why.
  mkdir -p "$WORK/idsrc" && chown "$RUID:$RGID" "$WORK/idsrc"
  edit_config '.mounts += [{"destination":"/data","type":"bind",
      "source":"'"$WORK/idsrc"'","options":["rbind","idmap"]}]
    | .process.args=["/bin/true"]'
  as_user "$WORK/crate-runtime" run "$ID" 2>"$WORK/err" &&
    fail "rootless idmapped bind succeeded"
  expect_contains "rootless idmapped bind refused" \
    "an idmapped bind of $WORK/idsrc needs CAP_SYS_ADMIN in the user namespace owning its file system (the host's), which an unprivileged runtime lacks" \
    "$(cat "$WORK/err")"
  as_user "$WORK/crate-runtime" list -q | grep -qx "$ID" &&
    fail "container $ID left after a refused idmapped bind"
  [ ! -e "$XDG/crate-runtime/$ID" ] ||
    fail "state of $ID left after a refused idmapped bind"
fi

if [ "$FAILED" != 0 ]; then exit 1; fi
echo PASS
