#!/bin/bash
# Runs in the VM: crate-runtime's cgroup v2 driver on a pure v2 host, with
# crun on the same bundles as the reference for what the container sees.
set -u
# shellcheck source=guest_lib.sh
source /src/tests/vm/guest_lib.sh
cg=/sys/fs/cgroup
cgns='.linux.namespaces += [{"type": "cgroup"}]'
# What a container sees of its own cgroup, through a cgroup namespace.
show='cat /proc/self/cgroup; cd /sys/fs/cgroup; for f in "$@"; do echo "$f: $(cat $f)"; done'
show_files() { printf '%s; ' "set -- $*"; printf '%s' "$show"; }

# --- memory: limit, swap (memory+swap in the spec), reservation ----------
in_both memory "$cgns | .linux.resources.memory = {limit: 67108864, swap: 134217728, reservation: 33554432}" \
  "$(show_files memory.max memory.swap.max memory.low)"
expect_eq "memory: limits seen inside" "$out" "0::/
memory.max: 67108864
memory.swap.max: 67108864
memory.low: 33554432
== exit 0"

# --- cpu: shares -> weight, quota/period -> cpu.max, cpuset ----------------
in_both cpu "$cgns | .linux.resources.cpu = {shares: 512, quota: 50000, period: 100000, cpus: \"1\", mems: \"0\"}" \
  "$(show_files cpu.weight cpu.max cpuset.cpus cpuset.mems); grep Cpus_allowed_list /proc/self/status"
expect_eq "cpu: weight, max, cpuset" "$out" "0::/
cpu.weight: 20
cpu.max: 50000 100000
cpuset.cpus: 1
cpuset.mems: 0
Cpus_allowed_list:	1
== exit 0"

# --- pids: the limit holds ---------------------------------------------------
in_both pids "$cgns | .linux.resources.pids = {limit: 10}" \
  'read max </sys/fs/cgroup/pids.max; echo "pids.max $max"
   sh -c "for i in \$(seq 20); do sleep 30 & done" 2>/dev/null
   read n </sys/fs/cgroup/pids.current; echo "pids.current $n"
   read _ events </sys/fs/cgroup/pids.events; [ "$events" -gt 0 ] && echo "pids.events: max reached"
   kill -9 -1'
# The init and the inner shell forked 8 sleeps before the 9th fork failed.
expect_eq "pids: the limit holds" "$out" "pids.max 10
pids.current 9
pids.events: max reached
== exit 0"

# --- hugetlb ---------------------------------------------------------------
in_both hugetlb "$cgns | .linux.resources.hugepageLimits = [{pageSize: \"2MB\", limit: 4194304}, {pageSize: \"1GB\", limit: 0}]" \
  "$(show_files hugetlb.2MB.max hugetlb.1GB.max)"
expect_eq "hugetlb: limits" "$out" "0::/
hugetlb.2MB.max: 4194304
hugetlb.1GB.max: 0
== exit 0"

# --- linux.resources.unified -----------------------------------------------
in_both unified "$cgns | .linux.resources.unified = {\"memory.high\": \"50331648\", \"pids.max\": \"77\", \"cpu.weight\": \"300\"}" \
  "$(show_files memory.high pids.max cpu.weight)"
expect_eq "unified: written as given" "$out" "0::/
memory.high: 50331648
pids.max: 77
cpu.weight: 300
== exit 0"

# --- block IO: weight, and limits on a loop device ---------------------------
loop_dev="$(cat /sys/block/loop0/dev)"
in_both blockio "$cgns | .linux.resources.blockIO = {weight: 500, throttleReadBpsDevice: [{major: ${loop_dev%:*}, minor: ${loop_dev#*:}, rate: 1048576}], throttleWriteIOPSDevice: [{major: ${loop_dev%:*}, minor: ${loop_dev#*:}, rate: 100}]}" \
  "$(show_files io.weight io.max)"
expect_eq "blockio: io.weight and io.max" "$out" "0::/
io.weight: default 4950
io.max: $loop_dev rbps=1048576 wbps=max riops=max wiops=100
== exit 0"

# --- devices through eBPF: deny all but the defaults, allow one more --------
devs='.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
# Opened for writing: reading /dev/kmsg would need CAP_SYSLOG as well.
probe_devs='mknod /dev/t-kmsg c 1 11; mknod /dev/t-full c 1 7
for d in /dev/t-kmsg /dev/t-full /dev/null; do
  if err="$( (exec 3>"$d") 2>&1)"; then echo "$d open"; else echo "$d: ${err##*: }"; fi
done'
in_both devices_default "$devs" "$probe_devs"
expect_eq "devices: only the default devices open" "$out" "/dev/t-kmsg: Operation not permitted
/dev/t-full open
/dev/null open
== exit 0"
in_both devices_allow "$devs | .linux.resources.devices += [{allow: true, type: \"c\", major: 1, minor: 11, access: \"w\"}]" "$probe_devs"
expect_eq "devices: an allow rule" "$out" "/dev/t-kmsg open
/dev/t-full open
/dev/null open
== exit 0"
# The last matching rule decides.
in_both devices_deny "$devs | .linux.resources.devices += [{allow: true, type: \"c\", major: 1, access: \"rw\"}, {allow: false, type: \"c\", major: 1, minor: 11, access: \"rw\"}]" "$probe_devs"
expect_eq "devices: a deny after an allow" "$out" "/dev/t-kmsg: Operation not permitted
/dev/t-full open
/dev/null open
== exit 0"

# update replaces the eBPF program: a device denied at create is allowed
# after `update -r` with a rule for it.
dir="$(bundle devupdate "$devs | .linux.cgroupsPath = \"/vmtest/devupdate\"" sh -c 'mknod /dev/t-kmsg c 1 11; sleep 300')"
try_kmsg='if (exec 3>/dev/t-kmsg) 2>/dev/null; then echo open; else echo denied; fi'
for rt in crun crate-runtime; do
  {
    "$rt" run -d --bundle "$dir" "devupdate-$rt" </dev/null || echo "run -d failed"
    wait_for 10 "$rt" exec "devupdate-$rt" test -c /dev/t-kmsg
    echo "before: $("$rt" exec "devupdate-$rt" sh -c "$try_kmsg")"
    echo '{"devices": [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]}' |
      "$rt" update -r - "devupdate-$rt" || echo "update failed"
    echo "after: $("$rt" exec "devupdate-$rt" sh -c "$try_kmsg")"
    "$rt" delete --force "devupdate-$rt"
  } >"$work/devupdate.$rt.out" 2>&1
done
if diff -u --label crun --label crate-runtime "$work/devupdate.crun.out" "$work/devupdate.crate-runtime.out"; then
  ok "devices update: same as crun"
else
  fail "devices update: same as crun" "see the diff above"
fi
expect_eq "devices update: the new rule applies" "$(cat "$work/devupdate.crate-runtime.out")" "before: denied
after: open"

# --- the cgroup namespace: without one, the container's path is visible -----
in_both nocgns '.' 'cat /proc/self/cgroup'
expect_eq "no cgroup namespace: the host path" "$out" "0::/vmtest/nocgns
== exit 0"

# --- the life of a container: ps, pause/resume, update, exec, kill --all,
# delete; what the host sees of its cgroup must be crun's.
lifecycle() {
  local rt="$1" id=life d="$cg/vmtest/life" dir
  dir="$(bundle "life-$rt" '.linux.cgroupsPath = "/vmtest/life" | .linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 100}' \
    sh -c 'sleep 300 & sleep 300 & wait')"
  "$rt" create --bundle "$dir" "$id" && "$rt" start "$id" || echo "create/start failed"
  wait_for 10 [ "$(wc -l <"$d/cgroup.procs")" -ge 3 ]
  echo "procs: $(wc -l <"$d/cgroup.procs")"
  echo "ps: $("$rt" ps --format json "$id" | tr -c '0-9\n' ' ' | wc -w)"
  "$rt" pause "$id" || echo "pause failed"
  echo "paused: $(status "$rt" "$id") freeze=$(cat "$d/cgroup.freeze") $(grep frozen "$d/cgroup.events")"
  "$rt" resume "$id" || echo "resume failed"
  echo "resumed: $(status "$rt" "$id") freeze=$(cat "$d/cgroup.freeze") $(grep frozen "$d/cgroup.events")"
  "$rt" update --memory 104857600 --memory-swap 209715200 --memory-reservation 52428800 \
    --cpu-share 1024 --cpu-quota 20000 --cpu-period 50000 --pids-limit 20 \
    --cpuset-cpus 0 "$id" || echo "update failed"
  local f
  for f in memory.max memory.swap.max memory.low cpu.weight cpu.max pids.max cpuset.cpus; do
    echo "update: $f $(cat "$d/$f")"
  done
  echo '{"memory": {"limit": 83886080}, "unified": {"memory.high": "73400320"}}' |
    "$rt" update -r - "$id" || echo "update -r failed"
  echo "update -r: memory.max $(cat "$d/memory.max") memory.high $(cat "$d/memory.high")"
  "$rt" exec -d "$id" sleep 300 || echo "exec failed"
  wait_for 10 [ "$(wc -l <"$d/cgroup.procs")" -ge 4 ]
  echo "after exec: procs $(wc -l <"$d/cgroup.procs") ps $("$rt" ps --format json "$id" | tr -c '0-9\n' ' ' | wc -w)"
  "$rt" kill --all "$id" KILL || echo "kill --all failed"
  wait_for 10 [ ! -s "$d/cgroup.procs" ]
  wait_for 10 [ "$(status "$rt" "$id")" = stopped ]
  echo "after kill --all: procs $(wc -l <"$d/cgroup.procs") $(status "$rt" "$id")"
  "$rt" delete "$id" || echo "delete failed"
  if [ -d "$d" ]; then echo "after delete: the cgroup remains"; else echo "after delete: the cgroup is gone"; fi
}
lifecycle crun >"$work/life.crun.out" 2>&1
lifecycle crate-runtime >"$work/life.crate-runtime.out" 2>&1
if diff -u --label crun --label crate-runtime "$work/life.crun.out" "$work/life.crate-runtime.out"; then
  ok "life: same as crun"
else
  fail "life: same as crun" "see the diff above"
fi
expect_eq "life: what crate-runtime did" "$(cat "$work/life.crate-runtime.out")" "procs: 3
ps: 3
paused: paused freeze=1 frozen 1
resumed: running freeze=0 frozen 0
update: memory.max 104857600
update: memory.swap.max 104857600
update: memory.low 52428800
update: cpu.weight 39
update: cpu.max 20000 50000
update: pids.max 20
update: cpuset.cpus 0
update -r: memory.max 83886080 memory.high 73400320
after exec: procs 4 ps 4
after kill --all: procs 0 stopped
after delete: the cgroup is gone"

# --- an OOM kill, seen by `events` as runc prints it --------------------------
dir="$(bundle oom '.root.readonly = false | .linux.cgroupsPath = "/vmtest/oom" | .linux.resources.memory = {limit: 33554432, swap: 33554432}' \
  sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 300')"
crate-runtime create --bundle "$dir" oom
# A long interval: the OOM and the end must wake the command by themselves.
crate-runtime events --interval 60s oom >"$work/events.out" 2>&1 &
events_pid=$!
crate-runtime start oom
sleep 0.5
crate-runtime exec oom touch /tmp/go
if wait_for 30 grep -q '"type":"oom"' "$work/events.out"; then
  expect_eq "oom: the event" "$(grep '"type":"oom"' "$work/events.out" | head -n1 | jq -cS .)" '{"id":"oom","type":"oom"}'
else
  fail "oom: the event" "none in: $(cat "$work/events.out")"
fi
expect_match "oom: memory.events" "$(cat "$cg/vmtest/oom/memory.events")" 'oom_kill [1-9]'
stats="$(crate-runtime events --stats oom)"
expect_match "oom: events --stats" "$(echo "$stats" | jq -c '[.type, .data.memory.usage.limit, .data.pids.current > 0]')" '^\["stats",33554432,true\]$'
crate-runtime kill oom KILL
wait_for 10 exited "$events_pid" && ok "oom: events ends when the container stops" ||
  { fail "oom: events ends when the container stops" "still running"; kill "$events_pid"; }
crate-runtime delete --force oom
rm -f /bundle/rootfs/tmp/go
[ ! -d "$cg/vmtest/oom" ] && ok "oom: delete removed the cgroup" || fail "oom: delete removed the cgroup" "still there"

# --- rootless in a delegated subtree, as systemd delegates user@.service:
# the user owns /user-1000 and runs from a leaf below it.
echo 'user:x:1000:1000::/home/user:/bin/sh' >>/etc/passwd
echo 'user:x:1000:' >>/etc/group
mkdir -p /home/user /run/user/1000 "$cg/user-1000/shell"
chown 1000:1000 /home/user /run/user/1000 "$cg/user-1000" \
  "$cg/user-1000/"{cgroup.procs,cgroup.subtree_control,cgroup.threads}
chown -R 1000:1000 "$cg/user-1000/shell"
cp /rootless/config.json "$work/rootless.json"
# shellcheck disable=SC2016 # expanded in the container
rootless_probe='p=$(sed -n "s/^0:://p" /proc/self/cgroup); echo "cgroup $p"
d=/sys/fs/cgroup$p; echo "memory.max $(cat $d/memory.max) pids.max $(cat $d/pids.max)"'
# With a cgroup namespace, cgroup2 is mounted over the /sys bound from the
# host (EBUSY, then a tmpfs in between); without one the mount is refused
# (EPERM) and the host's hierarchy is bound. Either way the container finds
# its limits where /proc/self/cgroup says.
for ns in cgns nocgns; do
  extra='.'
  [ "$ns" = cgns ] && extra='.linux.namespaces += [{type: "cgroup"}]'
  jq --arg script "$rootless_probe" ".linux.cgroupsPath = \"/user-1000/ctr\" | $extra
    | .linux.resources = {memory: {limit: 33554432}, pids: {limit: 20}}
    | .process.args = [\"sh\", \"-c\", \$script]" \
    "$work/rootless.json" >/rootless/config.json
  for rt in crun crate-runtime; do
    (
      echo $BASHPID >"$cg/user-1000/shell/cgroup.procs"
      exec su -s /bin/sh -c "XDG_RUNTIME_DIR=/run/user/1000 $rt --root /run/user/1000/$rt run --bundle /rootless rl; echo == exit \$?" user
    ) >"$work/rootless-$ns.$rt.out" 2>&1
    [ ! -d "$cg/user-1000/ctr" ] || echo "the cgroup remains" >>"$work/rootless-$ns.$rt.out"
  done
  if diff -u --label crun --label crate-runtime "$work/rootless-$ns.crun.out" "$work/rootless-$ns.crate-runtime.out"; then
    ok "rootless $ns: same as crun"
  else
    fail "rootless $ns: same as crun" "see the diff above"
  fi
done
expect_eq "rootless in a cgroup namespace: limits in the delegated cgroup" \
  "$(cat "$work/rootless-cgns.crate-runtime.out")" "cgroup /
memory.max 33554432 pids.max 20
== exit 0"
expect_eq "rootless without one: the host's hierarchy" \
  "$(cat "$work/rootless-nocgns.crate-runtime.out")" "cgroup /user-1000/ctr
memory.max 33554432 pids.max 20
== exit 0"

summary
