#!/usr/bin/env bash
# crate's registry and housekeeping commands end to end, as a docker user
# drives them: login, logout, push and pull back against the local
# registry fixture with htpasswd auth; container prune, image prune,
# system prune and system df with real containers and images, their
# counts checked. A private crated is started on demand by the CLI, with
# its own auth file ($DOCKER_CONFIG). Everything it makes is removed at the
# end, whatever happened.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../fixtures/lib.sh
source "$here/../fixtures/lib.sh"
# shellcheck source=../fixtures/private_crated.sh
source "$here/../fixtures/private_crated.sh"
bin() { fixture_binary "$@" || exit 1; }
CRATE="$(bin cli/crate crate)"
CRATED="$(bin cli/crated crated)"
CRATE_RUNTIME="$(bin cli/crate-runtime crate-runtime)"
SHIM="$(dirname "$(readlink -f "$CRATED")")/../crate-shim/crate-shim"

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (containers, mounts, cgroups)"
  exit 0
fi

# Short: a shim's socket path must fit in sun_path's 108 bytes.
private_crated_setup cradm
# crated inherits it: logins go to $WORK/docker/config.json.
export DOCKER_CONFIG="$WORK/docker"
AUTH_FILE="$DOCKER_CONFIG/config.json"
FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; }
expect_contains() {
  case "$3" in *"$2"*) ;; *) fail "$1: expected to contain [$2], got [$3]" ;; esac
}
expect_not_contains() {
  case "$3" in *"$2"*) fail "$1: expected not to contain [$2], got [$3]" ;; esac
}
expect_match() {  # expect_match WHAT EXTENDED-REGEX TEXT
  grep -Eq -- "$2" <<<"$3" || fail "$1: expected a line matching /$2/, got [$3]"
}

# crate ARGS...: runs the CLI with stdin from /dev/null; sets OUT, ERR, RC.
# A guard, not an assertion on time: a hung command fails the test
# instead of hanging it.
crate() {
  timeout 300 "$CRATE" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT="$(cat "$WORK/out")"
  ERR="$(cat "$WORK/err")"
}
# crate_in INPUT ARGS...: the same with INPUT (printf %b) on stdin.
crate_in() {
  local input="$1"
  shift
  printf '%b' "$input" | timeout 300 "$CRATE" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT="$(cat "$WORK/out")"
  ERR="$(cat "$WORK/err")"
}

cleanup() {
  if declare -F registry_stop >/dev/null; then registry_stop >/dev/null 2>&1; fi
  private_crated_cleanup
}
trap cleanup EXIT

CRATE_FIXTURE_TMPDIR="$WORK" registry_start --auth >/dev/null || { echo "FAIL: registry"; exit 1; }
images_push "$WORK/images" busybox layers >/dev/null || { echo "FAIL: pushing the test images"; exit 1; }
HOST="$REGISTRY_HOST"
IMG="$HOST/crate-test/busybox"
OTHER="$HOST/crate-test/layers"
PUSHED="$HOST/crate-test/pushed"
# A second user whose password has a newline and non-ASCII letters; the
# registry reads its htpasswd file again when it changes.
HOSTILE_PASSWORD="$(printf 'p\303\244ss\nw\342\234\223rd \\ "q"')"
htpasswd -Bbn hostile "$HOSTILE_PASSWORD" >>"$REGISTRY_DIR/htpasswd" ||
  { echo "FAIL: htpasswd"; exit 1; }

# The credentials stored for a registry, decoded ("user:password").
stored_auth() {
  [ -f "$AUTH_FILE" ] || return 0
  jq -r --arg h "$1" '.auths[$h].auth // empty' "$AUTH_FILE" | base64 -d
}
login_good() {
  crate_in "$REGISTRY_PASSWORD\n" login -u "$REGISTRY_USER" --password-stdin "$HOST"
  expect_eq "login rc" 0 "$RC"
}

test_usage() {
  local c
  for c in push login logout "image push" "image prune" "container prune" \
    "system prune" "system df"; do
    # shellcheck disable=SC2086
    crate $c --help
    expect_eq "$c --help rc" 0 "$RC"
    expect_contains "$c --help" "Usage: crate $c" "$OUT"
  done
  crate system df -v --format json
  expect_eq "df -v with --format rc" 125 "$RC"
}

test_login_refused() {
  crate login -u "$REGISTRY_USER" -p wrong-password "$HOST"
  expect_eq "bad login rc (docker's 1)" 1 "$RC"
  expect_contains "bad login names the registry" "$HOST" "$ERR"
  expect_contains "-p warns" "WARNING! Using --password via the CLI is insecure. Use --password-stdin." "$ERR"
  expect_not_contains "bad login" "Login Succeeded" "$OUT"
  expect_eq "bad login stores nothing" "" "$(stored_auth "$HOST")"

  crate_in "$HOSTILE_PASSWORD-not\n" login -u hostile --password-stdin "$HOST"
  expect_eq "bad hostile password rc" 1 "$RC"
  expect_contains "bad hostile password names the registry" "$HOST" "$ERR"
  expect_eq "bad hostile password stores nothing" "" "$(stored_auth "$HOST")"

  crate_in "x\n" login -u a -p b --password-stdin "$HOST"
  expect_eq "-p with --password-stdin rc" 1 "$RC"
  expect_contains "-p with --password-stdin" "mutually exclusive" "$ERR"
  crate_in "x\n" login --password-stdin "$HOST"
  expect_eq "--password-stdin without -u rc" 1 "$RC"
  expect_contains "--password-stdin without -u" "Must provide --username" "$ERR"
  crate login "$HOST"
  expect_eq "interactive login without a terminal rc" 1 "$RC"
  expect_contains "interactive login without a terminal" "non TTY device" "$ERR"

  # Nothing listens on port 1 of loopback: refused at once, and named.
  crate_in "x\n" login -u a --password-stdin 127.0.0.1:1
  expect_eq "unreachable registry rc" 1 "$RC"
  expect_contains "unreachable registry is named" "127.0.0.1:1" "$ERR"
  # A server that names no host at all.
  crate_in "x\n" login -u a --password-stdin /etc/passwd
  expect_eq "a path for a server rc" 1 "$RC"
  expect_contains "a path for a server" "is not a registry host" "$ERR"
  [ ! -f "$AUTH_FILE" ] || expect_eq "refused logins leave no entries" "{}" \
    "$(jq -c '.auths // {}' "$AUTH_FILE")"
}

test_login_logout() {
  login_good
  expect_eq "login output" "Login Succeeded" "$OUT"
  expect_eq "auth file mode" 600 "$(stat -c %a "$AUTH_FILE")"
  expect_eq "stored credentials" "$REGISTRY_USER:$REGISTRY_PASSWORD" "$(stored_auth "$HOST")"
  crate logout "$HOST"
  expect_eq "logout rc" 0 "$RC"
  expect_eq "logout output" "Removing login credentials for $HOST" "$OUT"
  expect_eq "logout removed the entry" "" "$(stored_auth "$HOST")"
  crate logout "$HOST"
  expect_eq "logout again rc" 0 "$RC"
  expect_eq "logout again" "Not logged in to $HOST" "$OUT"
  crate logout
  expect_eq "logout of Docker Hub rc" 0 "$RC"
  expect_eq "logout of Docker Hub" "Not logged in to https://index.docker.io/v1/" "$OUT"

  # A server written with a scheme and a path is its host, as with docker.
  crate_in "$REGISTRY_PASSWORD" login -u "$REGISTRY_USER" --password-stdin "http://$HOST/v2/some/path"
  expect_eq "login with scheme and path rc" 0 "$RC"
  expect_eq "stored under the host" "[\"$HOST\"]" "$(jq -c '.auths | keys' "$AUTH_FILE")"
  crate logout "https://$HOST/"
  expect_eq "logout with scheme" "Removing login credentials for $HOST" "$OUT"

  # The password with a newline, non-ASCII letters, a backslash and
  # quotes, trailing newline trimmed as docker trims it, stored as it is.
  crate_in "$HOSTILE_PASSWORD\n" login -u hostile --password-stdin "$HOST"
  expect_eq "hostile password login rc" 0 "$RC"
  expect_eq "hostile password stored exactly" "hostile:$HOSTILE_PASSWORD" "$(stored_auth "$HOST")"
  jq -e . "$AUTH_FILE" >/dev/null || fail "the auth file is not JSON after the hostile password"
  crate pull "$IMG"
  expect_eq "pull with the hostile user's credentials rc" 0 "$RC"
  crate logout "$HOST"
  expect_eq "hostile logout rc" 0 "$RC"
}

test_push_and_pull_back() {
  crate tag "$IMG" "$PUSHED:v1"
  expect_eq "tag rc" 0 "$RC"
  # Logged out: the registry wants credentials.
  crate push "$PUSHED:v1"
  expect_eq "push without credentials rc" 125 "$RC"
  expect_contains "push without credentials names the registry" "$HOST" "$ERR"
  expect_match "push without credentials says why" "401|[Uu]nauthori[sz]ed|authentication" "$ERR"

  login_good
  crate push "$PUSHED:v1"
  expect_eq "push rc" 0 "$RC"
  expect_not_contains "push with a tag" "Using default tag" "$OUT"
  expect_eq "push's first line" "The push refers to repository [$PUSHED]" "$(head -n1 <<<"$OUT")"
  expect_match "push layer line" "^[0-9a-f]{12}: (Pushed|Layer already exists)$" "$OUT"
  expect_match "push's last line" "^v1: digest: sha256:[0-9a-f]{64} size: [0-9]+$" "$(tail -n1 <<<"$OUT")"
  local digest
  digest="$(tail -n1 <<<"$OUT" | awk '{print $3}')"
  expect_eq "the registry has what push said" "$digest" \
    "$(skopeo inspect --tls-verify=false --creds "$REGISTRY_USER:$REGISTRY_PASSWORD" \
      "docker://$PUSHED:v1" | jq -r .Digest)"
  crate push "$PUSHED:v1"
  expect_eq "push again rc" 0 "$RC"
  expect_eq "push again: every layer exists" "" \
    "$(grep -E '^[0-9a-f]{12}: ' <<<"$OUT" | grep -v ': Layer already exists$')"
  crate push -q "$PUSHED:v1"
  expect_eq "push -q" "$PUSHED:v1" "$OUT"
  crate tag "$IMG" "$PUSHED"
  crate push "$PUSHED"
  expect_eq "push default tag rc" 0 "$RC"
  expect_eq "push default tag" "Using default tag: latest" "$(head -n1 <<<"$OUT")"
  crate push "$HOST/crate-test/nosuch:1"
  expect_eq "push of a missing image rc" 125 "$RC"

  # Back by digest, after the local names are gone.
  crate rmi "$PUSHED:v1" "$PUSHED:latest"
  crate pull "$PUSHED@$digest"
  expect_eq "pull by digest rc" 0 "$RC"
  crate images --digests --format '{{.Digest}}'
  expect_contains "pulled by digest" "$digest" "$OUT"
  crate logout "$HOST"
}

# docker system df's summary: "TOTAL ACTIVE" of a type.
df_counts() {
  "$CRATE" system df --format '{{.Type}}|{{.TotalCount}} {{.Active}}' </dev/null |
    awk -F'|' -v t="$1" '$1 == t {print $2}'
}
df_field() {  # df_field TYPE FIELD
  "$CRATE" system df --format "{{.Type}}|{{.$2}}" </dev/null |
    awk -F'|' -v t="$1" '$1 == t {print $2}'
}

test_container_prune_and_df() {
  crate images -q
  local images
  images="$(wc -l <<<"$OUT")"
  crate run --name done1 "$IMG" true
  crate create --name fresh "$IMG" true
  expect_eq "create rc" 0 "$RC"
  crate run -d --name live "$IMG" sleep 300
  expect_eq "run -d rc" 0 "$RC"
  crate run --name keep -l keep=yes "$IMG" true
  # 2 MiB in the writable layer, and a hard link to it that adds nothing.
  crate run --name writer "$IMG" sh -c 'dd if=/dev/zero of=/big bs=1024 count=2048 2>/dev/null && ln /big /big2 && echo written'
  expect_eq "writer" "written" "$OUT"

  crate system df
  expect_eq "df rc" 0 "$RC"
  expect_match "df header" "^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$" "$OUT"
  expect_match "df images row" "^Images +$images +1 +[0-9.]+[kMG]?B +[0-9.]+[kMG]?B( \([0-9]+%\))?$" "$OUT"
  expect_match "df containers row" "^Containers +5 +1 +[0-9.]+[kMG]?B +[0-9.]+[kMG]?B \([0-9]+%\)$" "$OUT"
  expect_match "df volumes row" "^Local Volumes +[0-9]+ +[0-9]+ +" "$OUT"
  expect_eq "df containers (json)" "5" "$("$CRATE" system df --format json | jq -r 'select(.Type == "Containers") | .TotalCount')"
  crate system df -v
  expect_eq "df -v rc" 0 "$RC"
  expect_contains "df -v images" "Images space usage:" "$OUT"
  expect_match "df -v image header" "^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$" "$OUT"
  expect_match "df -v busybox has its containers" "^$IMG +latest +[0-9a-f]{12} .* 5$" "$OUT"
  expect_match "df -v container header" "^CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES$" "$OUT"
  # 2 MiB once, not twice for the hard link, plus the layer's directories
  # and the log: docker's 2.1MB.
  expect_match "df -v writer's writable layer" " 2\.1MB .* writer$" "$OUT"
  expect_contains "df -v volumes" "Local Volumes space usage:" "$OUT"

  # No -f: docker's prompt, read from stdin even when it is no terminal.
  crate_in "n\n" container prune
  expect_eq "prune answered n rc" 0 "$RC"
  expect_eq "prune's prompt" "WARNING! This will remove all stopped containers.
Are you sure you want to continue? [y/N] " "$OUT"
  crate container prune
  expect_eq "prune at the end of input rc" 0 "$RC"
  crate ps -a -q
  expect_eq "nothing pruned unasked" 5 "$(wc -l <<<"$OUT")"

  crate container prune -f --filter bogus=1
  expect_eq "bad filter rc" 125 "$RC"
  expect_contains "bad filter" "invalid filter \"bogus=1\"" "$ERR"
  crate container prune -f --filter until=1h
  expect_eq "until=1h rc" 0 "$RC"
  expect_eq "until=1h prunes nothing this young" "Total reclaimed space: 0B" "$OUT"
  local keep_id
  keep_id="$("$CRATE" inspect -f '{{.Id}}' keep)"
  crate container prune -f --filter label=keep=yes
  expect_eq "label prune rc" 0 "$RC"
  expect_eq "label prune" "Deleted Containers:
$keep_id

Total reclaimed space: $(tail -n1 <<<"$OUT" | sed 's/.*: //')" "$OUT"

  crate_in "y\n" container prune --filter label!=keep=yes
  expect_eq "prune rc" 0 "$RC"
  expect_contains "prune lists" "Deleted Containers:" "$OUT"
  expect_eq "prune removed done1, fresh (created) and writer" 3 \
    "$(grep -cE '^[0-9a-f]{64}$' <<<"$OUT")"
  expect_match "prune reclaimed the writer's 2 MiB" "^Total reclaimed space: 2\.[0-9]+MB$" "$OUT"
  crate ps -a --format '{{.Names}}'
  expect_eq "only the running one is left" "live" "$OUT"
  expect_eq "df after the prune" "1 1" "$(df_counts Containers)"
}

test_image_and_system_prune() {
  login_good
  # A dangling image: pulled by digest, it has no tag.
  local other_digest
  other_digest="$(jq -r .images.layers.pushed_digest "$WORK/images/pushed.json")"
  crate pull "$OTHER@$other_digest"
  expect_eq "pull by digest rc" 0 "$RC"
  local other_id
  other_id="$("$CRATE" image inspect -f '{{.Id}}' "$OTHER@$other_digest")"
  crate images -q
  local before
  before="$(wc -l <<<"$OUT")"

  crate image prune -f --filter label=nosuch
  expect_eq "image prune with an unmet label rc" 0 "$RC"
  expect_eq "image prune with an unmet label" "Total reclaimed space: 0B" "$OUT"
  crate_in "n\n" image prune
  expect_eq "image prune's prompt" "WARNING! This will remove all dangling images.
Are you sure you want to continue? [y/N] " "$OUT"
  crate image prune -f
  expect_eq "image prune rc" 0 "$RC"
  expect_eq "image prune deletes the dangling one" "Deleted Images:
deleted: $other_id" "$(head -n2 <<<"$OUT")"
  expect_match "image prune reclaims its own layers" "^Total reclaimed space: [0-9.]+[kM]B$" "$OUT"
  crate images -q
  expect_eq "one image fewer" "$((before - 1))" "$(wc -l <<<"$OUT")"

  # -a: tagged images no container uses go; the one `live` uses stays.
  crate pull "$OTHER"
  crate image prune -a -f
  expect_eq "image prune -a rc" 0 "$RC"
  expect_contains "image prune -a untags" "untagged: $OTHER:latest" "$OUT"
  crate images --format '{{.Repository}}:{{.Tag}}'
  expect_eq "image prune -a keeps the image in use" "$IMG:latest" "$(sort -u <<<"$OUT" | grep -v '<none>')"
  expect_eq "df images" "1 1" "$(df_counts Images)"

  # Volumes in df and in system prune --volumes: an anonymous one holding
  # 100 KiB whose container has exited, and a named one no one uses.
  crate volume create named1
  expect_eq "volume create rc" 0 "$RC"
  crate run --name withvol -v /data "$IMG" sh -c 'dd if=/dev/zero of=/data/f bs=1024 count=100 2>/dev/null'
  expect_eq "run with an anonymous volume rc" 0 "$RC"
  local anon
  anon="$("$CRATE" volume ls -q </dev/null | grep -v '^named1$')"
  expect_eq "df volumes" "2 1" "$(df_counts 'Local Volumes')"
  expect_eq "df volume bytes" "102.4kB" "$(df_field 'Local Volumes' Size)"
  crate system df -v
  expect_match "df -v: the anonymous volume" "^$anon +1 +102\.4kB$" "$OUT"
  expect_match "df -v: the named volume" "^named1 +0 +0B$" "$OUT"
  expect_match "df -v: withvol has a local volume" "^[0-9a-f]{12} .*\"sh -c dd .*\" +1 +[0-9.]+[kM]?B .* withvol$" "$OUT"

  # system prune: a stopped container and a dangling image.
  crate run --name done2 "$IMG" true
  crate pull "$OTHER@$other_digest"
  crate_in "n\n" system prune --volumes
  expect_eq "system prune --volumes's prompt" "WARNING! This will remove:
  - all stopped containers
  - all anonymous volumes not used by at least one container
  - all dangling images

Are you sure you want to continue? [y/N] " "$OUT"
  crate system prune --volumes -f
  expect_eq "system prune --volumes rc" 0 "$RC"
  expect_contains "system prune --volumes: the container first" "Deleted Containers:" "$(head -n1 <<<"$OUT")"
  expect_contains "system prune --volumes: its anonymous volume" "Deleted Volumes:
$anon" "$OUT"
  expect_contains "system prune --volumes: the dangling image" "deleted: $other_id" "$OUT"
  crate volume ls -q
  expect_eq "the named volume stays (docker prunes anonymous ones)" "named1" "$OUT"
  crate volume rm named1
  expect_eq "df: no volumes" "0 0" "$(df_counts 'Local Volumes')"

  crate run --name done2 "$IMG" true
  crate pull "$OTHER@$other_digest"
  crate_in "n\n" system prune
  expect_eq "system prune's prompt" "WARNING! This will remove:
  - all stopped containers
  - all dangling images

Are you sure you want to continue? [y/N] " "$OUT"
  crate system prune -f
  expect_eq "system prune rc" 0 "$RC"
  expect_eq "system prune: containers first" "Deleted Containers:" "$(head -n1 <<<"$OUT")"
  expect_contains "system prune: the dangling image" "deleted: $other_id" "$OUT"
  expect_match "system prune: the total" "^Total reclaimed space: [0-9.]+[kM]?B$" "$(tail -n1 <<<"$OUT")"
  expect_eq "df after system prune: containers" "1 1" "$(df_counts Containers)"
  expect_eq "df after system prune: images" "1 1" "$(df_counts Images)"

  # With nothing running, -a takes every image.
  crate rm -f live
  crate system prune -a -f
  expect_eq "system prune -a rc" 0 "$RC"
  expect_contains "system prune -a untags" "untagged: $IMG:latest" "$OUT"
  expect_eq "df: no containers" "0 0" "$(df_counts Containers)"
  expect_eq "df: no images" "0 0" "$(df_counts Images)"
  expect_eq "df: no image bytes" "0B" "$(df_field Images Size)"
  crate logout "$HOST"
}

test_nothing_left() {
  crate ps -a -q
  expect_eq "no containers left" "" "$OUT"
  pgrep -f "crate-shim .*$WORK/" >/dev/null && fail "a shim is left"
}

for t in test_usage test_login_refused test_login_logout test_push_and_pull_back; do
  echo "== $t"
  "$t"
done
if [ -x "$SHIM" ]; then
  for t in test_container_prune_and_df test_image_and_system_prune test_nothing_left; do
    echo "== $t"
    "$t"
  done
else
  echo "SKIP: the prune and df tests: no crate-shim beside crated ($SHIM); build //cli/crate-shim"
fi
if [ "$FAILED" != 0 ]; then
  echo "registry_admin_e2e_test: FAILED"
  exit 1
fi
echo "registry_admin_e2e_test: all passed"
