#!/usr/bin/env bash
# The service through its API, from a Python gRPC client (Debian's grpcio),
# against a private crated, with podman measured in the same run:
#   * create + start + wait + remove of busybox `true`: p50 and p90 over N
#     runs, against `podman run --rm --network=none` (runc: see DESIGN's
#     quirks);
#   * List(all) with 100, 500 and 1000 containers (created, each with its
#     shim): median of 10 calls each, to see the cost grow linearly;
#   * 32 runs at once (32 clients) against 32 runs one after the other.
# Run as root after `bazel build //...`:
#   tests/bench/api_bench.sh [--runs N] [--containers N]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs=30
containers=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --containers) containers="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--containers N]" >&2; exit 2 ;;
  esac
done
crate="$repo/bazel-bin/cli/crate/crate"
crated="$repo/bazel-bin/cli/crated/crated"
[ -x "$crated" ] && [ -x "$crate" ] || { echo "build first: bazel build //..." >&2; exit 1; }
work="$(mktemp -d /tmp/cab.XXXXXX)"
chmod 755 "$work"
export CRATE_HOST="unix://$work/r/crate.sock" CRATE_ROOT="$work/root"
export CRATE_CRATED_ARGS="--idle-timeout 0"
podman_() {
  podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay \
    --cgroup-manager cgroupfs --events-backend file --runtime runc "$@"
}
cleanup() {
  for id in $("$crate" ps -aq --no-trunc 2>/dev/null); do "$crate" rm -f "$id" >/dev/null 2>&1 || true; done
  pkill -f "^[^ ]*/crated --run-dir $work" 2>/dev/null || true
  sleep 0.3
  pkill -9 -f "crate-shim .*$work/" 2>/dev/null || true
  podman_ rm -af >/dev/null 2>&1 || true
  podman_ rmi -af >/dev/null 2>&1 || true
  { grep -o " $work[^ ]*" /proc/self/mountinfo || true; } | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
"$repo/tests/fixtures/busybox_archive.sh" "$work/busybox.tar"
"$crate" load -q -i "$work/busybox.tar"
podman_ load -q -i "oci-archive:$work/busybox.tar" >/dev/null 2>&1 ||
  podman_ load -q -i "$work/busybox.tar" >/dev/null
mkdir -p "$work/py"
protoc -I"$repo" --python_out="$work/py" --grpc_python_out="$work/py" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  "$repo"/api/proto/crate/v1/containers.proto

PYTHONPATH="$work/py" /usr/bin/python3 "$here/api_bench.py" "${CRATE_HOST#unix://}" \
  "$runs" "$containers" "$work"
