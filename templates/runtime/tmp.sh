# A temp dir only this user can read (it may hold the login), removed on exit. A signal ends the
# hook at once: long commands and waits run in the background (CMH_CHILD), stopped before the removal.
CMH_TMP="" CMH_CHILD=()
cleanup() {
    if [ "${#CMH_CHILD[@]}" -gt 0 ]; then kill "${CMH_CHILD[@]}" 2>/dev/null || :; wait "${CMH_CHILD[@]}" 2>/dev/null || :; fi
    if [ -n "$CMH_TMP" ]; then rm -rf "$CMH_TMP"; fi
}
make_tmp() {
    CMH_TMP=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/multiarch-hooks.XXXXXXXX") || err "cannot create a temp dir in ${TMPDIR:-/tmp}."
    trap cleanup EXIT && trap 'exit 129' HUP && trap 'exit 130' INT && trap 'exit 143' TERM
}
run_bg() {
    local rc=0
    "$@" &
    CMH_CHILD=("$!")
    wait "$!" || rc=$?
    if [ "$rc" -gt 128 ] && kill -0 "$!" 2>/dev/null; then exit "$rc"; fi # a signal cut the wait short
    CMH_CHILD=() && return "$rc"
}
