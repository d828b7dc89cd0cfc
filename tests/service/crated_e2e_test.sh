#!/usr/bin/env bash
# crated end to end, through the real binaries: started on demand by the
# CLI (racing clients start exactly one), idle exit, callers refused by
# their credentials, systemd socket activation, a Python gRPC client with
# stubs generated here (Version, health, reflection), and mutual TLS on
# TCP. Everything runs in a private root and run directory and is removed
# at the end.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"
bin() { fixture_binary "$@" || exit 1; }
CRATE="$(bin cli/crate crate)"
CRATED="$(bin cli/crated crated)"
CRATE_RUNTIME="$(bin cli/crate-runtime crate-runtime)"
PROTO_DIR="$(cd "$here/../.." && pwd)"
[ -f "$PROTO_DIR/api/proto/crate/v1/system.proto" ] ||
  PROTO_DIR="${TEST_SRCDIR:-}/crate"
PY=/usr/bin/python3  # Debian's, which has python3-grpcio

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (a test user, chmod of sockets)"
  exit 0
fi

WORK="$(mktemp -d /tmp/crated-e2e.XXXXXX)"
chmod 755 "$WORK"
FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; }
expect_contains() {
  case "$3" in *"$2"*) ;; *) fail "$1: expected to contain [$2], got [$3]" ;; esac
}

crated_pids() { pgrep -f "crated .*--run-dir $WORK/${1:-}" ; }
cleanup() {
  local p
  if declare -F registry_stop >/dev/null; then registry_stop >/dev/null 2>&1; fi
  for p in $(crated_pids) $(jobs -p); do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in $(crated_pids); do kill -9 "$p" 2>/dev/null; done
  # What a failed check left of containers: shims, the containers (through
  # the runtime, which removes their cgroups), then the rootfs mounts.
  pkill -9 -f "crate-shim .*$WORK/" 2>/dev/null
  local rt id m
  for rt in "$WORK"/*/run/runtime; do
    [ -d "$rt" ] || continue
    for id in $(ls "$rt"); do "$CRATE_RUNTIME" --root "$rt" delete --force "$id" >/dev/null 2>&1; done
  done
  grep -o " $WORK[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# A private service: socket, run directory and root under WORK/NAME.
use_service() {  # use_service NAME [CRATED FLAGS...]
  local name="$1"
  shift
  export CRATE_HOST="unix://$WORK/$name/run/crate.sock"
  export CRATE_ROOT="$WORK/$name/root"
  export CRATE_CRATED_ARGS="$*"
}

test_on_demand_and_idle_exit() {
  use_service ondemand --idle-timeout 1
  local out
  out="$("$CRATE" version 2>&1)"
  expect_contains "version starts crated" "OCI runtime spec: 1.1.0" "$out"
  expect_eq "one crated" 1 "$(crated_pids ondemand/ | wc -l)"
  [ -S "$WORK/ondemand/run/crate.sock" ] || fail "no socket"
  expect_eq "socket mode" 660 "$(stat -c %a "$WORK/ondemand/run/crate.sock")"
  local i
  for i in $(seq 60); do
    [ -z "$(crated_pids ondemand/)" ] && break
    sleep 0.1
  done
  [ -z "$(crated_pids ondemand/)" ] || fail "crated did not exit when idle"
  [ ! -e "$WORK/ondemand/run/crate.sock" ] || fail "idle exit left its socket"
  # The next call starts it again.
  out="$("$CRATE" version 2>&1)"
  expect_contains "restarted on demand" "Service:" "$out"
}

test_racing_clients_start_one() {
  use_service race --idle-timeout 3
  local i pids=()
  for i in $(seq 20); do
    "$CRATE" version >"$WORK/race.$i" 2>&1 &
    pids+=($!)
  done
  # Sample while they run: never two services for one socket.
  local most=0 n
  for i in $(seq 30); do
    n="$(crated_pids race/ | wc -l)"
    [ "$n" -gt "$most" ] && most="$n"
    sleep 0.02
  done
  for i in "${pids[@]}"; do wait "$i" || fail "a racing client failed"; done
  expect_eq "at most one crated at a time" 1 "$most"
  expect_eq "every racing client reached it" 20 \
    "$(grep -l "OCI runtime spec" "$WORK"/race.* | wc -l)"
}

test_refused_callers() {
  use_service refuse --idle-timeout 5
  "$CRATE" version >/dev/null 2>&1 || fail "start for refusal test"
  # The socket's mode already keeps others out; opened up, the service
  # itself refuses them by their credentials.
  chmod 666 "$WORK/refuse/run/crate.sock"
  chmod 755 "$WORK/refuse" "$WORK/refuse/run"
  local out
  out="$(setpriv --reuid 65534 --regid 65534 --clear-groups "$CRATE" version 2>&1)"
  expect_contains "nobody refused" "uid 65534 may not use this crated" "$out"
  chmod 660 "$WORK/refuse/run/crate.sock"
}

# Stubs generated here from the repository's protos, as any client would.
make_python_stubs() {
  mkdir -p "$WORK/py"
  protoc -I"$PROTO_DIR" --python_out="$WORK/py" --grpc_python_out="$WORK/py" \
    --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
    "$PROTO_DIR"/api/proto/crate/v1/*.proto || fail "protoc for python"
}

# Health, reflection and Version from Python; TARGET and optional TLS
# files (ca, key, cert) as arguments.
python_probe() {
  PYTHONPATH="$WORK/py" "$PY" - "$@" <<'PY'
import sys
import grpc
from api.proto.crate.v1 import system_pb2, system_pb2_grpc
target = sys.argv[1]
if len(sys.argv) > 2:
    ca, key, cert = (open(p, "rb").read() if p else None for p in sys.argv[2:5])
    creds = grpc.ssl_channel_credentials(ca, key, cert)
    channel = grpc.secure_channel(target, creds, options=[
        ("grpc.ssl_target_name_override", "crated.test")])
else:
    channel = grpc.insecure_channel(target)
try:
    v = system_pb2_grpc.SystemStub(channel).Version(system_pb2.VersionRequest(), timeout=5)
    print("version", v.version, v.api_version)
    # grpc.health.v1.Health/Check with an empty request: status SERVING is
    # field 1 = 1.
    health = channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    print("health", "SERVING" if health == b"\x08\x01" else repr(health))
    # Reflection: list_services (field 7, empty string).
    stream = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
    reply = next(iter(stream(iter([b"\x3a\x00"]), timeout=5)))
    names = [n for n in (b"crate.v1.System", b"grpc.health.v1.Health") if n in reply]
    print("reflection", " ".join(n.decode() for n in names))
    info = system_pb2_grpc.SystemStub(channel).Info(system_pb2.InfoRequest(), timeout=5)
    print("info", info.cgroup_version in ("v1", "v2", "hybrid"), info.cpus > 0,
          info.memory_bytes > 0, info.root_dir.endswith("/root"), info.containers)
except grpc.RpcError as e:
    print("error", e.code().name, e.details())
PY
}

test_python_client() {
  use_service python --idle-timeout 5
  "$CRATE" version >/dev/null 2>&1 || fail "start for python test"
  local out
  out="$(python_probe "unix://$WORK/python/run/crate.sock")"
  expect_contains "python Version" "version 0.1.0 v1" "$out"
  expect_contains "python health" "health SERVING" "$out"
  expect_contains "python reflection" "reflection crate.v1.System grpc.health.v1.Health" "$out"
  expect_contains "python info" "info True True True True 0" "$out"
}

test_socket_activation() {
  local dir="$WORK/activated"
  mkdir -p "$dir/run"
  systemd-socket-activate -l "$dir/run/act.sock" "$CRATED" --run-dir "$dir/run" \
    --root "$dir/root" --socket "$dir/run/unused.sock" --idle-timeout 1 \
    >"$dir/log" 2>&1 &
  local act=$! i
  for i in $(seq 50); do [ -S "$dir/run/act.sock" ] && break; sleep 0.05; done
  local out
  out="$(python_probe "unix://$dir/run/act.sock")"
  expect_contains "socket-activated Version" "version 0.1.0 v1" "$out"
  [ ! -e "$dir/run/unused.sock" ] || fail "an activated crated bound its own socket"
  for i in $(seq 60); do kill -0 "$act" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$act" 2>/dev/null && fail "socket-activated crated did not exit when idle"
  [ -S "$dir/run/act.sock" ] || fail "the activated socket (systemd's) was removed"
}

test_mutual_tls() {
  local dir="$WORK/tls" port
  mkdir -p "$dir"
  (
    cd "$dir" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=crate-test-ca \
      -keyout ca.key -out ca.crt
    openssl req -newkey rsa:2048 -nodes -subj /CN=crated.test -keyout server.key -out server.csr
    printf 'subjectAltName=DNS:crated.test\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 1 -extfile server.ext -out server.crt
    openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 1 -out client.crt
  ) >/dev/null 2>&1 || { fail "openssl"; return; }
  port="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$CRATED" --run-dir "$dir/run" --root "$dir/root" --idle-timeout 5 \
    --tcp "127.0.0.1:$port" --tls-cert "$dir/server.crt" --tls-key "$dir/server.key" \
    --tls-client-ca "$dir/ca.crt" >"$dir/log" 2>&1 &
  local i
  for i in $(seq 50); do [ -S "$dir/run/crate.sock" ] && break; sleep 0.05; done
  local out
  out="$(python_probe "127.0.0.1:$port" "$dir/ca.crt" "$dir/client.key" "$dir/client.crt")"
  expect_contains "mTLS with a client certificate" "version 0.1.0 v1" "$out"
  out="$(python_probe "127.0.0.1:$port" "$dir/ca.crt" "" "")"
  expect_contains "mTLS without a client certificate" "error UNAVAILABLE" "$out"
  # Without the flags that make it mutual, no TCP at all.
  out="$("$CRATED" --run-dir "$dir/run2" --root "$dir/root2" --tcp "127.0.0.1:$port" 2>&1)"
  expect_contains "--tcp alone refused" "only with mutual TLS" "$out"
}

# Images through the API from Python: a pull from the local registry
# fixture streams per-layer progress, then List, Inspect, Tag and Remove.
test_python_images() {
  use_service images --idle-timeout 10
  "$CRATE" version >/dev/null 2>&1 || fail "start for the images test"
  CRATE_FIXTURE_TMPDIR="$WORK" registry_start >/dev/null || { fail "registry"; return; }
  images_push "$WORK/fixture-images" >/dev/null || { fail "push fixtures"; return; }
  local image
  image="$REGISTRY_HOST/$(jq -r '.images.busybox.repository + ":" + .images.busybox.tag' \
    "$WORK/fixture-images/images.json")"
  local out
  out="$(PYTHONPATH="$WORK/py" "$PY" - "unix://$WORK/images/run/crate.sock" "$image" <<'PY'
import sys
import grpc
from api.proto.crate.v1 import images_pb2 as pb, images_pb2_grpc as rpc
stub = rpc.ImagesStub(grpc.insecure_channel(sys.argv[1]))
ref = sys.argv[2]
last = None
updates = 0
for msg in stub.Pull(pb.PullImageRequest(reference=ref), timeout=60):
    updates += 1
    last = msg
done = [l for l in last.layers if l.state == pb.LayerProgress.DONE and l.bytes_done == l.bytes_total]
print("pulled", bool(last.image.id.startswith("sha256:")), len(done) == len(last.layers) > 0)
listed = stub.List(pb.ListImagesRequest(), timeout=10).images
print("listed", any(ref in i.names for i in listed))
info = stub.Inspect(pb.InspectImageRequest(image=ref), timeout=10)
print("inspect", info.os, info.architecture, len(info.layers) > 0)
stub.Tag(pb.TagImageRequest(source=ref, target="crate-e2e/copy:1"), timeout=10)
names = [n for i in stub.List(pb.ListImagesRequest(filters=["reference=crate-e2e/copy"]), timeout=10).images for n in i.names]
print("tagged", names)
try:
    stub.Inspect(pb.InspectImageRequest(image="no/such:image"), timeout=10)
except grpc.RpcError as e:
    print("missing", e.code().name)
removed = stub.Remove(pb.RemoveImageRequest(image="crate-e2e/copy:1"), timeout=10)
print("untagged", list(removed.untagged))
PY
)"
  expect_contains "python pull" "pulled True True" "$out"
  expect_contains "python list" "listed True" "$out"
  expect_contains "python inspect" "inspect linux amd64 True" "$out"
  expect_contains "python tag" "tagged ['docker.io/crate-e2e/copy:1']" "$out"
  expect_contains "python missing image" "missing NOT_FOUND" "$out"
  expect_contains "python remove" "untagged ['docker.io/crate-e2e/copy:1']" "$out"
  registry_stop >/dev/null 2>&1
}

# The container flow from Python: create, start, logs (followed), wait,
# inspect, remove; then a detached container outlives a crated killed with
# SIGKILL, and the next call (starting crated on demand) sees it running,
# then exited with its code and every log line.
test_python_containers() {
  use_service containers --idle-timeout 30
  "$CRATE" version >/dev/null 2>&1 || fail "start for the containers test"
  CRATE_FIXTURE_TMPDIR="$WORK" registry_start >/dev/null || { fail "registry"; return; }
  images_push "$WORK/fixture-images2" >/dev/null || { fail "push fixtures"; return; }
  local image out
  image="$REGISTRY_HOST/$(jq -r '.images.busybox.repository + ":" + .images.busybox.tag' \
    "$WORK/fixture-images2/images.json")"
  cat >"$WORK/containers.py" <<'PY'
import sys, time
import grpc
from api.proto.crate.v1 import containers_pb2 as c, containers_pb2_grpc as crpc
from api.proto.crate.v1 import images_pb2 as i, images_pb2_grpc as irpc
target, image, step = sys.argv[1:4]
channel = grpc.insecure_channel(target)
ctr = crpc.ContainersStub(channel)
if step == "flow":
    for _ in irpc.ImagesStub(channel).Pull(i.PullImageRequest(reference=image), timeout=60):
        pass
    cid = ctr.Create(c.CreateContainerRequest(name="flow", config=c.ContainerConfig(
        image=image, cmd=["sh", "-c", "echo out-line; echo err-line >&2; exit 3"])), timeout=30).id
    print("created", len(cid))
    try:
        ctr.Create(c.CreateContainerRequest(name="flow", config=c.ContainerConfig(image=image)), timeout=30)
    except grpc.RpcError as e:
        print("duplicate", e.code().name)
    ctr.Start(c.StartContainerRequest(container="flow"), timeout=30)
    lines = [(e.stream, e.line.decode()) for e in ctr.Logs(c.LogsRequest(container="flow", follow=True), timeout=30)]
    print("logs", sorted(l for _, l in lines))
    print("wait", ctr.Wait(c.WaitContainerRequest(container=cid[:12]), timeout=30).exit_code)
    info = ctr.Inspect(c.InspectContainerRequest(container="flow"), timeout=10)
    print("status", c.ContainerStatus.Name(info.summary.status), info.summary.exit_code)
    ctr.Remove(c.RemoveContainerRequest(container="flow"), timeout=30)
    try:
        ctr.Inspect(c.InspectContainerRequest(container="flow"), timeout=10)
    except grpc.RpcError as e:
        print("removed", e.code().name)
    try:
        ctr.Create(c.CreateContainerRequest(config=c.ContainerConfig(image="no/such:image")), timeout=30)
    except grpc.RpcError as e:
        print("unknown image", e.code().name)
elif step == "detached":
    ctr.Create(c.CreateContainerRequest(name="bg", config=c.ContainerConfig(
        image=image, cmd=["sh", "-c", "for n in 1 2 3 4 5 6; do echo tick $n; sleep 0.5; done; exit 7"])), timeout=30)
    ctr.Start(c.StartContainerRequest(container="bg"), timeout=30)
    print("started")
elif step == "status":
    info = ctr.Inspect(c.InspectContainerRequest(container="bg"), timeout=10)
    print("status", c.ContainerStatus.Name(info.summary.status))
elif step == "finish":
    print("wait", ctr.Wait(c.WaitContainerRequest(container="bg"), timeout=30).exit_code)
    lines = [e.line.decode() for e in ctr.Logs(c.LogsRequest(container="bg"), timeout=30)]
    print("logs", lines)
    ctr.Remove(c.RemoveContainerRequest(container="bg"), timeout=30)
PY
  # Cgroups of other crate containers on this machine are not ours to judge.
  local cgroups_before
  cgroups_before="$(find /sys/fs/cgroup/*/crate -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort)"
  local py=(env PYTHONPATH="$WORK/py" "$PY" "$WORK/containers.py" "unix://$WORK/containers/run/crate.sock" "$image")
  out="$("${py[@]}" flow 2>&1)"
  expect_contains "created" "created 64" "$out"
  expect_contains "duplicate name" "duplicate ALREADY_EXISTS" "$out"
  expect_contains "logs" "logs ['err-line', 'out-line']" "$out"
  expect_contains "wait" "wait 3" "$out"
  expect_contains "status" "status EXITED 3" "$out"
  expect_contains "removed" "removed NOT_FOUND" "$out"
  expect_contains "unknown image" "unknown image NOT_FOUND" "$out"

  out="$("${py[@]}" detached 2>&1)"
  expect_contains "detached started" "started" "$out"
  local pid
  pid="$(crated_pids containers/)"
  kill -9 $pid
  sleep 0.3
  [ -z "$(crated_pids containers/)" ] || fail "crated survived SIGKILL"
  # The next call starts crated on demand; the container ran on meanwhile.
  "$CRATE" version >/dev/null 2>&1 || fail "crated on demand after SIGKILL"
  out="$("${py[@]}" status 2>&1)"
  expect_contains "running across a crated crash" "status RUNNING" "$out"
  out="$("${py[@]}" finish 2>&1)"
  expect_contains "exit code after crated crash" "wait 7" "$out"
  expect_contains "every log line" "logs ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'tick 6']" "$out"
  # Nothing of the containers is left: no shim, no mount, no cgroup.
  pgrep -f "crate-shim .*$WORK/" >/dev/null && fail "a shim is left"
  grep -q "$WORK/containers/root" /proc/self/mountinfo && fail "a mount is left"
  local left
  left="$(comm -13 <(echo "$cgroups_before") \
    <(find /sys/fs/cgroup/*/crate -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort))"
  [ -z "$left" ] || fail "a cgroup is left: $(head -3 <<<"$left")"
  registry_stop >/dev/null 2>&1
}

# The main job's path: the built-in busybox archive loaded with the CLI and
# run offline; save writes an archive that loads again; a broken archive is
# refused and adds nothing.
test_load_run_save() {
  use_service archive --idle-timeout 10
  "$here/../fixtures/busybox_archive.sh" "$WORK/busybox.tar" || { fail "busybox archive"; return; }
  local out
  out="$("$CRATE" load -i "$WORK/busybox.tar" 2>&1)"
  expect_eq "load" "Loaded image: busybox:latest" "$out"
  out="$("$CRATE" run --rm busybox sh -c 'echo hello; exit 5' 2>&1)"
  local code=$?
  expect_eq "run from the loaded image" hello "$out"
  expect_eq "run exit code" 5 "$code"
  expect_eq "--rm removed it" "" "$("$CRATE" ps -a -q)"
  "$CRATE" save -o "$WORK/saved.tar" --format oci-archive busybox || fail "save"
  tar tf "$WORK/saved.tar" | grep -qx "index.json" || fail "saved archive has no index.json"
  "$CRATE" rmi busybox >/dev/null || fail "rmi"
  out="$("$CRATE" load -i "$WORK/saved.tar" 2>&1)"
  expect_contains "load of a saved archive" "Loaded image: busybox:latest" "$out"
  head -c 5000 /dev/urandom >"$WORK/garbage.tar"
  out="$("$CRATE" load -i "$WORK/garbage.tar" 2>&1)"
  code=$?
  expect_eq "garbage archive: exit" 125 "$code"
  expect_contains "garbage archive refused" "Error:" "$out"
  expect_eq "garbage archive added nothing" 1 "$("$CRATE" images -q | wc -l)"
}

# crate.toml: the file's settings under the flags, and a broken file
# refused with its line and key.
test_config_file() {
  mkdir -p "$WORK/conf"
  cat >"$WORK/conf/crate.toml" <<EOF
[storage]
root = "$WORK/conf/root-from-file"

[service]
idle_timeout = 1

[network]
default = "none"

[logs]
max_size = "128KiB"
EOF
  use_service conf --config "$WORK/conf/crate.toml"
  unset CRATE_ROOT  # else the CLI starts crated with --root, over the file
  local out
  out="$("$CRATE" info --format '{{.RootDir}} {{.IdleTimeoutSeconds}}' 2>&1)"
  expect_eq "info shows the file's root and idle timeout" \
    "$WORK/conf/root-from-file 1" "$out"
  "$here/../fixtures/busybox_archive.sh" "$WORK/conf/busybox.tar" >/dev/null &&
    "$CRATE" load -i "$WORK/conf/busybox.tar" >/dev/null || fail "config: load"
  out="$("$CRATE" run --rm busybox ls /sys/class/net 2>&1)"
  expect_eq "default network none: only loopback" "lo" "$out"
  # Idle exit after the file's 1 s.
  local i
  for i in $(seq 60); do
    [ -z "$(crated_pids conf/)" ] && break
    sleep 0.1
  done
  [ -z "$(crated_pids conf/)" ] || fail "crated did not exit after the file's idle timeout"

  printf '[service]\nidle_timout = 3\n' >"$WORK/conf/bad.toml"
  out="$("$CRATED" --config "$WORK/conf/bad.toml" --run-dir "$WORK/conf/badrun" \
    --root "$WORK/conf/badroot" 2>&1)"
  local code=$?
  expect_eq "a bad config file: exit" 1 "$code"
  expect_contains "a bad config file names file, line and key" \
    "$WORK/conf/bad.toml:2: service.idle_timout: unknown key" "$out"
  out="$("$CRATED" --config "$WORK/conf/missing.toml" --run-dir "$WORK/conf/badrun" 2>&1)"
  expect_contains "a missing --config is named" "$WORK/conf/missing.toml" "$out"
}

make_python_stubs
for t in test_on_demand_and_idle_exit test_racing_clients_start_one \
  test_refused_callers test_python_client test_python_images \
  test_python_containers test_load_run_save test_socket_activation \
  test_mutual_tls test_config_file; do
  echo "== $t"
  "$t"
done
if [ "$FAILED" != 0 ]; then
  echo "crated_e2e_test: FAILED"
  exit 1
fi
echo "crated_e2e_test: all passed"
