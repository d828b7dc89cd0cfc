#!/usr/bin/env bash
# Named volumes end to end through the crate CLI, a private crated
# (started on demand) and real containers, as root: volume create, ls,
# inspect, rm and prune; data written through a volume by one container
# and read by the next; copy-up of the image's files into a new volume
# (owners, modes, symlinks); read-only volumes; removal refused while a
# container uses a volume; anonymous volumes (-v /path and an image's
# VOLUME) and rm -v; and hostile input: bad names, and a volume whose data
# directory was replaced by a symlink to /etc. Everything it makes is
# removed at the end, whatever happened.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"
bin() { fixture_binary "$@" || exit 1; }
CRATE="$(bin cli/crate crate)"
CRATED="$(bin cli/crated crated)"
CRATE_RUNTIME="$(bin cli/crate-runtime crate-runtime)"
bin cli/crate-shim crate-shim >/dev/null

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (containers, mounts, cgroups)"
  exit 0
fi

# Short: a shim's socket path must fit in sun_path's 108 bytes.
WORK="$(mktemp -d /tmp/cvol.XXXXXX)"
chmod 755 "$WORK"
export CRATE_HOST="unix://$WORK/r/crate.sock"
export CRATE_ROOT="$WORK/root"
export CRATE_CRATED_ARGS="--idle-timeout 60"
VOLUMES="$CRATE_ROOT/volumes"
# What a container must never manage to write on the host.
CANARY="crate-volume-test-$$-$RANDOM"
FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; }
expect_ne() { [ "$2" != "$3" ] || fail "$1: expected anything but [$2]"; }
expect_contains() {
  case "$3" in *"$2"*) ;; *) fail "$1: expected to contain [$2], got [$3]" ;; esac
}
expect_not_contains() {
  case "$3" in *"$2"*) fail "$1: expected not to contain [$2], got [$3]" ;; esac
}
expect_match() {  # expect_match WHAT EXTENDED-REGEX TEXT
  grep -Eq -- "$2" <<<"$3" || fail "$1: expected a line matching /$2/, got [$3]"
}

# crate ARGS...: runs the CLI with no stdin; sets OUT, ERR and RC.
crate() {
  "$CRATE" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT="$(cat "$WORK/out")"
  ERR="$(cat "$WORK/err")"
}
volume_names() { "$CRATE" volume ls -q </dev/null 2>/dev/null; }
mounts_under_work() { grep -c " $WORK" /proc/self/mountinfo; }

crated_pids() { pgrep -f "crated .*--run-dir $WORK/"; }
cleanup() {
  local p id rt m
  if [ -n "$(crated_pids)" ]; then
    for id in $("$CRATE" ps -aq --no-trunc 2>/dev/null); do
      "$CRATE" rm -f "$id" >/dev/null 2>&1
    done
  fi
  for p in $(jobs -p); do kill "$p" 2>/dev/null; done
  for p in $(crated_pids); do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in $(crated_pids) $(pgrep -f "crate-shim .*$WORK/"); do kill -9 "$p" 2>/dev/null; done
  rt="$WORK/r/runtime"
  if [ -d "$rt" ]; then
    for id in $(ls "$rt"); do "$CRATE_RUNTIME" --root "$rt" delete --force "$id" >/dev/null 2>&1; done
  fi
  grep -o " $WORK[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  # The symlink planted to /etc goes first, so that nothing below can
  # reach through it.
  find "$WORK" -maxdepth 4 -type l -lname /etc -delete 2>/dev/null
  rm -f "/etc/$CANARY"
  rm -rf "$WORK"
}
trap cleanup EXIT

# The built-in busybox, and the same with a second layer holding /var/www
# (owned 33:33, a 0640 page, a symlink) declared a VOLUME, as an nginx-like
# image would.
"$here/../fixtures/busybox_archive.sh" "$WORK/busybox.tar" || { echo "FAIL: busybox archive"; exit 1; }
/usr/bin/python3 - "$WORK/busybox.tar" "$WORK/www.tar" <<'PY' || { echo "FAIL: www archive"; exit 1; }
import gzip, hashlib, io, json, sys, tarfile
src, out = sys.argv[1:3]
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
blobs = {}
with tarfile.open(src) as t:
    for m in t.getmembers():
        if m.isfile():
            blobs[m.name] = t.extractfile(m).read()
index = json.loads(blobs["index.json"])
manifest = json.loads(blobs["blobs/sha256/" + index["manifests"][0]["digest"][7:]])
config = json.loads(blobs["blobs/sha256/" + manifest["config"]["digest"][7:]])
def info(name, kind, mode, uid=0, gid=0, **kw):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.uid, i.gid, i.mtime = kind, mode, uid, gid, 946684800
    for k, v in kw.items():
        setattr(i, k, v)
    return i
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
    tar.addfile(info("var/www", tarfile.DIRTYPE, 0o750, 33, 33))
    page = b"hello from the image\n"
    tar.addfile(info("var/www/index.html", tarfile.REGTYPE, 0o640, 33, 33, size=len(page)), io.BytesIO(page))
    tar.addfile(info("var/www/sub", tarfile.DIRTYPE, 0o755, 33, 33))
    tar.addfile(info("var/www/sub/home", tarfile.SYMTYPE, 0o777, linkname="../index.html"))
raw = layer.getvalue()
gz = gzip.compress(raw, mtime=0)
config["config"]["Volumes"] = {"/var/www": {}}
config["rootfs"]["diff_ids"].append(sha(raw))
config["history"].append({"created": "2000-01-01T00:00:00Z", "created_by": "volume_e2e_test"})
cfg = json.dumps(config, sort_keys=True).encode()
manifest["config"].update(digest=sha(cfg), size=len(cfg))
manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                           "digest": sha(gz), "size": len(gz)})
man = json.dumps(manifest, sort_keys=True).encode()
index["manifests"] = [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": sha(man), "size": len(man),
                       "annotations": {"org.opencontainers.image.ref.name": "docker.io/library/www:latest"}}]
for b in (cfg, man, gz):
    blobs["blobs/sha256/" + sha(b)[7:]] = b
blobs["index.json"] = json.dumps(index, sort_keys=True).encode()
with tarfile.open(out, "w") as tar:
    for name, b in sorted(blobs.items()):
        tar.addfile(info(name, tarfile.REGTYPE, 0o644, size=len(b)), io.BytesIO(b))
PY
crate load -i "$WORK/busybox.tar"
expect_eq "load busybox" 0 "$RC"
crate load -i "$WORK/www.tar"
expect_eq "load www" 0 "$RC"

test_help() {
  local c
  for c in "volume" "volume create" "volume ls" "volume inspect" "volume rm" "volume prune"; do
    # shellcheck disable=SC2086
    crate $c --help
    expect_eq "$c --help rc" 0 "$RC"
    expect_contains "$c --help" "Usage: crate $c" "$OUT"
  done
  crate --help
  expect_contains "--help lists volume" "Manage volumes" "$OUT"
}

test_create_ls_inspect() {
  crate volume create v1
  expect_eq "create rc" 0 "$RC"
  expect_eq "create prints the name" v1 "$OUT"
  crate volume create v1
  expect_eq "create again rc" 125 "$RC"
  expect_contains "create again" "volume v1 already exists" "$ERR"
  crate volume create --label tier=db --label keep lab1
  expect_eq "create with labels" 0 "$RC"
  crate volume create
  expect_match "a generated name" "^[0-9a-f]{64}$" "$OUT"
  local generated="$OUT"
  crate volume ls
  expect_eq "ls rc" 0 "$RC"
  expect_eq "ls header" "DRIVER    VOLUME NAME" "$(head -n1 <<<"$OUT")"
  expect_match "ls row" "^local +v1$" "$OUT"
  crate volume ls -q --filter label=tier=db
  expect_eq "ls --filter label" lab1 "$OUT"
  crate volume ls -q --filter name=lab
  expect_eq "ls --filter name" lab1 "$OUT"
  crate volume ls --format '{{.Name}} {{.Labels}}' --filter label=keep
  expect_eq "ls --format" "lab1 keep=,tier=db" "$OUT"
  crate volume ls --format json --filter name=v1
  expect_eq "ls --format json" "$VOLUMES/v1/_data" "$(jq -r .Mountpoint <<<"$OUT")"
  crate volume ls --filter bogus=1
  expect_eq "ls bad filter rc" 125 "$RC"
  crate volume inspect v1 lab1
  expect_eq "inspect rc" 0 "$RC"
  expect_eq "inspect Name" v1 "$(jq -r '.[0].Name' <<<"$OUT")"
  expect_eq "inspect Mountpoint" "$VOLUMES/v1/_data" "$(jq -r '.[0].Mountpoint' <<<"$OUT")"
  expect_eq "inspect Labels" db "$(jq -r '.[1].Labels.tier' <<<"$OUT")"
  expect_eq "inspect Scope" local "$(jq -r '.[0].Scope' <<<"$OUT")"
  expect_match "inspect CreatedAt" '"CreatedAt": "[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$OUT"
  crate volume inspect -f '{{.Driver}}:{{.Name}}' v1
  expect_eq "inspect -f" "local:v1" "$OUT"
  crate volume inspect nosuch
  expect_eq "inspect missing rc" 125 "$RC"
  expect_contains "inspect missing" "no such volume: nosuch" "$ERR"
  crate volume rm "$generated" lab1
  expect_eq "rm rc" 0 "$RC"
  expect_eq "rm prints the names" "$generated
lab1" "$OUT"
}

test_shared_between_containers() {
  crate run --rm -v v1:/data busybox sh -c 'echo written by one > /data/f'
  expect_eq "writer rc" 0 "$RC"
  crate run --rm -v v1:/data busybox cat /data/f
  expect_eq "reader rc" 0 "$RC"
  expect_eq "read by the next" "written by one" "$OUT"
  expect_eq "on the host" "written by one" "$(cat "$VOLUMES/v1/_data/f" 2>/dev/null)"
  # Named at run: made on first use, as docker does.
  crate run --rm -v fresh:/x busybox true
  expect_eq "run with a new name rc" 0 "$RC"
  expect_contains "made on first use" fresh "$(volume_names)"
}

test_copy_up() {
  crate run --rm -v etcvol:/etc busybox cat /etc/passwd
  expect_eq "copy-up rc" 0 "$RC"
  expect_contains "the image's /etc in the new volume" "root:x:0:0" "$OUT"
  [ -f "$VOLUMES/etcvol/_data/group" ] || fail "copy-up: group not copied"
  crate run --rm -v www:/var/www www ls -ln /var/www
  expect_match "owner and mode kept" "^-rw-r----- +1 +33 +33 .* index.html$" "$OUT"
  expect_eq "owner on the host" "33 33 640" "$(stat -c '%u %g %a' "$VOLUMES/www/_data/index.html" 2>&1)"
  expect_eq "volume root takes the image's directory" "33 33 750" "$(stat -c '%u %g %a' "$VOLUMES/www/_data" 2>&1)"
  expect_eq "symlink kept" "../index.html" "$(readlink "$VOLUMES/www/_data/sub/home")"
  crate run --rm -v www:/var/www www cat /var/www/sub/home
  expect_eq "through the symlink" "hello from the image" "$OUT"
  # Not into a volume that holds anything, and not with nocopy.
  crate run --rm -v v1:/var/www www ls /var/www
  expect_eq "a used volume is not filled" "f" "$OUT"
  crate run --rm -v bare:/etc:nocopy busybox ls -A /etc
  expect_eq "nocopy rc" 0 "$RC"
  expect_eq "nocopy leaves it empty" "" "$OUT"
}

test_read_only() {
  crate run --rm -v v1:/data:ro busybox sh -c 'echo x > /data/g'
  expect_ne "write to a :ro volume fails" 0 "$RC"
  expect_contains "read-only" "Read-only file system" "$OUT$ERR"
  [ ! -e "$VOLUMES/v1/_data/g" ] || fail ":ro: the write reached the volume"
  crate run --rm -v v1:/data:ro busybox cat /data/f
  expect_eq ":ro still reads" "written by one" "$OUT"
}

test_in_use() {
  crate create --name holder -v v1:/data busybox true
  expect_eq "create holder rc" 0 "$RC"
  local holder="$OUT"
  crate volume rm v1
  expect_eq "rm in use rc" 125 "$RC"
  expect_contains "rm in use names the volume and container" "volume v1 is in use by container holder" "$ERR"
  expect_contains "still there" v1 "$(volume_names)"
  crate volume prune -f -a
  expect_not_contains "prune -a keeps a volume in use" $'\nv1\n' $'\n'"$OUT"$'\n'
  crate volume inspect v1
  expect_eq "inspect shows it" 0 "$RC"
  crate volume rm -f v1
  expect_eq "rm -f rc" 0 "$RC"
  expect_not_contains "forced removal" v1 "$(volume_names)"
  crate rm -f "$holder"
  expect_eq "rm holder" 0 "$RC"
}

anonymous_of() {  # the anonymous volumes a container's record names
  jq -r '.config.volumes[]? | select(.anonymous) | .name' "$CRATE_ROOT/containers/$1/container.json" 2>/dev/null
}

test_anonymous() {
  crate create --name anon -v keepme:/k -v /scratch busybox true
  expect_eq "create with -v /path rc" 0 "$RC"
  local id="$OUT" a
  a="$(anonymous_of "$id")"
  expect_match "an anonymous volume" "^[0-9a-f]{64}$" "$a"
  expect_contains "listed" "$a" "$(volume_names)"
  # (-f: crate refuses to remove a created container without it.)
  crate rm -f -v anon
  expect_eq "rm -v rc" 0 "$RC"
  expect_not_contains "rm -v drops the anonymous volume" "$a" "$(volume_names)"
  expect_contains "rm -v keeps the named one" keepme "$(volume_names)"

  # The image's VOLUME: an anonymous volume filled from the image.
  crate create --name img www true
  id="$OUT"
  a="$(anonymous_of "$id")"
  expect_match "image VOLUME: anonymous" "^[0-9a-f]{64}$" "$a"
  expect_eq "image VOLUME: filled" "hello from the image" "$(cat "$VOLUMES/$a/_data/index.html" 2>&1)"
  crate rm -f img
  expect_contains "rm without -v keeps it" "$a" "$(volume_names)"

  # run --rm takes its anonymous volumes with it, as docker's does.
  local before
  before="$(volume_names)"
  crate run --rm -v /tmp/anon busybox true
  expect_eq "run --rm -v /path rc" 0 "$RC"
  expect_eq "run --rm leaves no anonymous volume" "$before" "$(volume_names)"

  # Prune asks first; declining (or no answer) removes nothing.
  crate volume prune
  expect_eq "prune without an answer rc" 0 "$RC"
  expect_contains "prune asks" "WARNING! This will remove anonymous local volumes" "$OUT"
  expect_contains "still there after no answer" "$a" "$(volume_names)"
  OUT="$(echo y | "$CRATE" volume prune 2>&1)"
  expect_contains "prune with y" "Deleted Volumes:" "$OUT"
  expect_contains "prune removes the anonymous one" "$a" "$OUT"
  expect_match "prune reports the space" "^Total reclaimed space: [0-9.]+[kMG]?B$" "$OUT"
  expect_not_contains "gone" "$a" "$(volume_names)"
  expect_contains "plain prune keeps named volumes" keepme "$(volume_names)"
  crate volume prune -f --filter label=nope
  expect_eq "prune with a filter rc" 0 "$RC"
  expect_eq "nothing to prune" "Total reclaimed space: 0B" "$OUT"
}

test_hostile_names() {
  local name
  for name in "a/b" ".." "../etc" "x" "-v" "$(printf 'a%.0s' $(seq 300))"; do
    crate volume create -- "$name"
    expect_eq "create \"${name:0:20}\" rc" 125 "$RC"
    expect_contains "create \"${name:0:20}\"" "invalid volume name" "$ERR"
  done
  crate volume inspect ../../etc
  expect_eq "inspect ../../etc" 125 "$RC"
  crate volume rm ../../etc
  expect_eq "rm ../../etc" 125 "$RC"
  [ -f /etc/passwd ] || fail "/etc/passwd is gone"
  crate run --rm -v '../etc:/x' busybox true
  expect_eq "run -v ../etc:/x" 125 "$RC"
  crate run --rm -v 'a/b:/x' busybox true
  expect_eq "run -v a/b:/x" 125 "$RC"
  expect_eq "no volume made by hostile names" "" "$(ls "$VOLUMES" | grep -Ev '^(etcvol|www|bare|fresh|keepme)$')"

  # A data directory replaced by a symlink to /etc is not mounted: the
  # container never gets to write the host's /etc.
  crate volume create evil
  rm -rf "$VOLUMES/evil/_data" && ln -s /etc "$VOLUMES/evil/_data"
  crate run --rm -v evil:/data busybox sh -c "echo pwned > /data/$CANARY"
  expect_eq "symlinked data dir rc" 125 "$RC"
  expect_contains "symlinked data dir refused" "not a directory of its own" "$ERR"
  [ ! -e "/etc/$CANARY" ] || fail "a container wrote the host's /etc through a volume"
  crate volume ls
  expect_eq "ls with a damaged volume rc" 0 "$RC"
  crate volume rm evil
  expect_eq "rm of the damaged volume rc" 0 "$RC"
  [ -f /etc/passwd ] && [ -f /etc/group ] || fail "removing the volume touched /etc"
  [ ! -e "$VOLUMES/evil" ] || fail "evil is still there"
}

test_prune_all_and_leftovers() {
  crate volume prune -f -a
  expect_eq "prune -a rc" 0 "$RC"
  expect_contains "prune -a removes named ones" keepme "$OUT"
  expect_eq "nothing left" "" "$(volume_names)"
  crate volume prune -a --filter all=true -f
  expect_eq "-a with all= is refused" 125 "$RC"
  expect_eq "no container left" "" "$("$CRATE" ps -aq </dev/null)"
  expect_eq "no mount left under the test's directory" 0 "$(mounts_under_work)"
}

test_help
test_create_ls_inspect
test_shared_between_containers
test_copy_up
test_read_only
test_in_use
test_anonymous
test_hostile_names
test_prune_all_and_leftovers

if [ "$FAILED" = 0 ]; then
  echo "PASS"
else
  exit 1
fi
