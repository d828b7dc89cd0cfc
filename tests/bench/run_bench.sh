#!/usr/bin/env bash
# `crate run --rm --network none busybox true` (create, start, wait,
# remove through crated and a shim) against `podman run --rm
# --network=none` of the same image, in the same run: crate with crated
# warm, and cold (crated not running, so started on demand by the run).
# Run as root after `bazel build //...`:
#   tests/bench/run_bench.sh [--runs N]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs=20
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N]" >&2; exit 2 ;;
  esac
done
crate="$repo/bazel-bin/cli/crate/crate"
for tool in hyperfine podman runc; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
work="$(mktemp -d /tmp/crate-run-bench.XXXXXX)"
export CRATE_HOST="unix://$work/run/crate.sock" CRATE_ROOT="$work/root"
export CRATE_CRATED_ARGS="--idle-timeout 600"
podman_() {
  # runc: crun refuses this host's cgroup hybrid (see DESIGN's quirks).
  podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay \
    --cgroup-manager cgroupfs --events-backend file --runtime runc "$@"
}
cleanup() {
  # crated must be gone before its directories are removed under it.
  pkill -9 -f "^[^ ]*/crated --run-dir $work" 2>/dev/null || true
  for _ in $(seq 50); do
    pgrep -f "^[^ ]*/crated --run-dir $work" >/dev/null || break
    sleep 0.1
  done
  podman_ rm -af >/dev/null 2>&1 || true
  podman_ rmi -af >/dev/null 2>&1 || true
  sleep 0.5
  { grep -o " $work[^ ]*" /proc/self/mountinfo || true; } | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
"$repo/tests/fixtures/busybox_archive.sh" "$work/busybox.tar"
"$crate" load -q -i "$work/busybox.tar"
podman_ load -q -i "oci-archive:$work/busybox.tar" >/dev/null 2>&1 ||
  podman_ load -q -i "$work/busybox.tar" >/dev/null
limits=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/warm.json" \
  "$crate run --rm --network none busybox true" \
  "podman --root $work/podman --runroot $work/podman-run --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --runtime runc run --rm --network none ${limits[*]} busybox true" \
  >/dev/null
hyperfine --runs "$runs" --export-json "$work/cold.json" \
  --prepare "pkill -f '^[^ ]*/crated --run-dir $work' || true; sleep 0.2" \
  "$crate run --rm --network none busybox true" >/dev/null
jq -r '.results[] | "\(.command | split(" ")[0] | split("/")[-1]) warm: median \(.median * 1000 | floor) ms (min \(.min * 1000 | floor), max \(.max * 1000 | floor))"' "$work/warm.json"
jq -r '.results[] | "crate cold (crated started by the run): median \(.median * 1000 | floor) ms (min \(.min * 1000 | floor), max \(.max * 1000 | floor))"' "$work/cold.json"
jq -r '[.results[].median] | "crate warm / podman: \(.[0] / .[1] * 100 | floor / 100)x"' "$work/warm.json"
