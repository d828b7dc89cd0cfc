#!/bin/bash
# Runs in the VM (see systemd_test.sh): starts systemd as PID 1 of a new pid
# namespace and drives crate-runtime --systemd-cgroup (and crun, for
# reference) through it. Every check prints "ok:" or "FAIL:".
set -u
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
expect_eq() {
  if [ "$2" = "$3" ]; then echo "ok: $1 = $3"; else fail "$1: expected [$2], got [$3]"; fi
}
expect_contains() {
  case "$3" in
    *"$2"*) echo "ok: $1" ;;
    *) fail "$1: expected to contain [$2], got [$3]" ;;
  esac
}

mkdir -p /etc/systemd/system
cp /vm-units/* /etc/systemd/system/
unshare --pid --fork --mount-proc /lib/systemd/systemd --system \
  --log-target=console --log-level=warning </dev/null >/tmp/systemd.log 2>&1 &
sd=""
for _ in $(seq 1 150); do
  sd="$(tr -d ' \n' </proc/$!/task/$!/children 2>/dev/null || true)"
  [ -n "$sd" ] && [ -S "/proc/$sd/root/run/dbus/system_bus_socket" ] && break
  sleep 0.2
done
[ -n "$sd" ] || { echo "FAIL: systemd did not start"; cat /tmp/systemd.log; exit 1; }
# Everything runs in systemd's pid namespace (PIDs= names pids there) and
# mount namespace (its /run, where the bus sockets are).
in_sd() { nsenter -t "$sd" -p -m -- "$@"; }
for _ in $(seq 1 100); do
  [ "$(in_sd systemctl is-active dbus.service)" = active ] && break
  sleep 0.2
done
echo "systemd $(in_sd systemctl --version | head -n1), pid $sd in the VM"
show() { in_sd systemctl show -p "$2" --value "$1"; }
CR="crate-runtime"
orig=/bundle/config.orig.json
cp /bundle/config.json "$orig"
set_config() { jq "$1" "$orig" >/bundle/config.json; }
limits='.linux.resources.memory = {"limit": 67108864} |
  .linux.resources.pids = {"limit": 32} |
  .linux.resources.cpu = {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0"} |
  .linux.resources.unified = {"memory.oom.group": "1"}'

# The system bus may be up before systemd joins it.
set_config '.process.args = ["true"]'
for _ in $(seq 1 50); do
  out="$(in_sd timeout 60 $CR --systemd-cgroup run -b /bundle probe 2>&1)" && break
  echo "$out"
  case "$out" in *ServiceUnknown* | *NameHasNoOwner*) sleep 0.2 ;; *) break ;; esac
done
expect_eq "first run through the bus" "" "$out"
[ -z "$out" ] || { in_sd cat /run/dbus.log; in_sd systemctl --no-pager show -p ActiveState dbus.service dbus.socket; }

echo "== create/start with limits, slice nesting"
set_config ".process.args = [\"sleep\", \"1000\"] |
  .linux.cgroupsPath = \"machine-crate_pod.slice:crate:c1\" | $limits |
  .annotations[\"org.systemd.property.TimeoutStopSec\"] = \"15\" |
  .annotations[\"org.systemd.property.CollectMode\"] = \"'inactive-or-failed'\""
t0=${EPOCHREALTIME/./}
in_sd $CR --systemd-cgroup create -b /bundle c1 || fail "create c1"
t1=${EPOCHREALTIME/./}
in_sd $CR start c1 || fail "start c1"
unit=crate-c1.scope
dir=/sys/fs/cgroup/machine.slice/machine-crate_pod.slice/$unit
expect_eq "$unit ActiveState" active "$(show $unit ActiveState)"
expect_eq "$unit ControlGroup" /machine.slice/machine-crate_pod.slice/$unit "$(show $unit ControlGroup)"
expect_eq "$unit Slice" machine-crate_pod.slice "$(show $unit Slice)"
expect_eq "$unit Delegate" yes "$(show $unit Delegate)"
expect_eq "$unit MemoryMax" 67108864 "$(show $unit MemoryMax)"
expect_eq "$unit TasksMax" 32 "$(show $unit TasksMax)"
expect_eq "$unit CPUQuotaPerSecUSec" 500ms "$(show $unit CPUQuotaPerSecUSec)"
expect_eq "$unit CPUQuotaPeriodUSec" 100ms "$(show $unit CPUQuotaPeriodUSec)"
expect_eq "$unit CPUWeight" 39 "$(show $unit CPUWeight)"
expect_eq "$unit AllowedCPUs" 0 "$(show $unit AllowedCPUs)"
expect_eq "$unit DevicePolicy" strict "$(show $unit DevicePolicy)"
expect_eq "$unit TimeoutStopUSec (annotation)" 15s "$(show $unit TimeoutStopUSec)"
expect_eq "$unit CollectMode (annotation)" inactive-or-failed "$(show $unit CollectMode)"
expect_contains "$unit DeviceAllow" "/dev/char/1:3 rwm" "$(show $unit DeviceAllow)"
expect_eq "memory.max" 67108864 "$(cat $dir/memory.max)"
expect_eq "pids.max" 32 "$(cat $dir/pids.max)"
expect_eq "cpu.max" "50000 100000" "$(cat $dir/cpu.max)"
expect_eq "cpu.weight" 39 "$(cat $dir/cpu.weight)"
expect_eq "cpuset.cpus" 0 "$(cat $dir/cpuset.cpus)"
expect_eq "memory.oom.group (cgroupfs leftover)" 1 "$(cat $dir/memory.oom.group)"
declare -A crate_files
for f in memory.max pids.max cpu.max cpu.weight cpuset.cpus memory.oom.group; do
  crate_files[$f]="$(cat $dir/$f)"
done
pid="$(in_sd $CR state c1 | jq -r .pid)"
expect_eq "init in the scope" "$pid" "$(in_sd cat $dir/cgroup.procs)"
expect_eq "init's /proc/PID/cgroup" "0::/machine.slice/machine-crate_pod.slice/$unit" \
  "$(in_sd cat /proc/$pid/cgroup)"
state="$(in_sd cat /run/crate-runtime/c1/state.json)"
expect_eq "state records the unit" "$unit" "$(echo "$state" | jq -r .systemdUnit)"
out="$(in_sd $CR exec c1 sh -c 'echo /dev/null works >/dev/null && cat /proc/self/cgroup')"
expect_eq "exec joins the scope" "0::/machine.slice/machine-crate_pod.slice/$unit" "$out"
in_sd $CR exec -d c1 sleep 1000 || fail "exec -d"
expect_eq "ps lists 2 processes" 2 "$(in_sd $CR ps --format json c1 | jq length)"
expect_eq "cgroup.procs has 2" 2 "$(in_sd cat $dir/cgroup.procs | wc -l)"

echo "== update through SetUnitProperties"
in_sd $CR update --memory 134217728 --pids-limit 64 --cpu-quota 25000 c1 || fail "update c1"
expect_eq "$unit MemoryMax after update" 134217728 "$(show $unit MemoryMax)"
expect_eq "$unit TasksMax after update" 64 "$(show $unit TasksMax)"
expect_eq "$unit CPUQuotaPerSecUSec after update" 250ms "$(show $unit CPUQuotaPerSecUSec)"
expect_eq "memory.max after update" 134217728 "$(cat $dir/memory.max)"
expect_eq "pids.max after update" 64 "$(cat $dir/pids.max)"
expect_eq "cpu.max after update" "25000 100000" "$(cat $dir/cpu.max)"

echo "== pause/resume, kill, delete stops the unit"
in_sd $CR pause c1 || fail "pause"
expect_eq "paused" paused "$(in_sd $CR state c1 | jq -r .status)"
in_sd $CR resume c1 || fail "resume"
expect_eq "resumed" running "$(in_sd $CR state c1 | jq -r .status)"
t2=${EPOCHREALTIME/./}
in_sd $CR delete --force c1 || fail "delete c1"
t3=${EPOCHREALTIME/./}
expect_eq "$unit after delete" not-found "$(show $unit LoadState)"
[ ! -d "$dir" ] && echo "ok: $dir removed" || fail "$dir still exists"

echo "== run in the foreground, default cgroupsPath"
set_config '.process.args = ["sh", "-c", "cat /proc/self/cgroup; exit 3"]'
out="$(in_sd $CR --systemd-cgroup run -b /bundle r1)"
code=$?
expect_eq "run output" "0::/system.slice/crate-r1.scope" "$out"
expect_eq "run exit code" 3 "$code"
expect_eq "crate-r1.scope after run" not-found "$(show crate-r1.scope LoadState)"

echo "== errors"
set_config '.process.args = ["sleep", "1000"] | .linux.cgroupsPath = "machine.slice:crate:dup"'
in_sd $CR --systemd-cgroup create -b /bundle d1 || fail "create d1"
out="$(in_sd $CR --systemd-cgroup create -b /bundle d2 2>&1)" && fail "a second crate-dup.scope was made"
expect_contains "duplicate unit: systemd's error" \
  "systemd StartTransientUnit crate-dup.scope: org.freedesktop.systemd1.UnitExists: Unit crate-dup.scope" "$out"
out="$(in_sd $CR state d2 2>&1)" && fail "d2 left behind"
expect_eq "d1 still active" active "$(show crate-dup.scope ActiveState)"
in_sd $CR delete --force d1 || fail "delete d1"
set_config '.linux.cgroupsPath = "/crate/x"'
out="$(in_sd $CR --systemd-cgroup run -b /bundle x 2>&1)" && fail "cgroupfs path accepted"
expect_contains "cgroupfs path refused" 'expected "slice:prefix:name" for systemd cgroups, got "/crate/x"' "$out"
set_config '.linux.cgroupsPath = "machine--x.slice:crate:x"'
out="$(in_sd $CR --systemd-cgroup run -b /bundle x 2>&1)" && fail "bad slice accepted"
expect_contains "bad slice refused" 'invalid slice name "machine--x.slice"' "$out"

echo "== crun --systemd-cgroup on the same configuration"
set_config ".process.args = [\"sleep\", \"1000\"] |
  .linux.cgroupsPath = \"machine-crate_pod.slice:crun:k1\" | $limits"
t4=${EPOCHREALTIME/./}
in_sd crun --systemd-cgroup create -b /bundle k1 || fail "crun create"
t5=${EPOCHREALTIME/./}
in_sd crun start k1 || fail "crun start"
kunit=crun-k1.scope
for p in ActiveState Slice Delegate MemoryMax TasksMax CPUQuotaPerSecUSec CPUWeight AllowedCPUs; do
  echo "crun $kunit $p=$(show $kunit $p)"
done
# crun 1.8.1 moves its init into a "container" cgroup below the scope and
# writes the limits there (the scope's own properties stay unset); crate
# limits the scope itself, as runc does. The kernel's values must agree.
kpid="$(in_sd crun state k1 | jq -r .pid)"
kcg="$(in_sd cat /proc/$kpid/cgroup)"
kdir="/sys/fs/cgroup${kcg#0::}"
echo "crun's init is in ${kcg#0::}"
for f in memory.max pids.max cpu.max cpu.weight cpuset.cpus memory.oom.group; do
  expect_eq "crun's $f as crate's" "${crate_files[$f]}" "$(cat $kdir/$f)"
done
t6=${EPOCHREALTIME/./}
in_sd crun delete -f k1 || fail "crun delete"
t7=${EPOCHREALTIME/./}
expect_eq "crun $kunit after delete" not-found "$(show $kunit LoadState)"
echo "time in the VM (TCG): create crate $(((t1 - t0) / 1000)) ms, crun $(((t5 - t4) / 1000)) ms;" \
  "delete -f crate $(((t3 - t2) / 1000)) ms, crun $(((t7 - t6) / 1000)) ms"

echo "== rootless: the user's own systemd"
# A user manager as user@.service would run it (delegated cgroup, its own
# runtime directory), without PAM; crate-runtime as that user reaches it
# at $XDG_RUNTIME_DIR/systemd/private (no session bus daemon here).
echo 'u1:x:1000:1000::/tmp:/bin/sh' >>/etc/passwd
echo 'u1:x:1000:' >>/etc/group
in_sd mkdir -p /run/user/1000 /etc/systemd/user
in_sd chown 1000:1000 /run/user/1000
in_sd chmod 700 /run/user/1000
printf '[Unit]\nDescription=user default\n' | in_sd tee /etc/systemd/user/default.target >/dev/null
in_sd systemd-run --unit=user-manager-1000 -p DefaultDependencies=no -p KillSignal=SIGKILL -p User=1000 -p Group=1000 -p Delegate=yes \
  -p Environment=XDG_RUNTIME_DIR=/run/user/1000 /lib/systemd/systemd --user ||
  fail "start a user manager"
for _ in $(seq 1 100); do
  in_sd test -S /run/user/1000/systemd/private && break
  sleep 0.2
done
as_u1() {
  in_sd setpriv --reuid 1000 --regid 1000 --clear-groups \
    env XDG_RUNTIME_DIR=/run/user/1000 HOME=/tmp "$@"
}
out="$(as_u1 $CR --systemd-cgroup run -b /ubundle u1 2>&1)"
echo "$out"
ucg="$(show user-manager-1000.service ControlGroup)"
expect_contains "rootless container in the user's scope" \
  "0::$ucg/user.slice/crate-u1.scope" "$out"
expect_contains "rootless limit through TasksMax" "pids.max=10" "$out"
expect_eq "crate-u1.scope gone after run" "" \
  "$(find /sys/fs/cgroup$ucg -name crate-u1.scope)"
in_sd systemctl stop user-manager-1000.service

echo "== without a bus daemon: systemd's own socket"
in_sd systemctl stop dbus.socket dbus.service
set_config ".process.args = [\"sh\", \"-c\", \"cat /sys/fs/cgroup/pids.max 2>/dev/null; cat /proc/self/cgroup\"] |
  .linux.cgroupsPath = \"machine.slice:crate:p1\" | .linux.resources.pids = {\"limit\": 7}"
out="$(in_sd $CR --systemd-cgroup run -b /bundle p1 2>&1)"
expect_eq "run over /run/systemd/private" "0::/machine.slice/crate-p1.scope" "$(echo "$out" | tail -n1)"
expect_eq "crate-p1.scope after run" not-found "$(show crate-p1.scope LoadState)"

echo "== leftovers"
left="$(find /sys/fs/cgroup -name '*.scope' -type d | grep -vx /sys/fs/cgroup/init.scope || true)"
expect_eq "no scope directories left" "" "$left"
if [ "$fails" -gt 0 ]; then
  echo "--- systemd's log"
  cat /tmp/systemd.log
fi
kill -KILL "$sd" 2>/dev/null
echo "$fails failures"
[ "$fails" -eq 0 ]
