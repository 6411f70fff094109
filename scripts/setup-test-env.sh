#!/usr/bin/env bash
# Installs and enables what the test suite runs for real (Debian 12, as root): the Distribution
# registry, buildah/skopeo/umoci, QEMU user emulation with binfmt handlers, shellcheck, busybox.
# Idempotent: on a machine that has everything it only checks, in well under a second.
set -euo pipefail

# Debian packages the tests call (with their recommends, as seen working: crun, fuse-overlayfs).
# apache2-utils: `htpasswd -B` for the registry's bcrypt file.
# perl: its shasum is one of the sha256 tools the hooks fall back to (tested one by one).
# util-linux: `script`, the pseudo-terminal for the prompt test; `setpriv` for the unwritable-dir test.
# openssl: the token-auth registry's signing certificate. git/curl: what Docker Hub's builder has.
PACKAGES=(docker-registry buildah skopeo qemu-user-static binfmt-support shellcheck umoci
  busybox-static apache2-utils openssl git curl perl util-linux)
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

check_docker_cli() {
  local d
  for d in "${CMH_REAL_DOCKER:-}" /usr/local/bin/docker /usr/bin/docker; do
    if [ -n "$d" ] && [ -x "$d" ]; then
      "$d" --version >/dev/null 2>&1 || err "$d does not run (docker --version failed)"
      return 0
    fi
  done
  err "no docker CLI at /usr/local/bin/docker or /usr/bin/docker (set CMH_REAL_DOCKER): the tests need the real client for 'docker manifest'; install the static docker client there"
}

main() {
  need_root
  install_packages
  mount_binfmt
  enable_handlers
  check_docker_cli
}

main "$@"
