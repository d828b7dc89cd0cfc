#!/usr/bin/env bash
# crate-runtime leaves std::cout & co. unconstructed (no_iostream_init.cc):
# no code of the runtime may refer to them, and it must still start and
# print. abseil's cord b-tree validation refers to std::cout to dump a
# corrupt tree before aborting; crate-runtime makes no such cords.
set -euo pipefail
bin="$(dirname "$0")/crate-runtime"
[ -x "$bin" ] || bin="${TEST_SRCDIR:-}/crate/cli/crate-runtime/crate-runtime"

if nm -C "$bin" | grep -q 'std::ios_base::sync_with_stdio'; then
  echo "crate-runtime links libstdc++'s ios_init.o" >&2
  exit 1
fi
# Addresses of the stream objects, then every function whose code names one.
addrs="$(nm -C "$bin" | awk '$3 ~ /^std::w?(cout|cerr|clog|cin)$/ {sub(/^0+/, "", $1); print $1}' |
  paste -sd'|')"
if [ -n "$addrs" ]; then
  users="$(objdump -d -C --no-show-raw-insn "$bin" |
    awk -v re="($addrs)" '/^[0-9a-f]+ <.*>:$/ {fn = $0; next} $0 ~ re {print fn}' |
    sort -u | grep -v 'cord_internal::CordRepBtree::' || true)"
  if [ -n "$users" ]; then
    echo "code in crate-runtime uses the standard streams, which it never constructs:" >&2
    echo "$users" >&2
    exit 1
  fi
fi
"$bin" --version | grep -q '^crate-runtime version '
"$bin" features | grep -q '"ociVersionMax"'
echo PASS
