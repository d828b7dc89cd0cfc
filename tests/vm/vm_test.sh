#!/usr/bin/env bash
# Host side of a VM test: makes a busybox bundle (/bundle) and a rootless
# one for uid 1000 (/rootless), then runs GUEST_SCRIPT in the VM
# (run_in_vm.sh) with crate-runtime, crun, the tools the guest scripts use,
# and tests/vm and tests/e2e at /src/tests.
#   vm_test.sh [--add SPEC | --module NAME | --initramfs-root]... GUEST_SCRIPT [ARGS]...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runfiles="$(cd "$here/../.." && pwd)"
adds=()
while true; do
  case "${1:-}" in
    --add | --module) adds+=("$1" "$2"); shift 2 ;;
    --initramfs-root) adds+=("$1"); shift ;;
    *) break ;;
  esac
done
guest="${1:?usage: $0 [--add SPEC]... GUEST_SCRIPT [ARGS]...}"
shift
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/vm_test.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$runfiles/tests/fixtures/bundle.sh" "$work/bundle" >/dev/null
# For an unprivileged user 1000 in the guest: its own rootfs, mapped to 0.
"$runfiles/tests/fixtures/bundle.sh" "$work/rootless" --rootless \
  --uid-map 0:1000:1 --gid-map 0:1000:1 >/dev/null
tools=()
for t in crun jq diff unshare nsenter; do
  tools+=(--add "$(command -v "$t")")
done
start=$SECONDS
rc=0
"$here/run_in_vm.sh" --timeout "${VM_TIMEOUT:-240}" --work "$work/vm" \
  --add "${CRATE_RUNTIME:-$runfiles/cli/crate-runtime/crate-runtime}:/usr/bin/crate-runtime" \
  --add "$work/bundle:/bundle" --add "$work/rootless:/rootless" \
  --add "$here:/src/tests/vm" --add "$runfiles/tests/e2e:/src/tests/e2e" \
  "${tools[@]}" ${adds[@]+"${adds[@]}"} \
  -- "$here/$guest" "$@" || rc=$?
echo "vm_test: $guest took $((SECONDS - start)) s in the VM, exit $rc"
exit "$rc"
