#!/usr/bin/env bash
# The service's start-up: from crated's exec to its first answer (a Version
# call through the real socket), cold, N times; and `crate version` against
# a warm service. Run as root after `bazel build //...`:
#   tests/bench/service_bench.sh [--runs N]
# A cold start is measured by a small Python driver with Debian's grpcio
# (exec, poll the socket, call, stop), so the figure is crated's own start
# and not a client's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs=30
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N]" >&2; exit 2 ;;
  esac
done
crated="$repo/bazel-bin/cli/crated/crated"
crate="$repo/bazel-bin/cli/crate/crate"
[ -x "$crated" ] && [ -x "$crate" ] || { echo "build first: bazel build //cli/crated //cli/crate" >&2; exit 1; }
work="$(mktemp -d /tmp/crate-service-bench.XXXXXX)"
cleanup() {
  pkill -f "crated --run-dir $work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/py"
protoc -I"$repo" --python_out="$work/py" --grpc_python_out="$work/py" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  "$repo"/api/proto/crate/v1/system.proto

PYTHONPATH="$work/py" /usr/bin/python3 - "$crated" "$work" "$runs" <<'PY'
import os, socket, statistics, subprocess, sys, time
import grpc
from api.proto.crate.v1 import system_pb2, system_pb2_grpc
crated, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for i in range(runs):
    run = f"{work}/run{i}"
    sock = f"{run}/crate.sock"
    start = time.perf_counter()
    p = subprocess.Popen([crated, "--run-dir", run, "--root", f"{work}/root",
                          "--idle-timeout", "0"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(sock)
            break
        except OSError:
            time.sleep(0.0002)
        finally:
            s.close()
    channel = grpc.insecure_channel("unix://" + sock)
    system_pb2_grpc.SystemStub(channel).Version(system_pb2.VersionRequest(), timeout=5)
    times.append((time.perf_counter() - start) * 1000)
    channel.close()
    p.terminate()
    p.wait()
times.sort()
print(f"crated cold start to first reply: median {statistics.median(times):.1f} ms, "
      f"min {times[0]:.1f} ms, p90 {times[int(len(times) * 0.9) - 1]:.1f} ms ({runs} runs)")
PY

# Warm: the CLI against a running service.
CRATE_HOST="unix://$work/warm/crate.sock" CRATE_ROOT="$work/root" \
  CRATE_CRATED_ARGS="--idle-timeout 60" "$crate" version >/dev/null
CRATE_HOST="unix://$work/warm/crate.sock" hyperfine -N --warmup 3 --runs "$runs" \
  "$crate version" 2>/dev/null | grep -E "Time|Range"
