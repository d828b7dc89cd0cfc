#!/usr/bin/env bash
# crate-shim leaves std::cout & co. unconstructed (no_iostream_init.cc): no
# code it links may refer to them, and it must still start and print. As
# for crate-runtime, abseil's cord b-tree validation is let through (the
# shim makes no such cords). Also: the binary is static but for glibc.
set -euo pipefail
bin="$(dirname "$0")/crate-shim"
[ -x "$bin" ] || bin="${TEST_SRCDIR:-}/crate/cli/crate-shim/crate-shim"

if nm -C "$bin" | grep -q 'std::ios_base::sync_with_stdio'; then
  echo "crate-shim links libstdc++'s ios_init.o" >&2
  exit 1
fi
addrs="$(nm -C "$bin" | awk '$3 ~ /^std::w?(cout|cerr|clog|cin)$/ {sub(/^0+/, "", $1); print $1}' |
  paste -sd'|')"
if [ -n "$addrs" ]; then
  users="$(objdump -d -C --no-show-raw-insn "$bin" |
    awk -v re="($addrs)" '/^[0-9a-f]+ <.*>:$/ {fn = $0; next} $0 ~ re {print fn}' |
    sort -u | grep -v 'cord_internal::CordRepBtree::' || true)"
  if [ -n "$users" ]; then
    echo "code in crate-shim uses the standard streams, which it never constructs:" >&2
    echo "$users" >&2
    exit 1
  fi
fi
needed="$(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}' |
  grep -v -e '^libc\.so' -e '^libm\.so' -e '^ld-linux' || true)"
if [ -n "$needed" ]; then
  echo "crate-shim loads more than glibc: $needed" >&2
  exit 1
fi
"$bin" --version | grep -q '^crate-shim version '
"$bin" --help | grep -q -- '--ready-fd'
# A bad command line is refused before anything detaches.
set +e
out="$("$bin" --id x 2>&1)"
code=$?
set -e
[ "$code" = 2 ] || { echo "bad flags: exit $code, want 2" >&2; exit 1; }
echo "$out" | grep -q -- '--bundle: is required'
out="$("$bin" --id c --bundle b --runtime-root r --shim-dir s --log l \
  --exit-file e --ready-fd 9 2>&1 9<&-)" && code=0 || code=$?
[ "$code" = 2 ] || { echo "closed --ready-fd: exit $code, want 2" >&2; exit 1; }
echo "$out" | grep -q -- '--ready-fd 9 is not open'
echo PASS
