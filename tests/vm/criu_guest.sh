#!/bin/bash
# Runs in the VM (criu_test.sh): crate-runtime checkpoint and restore with
# criu. A busybox container counts into its stdout (a pipe) and a tmpfs;
# it is checkpointed (then stopped), restored (it counts on from where it
# was, as pid 1 of its pid namespace, in its cgroup), checkpointed with
# --leave-running, pre-dumped and dumped on the pre-dump; a failed restore
# must leave nothing behind; a terminal container comes back on a new pty.
set -u
# shellcheck source=guest_lib.sh
source /src/tests/vm/guest_lib.sh
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
cr() { crate-runtime --root /run/crate-criu "$@"; }
CR=cr
id=count1
count='i=0; while :; do i=$((i+1)); echo $i > /tmp/count; echo $i; sleep 0.2; done'
# With bind mounts of a host directory and file (external mounts to criu),
# as podman gives them. Not a network namespace joined by path: criu
# 3.17's nftables lock names its table after the dumped pid, so the
# restore cannot remove it (see cli/crate-runtime/README.md).
mkdir -p "$work/data"
echo from-host >"$work/data/file"
echo "127.0.0.1 counter" >"$work/hosts"
b="$(bundle counter "$(printf '%s' \
  '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"},' \
  "{destination: \"/data\", type: \"bind\", source: \"$work/data\", options: [\"rbind\"]}," \
  "{destination: \"/etc/hosts\", type: \"bind\", source: \"$work/hosts\", options: [\"bind\"]}]")" \
  sh -c "$count")"

pid_of() { $CR state "$1" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
# Waits until FILE's last line is at least N.
wait_count() {
  local i
  for i in $(seq 100); do
    [ "$(tail -n1 "$1" 2>/dev/null || echo 0)" -ge "$2" ] 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# stdio are pipes, as a container monitor gives them (a host file is
# outside the container's mounts, which criu refuses): criu records them and the restored init inherits the restoring process's.
$CR run -d --bundle "$b" "$id" </dev/null > >(cat >"$work/out1") 2> >(cat >"$work/err1")
expect_eq "run: exit" "$?" 0
wait_count "$work/out1" 3 || fail "run: counts" "$(cat "$work/out1" "$work/err1")"
pid1="$(pid_of "$id")"
expect_eq "run: pid 1 in its pid namespace" "$(awk '/^NSpid/ {print $NF}' /proc/"$pid1"/status)" 1

$CR checkpoint --image-path "$work/cp" --work-path "$work/cpw" "$id" 2>"$work/err"
rc=$?
expect_eq "checkpoint: exit" "$rc" 0
[ "$rc" = 0 ] || cat "$work/err"
expect_eq "checkpoint: container stopped" "$(status "$CR" "$id")" stopped
[ -d /proc/"$pid1" ] && fail "checkpoint: init gone" "pid $pid1 still there" || ok "checkpoint: init gone"
expect_match "checkpoint: stdin (the caller's /dev/null) is an external file" "$(cat "$work/cp/stdio-files.json")" '^\["file\[[0-9a-f]+:[0-9a-f]+\]","",""\]$'
expect_match "checkpoint: descriptors.json records the pipes" "$(cat "$work/cp/descriptors.json")" '^\["/dev/null","pipe:\[[0-9]+\]","pipe:\[[0-9]+\]"\]$'
sleep 0.3
n="$(tail -n1 "$work/out1")"

$CR restore -d --image-path "$work/cp" --work-path "$work/rsw" --bundle "$b" \
  --pid-file "$work/pidfile" "$id" </dev/null > >(cat >"$work/out2") 2> >(cat >"$work/err2")
rc=$?
expect_eq "restore: exit" "$rc" 0
[ "$rc" = 0 ] || cat "$work/err2"
pid2="$(pid_of "$id")"
expect_eq "restore: running" "$(status "$CR" "$id")" running
expect_eq "restore: pid file" "$(cat "$work/pidfile" 2>/dev/null)" "$pid2"
expect_eq "restore: still pid 1 in its pid namespace" "$(awk '/^NSpid/ {print $NF}' /proc/"$pid2"/status 2>/dev/null)" 1
expect_eq "restore: in its cgroup" "$(cat /proc/"$pid2"/cgroup 2>/dev/null)" "0::/$id"
wait_count "$work/out2" $((n + 2)) || fail "restore: counts on" "$(cat "$work/out2" "$work/err2")"
expect_eq "restore: counts on from the checkpoint" "$(head -n1 "$work/out2")" $((n + 1))
expect_match "restore: tmpfs content restored" "$(cat /proc/"$pid2"/root/tmp/count)" '^[0-9]+$'
expect_eq "restore: bind mounts back" "$(cat /proc/"$pid2"/root/data/file /proc/"$pid2"/root/etc/hosts)" "from-host
127.0.0.1 counter"

$CR checkpoint --leave-running --image-path "$work/cp2" "$id" 2>"$work/err"
rc=$?
expect_eq "checkpoint --leave-running: exit" "$rc" 0
[ "$rc" = 0 ] || cat "$work/err"
expect_eq "checkpoint --leave-running: still running" "$(status "$CR" "$id")" running
expect_eq "checkpoint --leave-running: same init" "$(pid_of "$id")" "$pid2"
m="$(tail -n1 "$work/out2")"
wait_count "$work/out2" $((m + 2)) && ok "checkpoint --leave-running: counts on" ||
  fail "checkpoint --leave-running: counts on" "stuck at $(tail -n1 "$work/out2")"

# Iterative: a pre-dump (memory only, keeps running), then the dump with
# the pre-dump as parent, then a restore from the two.
$CR checkpoint --pre-dump --image-path "$work/pre" "$id" 2>"$work/err"
rc=$?
expect_eq "pre-dump: exit" "$rc" 0
[ "$rc" = 0 ] || cat "$work/err"
expect_eq "pre-dump: still running" "$(status "$CR" "$id")" running
$CR checkpoint --image-path "$work/cp4" --parent-path ../pre "$id" 2>"$work/err"
rc=$?
expect_eq "dump on a pre-dump: exit" "$rc" 0
[ "$rc" = 0 ] || cat "$work/err"
expect_eq "dump on a pre-dump: stopped" "$(status "$CR" "$id")" stopped
sleep 0.3
n="$(tail -n1 "$work/out2")"
$CR restore -d --image-path "$work/cp4" --bundle "$b" "$id" </dev/null > >(cat >"$work/out3") 2> >(cat >"$work/err3")
rc=$?
expect_eq "restore of a pre-dumped checkpoint: exit" "$rc" 0
[ "$rc" = 0 ] || cat "$work/err3"
wait_count "$work/out3" $((n + 2)) || fail "restore of a pre-dumped checkpoint: counts on" "$(cat "$work/out3" "$work/err3")"
expect_eq "restore of a pre-dumped checkpoint: counts on" "$(head -n1 "$work/out3")" $((n + 1))

$CR restore -d --image-path "$work/cp2" --bundle "$b" "$id" </dev/null >/dev/null 2>"$work/err"
expect_eq "restore over a running container: refused" "$?" 1
expect_match "restore over a running container: says so" "$(cat "$work/err")" 'exists and is running'

$CR delete --force "$id"
expect_eq "delete: exit" "$?" 0

# A restore criu fails: images of a container whose pipes no longer exist
# are fine, but an image directory without images is not.
mkdir -p "$work/bogus"
cp "$work/cp/descriptors.json" "$work/bogus/"
$CR restore -d --image-path "$work/bogus" --bundle "$b" "$id" </dev/null >/dev/null 2>"$work/err"
expect_eq "failed restore: exit" "$?" 1
expect_match "failed restore: quotes criu's log" "$(cat "$work/err")" 'restore\.log'
$CR state "$id" >/dev/null 2>&1 && fail "failed restore: no state" "$id exists" || ok "failed restore: no state"
[ -e "/sys/fs/cgroup/$id" ] && fail "failed restore: no cgroup" "/sys/fs/cgroup/$id exists" || ok "failed restore: no cgroup"
grep -q criu-root /proc/self/mountinfo && fail "failed restore: no mount" "criu-root still mounted" || ok "failed restore: no mount"

$CR checkpoint --image-path "$work/cp3" "$id" 2>"$work/err"
expect_eq "checkpoint of no container: exit" "$?" 1

expect_eq "restore: nothing on stderr" "$(cat "$work/err2")" ""
# A terminal: the init's pty is dumped as an external tty (tty.info); the
# restore gives it a new pty whose master goes to the console socket, here
# the foreground restore's own, which relays it to stdout.
id=tty1
b="$(bundle tty '.process.terminal = true' sh -c 'i=0; while :; do i=$((i+1)); echo "n=$i t=$([ -t 0 ] && echo y)"; sleep 0.2; done')"
$CR run --bundle "$b" "$id" < <(sleep 100000) > >(cat >"$work/t1") 2>&1 &
fg=$!
for i in $(seq 100); do grep -q '^n=3 ' "$work/t1" 2>/dev/null && break; sleep 0.1; done
$CR checkpoint --image-path "$work/tcp" "$id" 2>"$work/err"
rc=$?
expect_eq "terminal: checkpoint exit" "$rc" 0
[ "$rc" = 0 ] || cat "$work/err"
expect_match "terminal: tty.info" "$(cat "$work/tcp/tty.info" 2>/dev/null)" '^tty\[[0-9a-f]+:[0-9a-f]+\]$'
wait "$fg"
n="$(tail -n1 "$work/t1" | sed -n 's/^n=\([0-9]*\) .*/\1/p')"
$CR restore -d --image-path "$work/tcp" --bundle "$b" "$id" </dev/null >/dev/null 2>"$work/err"
expect_eq "terminal: restore -d without a console: refused" "$?" 1
expect_match "terminal: says what is missing" "$(cat "$work/err")" 'console-socket'
$CR restore --image-path "$work/tcp" --bundle "$b" "$id" < <(sleep 100000) > >(cat >"$work/t2") 2>&1 &
fg=$!
for i in $(seq 100); do [ "$(wc -l <"$work/t2" 2>/dev/null)" -ge 2 ] 2>/dev/null && break; sleep 0.1; done
expect_eq "terminal: counts on through the new pty" "$(head -n1 "$work/t2" | tr -d '\r')" "n=$((n + 1)) t=y"
expect_eq "terminal: running" "$(status "$CR" "$id")" running
$CR kill "$id" KILL
wait "$fg"
expect_eq "terminal: foreground restore deletes on exit" "$($CR state "$id" >/dev/null 2>&1; echo $?)" 1

summary
