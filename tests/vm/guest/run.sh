#!/bin/sh
# Stage two, on the tmpfs root: mount what a host has, run the script, report
# its exit status on the console as @@CRATE_VM_EXIT=N@@ and power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
report() {
  echo "@@CRATE_VM_EXIT=$1@@"
  sync
  poweroff -f
  exit "$1"
}
must() {
  "$@" || { echo "vm: setting up: $* failed"; report 125; }
}
must mount -t proc proc /proc
must mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm /dev/mqueue /dev/hugepages
must mount -t devpts -o ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts
must mount -t tmpfs -o mode=1777 shm /dev/shm
must mount -t mqueue mqueue /dev/mqueue
must mount -t hugetlbfs hugetlbfs /dev/hugepages
chmod 1777 /tmp
# The options systemd mounts cgroup2 with on a pure v2 host.
must mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control ||
    echo "vm: enabling the $c controller failed"
done
must mount -t securityfs securityfs /sys/kernel/security
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
must ip link set lo up
hostname vm
if [ -f /vm/modules ]; then
  while read -r module; do
    must insmod "$module"
  done </vm/modules
fi
cd /
. /vm/args
/vm/script "$@" </dev/null
report $?
