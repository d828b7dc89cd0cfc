#!/usr/bin/env bash
# Runs the same bundles under two OCI runtimes and compares what the
# container sees (tests/e2e/probe.sh): ids, hostname, mounts, capabilities,
# seccomp and no_new_privs, rlimits, cgroup limits, masked and read-only
# paths, devices, and the exit code.
#   runtime_compare.sh REFERENCE CANDIDATE   (e.g. crun /path/to/crate-runtime)
# Needs root. Leaves nothing behind: state, cgroups and temp dirs go in a trap.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
reference="${1:?usage: $0 REFERENCE CANDIDATE}"
candidate="${2:?usage: $0 REFERENCE CANDIDATE}"

work="$(mktemp -d /tmp/crate-compare.XXXXXX)"
containers=()
cleanup() {
  for entry in "${containers[@]}"; do
    rt="${entry%%|*}"; id="${entry#*|}"
    "$rt" --root "$work/state-$(basename "$rt")" delete --force "$id" >/dev/null 2>&1 || true
  done
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# A busybox rootfs with every applet, the probe, and a host dir to bind.
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc,mnt/bind,mnt/tmpfs} "$work/hostdir"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
cp "$here/probe.sh" "$rootfs/probe.sh"
echo "from the host" >"$work/hostdir/file"
: >"$work/empty"
(cd "$work" && crun spec && mv config.json base.json)

# name | jq filter applied to the default config | optional note
cases=(
  'default|.'
  'user|.process.user={"uid":1000,"gid":1000,"additionalGids":[10,20],"umask":63} | .process.cwd="/tmp" | .process.env+=["FOO=bar baz"]'
  'hostname|.hostname="box-one" | .domainname="example.test"'
  'capabilities|.process.capabilities={"bounding":["CAP_CHOWN","CAP_KILL","CAP_SETUID"],"effective":["CAP_CHOWN","CAP_KILL"],"permitted":["CAP_CHOWN","CAP_KILL"],"inheritable":["CAP_KILL"],"ambient":["CAP_KILL"]}'
  'no_new_privileges|.process.noNewPrivileges=true'
  'rlimits|.process.rlimits=[{"type":"RLIMIT_NOFILE","hard":512,"soft":256},{"type":"RLIMIT_NPROC","hard":200,"soft":100},{"type":"RLIMIT_CORE","hard":0,"soft":0}]'
  'readonly_root|.root.readonly=true'
  'mounts|.mounts+=[{"destination":"/mnt/tmpfs","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","mode=1777","size=65536k"]},{"destination":"/mnt/bind","type":"bind","source":"HOSTDIR","options":["rbind","ro"]}]'
  'devices|.linux.devices=[{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0}]'
  'seccomp|.linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdirat","mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
  'resources|.linux.resources={"memory":{"limit":67108864},"pids":{"limit":50},"cpu":{"shares":512,"quota":50000,"period":100000}}'
  'exit_code|.process.args=["/bin/sh","-c","exit 42"]'
)

# The hybrid cgroup quirk: crun refuses a hybrid host unless the hybrid's
# cgroup2 controllers are hidden. Every runtime runs in that same view. A
# pure v1 or v2 host needs nothing.
run_in_view() {
  if [ ! -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
    "$@"
    return
  fi
  unshare --mount --propagation private bash -c \
    'mount --bind "$1" /sys/fs/cgroup/unified/cgroup.controllers && shift && exec "$@"' \
    _ "$work/empty" "$@"
}

failed=0
for entry in "${cases[@]}"; do
  name="${entry%%|*}"; filter="${entry#*|}"
  filter="${filter//HOSTDIR/$work/hostdir}"
  for rt in "$reference" "$candidate"; do
    rtname="$(basename "$rt")"
    bundle="$work/bundle-$name-$rtname"
    mkdir -p "$bundle"
    jq --arg rootfs "$rootfs" --arg cg "/crate-compare-$name-$rtname-$$" \
      "(.process.args=[\"/bin/sh\",\"/probe.sh\"] | .process.terminal=false
        | .root.path=\$rootfs | .root.readonly=false | .linux.cgroupsPath=\$cg) | $filter" \
      "$work/base.json" >"$bundle/config.json"
    id="cmp-$name-$rtname-$$"
    containers+=("$rt|$id")
    set +e
    run_in_view "$rt" --root "$work/state-$rtname" run --bundle "$bundle" "$id" \
      >"$work/$name.$rtname.out" 2>"$work/$name.$rtname.err" </dev/null
    echo "== exit $?" >>"$work/$name.$rtname.out"
    set -e
  done
  ref_out="$work/$name.$(basename "$reference").out"
  cand_out="$work/$name.$(basename "$candidate").out"
  # A reference that could not run the probe proves nothing.
  if [ "$name" != exit_code ] && ! grep -q '^== cgroup' "$ref_out"; then
    echo "FAIL $name: the reference $(basename "$reference") did not run the probe"
    cat "$ref_out" "$work/$name.$(basename "$reference").err"
    failed=$((failed + 1))
    continue
  fi
  if diff -u --label "$(basename "$reference")" --label "$(basename "$candidate")" \
      "$ref_out" "$cand_out" >"$work/$name.diff"; then
    echo "ok   $name"
  else
    echo "FAIL $name: the container saw something else"
    cat "$work/$name.diff"
    for rt in "$reference" "$candidate"; do
      [ -s "$work/$name.$(basename "$rt").err" ] && { echo "-- $(basename "$rt") stderr:"; cat "$work/$name.$(basename "$rt").err"; }
    done
    failed=$((failed + 1))
  fi
done
echo "$(( ${#cases[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
