#!/usr/bin/env bash
# Installs the Debian packages listed in debian-packages.txt that are missing,
# and fetches the kernel the VM tests boot (tests/vm/README.md).
# Idempotent and quick when everything is there: dpkg is asked first, and apt
# runs only for what is absent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Debian's cloud kernel for the VM tests, unpacked (never installed: the
# host's /boot and module tree stay as they are) into
# $CRATE_VM_CACHE/<package>/, with $CRATE_VM_CACHE/kernel pointing at it and
# a modules.dep made by busybox depmod so the runner can pick modules.
vm_cache="${CRATE_VM_CACHE:-/var/cache/crate-vm}"
vm_kernel_meta=linux-image-cloud-amd64

fetch_vm_kernel() {
  local kdir="$vm_cache/kernel"
  if compgen -G "$kdir/boot/vmlinuz-*" >/dev/null &&
    compgen -G "$kdir/lib/modules/*/modules.dep" >/dev/null; then
    return 0
  fi
  local pkg
  pkg="$(apt-cache depends "$vm_kernel_meta" 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')"
  if [ -z "$pkg" ]; then
    apt-get update -qq
    pkg="$(apt-cache depends "$vm_kernel_meta" |
      awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')"
  fi
  [ -n "$pkg" ] || { echo "install_deps: no kernel package behind $vm_kernel_meta" >&2; return 1; }
  echo "install_deps: fetching $pkg for the VM tests into $vm_cache" >&2
  mkdir -p "$vm_cache"
  local dl
  dl="$(mktemp -d "$vm_cache/download.XXXXXX")"
  chmod 755 "$dl" # apt's _apt user downloads into it
  if ! (cd "$dl" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
    apt-get update -qq
    (cd "$dl" && apt-get download -qq "$pkg" >/dev/null)
  fi
  rm -rf "${vm_cache:?}/$pkg"
  mkdir -p "$dl/root"
  dpkg-deb -x "$dl"/"$pkg"_*.deb "$dl/root"
  local version
  version="$(basename "$(ls -d "$dl"/root/lib/modules/*)")"
  busybox depmod -b "$dl/root" "$version"
  mv "$dl/root" "$vm_cache/$pkg"
  rm -rf "$dl"
  ln -sfn "$pkg" "$vm_cache/kernel.new"
  mv -T "$vm_cache/kernel.new" "$kdir"
}

mapfile -t wanted < <(grep -vE '^\s*(#|$)' "$here/debian-packages.txt")
missing=()
for pkg in "${wanted[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  [ "$status" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -ne 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install_deps: missing packages: ${missing[*]}" >&2
    echo "install_deps: run as root (or with sudo) to install them" >&2
    exit 1
  fi
  echo "install_deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! compgen -G "$vm_cache/kernel/boot/vmlinuz-*" >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install_deps: the VM tests' kernel is missing from $vm_cache; run as root to fetch it" >&2
    exit 1
  fi
fi
[ "$(id -u)" -ne 0 ] || fetch_vm_kernel
