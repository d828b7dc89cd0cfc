#!/usr/bin/env bash
# Runs every fuzz target under libFuzzer for SECONDS each (default 10) on a
# copy of its checked-in corpus, and says how many inputs each ran and how
# many edges it covered. Builds with --config=fuzz (clang, ASan, UBSan) in an
# output base of its own, so the normal build's cache stays as it is.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
# A crash, leak or sanitizer report fails the run and leaves the input in
# tests/fuzz/findings/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
shift || true
cd "$repo"
# One output base per checkout (a Bazel output base serves one workspace).
base="$HOME/.cache/crate-bazel-fuzz/$(printf '%s' "$repo" | md5sum | cut -c1-12)"
bazel_fuzz() { bazel --output_base="$base" "$@"; }
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(bazel_fuzz query \
    'attr(tags, "manual", kind("cc_binary", //tests/fuzz:*))' 2>/dev/null |
    sed 's|^//tests/fuzz:||')
fi
bazel_fuzz build --config=fuzz "${targets[@]/#///tests/fuzz:}" >&2
bin="$(bazel_fuzz info --config=fuzz bazel-bin 2>/dev/null)/tests/fuzz"
work="$(mktemp -d /tmp/crate-fuzz.XXXXXX)"
# The second Bazel server goes too: nothing of the run is left running.
trap 'rm -rf "$work"; bazel_fuzz shutdown 2>/dev/null || true' EXIT
mkdir -p "$here/findings"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp -r "$here/corpus/$t/." "$work/$t/" 2>/dev/null || true
  log="$work/$t.log"
  if "$bin/$t" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$here/findings/$t-" "$work/$t" >"$log" 2>&1; then
    verdict=ok
  else
    verdict=FAILED
    failed=1
  fi
  execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)"
  echo "$t: $verdict, $execs inputs in ${seconds}s, $cov edges"
  [ "$verdict" = ok ] || tail -30 "$log" >&2
done
exit "$failed"
