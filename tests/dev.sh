#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root):
#   tests/dev.sh main   install what is missing, build, run the main job
#   tests/dev.sh test   install what is missing, build, run every test
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./third_party/install_deps.sh

# Keep Bazel's output in one place per checkout, and never let it fetch.
bazel_flags=(--noshow_progress)
if [ "${CI:-}" = true ]; then
  bazel_flags+=(--curses=no --color=no)
fi

case "${1:-}" in
  main)
    bazel build "${bazel_flags[@]}" //...
    bin="$(bazel info bazel-bin 2>/dev/null)"
    echo
    "$bin/cli/crate/crate" version
    "$bin/cli/crate-runtime/crate-runtime" --version
    echo
    # The built-in busybox image, made from this host's busybox-static as an
    # OCI archive, loaded into crated (started on demand), and a container
    # run from it: offline, no registry involved.
    work="$(mktemp -d /tmp/crate-main.XXXXXX)"
    trap 'rm -rf "$work"' EXIT
    tests/fixtures/busybox_archive.sh "$work/busybox.tar"
    "$bin/cli/crate/crate" load -i "$work/busybox.tar"
    "$bin/cli/crate/crate" run --rm busybox \
      sh -c 'echo "hello from a crate container: $(id -un)@$(hostname), kernel $(uname -r)"; ls /'
    ;;
  test)
    log="$(mktemp)"
    trap 'rm -f "$log"' EXIT
    set +e
    # Every test really runs: results cached from another checkout prove
    # nothing about this machine.
    bazel test "${bazel_flags[@]}" --cache_test_results=no --test_summary=short //... 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    # The fuzz targets under libFuzzer for a few seconds each (their corpus
    # replays already ran above as regression tests).
    echo "== fuzzing (tests/fuzz/run.sh 3)"
    if ! tests/fuzz/run.sh 3 2>"$log.fuzz"; then
      tail -40 "$log.fuzz" >&2
      echo "//tests/fuzz:libfuzzer_run FAILED" >>"$log"
      rc=1
    fi
    rm -f "$log.fuzz"
    set -e
    # Tests run as root on this machine: one that damages the host's
    # /dev/null would break every later test and tool in confusing ways.
    if [ "$(stat -c '%F %t:%T' /dev/null)" != "character special file 1:3" ]; then
      echo "a test replaced /dev/null ($(ls -l /dev/null)); restored" >&2
      rm -f /dev/null && mknod -m 666 /dev/null c 1 3
      rc=1
    fi
    # A closing line any reader understands, from Bazel's own summary.
    passed=$(grep -cE '^//.* PASSED' "$log" || true)
    failed=$(grep -cE '^//.* (FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log" || true)
    echo "$passed passed, $failed failed"
    exit "$rc"
    ;;
  *)
    echo "usage: $0 main|test" >&2
    exit 2
    ;;
esac
