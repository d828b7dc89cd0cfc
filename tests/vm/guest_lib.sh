# shellcheck shell=bash
# Helpers for test scripts that run inside the VM (run_in_vm.sh) with
# crate-runtime and crun on PATH and a busybox bundle at /bundle (see
# vm_test.sh). Each check prints "ok   NAME" or "FAIL NAME: why"; finish
# with `summary`, whose status is the test's.

failures=0
checks=0
work=/tmp/vmtest
mkdir -p "$work"

ok() {
  checks=$((checks + 1))
  echo "ok   $1"
}
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "FAIL $1: $2"
}
# expect_eq NAME GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
# expect_match NAME GOT REGEX (grep -E, whole text)
expect_match() {
  if printf '%s\n' "$2" | grep -qE "$3"; then ok "$1"; else fail "$1" "'$2' does not match /$3/"; fi
}
summary() {
  echo "$((checks - failures)) of $checks checks passed"
  [ "$failures" -eq 0 ]
}

# bundle NAME JQ-FILTER [ARGS...]: /tmp/vmtest/NAME/config.json from the
# fixture's config with the filter applied, the fixture's rootfs, and ARGS
# as the process. One jq run: it takes half a second in the VM.
bundle() {
  local name="$1" filter="$2"
  shift 2
  mkdir -p "$work/$name"
  jq "(.root.path = \"/bundle/rootfs\" | .process.args = \$ARGS.positional) | $filter" \
    /bundle/config.json --args -- "$@" >"$work/$name/config.json"
  echo "$work/$name"
}

# status RUNTIME ID: the container's status from `state`, without jq.
status() {
  "$1" state "$2" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}

# in_both NAME FILTER SCRIPT: runs SCRIPT (sh -c) in a container under crun
# and then under crate-runtime, the same bundle in the cgroup /vmtest/NAME,
# and checks that both print the same and exit alike. The output of
# crate-runtime's run is left in $out.
out=""
in_both() {
  local name="$1" filter="$2" script="$3" rt dir rc t0
  dir="$(bundle "$name" ".linux.cgroupsPath = \"/vmtest/$name\" | $filter" sh -c "$script")"
  for rt in crun crate-runtime; do
    t0="$(ts)"
    rc=0
    "$rt" run --bundle "$dir" "$name-$rt" >"$work/$name.$rt.out" 2>"$work/$name.$rt.err" || rc=$?
    echo "== exit $rc" >>"$work/$name.$rt.out"
    echo "  ($name under $rt: $(awk -v a="$t0" -v b="$(ts)" 'BEGIN { print b - a }') s)"
  done
  out="$(cat "$work/$name.crate-runtime.out")"
  if diff -u --label crun --label crate-runtime "$work/$name.crun.out" \
    "$work/$name.crate-runtime.out" >"$work/$name.diff"; then
    ok "$name: same as crun"
  else
    fail "$name: same as crun" "$(cat "$work/$name.diff" "$work/$name.crate-runtime.err")"
  fi
  for rt in crun crate-runtime; do
    if [ -s "$work/$name.$rt.err" ]; then
      echo "  ($rt stderr: $(head -c 500 "$work/$name.$rt.err"))"
    fi
  done
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local tries=$(($1 * 10))
  shift
  while [ "$tries" -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# exited PID: the process is gone or a zombie.
exited() {
  local st
  st="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 0
  [ -z "$st" ] || [ "$st" = Z ]
}

# ts: seconds since boot, for the timing of each part.
ts() { cut -d' ' -f1 /proc/uptime; }
