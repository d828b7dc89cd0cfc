#!/bin/bash
# Runs in the VM, where AppArmor is the running LSM: a profile loaded with
# apparmor_parser confines a container (process.apparmorProfile) and an
# exec'd process (exec --apparmor), under crun and crate-runtime alike.
set -u
# shellcheck source=guest_lib.sh
source /src/tests/vm/guest_lib.sh

# Everything is allowed but writing /mnt/w/denied*.
for name in crate-test crate-test-exec; do
  cat >"$work/$name.profile" <<PROFILE
profile $name flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  mount,
  umount,
  pivot_root,
  signal,
  ptrace,
  unix,
  deny /mnt/w/denied* w,
}
PROFILE
  if out="$(apparmor_parser --skip-cache -r "$work/$name.profile" 2>&1)"; then
    ok "apparmor_parser loads $name"
  else
    fail "apparmor_parser loads $name" "$out"
  fi
done
expect_match "profiles loaded" "$(cat /sys/kernel/security/apparmor/profiles)" 'crate-test \(enforce\)'

tmpfs='.mounts += [{destination: "/mnt/w", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]}]'
probe='cat /proc/self/attr/current
echo ok >/mnt/w/allowed && echo "allowed: written"
echo no >/mnt/w/denied 2>/dev/null && echo "denied: written" || echo "denied: refused"'

in_both profile "$tmpfs | .process.apparmorProfile = \"crate-test\"" "$probe"
expect_eq "process.apparmorProfile confines the container" "$out" "crate-test (enforce)
allowed: written
denied: refused
== exit 0"

in_both unconfined "$tmpfs" "$probe"
expect_eq "without a profile the container is unconfined" "$out" "unconfined
allowed: written
denied: written
== exit 0"

in_both missing "$tmpfs | .process.apparmorProfile = \"crate-no-such-profile\"" 'echo started'
expect_match "a profile that is not loaded fails the start" "$out" '== exit [1-9]'
if grep -q 'crate-no-such-profile' "$work/missing.crate-runtime.err"; then
  ok "the error names the profile"
else
  fail "the error names the profile" "$(cat "$work/missing.crate-runtime.err")"
fi

# As in runc, the profile is set before `create` returns: a missing one
# leaves no container and no cgroup behind.
dir="$(bundle create-missing '.linux.cgroupsPath = "/vmtest/create-missing" | .process.apparmorProfile = "crate-no-such-profile"' true)"
if crate-runtime create --bundle "$dir" create-missing >"$work/create-missing.out" 2>&1; then
  fail "create fails for a profile that is not loaded" "it succeeded"
  crate-runtime delete --force create-missing
else
  ok "create fails for a profile that is not loaded"
fi
if crate-runtime state create-missing >/dev/null 2>&1 || [ -d /sys/fs/cgroup/vmtest/create-missing ]; then
  fail "a failed create leaves nothing" "the container or its cgroup remains"
else
  ok "a failed create leaves nothing"
fi

# exec --apparmor: into an unconfined container and into a confined one.
dir="$(bundle life "$tmpfs | .linux.cgroupsPath = \"/vmtest/life\"" sleep 300)"
for rt in crun crate-runtime; do
  {
    "$rt" run -d --bundle "$dir" "life-$rt" </dev/null || echo "run -d failed"
    echo "exec: $("$rt" exec "life-$rt" cat /proc/self/attr/current)"
    echo "exec --apparmor: $("$rt" exec --apparmor crate-test-exec "life-$rt" cat /proc/self/attr/current)"
    "$rt" exec --apparmor crate-test-exec "life-$rt" sh -c 'echo no >/mnt/w/denied-exec' 2>/dev/null &&
      echo "exec --apparmor: denied write done" || echo "exec --apparmor: denied write refused"
    "$rt" delete --force "life-$rt"
  } >"$work/exec.$rt.out" 2>&1
done
if diff -u --label crun --label crate-runtime "$work/exec.crun.out" "$work/exec.crate-runtime.out"; then
  ok "exec --apparmor: same as crun"
else
  fail "exec --apparmor: same as crun" "see the diff above"
fi
expect_eq "exec --apparmor: the profile applies" "$(cat "$work/exec.crate-runtime.out")" "exec: unconfined
exec --apparmor: crate-test-exec (enforce)
exec --apparmor: denied write refused"

summary
