# Messages (stderr) and command checks. Results come back in REPLY (not through $(...)), so that
# err can stop the whole hook.

say() { printf 'info: %s\n' "$*" >&2; }
warn() { printf 'warn: %s\n' "$*" >&2; }
err() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
check_cmd() { command -v "$1" >/dev/null 2>&1; }
need_cmd() { check_cmd "$1" || err "this hook needs '$1', which is not installed on the builder${2:+; $2}."; }
