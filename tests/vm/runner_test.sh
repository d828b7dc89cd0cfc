#!/usr/bin/env bash
# What run_in_vm.sh promises: the script's output and exit status, quoted
# arguments and environment, added binaries with their libraries, modules,
# a tmpfs root that pivot_root works on, cgroup2 with every controller,
# securityfs, and a timeout that kills the VM.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/runner_test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cat >"$work/guest.sh" <<'GUEST'
#!/bin/bash
set -eu
echo "args: $# [$1] [$2]"
echo "env: [$FOO]"
echo "jq: $(echo '{"a":[1,2]}' | jq -c .a)"
echo "data: $(cat /data/dir/file)"
echo "root: $(awk '$2 == "/" { print $3 }' /proc/mounts)"
echo "controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "lsm: $(cat /sys/kernel/security/lsm)"
mkdir -p /tmp/lower /tmp/upper /tmp/work /tmp/merged
echo low >/tmp/lower/f
mount -t overlay overlay -o lowerdir=/tmp/lower,upperdir=/tmp/upper,workdir=/tmp/work /tmp/merged
echo "overlay: $(cat /tmp/merged/f)"
umount /tmp/merged
mkdir -p /tmp/newroot
unshare -m sh -c 'mount -t tmpfs t /tmp/newroot && mkdir /tmp/newroot/old &&
  cd /tmp/newroot && pivot_root . old && echo pivot_root: ok'
exit 7
GUEST
mkdir -p "$work/dir"
echo "from the host" >"$work/dir/file"
set +e
"$here/run_in_vm.sh" --add "$(command -v jq)" --add "$work/dir:/data/dir" \
  --module overlay --env "FOO=it's a test" --timeout 120 \
  -- "$work/guest.sh" "one two" "th'ree" >"$work/out" 2>&1
rc=$?
set -e
cat "$work/out"
[ "$rc" = 7 ] || fail "exit status $rc, not the script's 7"
expect() { grep -qxF "$1" "$work/out" || fail "no line '$1' in the output"; }
expect "args: 2 [one two] [th'ree]"
expect "env: [it's a test]"
expect "jq: [1,2]"
expect "data: from the host"
expect "root: tmpfs"
expect "overlay: low"
expect "pivot_root: ok"
grep -qE '^controllers: .*\bcpu\b.*\bmemory\b.*\bpids\b' "$work/out" ||
  fail "the root cgroup does not delegate cpu, memory and pids"
grep -q '^lsm: .*apparmor' "$work/out" || fail "AppArmor is not among the LSMs"

printf '#!/bin/sh\necho started\nsleep 600\n' >"$work/hang.sh"
start=$SECONDS
set +e
"$here/run_in_vm.sh" --timeout 20 -- "$work/hang.sh" >"$work/hang.out" 2>&1
rc=$?
set -e
[ "$rc" = 124 ] || fail "a hanging script gave $rc, not 124: $(cat "$work/hang.out")"
[ $((SECONDS - start)) -lt 40 ] || fail "the timeout took $((SECONDS - start)) s"
grep -q '^started$' "$work/hang.out" || fail "the output before the timeout is lost"
echo PASS
