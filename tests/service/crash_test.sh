#!/usr/bin/env bash
# crated killed with SIGKILL at seeded random points while it pulls
# images and creates, starts and removes containers: a fresh crated
# (started on demand by the next command) must show every acknowledged
# image and container, nothing half-made (every image it lists reads back
# whole), and after removing everything nothing may be left (no shim,
# mount, cgroup, record, name or partial download).
#   crash_test.sh [TRIALS [SEED]]     (CI runs a short subset)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"
bin() { fixture_binary "$@" || exit 1; }
CRATE="$(bin cli/crate crate)"
CRATE_RUNTIME="$(bin cli/crate-runtime crate-runtime)"
TRIALS="${1:-12}"
SEED="${2:-$RANDOM}"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root"
  exit 0
fi
WORK="$(mktemp -d /tmp/crate-crash.XXXXXX)"
export CRATE_HOST="unix://$WORK/run/crate.sock" CRATE_ROOT="$WORK/root"
export CRATE_CRATED_ARGS="--idle-timeout 30"
FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}
crated_pid() { pgrep -f "^[^ ]*/crated --run-dir $WORK/run" ; }
cleanup() {
  local p rt id m
  if declare -F registry_stop >/dev/null; then registry_stop >/dev/null 2>&1; fi
  for p in $(crated_pid); do kill -9 "$p"; done
  pkill -9 -f "crate-shim .*$WORK/" 2>/dev/null
  rt="$WORK/run/runtime"
  if [ -d "$rt" ]; then
    for id in $(ls "$rt"); do "$CRATE_RUNTIME" --root "$rt" delete --force "$id" >/dev/null 2>&1; done
  fi
  grep -o " $WORK[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$here/../fixtures/busybox_archive.sh" "$WORK/busybox.tar" || exit 1
"$CRATE" load -q -i "$WORK/busybox.tar" || { echo "load failed" >&2; exit 1; }
CRATE_FIXTURE_TMPDIR="$WORK" registry_start >/dev/null || { echo "FAIL: registry"; exit 1; }
images_push "$WORK/images" layers >/dev/null || { echo "FAIL: pushing the test image"; exit 1; }
PULLED="$REGISTRY_HOST/crate-test/layers"

# Each trial: one operation in the background, crated killed after a
# seeded delay, then a look from a fresh crated.
/usr/bin/python3 - "$CRATE" "$WORK" "$TRIALS" "$SEED" "$PULLED" <<'PY' || FAILED=1
import json, os, random, signal, subprocess, sys, time
crate, work, trials, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pulled = sys.argv[5]
rng = random.Random(seed)
failures = 0
interrupted = 0  # operations the kill cut short (not acknowledged)

def crated_pids():
    out = subprocess.run(["pgrep", "-f", f"^[^ ]*/crated --run-dir {work}/run"],
                         capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]

def ps():
    r = subprocess.run([crate, "ps", "-a", "--format", "json"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"ps failed: {r.stderr}")
    rows = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    return {row["Names"]: row for row in rows}

def images():
    """Every image listed, each read back whole (manifest, config, layers)."""
    r = subprocess.run([crate, "images", "--format", "{{.Repository}}:{{.Tag}}"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"images failed: {r.stderr}")
    names = [l for l in r.stdout.splitlines() if l.strip()]
    # By ID: a pull cut short after the image was stored whole but before
    # its tag was written leaves it untagged (repo:<none>), which is
    # consistent; what must never be is a listed image that does not read.
    ids = subprocess.run([crate, "images", "-q", "--no-trunc"], capture_output=True,
                         text=True, timeout=60).stdout.split()
    for n in ids:
        i = subprocess.run([crate, "image", "inspect", n], capture_output=True,
                           text=True, timeout=60)
        if i.returncode != 0:
            raise RuntimeError(f"{n} is listed but does not read back: {i.stderr}")
    return names

for i in range(trials):
    op = ["create", "start", "rm", "pull"][i % 4]
    name = f"crash{i // 4}"
    if op == "pull":
        subprocess.run([crate, "rmi", "-f", pulled], capture_output=True)
        cmd = [crate, "pull", "-q", pulled]
    elif op == "create":
        cmd = [crate, "create", "--name", name, "busybox", "sleep", "300"]
    elif op == "start":
        cmd = [crate, "start", name]
    else:
        cmd = [crate, "rm", "-f", name]
    subprocess.run([crate, "version"], capture_output=True)  # crated is up
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    delay = rng.uniform(0, 0.25)
    time.sleep(delay)
    for pid in crated_pids():
        os.kill(pid, signal.SIGKILL)
    out, err = p.communicate(timeout=60)
    ok = p.returncode == 0
    interrupted += 0 if ok else 1
    try:
        now = ps()  # starts crated again, which reconciles
        listed = images()
    except Exception as e:
        failures += 1
        print(f"FAIL: trial {i} ({op} killed after {delay*1000:.0f} ms, seed {seed}): {e}", file=sys.stderr)
        continue
    problems = []
    states = {n: r.get("State", r.get("Status", "")) for n, r in now.items()}
    for n, st in states.items():
        if "creat" in st.lower() and "created" not in st.lower():
            problems.append(f"{n} is half-made: {st}")
    if op == "pull" and ok and f"{pulled}:latest" not in listed:
        problems.append(f"acknowledged pull of {pulled} is missing: {listed}")
    if op == "create" and ok and name not in now:
        problems.append(f"acknowledged create of {name} is missing")
    if op == "rm" and ok and name in now:
        problems.append(f"acknowledged removal of {name} left it: {states[name]}")
    if op == "start" and ok and name in now and "up" not in now[name].get("Status", "").lower():
        # A running container stays running across crated's death.
        problems.append(f"acknowledged start of {name}: {now[name].get('Status')}")
    if problems:
        failures += 1
        print(f"FAIL: trial {i} ({op} killed after {delay*1000:.0f} ms, acked={ok}, seed {seed}): "
              + "; ".join(problems), file=sys.stderr)
print(f"crash trials: {trials}, seed {seed}, {interrupted} interrupted, {failures} failed")
sys.exit(1 if failures else 0)
PY

# Remove everything through the service, then nothing of it may be left.
for id in $("$CRATE" ps -a -q); do "$CRATE" rm -f "$id" >/dev/null || fail "rm -f $id"; done
for i in $(seq 150); do
  pgrep -f "crate-shim .*$WORK/" >/dev/null || break
  sleep 0.1
done
pgrep -f "crate-shim .*$WORK/" >/dev/null && fail "shims left: $(pgrep -fa "crate-shim .*$WORK/" | head -3)"
grep -q " $WORK/root" /proc/self/mountinfo && fail "mounts left: $(grep -o " $WORK/root[^ ]*" /proc/self/mountinfo | head -3)"
[ -z "$(ls "$WORK/root/containers" 2>/dev/null)" ] || fail "records left: $(ls "$WORK/root/containers" | head -3)"
[ -z "$(ls "$WORK/root/names" 2>/dev/null)" ] || fail "names left: $(ls "$WORK/root/names")"
# (The runtime's cache of compiled seccomp programs is no container's.)
[ -z "$(ls -I @seccomp-cache "$WORK/run/runtime" 2>/dev/null)" ] ||
  fail "runtime state left: $(ls -I @seccomp-cache "$WORK/run/runtime")"
# A pull cut short keeps its partial downloads for the next pull to resume
# (the store drops them when they grow old): one more pull must take them
# all, leaving no partial behind, and the image must read back.
"$CRATE" pull -q "$PULLED" >/dev/null || fail "pull after the crashes"
"$CRATE" image inspect "$PULLED" >/dev/null || fail "the pulled image does not read back"
[ -z "$(ls "$WORK/root/content/ingest" 2>/dev/null)" ] || fail "partial downloads left: $(ls "$WORK/root/content/ingest")"
if [ "$FAILED" != 0 ]; then
  echo "crash_test: FAILED"
  exit 1
fi
echo "crash_test: all passed"
