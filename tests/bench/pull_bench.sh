#!/usr/bin/env bash
# Pull + unpack benchmark: a multi-layer image of about 100 MiB (compressed)
# from a local registry, with skopeo copy + umoci unpack, podman pull into a
# fresh store, and crate (the image library's crate-pull, and `crate pull`
# through a crated it starts on demand), in the same run. Run as root:
#   tests/bench/pull_bench.sh [--runs N] [--crate-pull PATH]
# PATH is a program called as `PATH REGISTRY_HOST/bench/big:latest DESTDIR`
# that pulls and unpacks the image into DESTDIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs=3
crate_pull="$repo/bazel-bin/registry/images/crate-pull"
crate_cli="$repo/bazel-bin/cli/crate/crate"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --crate-pull) crate_pull="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--crate-pull PATH]" >&2; exit 2 ;;
  esac
done
for tool in hyperfine skopeo umoci podman python3 docker-registry; do
  command -v "$tool" >/dev/null || { echo "missing $tool (third_party/install_deps.sh)" >&2; exit 1; }
done

# shellcheck source=../fixtures/lib.sh
source "$repo/tests/fixtures/lib.sh"
work="$(mktemp -d /tmp/crate-pull-bench.XXXXXX)"
cleanup() {
  pkill -f "^[^ ]*/crated --run-dir $work/" 2>/dev/null || true
  sleep 0.2
  umount -R "$work/dest/storage" 2>/dev/null || true
  registry_stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

CRATE_FIXTURE_TMPDIR="$work" registry_start >/dev/null
read -r digest size < <(python3 "$here/make_big_image.py" "$work/layout")
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:latest" \
  "docker://$REGISTRY_HOST/bench/big:latest"
image="$REGISTRY_HOST/bench/big:latest"
echo "image $image $digest: $((size >> 20)) MiB compressed in 3 layers" >&2

dest="$work/dest"
# A fresh store for each run; crated (started by `crate pull`) goes first.
prepare="pkill -f '^[^ ]*/crated --run-dir $dest/' ; sleep 0.2; umount -R $dest/storage 2>/dev/null; rm -rf $dest; mkdir -p $dest"
cmds=(
  -n "skopeo copy + umoci unpack"
  "skopeo copy -q --src-tls-verify=false docker://$image oci:$dest/oci:latest && umoci unpack --image $dest/oci:latest $dest/bundle"
  -n "podman pull"
  "podman --root $dest/storage --runroot $dest/run --storage-driver overlay pull -q --tls-verify=false $image"
)
if [ -x "$crate_pull" ]; then
  cmds+=(-n "crate pull" "$crate_pull $image $dest")
else
  echo "note: $crate_pull not built; measuring peers only" >&2
fi
if [ -x "$crate_cli" ]; then
  cmds+=(-n "crate pull (CLI, crated started cold)"
    "env CRATE_HOST=unix://$dest/r/crate.sock CRATE_ROOT=$dest/root CRATE_CRATED_ARGS='--idle-timeout 0' $crate_cli pull -q $image")
fi
hyperfine --runs "$runs" --prepare "$prepare" --export-json "$work/hyperfine.json" "${cmds[@]}" >&2
echo
jq -r '.results | (min_by(.mean).mean) as $best | .[] |
  "\(.command): \((.mean * 100 | round) / 100) s (\((.mean / $best * 100 | round) / 100)x the fastest)"' \
  "$work/hyperfine.json"
