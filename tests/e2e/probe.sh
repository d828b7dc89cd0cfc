#!/bin/sh
# Runs inside a container (busybox sh) and prints what the container sees,
# in a form that does not depend on which runtime started it: ids that vary
# per run (mount IDs, device numbers of anonymous file systems, dates) are
# left out, and lists are sorted.
section() { echo "== $1"; }

section ids
id
section hostname
hostname
section domainname
cat /proc/sys/kernel/domainname
section cwd
pwd
section umask
umask
section env
env | grep -vE '^(HOSTNAME|SHLVL|PWD|_)=' | sort
section status
grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status
section rlimits
ulimit -a | sort
section oom_score_adj
cat /proc/self/oom_score_adj
section mounts
# mount point, fs type, per-mount flags, and the super options that carry
# the spec's meaning (mode, size, ptmxmode, gid). Masked paths and the
# cgroup tmpfs are reduced to what they are for, since runtimes mask with
# different but equivalent mounts.
masked=" /proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /sys/firmware /proc/scsi "
awk -v masked="$masked" '{
  for (i = 7; $i != "-"; i++) {}
  fstype = $(i + 1); super = $(i + 3)
  if (index(masked, " " $5 " ")) { print $5, "masked"; next }
  keep = ""
  if ($5 != "/sys/fs/cgroup") {
    n = split(super, opts, ",")
    for (j = 1; j <= n; j++) {
      if (opts[j] ~ /^(mode|size|ptmxmode|gid)=/) keep = keep "," opts[j]
    }
  }
  print $5, fstype, $6, substr(keep, 2)
}' /proc/self/mountinfo | sort
section devices
for d in /dev/* /dev/pts/ptmx; do
  [ "$d" = /dev/core ] && continue  # optional, runtimes differ
  [ -e "$d" ] || [ -L "$d" ] || continue
  if [ -L "$d" ]; then
    echo "$d -> $(readlink "$d")"
  else
    case "$d" in
      # crun hands the container user the stdio it inherits; owners of the
      # default devices are not part of the spec.
      /dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | /dev/tty)
        stat -c '%n %F %a %t:%T' "$d" ;;
      *) stat -c '%n %F %a %u:%g %t:%T' "$d" ;;
    esac
  fi
done | sort
section masked
for p in /proc/acpi /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /sys/firmware /proc/scsi; do
  [ -e "$p" ] || { echo "$p absent"; continue; }
  echo "$p $(stat -c '%F %s' "$p") $(ls -A "$p" 2>/dev/null | wc -l)"
done
section readonly
for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus /sys; do
  if grep -q " $p .*[ ,]ro[ ,]" /proc/self/mountinfo 2>/dev/null || \
     awk -v p="$p" '$5 == p && $6 ~ /(^|,)ro(,|$)/ { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    echo "$p ro"
  else
    echo "$p rw"
  fi
done
section cgroup
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2: the container's own directory, whose path (which differs per
  # runtime) is "/" only in a cgroup namespace.
  dir="/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)"
  for f in memory.max memory.swap.max memory.low pids.max cpu.max cpu.weight cpuset.cpus; do
    [ -r "$dir/$f" ] && echo "$f $(cat "$dir/$f")"
  done
else
  for f in memory/memory.limit_in_bytes pids/pids.max cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us; do
    [ -r "/sys/fs/cgroup/$f" ] && echo "$f $(cat /sys/fs/cgroup/$f)"
  done
fi
true
