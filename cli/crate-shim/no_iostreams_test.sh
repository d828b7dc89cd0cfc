#!/usr/bin/env bash
# crate-shim leaves std::cout & co. unconstructed (no_iostream_init.cc): no
# code it links may refer to them, and it must still start and print. As
# for crate-runtime, abseil's cord b-tree validation is let through (the
# shim makes no such cords). Also: the binary is static but for glibc.
set -euo pipefail
bin="$(dirname "$0")/crate-shim"
[ -x "$bin" ] || bin="${TEST_SRCDIR:-}/crate/cli/crate-shim/crate-shim"

check="$(dirname "$0")/../crate-runtime/check_no_iostreams.sh"
[ -x "$check" ] || check="${TEST_SRCDIR:-}/crate/cli/crate-runtime/check_no_iostreams.sh"
"$check" "$bin"
needed="$(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}' |
  grep -v -e '^libc\.so' -e '^libm\.so' -e '^ld-linux' || true)"
if [ -n "$needed" ]; then
  echo "crate-shim loads more than glibc: $needed" >&2
  exit 1
fi
# Whole outputs, then grep: grep -q stops reading at its match, and a
# write after it would fail the pipeline (EPIPE under pipefail).
version="$("$bin" --version)"
grep -q '^crate-shim version ' <<<"$version" || { echo "FAIL: --version: $version" >&2; exit 1; }
help="$("$bin" --help)"
grep -q -- '--ready-fd' <<<"$help" || { echo "FAIL: --help: $help" >&2; exit 1; }
# A bad command line is refused before anything detaches.
set +e
out="$("$bin" --id x 2>&1)"
code=$?
set -e
[ "$code" = 2 ] || { echo "bad flags: exit $code, want 2" >&2; exit 1; }
grep -q -- '--bundle: is required' <<<"$out"
out="$("$bin" --id c --bundle b --runtime-root r --shim-dir s --log l \
  --exit-file e --ready-fd 9 2>&1 9<&-)" && code=0 || code=$?
[ "$code" = 2 ] || { echo "closed --ready-fd: exit $code, want 2" >&2; exit 1; }
grep -q -- '--ready-fd 9 is not open' <<<"$out"
echo PASS
