#!/usr/bin/env bash
# Boots Debian's cloud kernel in qemu (TCG) on an initramfs made from host
# files and runs one script in it; prints the script's output and exits with
# its status. See README.md beside this file.
#
#   run_in_vm.sh [--add HOSTPATH[:GUESTPATH]]... [--module NAME]...
#                [--env K=V]... [--timeout SECONDS] [--mem MB] [--work DIR]
#                [--keep] [--initramfs-root] -- SCRIPT [ARGS]...
#
# --add copies a file or directory to GUESTPATH (default: the same path),
# with the shared libraries `ldd` names for every ELF file in it. Symlinks
# inside a directory are kept when relative and followed when absolute. busybox provides every command not added; bash is always there.
# --module loads a kernel module (and what it depends on) before SCRIPT.
# SCRIPT runs as root in / with /tmp, /run, cgroup2 (every controller
# enabled in the root's subtree_control) and securityfs mounted. The exit
# status is 124 when the VM did not finish within the timeout (default 300 s)
# and 125 when it could not be started or did not report a status.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CRATE_VM_CACHE:-/var/cache/crate-vm}"

die() {
  echo "run_in_vm: $*" >&2
  exit 125
}

adds=() modules=() envs=() timeout=300 mem=1024 work="" keep=0 initramfs_root=0
while [ $# -gt 0 ]; do
  case "$1" in
    --add) adds+=("$2"); shift ;;
    --module) modules+=("$2"); shift ;;
    --env) envs+=("$2"); shift ;;
    --timeout) timeout="$2"; shift ;;
    --mem) mem="$2"; shift ;;
    --work) work="$2"; shift ;;
    --keep) keep=1 ;;
    --initramfs-root) initramfs_root=1 ;;
    --) shift; break ;;
    *) die "unknown option $1 (see the head of $0)" ;;
  esac
  shift
done
[ $# -ge 1 ] || die "no SCRIPT given (see the head of $0)"
script="$1"
shift
[ -f "$script" ] || die "SCRIPT $script: no such file"

kdir="$cache/kernel"
vmlinuz="$(compgen -G "$kdir/boot/vmlinuz-*" | head -n1 || true)"
[ -n "$vmlinuz" ] ||
  die "no kernel in $kdir/boot; run third_party/install_deps.sh as root to fetch it"
moddir="$(compgen -G "$kdir/lib/modules/*" | head -n1 || true)"
command -v qemu-system-x86_64 >/dev/null ||
  die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
  die "a static busybox is needed (apt-get install busybox-static)"

if [ -z "$work" ]; then
  work="$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/crate-vm.XXXXXX")"
else
  mkdir -p "$work"
fi
qemu_pid=""
cleanup() {
  [ -z "$qemu_pid" ] || kill -KILL "$qemu_pid" 2>/dev/null || true
  [ -z "$qemu_pid" ] || wait "$qemu_pid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "run_in_vm: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The guest's tree, Debian's merged /usr layout so ldd's paths land right.
stage="$work/stage"
rm -rf "$stage"
mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,root,vm,proc,sys,dev,tmp,run,newroot}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$stage/$d"; done

# Copies one file into the stage at a guest path, keeping the directory
# symlinks of the stage (a plain cp would replace /lib with a directory).
put() {
  local src="$1" dst="$2"
  mkdir -p "$(dirname "$stage$dst")"
  cp -L --preserve=mode "$src" "$stage$dst"
}

is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

declare -A have_lib=()
add_libs() {
  local lib
  for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+' || true); do
    [ -z "${have_lib[$lib]:-}" ] || continue
    have_lib[$lib]=1
    [ -e "$lib" ] && put "$lib" "$lib"
  done
}

add() {
  local spec="$1" src dst
  src="${spec%%:*}"
  dst="${spec#*:}"
  [ "$spec" != "$src" ] || dst="$src"
  [ -e "$src" ] || die "--add $spec: $src does not exist"
  case "$dst" in /*) ;; *) die "--add $spec: the guest path must be absolute" ;; esac
  if [ -d "$src" ]; then
    # Relative symlinks stay (a rootfs's busybox applets); absolute ones,
    # like the links of Bazel's runfiles trees, are replaced by what they
    # point to.
    mkdir -p "$(dirname "$stage$dst")"
    cp -a "$(readlink -f "$src")" "$stage$dst"
    local f link round
    for round in 1 2 3 4 5 6 7 8; do
      link=""
      while IFS= read -r -d '' link; do
        f="$(readlink -f "$link")" || die "--add $spec: $link is a broken symlink"
        rm "$link"
        cp -a --dereference "$f" "$link"
      done < <(find "$stage$dst" -type l -lname '/*' -print0)
      [ -n "$link" ] || break
    done
    while IFS= read -r -d '' f; do
      is_elf "$f" && add_libs "$f"
    done < <(find "$stage$dst" -type f -perm -u+x -print0)
  else
    put "$src" "$dst"
    is_elf "$src" && add_libs "$src"
  fi
  return 0
}

add "$(command -v bash):/usr/bin/bash"
for spec in ${adds[@]+"${adds[@]}"}; do add "$spec"; done
put "$busybox" /usr/bin/busybox
for applet in $("$busybox" --list); do
  [ -e "$stage/usr/bin/$applet" ] || [ -e "$stage/usr/sbin/$applet" ] ||
    ln -s busybox "$stage/usr/bin/$applet"
done
cp "$here/guest/init" "$stage/init"
cp "$here/guest/run.sh" "$stage/vm/"
cp "$here/guest/inittab" "$stage/etc/inittab"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
cp "$script" "$stage/vm/script"
chmod 755 "$stage/init" "$stage/vm/"*.sh "$stage/vm/script"
# The guest stays on the initramfs's own rootfs instead of a tmpfs.
[ "$initramfs_root" = 0 ] || : >"$stage/vm/initramfs-root"

# Arguments and environment as shell words, single-quoted.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  for e in ${envs[@]+"${envs[@]}"}; do
    [[ "$e" == *=* ]] || die "--env $e: not K=V"
    echo "export ${e%%=*}=$(quote "${e#*=}")"
  done
  printf 'set --'
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  echo
} >"$stage/vm/args"

# Modules with what they depend on, dependencies first (modules.dep lists
# them last-needed-first).
if [ ${#modules[@]} -gt 0 ]; then
  [ -n "$moddir" ] && [ -f "$moddir/modules.dep" ] ||
    die "no modules.dep under $kdir/lib/modules; run third_party/install_deps.sh"
  declare -A have_mod=()
  : >"$stage/vm/modules"
  add_module() {
    local rel="$1" line deps d
    [ -z "${have_mod[$rel]:-}" ] || return 0
    have_mod[$rel]=1
    line="$(grep -m1 "^$rel:" "$moddir/modules.dep")" || die "module $rel not in modules.dep"
    deps="${line#*:}"
    for d in $deps; do add_module "$d"; done
    put "$moddir/$rel" "/vm/mod/$rel"
    echo "/vm/mod/$rel" >>"$stage/vm/modules"
  }
  for m in "${modules[@]}"; do
    rel="$(grep -oE "^[^:]*/$m\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n1 | tr -d :)"
    if [ -z "$rel" ]; then
      grep -qE "/$m\.ko" "$moddir/modules.builtin" 2>/dev/null && continue
      die "--module $m: no such module in $moddir"
    fi
    add_module "$rel"
  done
fi

(cd "$stage" && find . | cpio -o -H newc --quiet) >"$work/initrd.cpio" ||
  die "cpio of $stage failed"
built=$SECONDS

# TCG, not KVM: nested virtualisation is often missing (a KVM guest hangs
# then), and TCG boots in a few seconds anyway.
console="$work/console.log"
: >"$console"
qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$mem" \
  -display none -monitor none -serial "file:$console" -no-reboot \
  -kernel "$vmlinuz" -initrd "$work/initrd.cpio" \
  -append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init" \
  </dev/null >"$work/qemu.log" 2>&1 &
qemu_pid=$!
deadline=$((SECONDS + timeout))
timed_out=0
while kill -0 "$qemu_pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    timed_out=1
    kill -KILL "$qemu_pid" 2>/dev/null || true
    break
  fi
  sleep 0.2
done
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
echo "run_in_vm: initramfs of $(($(stat -c %s "$work/initrd.cpio") >> 20)) MiB made in $built s, VM ran $((SECONDS - built)) s" >&2

# The serial line adds a carriage return to every line.
tr -d '\r' <"$console" >"$work/console.txt"
status="$(sed -n 's/^@@CRATE_VM_EXIT=\([0-9]*\)@@$/\1/p' "$work/console.txt" | tail -n1)"
# What follows the status is the kernel powering off.
sed '/^@@CRATE_VM_EXIT=[0-9]*@@$/,$d' "$work/console.txt"
if [ "$timed_out" = 1 ]; then
  echo "run_in_vm: the VM did not finish within ${timeout} s; killed" >&2
  exit 124
fi
if [ -z "$status" ]; then
  echo "run_in_vm: the VM stopped without reporting a status (qemu exit $qemu_rc)" >&2
  cat "$work/qemu.log" >&2
  exit 125
fi
exit "$status"
