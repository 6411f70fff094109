# Messages (stderr), command checks, a private temp dir.
# Functions return results in REPLY (not via $(...)), so that err can stop the whole hook.

say() { printf 'info: %s\n' "$*" >&2; }
warn() { printf 'warn: %s\n' "$*" >&2; }
err() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

check_cmd() { command -v "$1" >/dev/null 2>&1; }

# need_cmd NAME [WHAT TO DO]
need_cmd() {
    if ! check_cmd "$1"; then
        err "this hook needs '$1', which is not installed on the builder${2:+; $2}."
    fi
}

# Runs a command that must succeed.
ensure() {
    if ! "$@"; then err "command failed: $*"; fi
}

# Runs a command whose failure is deliberately of no consequence.
ignore() {
    "$@" || true
}

CMH_TMP=""
cleanup() {
    if [ -n "$CMH_TMP" ]; then rm -rf "$CMH_TMP"; fi
}

# A temp dir only this user can read (it may hold registry credentials), removed on exit.
make_tmp() {
    if [ -n "$CMH_TMP" ]; then return 0; fi
    local old
    old=$(umask)
    umask 077
    CMH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/multiarch-hooks.XXXXXXXX") || err "cannot create a temp dir in ${TMPDIR:-/tmp}."
    umask "$old"
    trap cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
