#!/usr/bin/env bash
# Start-up benchmark of OCI runtimes: N sequential `run` of a busybox
# /bin/true bundle with crate-runtime, crun and runc in the same run, plus the
# peak RSS of each, then `exec /bin/true` into a running container of each.
# Run as root:
#   tests/bench/runtime_bench.sh [--runs N] [--crate PATH]
# Results are ratios measured together; absolute times drift on this class
# of machine, so never compare across runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs=100
crate="$repo/bazel-bin/cli/crate-runtime/crate-runtime"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --crate) crate="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--crate PATH]" >&2; exit 2 ;;
  esac
done

for tool in hyperfine crun runc jq busybox; do
  command -v "$tool" >/dev/null || { echo "missing $tool (third_party/install_deps.sh)" >&2; exit 1; }
done

work="$(mktemp -d /tmp/crate-bench.XXXXXX)"
cleanup() {
  for rt in crun runc; do
    "$rt" --root "$work/state-$rt" delete -f bench-ctr >/dev/null 2>&1 || true
    "$rt" --root "$work/state-$rt" delete -f bench-exec >/dev/null 2>&1 || true
  done
  if [ -x "$crate" ]; then
    "$crate" --root "$work/state-crate-runtime" delete -f bench-ctr >/dev/null 2>&1 || true
    "$crate" --root "$work/state-crate-runtime" delete -f bench-exec >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The bundle: a static busybox and the runtime's own default config with
# args /bin/true and no terminal.
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/dev" \
  "$work/bundle/rootfs/sys" "$work/bundle/rootfs/tmp"
cp "$(command -v busybox)" "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/true"
(cd "$work/bundle" && crun spec && jq '.process.args=["/bin/true"] | .process.terminal=false' \
  config.json >config.json.new && mv config.json.new config.json)
: >"$work/empty"
# For exec: the same bundle running `sleep`.
cp -a "$work/bundle" "$work/sleeper"
ln -s busybox "$work/sleeper/rootfs/bin/sleep"
jq '.process.args=["/bin/sleep","1000"]' "$work/bundle/config.json" >"$work/sleeper/config.json"

runtimes=(crun runc)
[ -x "$crate" ] && runtimes=("$crate" "${runtimes[@]}") || echo "note: $crate not built; measuring peers only" >&2

# This host's cgroups are a v1/v2 hybrid that crun 1.8 refuses; hide the
# hybrid's cgroup2 controllers in a private mount namespace, for every
# runtime alike, so all three run under the same conditions.
cmds=()
for rt in "${runtimes[@]}"; do
  name="$(basename "$rt")"
  cmds+=("$rt --root $work/state-$name run --bundle $work/bundle bench-ctr")
done

cat >"$work/inner.sh" <<'INNER'
set -euo pipefail
work="$1"; runs="$2"; shift 2
mount --bind "$work/empty" /sys/fs/cgroup/unified/cgroup.controllers
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/hyperfine.json" "$@" >&2
echo
printf '%-16s %10s %10s %10s\n' runtime mean_ms stddev_ms peak_rss_kib
for cmd in "$@"; do
  peak=0
  for _ in 1 2 3 4 5; do
    rss=$(/usr/bin/time -f '%M' $cmd 2>&1 >/dev/null </dev/null | tail -n1)
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  jq -r --arg c "$cmd" --arg rss "$peak" \
    '.results[] | select(.command == $c) | [(.command | split(" ")[0] | split("/")[-1]),
     (.mean * 1000 | . * 100 | round / 100), (.stddev * 1000 | . * 100 | round / 100), $rss] | @tsv' \
    "$work/hyperfine.json" | awk -F'\t' '{printf "%-16s %10s %10s %10s\n", $1, $2, $3, $4}'
done
base=$(jq '[.results[] | select(.command | test("^crun "))][0].mean' "$work/hyperfine.json")
echo
jq -r --argjson base "$base" '.results[] | "\(.command | split(" ")[0] | split("/")[-1]): \((.mean / $base * 100 | round) / 100)x crun"' "$work/hyperfine.json"

# exec: /bin/true in a running container of each runtime.
execs=()
for cmd in "$@"; do
  rt="${cmd%% *}"
  root="$(echo "$cmd" | sed 's/.*--root \([^ ]*\).*/\1/')"
  "$rt" --root "$root" run -d --bundle "$work/sleeper" bench-exec >/dev/null </dev/null
  execs+=("$rt --root $root exec bench-exec /bin/true")
done
echo
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/exec.json" "${execs[@]}" >&2
for cmd in "$@"; do
  rt="${cmd%% *}"
  root="$(echo "$cmd" | sed 's/.*--root \([^ ]*\).*/\1/')"
  "$rt" --root "$root" delete -f bench-exec >/dev/null 2>&1 || true
done
base=$(jq '[.results[] | select(.command | test("^crun "))][0].mean' "$work/exec.json")
jq -r --argjson base "$base" '.results[] | "exec \(.command | split(" ")[0] | split("/")[-1]): \(.mean * 1000 | . * 100 | round / 100) ms, \((.mean / $base * 100 | round) / 100)x crun"' "$work/exec.json"
INNER
unshare --mount --propagation private bash "$work/inner.sh" "$work" "$runs" "${cmds[@]}" </dev/null
