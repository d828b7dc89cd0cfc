#!/usr/bin/env bash
# Checks a binary linked with :no_iostream_init: libstdc++'s ios_init.o is
# not in it, and no code refers to std::cout & co., which stay unconstructed.
# abseil's cord b-tree validation refers to std::cout to dump a corrupt tree
# before aborting; neither binary makes such cords.
#   check_no_iostreams.sh BINARY
set -euo pipefail
bin="${1:?usage: $0 BINARY}"
name="$(basename "$bin")"
if nm -C "$bin" | grep -q 'std::ios_base::sync_with_stdio'; then
  echo "$name links libstdc++'s ios_init.o" >&2
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
    echo "code in $name uses the standard streams, which it never constructs:" >&2
    echo "$users" >&2
    exit 1
  fi
fi
