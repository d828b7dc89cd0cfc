"""The measurements of api_bench.sh: argv is SOCKET RUNS CONTAINERS WORK."""
import statistics
import subprocess
import sys
import threading
import time

import grpc
from api.proto.crate.v1 import containers_pb2 as pb
from api.proto.crate.v1 import containers_pb2_grpc

sock, runs, containers, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def stub():
    return containers_pb2_grpc.ContainersStub(grpc.insecure_channel("unix://" + sock))


def config():
    c = pb.ContainerConfig(image="busybox", cmd=["true"], network="none")
    return c


def one_run(s):
    """create + start + wait + remove; seconds."""
    t = time.perf_counter()
    r = s.Create(pb.CreateContainerRequest(config=config()), timeout=60)
    s.Start(pb.StartContainerRequest(container=r.id), timeout=60)
    w = s.Wait(pb.WaitContainerRequest(container=r.id), timeout=60)
    assert w.exit_code == 0, w
    s.Remove(pb.RemoveContainerRequest(container=r.id, force=True), timeout=60)
    return time.perf_counter() - t


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


s = stub()
for _ in range(3):
    one_run(s)  # warm: crated, page cache
crate_ms = [one_run(s) * 1000 for _ in range(runs)]
podman = ["podman", "--root", f"{work}/podman", "--runroot", f"{work}/podman-run",
          "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs",
          "--events-backend", "file", "--runtime", "runc", "run", "--rm",
          "--network=none", "--ulimit", "nofile=20000:20000", "--ulimit",
          "nproc=32768:32768", "busybox", "true"]
subprocess.run(podman, check=True, capture_output=True)
podman_ms = []
for _ in range(min(runs, 20)):
    t = time.perf_counter()
    subprocess.run(podman, check=True, capture_output=True)
    podman_ms.append((time.perf_counter() - t) * 1000)
print(f"create+start+wait+remove via the API: p50 {pct(crate_ms, 50):.1f} ms, "
      f"p90 {pct(crate_ms, 90):.1f} ms ({runs} runs)")
print(f"podman run --rm --network=none: p50 {pct(podman_ms, 50):.1f} ms, "
      f"p90 {pct(podman_ms, 90):.1f} ms; crate/podman p50 "
      f"{pct(crate_ms, 50) / pct(podman_ms, 50):.3f}x")

# 32 at once against 32 one after the other.
n = 32
t = time.perf_counter()
for _ in range(n):
    one_run(s)
serial = time.perf_counter() - t
errors = []


def worker():
    try:
        one_run(stub())
    except Exception as e:  # noqa: BLE001 - reported below
        errors.append(e)


threads = [threading.Thread(target=worker) for _ in range(n)]
t = time.perf_counter()
for th in threads:
    th.start()
for th in threads:
    th.join()
parallel = time.perf_counter() - t
print(f"32 runs at once: {parallel * 1000:.0f} ms; 32 one after the other: "
      f"{serial * 1000:.0f} ms; ratio {parallel / serial:.2f}"
      + (f"; {len(errors)} failed: {errors[0]}" if errors else ""))

# List with growing numbers of containers.
made = 0
for target in [x for x in (100, 500, 1000) if x <= containers] or [containers]:
    while made < target:
        s.Create(pb.CreateContainerRequest(config=config()), timeout=60)
        made += 1
    times = []
    for _ in range(10):
        t = time.perf_counter()
        r = s.List(pb.ListContainersRequest(all=True), timeout=60)
        times.append((time.perf_counter() - t) * 1000)
        assert len(r.containers) == made, len(r.containers)
    print(f"List(all) of {made} containers: median {statistics.median(times):.1f} ms "
          f"({statistics.median(times) / made * 1000:.1f} us per container)")
