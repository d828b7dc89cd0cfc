#!/usr/bin/env bash
# crate-runtime leaves std::cout & co. unconstructed (no_iostream_init.cc):
# no code of the runtime may refer to them (check_no_iostreams.sh), and it
# must still start and print.
set -euo pipefail
bin="$(dirname "$0")/crate-runtime"
[ -x "$bin" ] || bin="${TEST_SRCDIR:-}/crate/cli/crate-runtime/crate-runtime"

check="$(dirname "$0")/check_no_iostreams.sh"
[ -x "$check" ] || check="${TEST_SRCDIR:-}/crate/cli/crate-runtime/check_no_iostreams.sh"
"$check" "$bin"
# Whole outputs first: grep -q stops reading at its match, and the
# runtime's next write would then fail (EPIPE) and fail the pipeline.
version="$("$bin" --version)"
grep -q '^crate-runtime version ' <<<"$version" || { echo "FAIL: --version: $version"; exit 1; }
features="$("$bin" features)"
grep -q '"ociVersionMax"' <<<"$features" || { echo "FAIL: features: $features"; exit 1; }
echo PASS
