#!/usr/bin/env bash
# 50 clients at once against one crated, each creating, starting and
# removing a container of its own, while ten more race for one name: every
# client succeeds, exactly one racer gets the name, every name belongs to
# one container, and at the end nothing is left (no container, shim, mount
# or record).
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
CLIENTS="${1:-50}"

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (containers, mounts, cgroups)"
  exit 0
fi

private_crated_setup cpar
trap private_crated_cleanup EXIT
private_crated_load_busybox || { echo "FAIL: loading busybox"; exit 1; }
FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}

# One client's life: run -d, check it runs under its own name, exec in it,
# remove it. Each writes its verdict to a file of its own.
client() {
  local i="$1" out id
  out="$WORK/client.$i"
  id="$("$CRATE" run -d --name "par$i" -l "client=$i" busybox sleep 60 2>"$out.err")" ||
    { echo "run: $(cat "$out.err")" >"$out"; return; }
  [ "$("$CRATE" inspect -f '{{.Name}} {{.State.Status}}' "$id" 2>&1)" = "/par$i running" ] ||
    { echo "inspect: $("$CRATE" inspect -f '{{.Name}} {{.State.Status}}' "$id" 2>&1)" >"$out"; return; }
  [ "$("$CRATE" exec "par$i" echo "hello $i" 2>&1)" = "hello $i" ] ||
    { echo "exec failed" >"$out"; return; }
  "$CRATE" rm -f "par$i" >"$out.rm" 2>&1 || { echo "rm: $(cat "$out.rm")" >"$out"; return; }
  echo ok >"$out"
}

racer() {
  if "$CRATE" create --name contested busybox true >/dev/null 2>"$WORK/racer.$1.err"; then
    echo won >"$WORK/racer.$1"
  else
    echo lost >"$WORK/racer.$1"
  fi
}

pids=()
for i in $(seq "$CLIENTS"); do
  client "$i" &
  pids+=($!)
done
for i in $(seq 10); do
  racer "$i" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

ok=0
for i in $(seq "$CLIENTS"); do
  if [ "$(cat "$WORK/client.$i" 2>/dev/null)" = ok ]; then
    ok=$((ok + 1))
  else
    fail "client $i: $(cat "$WORK/client.$i" 2>/dev/null)"
  fi
done
echo "clients that succeeded: $ok of $CLIENTS"
won="$(grep -l won "$WORK"/racer.* | wc -l)"
[ "$won" = 1 ] || fail "racers for one name: $won won (want 1)"
for f in "$WORK"/racer.*.err; do
  [ -s "$f" ] || continue
  grep -q "already in use\|is in use\|already exists" "$f" || fail "a losing racer's error: $(cat "$f")"
done
# Names stay unique and every record is whole.
"$CRATE" ps -a --format '{{.Names}}' >"$WORK/names" || fail "ps -a"
[ "$(sort "$WORK/names" | uniq -d)" = "" ] || fail "a name listed twice: $(sort "$WORK/names" | uniq -d)"
[ "$(cat "$WORK/names")" = contested ] || fail "left after the clients: $(tr '\n' ' ' <"$WORK/names")"
"$CRATE" rm -f contested >/dev/null || fail "rm contested"
for i in $(seq 150); do
  pgrep -f "crate-shim .*$WORK/" >/dev/null || break
  sleep 0.1
done
pgrep -f "crate-shim .*$WORK/" >/dev/null && fail "shims left"
grep -q " $WORK/root" /proc/self/mountinfo && fail "mounts left"
[ -z "$(ls "$WORK/root/containers" 2>/dev/null)" ] || fail "records left: $(ls "$WORK/root/containers" | head -3)"
[ -z "$(ls "$WORK/root/names" 2>/dev/null)" ] || fail "names left: $(ls "$WORK/root/names")"
if [ "$FAILED" != 0 ]; then
  echo "parallel_clients_test: FAILED"
  exit 1
fi
echo "parallel_clients_test: all passed"
