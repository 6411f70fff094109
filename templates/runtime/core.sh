# Messages (stderr) and command checks. Functions answer in REPLY, not $(...), so err can exit.
say() { printf 'info: %s\n' "$*" >&2; }
warn() { printf 'warn: %s\n' "$*" >&2; }
err() { printf 'error: %s\n' "$*" >&2; exit 1; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || err "this hook needs '$1', which is not installed on the builder${2:+; $2}."; }
