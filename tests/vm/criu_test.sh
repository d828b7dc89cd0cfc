#!/usr/bin/env bash
# Host side of criu_guest.sh: vm_test.sh with criu and what it runs (GNU
# tar and gzip for tmpfs contents) and the kernel modules criu probes
# (socket diag, nf_tables for its network lock, conntrack netlink for a
# network namespace's dump).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runfiles="$(cd "$here/../.." && pwd)"
criu="$(PATH="$PATH:/usr/sbin:/sbin" command -v criu || true)"
if [ -z "$criu" ]; then
  echo "criu is needed (third_party/debian-packages.txt)" >&2
  exit 1
fi
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/criu_test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$runfiles/tests/fixtures/bundle.sh" "$work/bundle" >/dev/null
# Debian's iptables is nft-backed; criu's own nftables lock needs no tools.
echo "network-lock nftables" >"$work/criu.conf"
args=()
for m in nf_tables nf_conntrack_netlink unix_diag inet_diag tcp_diag udp_diag \
  netlink_diag af_packet_diag; do
  args+=(--module "$m")
done
for t in jq tar gzip; do
  args+=(--add "$(command -v "$t"):/usr/local/bin/$t")
done
start=$SECONDS
rc=0
"$here/run_in_vm.sh" --timeout "${VM_TIMEOUT:-240}" --work "$work/vm" \
  --env PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --add "${CRATE_RUNTIME:-$runfiles/cli/crate-runtime/crate-runtime}:/usr/bin/crate-runtime" \
  --add "$criu:/usr/sbin/criu" --add "$work/criu.conf:/etc/criu/default.conf" \
  --add "$work/bundle:/bundle" --add "$here:/src/tests/vm" \
  "${args[@]}" -- "$here/criu_guest.sh" || rc=$?
echo "criu_test: took $((SECONDS - start)) s in the VM, exit $rc"
exit "$rc"
