#!/usr/bin/env bash
# crate's interactive terminals end to end: run -it, exec -it, attach,
# docker's detach keys and the user's terminal put back, driven through
# real pseudo-terminals (terminal_session.py) against a private crated and
# real containers (as root). Everything it makes is removed at the end.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"
# shellcheck source=../fixtures/private_crated.sh
source "$here/../fixtures/private_crated.sh"
bin() { fixture_binary "$@" || exit 1; }
CRATE="$(bin cli/crate crate)"
CRATE_RUNTIME="$(bin cli/crate-runtime crate-runtime)"
bin cli/crated crated >/dev/null
bin cli/crate-shim crate-shim >/dev/null

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (containers, mounts, cgroups)"
  exit 0
fi

private_crated_setup cpty
trap private_crated_cleanup EXIT
private_crated_load_busybox || { echo "FAIL: loading busybox"; exit 1; }

# Debian's python3: the pty module is all it needs.
if CRATE="$CRATE" /usr/bin/python3 "$here/terminal_session.py"; then
  left="$("$CRATE" ps -aq </dev/null)"
  if [ -n "$left" ]; then
    echo "FAIL: containers left: $left"
    exit 1
  fi
  echo "terminal_e2e_test: all passed"
else
  echo "terminal_e2e_test: FAILED"
  exit 1
fi
