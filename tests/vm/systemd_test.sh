#!/usr/bin/env bash
# crate-runtime --systemd-cgroup against a real systemd: in the VM (pure
# cgroup v2), systemd 252 runs as PID 1 of its own pid namespace with a
# minimal unit set and a D-Bus system bus, and the guest script
# (systemd_guest.sh) runs containers through it, with crun --systemd-cgroup
# on the same bundle as the reference.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CR="$here/../../cli/crate-runtime/crate-runtime"
[ -x "$CR" ] || CR="${TEST_SRCDIR:-}/crate/cli/crate-runtime/crate-runtime"
[ -x "$CR" ] || { echo "crate-runtime not found" >&2; exit 1; }
for f in /lib/systemd/systemd /usr/bin/systemctl /usr/bin/dbus-daemon \
  /usr/bin/crun /usr/bin/jq /usr/bin/unshare /usr/bin/nsenter; do
  [ -x "$f" ] || { echo "$f is needed (third_party/debian-packages.txt)" >&2; exit 1; }
done
libsystemd="$(/sbin/ldconfig -p | awk '/libsystemd\.so\.0 / && !found { print $NF; found = 1 }')"
[ -n "$libsystemd" ] || { echo "libsystemd.so.0 is needed (libsystemd0)" >&2; exit 1; }

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/systemd_test.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# On a host without systemd (this test's build machines): a clear refusal
# that names the bus, before any container exists.
if [ ! -d /run/systemd/system ]; then
  h="$work/host"
  mkdir -p "$h/rootfs/bin"
  cp "$(command -v busybox)" "$h/rootfs/bin/busybox"
  ln -sf busybox "$h/rootfs/bin/true"
  (cd "$h" && "$CR" spec)
  jq '.process.terminal = false | .process.args = ["true"]' "$h/config.json" >"$h/c" &&
    mv "$h/c" "$h/config.json"
  set +e
  out="$("$CR" --root "$work/root" --systemd-cgroup run -b "$h" nosd 2>&1)"
  code=$?
  set -e
  case "$out" in
    *"--systemd-cgroup: cannot reach the system's systemd: connect to unix:path=/run/dbus/system_bus_socket"*) ;;
    *) echo "FAIL: refusal without systemd: got [$out]" >&2; exit 1 ;;
  esac
  [ "$code" -ne 0 ] || { echo "FAIL: run without systemd succeeded" >&2; exit 1; }
  [ -z "$(ls -A -I @seccomp-cache "$work/root" 2>/dev/null)" ] ||
    { echo "FAIL: a refused run left $(ls "$work/root")" >&2; exit 1; }
  echo "ok: without systemd: $out"
fi

# libsystemd is loaded only by --systemd-cgroup: a plain run maps libc and
# libm, nothing more.
if [ ! -d /run/systemd/system ]; then
  loaded="$(LD_DEBUG=files "$CR" --root "$work/root" run -b "$h" plain 2>&1 |
    grep -oE 'file=[^ ]+' | sort -u | tr '\n' ' ')"
  [ "$loaded" = "file=libc.so.6 file=libm.so.6 " ] ||
    { echo "FAIL: a plain run loaded [$loaded]" >&2; exit 1; }
  echo "ok: a plain run loads only: $loaded"
fi

# The bundle: a busybox root file system and crate-runtime's default spec.
b="$work/bundle"
mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys"
cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
for t in sh cat sleep true echo cut; do ln -sf busybox "$b/rootfs/bin/$t"; done
(cd "$b" && "$CR" spec)
jq '.process.terminal = false' "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"

# A rootless bundle for uid 1000 (the VM's test user).
ub="$work/ubundle"
mkdir -p "$ub"
cp -a "$b/rootfs" "$ub/rootfs"
(cd "$ub" && "$CR" spec --rootless)
jq '.process.terminal = false |
  .process.args = ["sh", "-c", "cat /proc/self/cgroup; echo pids.max=$(cat /sys/fs/cgroup/$(cut -d: -f3 /proc/self/cgroup)/pids.max)"] |
  .linux.uidMappings[0].hostID = 1000 | .linux.gidMappings[0].hostID = 1000 |
  .linux.resources = {"pids": {"limit": 10}}' "$ub/config.json" >"$ub/c" &&
  mv "$ub/c" "$ub/config.json"

# The units: an empty default target that pulls in a bus daemon. systemd
# joins the system bus once both dbus.socket and dbus.service run, as on a
# Debian host (the daemon takes its socket from systemd).
u="$work/units"
mkdir -p "$u"
cat >"$u/default.target" <<'UNIT'
[Unit]
Description=crate test system
Wants=dbus.socket dbus.service
After=dbus.socket dbus.service
UNIT
cat >"$u/dbus.socket" <<'UNIT'
[Unit]
Description=D-Bus system bus socket
DefaultDependencies=no
[Socket]
ListenStream=/run/dbus/system_bus_socket
UNIT
cat >"$u/dbus.service" <<'UNIT'
[Unit]
Description=D-Bus system bus
DefaultDependencies=no
Requires=dbus.socket
[Service]
Type=notify
StandardOutput=file:/run/dbus.log
StandardError=inherit
ExecStart=/usr/bin/dbus-daemon --config-file=/etc/crate-dbus.conf --nofork --nopidfile
UNIT
cat >"$work/dbus.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>systemd:</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
CONF

"$here/run_in_vm.sh" --timeout 280 --mem 1024 \
  --add "$CR:/usr/bin/crate-runtime" \
  --add "$libsystemd:/usr/lib/x86_64-linux-gnu/libsystemd.so.0" \
  --add /lib/systemd/systemd --add /usr/bin/systemctl \
  --add /usr/bin/dbus-daemon --add "$work/dbus.conf:/etc/crate-dbus.conf" \
  --add /usr/bin/crun --add /usr/bin/jq \
  --add /usr/bin/unshare --add /usr/bin/nsenter \
  --add /usr/bin/systemd-run --add /usr/bin/setpriv \
  --add "$u:/vm-units" --add "$b:/bundle" --add "$ub:/ubundle" \
  -- "$here/systemd_guest.sh"
