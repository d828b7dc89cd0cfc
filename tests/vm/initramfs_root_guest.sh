#!/bin/bash
# Runs on the initramfs's own rootfs (run_in_vm.sh --initramfs-root), as a
# host booted without switching root does. pivot_root(2) can never leave
# that rootfs (EINVAL), so crate-runtime moves the container's rootfs over
# / and chroots into it, as crun and runc do only when given --no-pivot.
set -u
# shellcheck source=guest_lib.sh
source /src/tests/vm/guest_lib.sh

expect_match "/ is the initial rootfs" "$(grep -E '^[0-9]+ [0-9]+ [0-9:]+ / / ' /proc/self/mountinfo)" ' - rootfs '

# Mount points with their types and propagation (mountinfo's optional
# fields, before " - ").
probe='echo $(ls /); id -u; echo "pid $$"
awk "{o=\"\"; for (i = 7; \$i != \"-\"; i++) o = o \" \" \$i; print \$5, \$(i+1), o}" /proc/self/mountinfo'
dir="$(bundle initramfs '.linux.cgroupsPath = "/vmtest/initramfs"' sh -c "$probe")"
rc=0
crun run --no-pivot --bundle "$dir" crun-ctr >"$work/crun.out" 2>&1 || rc=$?
expect_eq "crun --no-pivot runs" "$rc" 0
rc=0
crate-runtime run --bundle "$dir" crate-ctr >"$work/crate.out" 2>"$work/crate.err" || rc=$?
expect_eq "crate-runtime runs without --no-pivot" "$rc" 0
# crun binds the host's /dev/null (devtmpfs) over masked files; crate, as
# runc, the container's own (on the /dev tmpfs). Both are the null device.
sed -E 's#^(/proc/[a-z_]+) devtmpfs #\1 tmpfs #' "$work/crun.out" >"$work/crun.norm"
if diff -u --label "crun --no-pivot" --label crate-runtime "$work/crun.norm" "$work/crate.out" >"$work/diff"; then
  ok "the container sees what crun --no-pivot shows"
else
  fail "the container sees what crun --no-pivot shows" "$(cat "$work/diff" "$work/crate.err")"
fi
expect_eq "the rootfs is the container's /" "$(head -n 3 "$work/crate.out" | tr '\n' ' ')" \
  "$(echo $(ls /bundle/rootfs)) 0 pid 1 "
rc=0
crate-runtime run --no-pivot --bundle "$dir" crate-ctr2 >"$work/crate2.out" 2>&1 || rc=$?
expect_eq "crate-runtime --no-pivot runs" "$rc" 0
expect_eq "--no-pivot shows the same" "$(cat "$work/crate2.out")" "$(cat "$work/crate.out")"
expect_eq "no container is left" "$(crate-runtime list -q)" ""
[ ! -d /sys/fs/cgroup/vmtest/initramfs ] && ok "no cgroup is left" ||
  fail "no cgroup is left" "/sys/fs/cgroup/vmtest/initramfs exists"
summary
