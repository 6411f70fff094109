#!/usr/bin/env bash
# Installs and enables what the test suite runs for real (Debian 12, as root): the Distribution
# registry, a Docker engine (26.1 with containerd, buildx 0.29; see install_engine), QEMU user
# emulation with binfmt handlers, shellcheck, busybox. buildah/skopeo only build the tests'
# busybox base images (test/support/base-images.ts); every hook runs the real docker CLI.
# Idempotent: on a machine that has everything it only checks, in well under a second.
set -euo pipefail

# Debian packages the tests call (with their recommends, as seen working: crun, fuse-overlayfs).
# apache2-utils: `htpasswd -B` for the registry's bcrypt file.
# perl: its shasum is one of the sha256 tools the hooks fall back to (tested one by one).
# util-linux: `script`, the pseudo-terminal for the prompt test; `setpriv` for the unwritable-dir test.
# openssl: the token-auth registry's signing certificate. git/curl: what Docker Hub's builder has.
# runc (bookworm's 1.1: trixie's needs a newer glibc), jq (the runc wrapper), iproute2 (the test
# bed's private network namespace): the engine's parts that come from this release.
PACKAGES=(docker-registry buildah skopeo qemu-user-static binfmt-support shellcheck umoci
  busybox-static apache2-utils openssl git curl perl util-linux runc jq iproute2)
# binfmt handlers the tests need (qemu-<name>); every other arch is registered by the same package.
HANDLERS=(aarch64 arm)
BINFMT_DIR=/proc/sys/fs/binfmt_misc

info() { printf 'setup-test-env: %s\n' "$*" >&2; }
err() { printf 'setup-test-env: error: %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || err "run as root (it installs Debian packages and registers binfmt handlers): sudo bash $0"
}

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
      printf '%s\n' "$p"
    fi
  done
}

install_packages() {
  local missing log
  mapfile -t missing < <(missing_packages)
  [ "${#missing[@]}" -eq 0 ] && return 0
  info "installing ${missing[*]}"
  log=$(mktemp)
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    err "apt-get failed installing: ${missing[*]}"
  fi
  rm -f "$log"
  mapfile -t missing < <(missing_packages)
  [ "${#missing[@]}" -eq 0 ] || err "still not installed after apt-get: ${missing[*]}"
}

mount_binfmt() {
  if [ ! -e "$BINFMT_DIR/register" ]; then
    info "mounting binfmt_misc at $BINFMT_DIR"
    mount -t binfmt_misc binfmt_misc "$BINFMT_DIR" || err "cannot mount binfmt_misc at $BINFMT_DIR (is the kernel module available?)"
  fi
  if [ "$(cat "$BINFMT_DIR/status")" != "enabled" ]; then
    info "enabling binfmt_misc"
    echo 1 >"$BINFMT_DIR/status"
  fi
}

handler_enabled() {
  [ -r "$BINFMT_DIR/qemu-$1" ] && [ "$(head -n 1 "$BINFMT_DIR/qemu-$1")" = "enabled" ]
}

enable_handlers() {
  local h
  for h in "${HANDLERS[@]}"; do
    handler_enabled "$h" && continue
    info "enabling binfmt handler qemu-$h"
    # A purged-and-reinstalled machine can lack binfmt-support's admin entry: import it first.
    if ! update-binfmts --enable "qemu-$h" >/dev/null 2>&1; then
      update-binfmts --import "qemu-$h" >/dev/null 2>&1 || true
      update-binfmts --enable "qemu-$h" >/dev/null 2>&1 || true
    fi
    handler_enabled "$h" || err "binfmt handler qemu-$h is not enabled in $BINFMT_DIR (tried update-binfmts --enable/--import qemu-$h)"
  done
}

# The Docker engine the tests run: Debian trixie's docker.io/docker-cli/containerd 26.1 and sid's
# docker-buildx 0.29 (multi-platform builds and pushes once; trixie's 0.13 pushes twice), unpacked
# into $TESTBED (nothing installed system-wide but the buildx plugin link, which the docker CLI
# finds in its system plugin folder as it does on Docker Hub's builders). Downloaded with a
# private apt state built from this machine's own Debian mirror, so no host is written here.
TESTBED=${CMH_TESTBED:-/opt/cmh-testbed}
ENGINE_DEBS=(docker.io/trixie docker-cli/trixie containerd/trixie docker-buildx/sid)
PLUGIN_DIR=/usr/local/libexec/docker/cli-plugins

debian_mirror() {
  local uri
  uri=$(apt-get indextargets --format '$(SITE)' 'Created-By: Packages' 2>/dev/null | grep -m1 -v security || true)
  [ -n "$uri" ] || uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
  [ -n "$uri" ] || err "cannot find this machine's Debian mirror (apt-get indextargets, /etc/apt/sources.list.d/debian.sources)"
  printf '%s\n' "${uri%/}"
}

install_engine() {
  if [ -x "$TESTBED/engine/usr/sbin/dockerd" ] && [ -x "$TESTBED/engine/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
    link_buildx
    return 0
  fi
  local apt mirror log
  apt=$(mktemp -d)
  log=$apt/log
  mirror=$(debian_mirror)
  info "downloading the Docker engine (trixie docker.io, docker-cli, containerd; sid docker-buildx)"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
  printf 'deb %s trixie main\ndeb %s sid main\n' "$mirror" "$mirror" >"$apt/sources.list"
  local o=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Acquire::Languages=none
    -o APT::Sandbox::User=root -o Debug::NoLocking=1)
  if ! { apt-get -qq "${o[@]}" update && (cd "$apt/debs" && apt-get -qq "${o[@]}" download "${ENGINE_DEBS[@]}"); } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -rf "$apt"
    err "could not download ${ENGINE_DEBS[*]} from $mirror"
  fi
  rm -rf "$TESTBED/engine.tmp"
  mkdir -p "$TESTBED/engine.tmp"
  local deb
  for deb in "$apt"/debs/*.deb; do dpkg -x "$deb" "$TESTBED/engine.tmp"; done
  rm -rf "$apt" "$TESTBED/engine"
  mv "$TESTBED/engine.tmp" "$TESTBED/engine"
  link_buildx
  info "engine: $("$TESTBED/engine/usr/sbin/dockerd" --version), buildx $("$TESTBED/engine/usr/libexec/docker/cli-plugins/docker-buildx" version | awk '{print $2}')"
}

link_buildx() {
  mkdir -p "$PLUGIN_DIR"
  ln -sfn "$TESTBED/engine/usr/libexec/docker/cli-plugins/docker-buildx" "$PLUGIN_DIR/docker-buildx"
}

main() {
  need_root
  install_packages
  mount_binfmt
  enable_handlers
  install_engine
}

main "$@"
