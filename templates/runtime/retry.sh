# A private temp dir, commands that a signal can stop, and retries.

# A temp dir only this user can read (it may hold the login), removed on exit. A signal ends the
# hook at once: long commands and waits run in the background (run_bg), so no trap waits for them.
CMH_TMP="" CMH_CHILD=()
cleanup() {
    if [ "${#CMH_CHILD[@]}" -gt 0 ]; then kill "${CMH_CHILD[@]}" 2>/dev/null || :; fi
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
    CMH_CHILD=()
    return "$rc"
}

# MULTIARCH_RETRIES (retries after the first attempt, default 5) and MULTIARCH_RETRY_DELAY (the
# first wait in seconds, doubled each retry, at most 60 s).
retry_settings() {
    local r=${MULTIARCH_RETRIES:-5} d=${MULTIARCH_RETRY_DELAY:-1}
    [[ $r =~ ^[0-9]{1,2}$ ]] || err "MULTIARCH_RETRIES=$r is not a number from 0 to 99."
    [[ $d =~ ^([0-9]{1,4})(\.([0-9]{1,3}))?$ ]] || err "MULTIARCH_RETRY_DELAY=$d is not a number of seconds (e.g. 1 or 0.05)."
    local frac=${BASH_REMATCH[3]}000
    CMH_RETRIES=$((10#$r)) CMH_DELAY_MS=$((10#${BASH_REMATCH[1]} * 1000 + 10#${frac:0:3}))
}
# backoff N WHAT: false after CMH_RETRIES retries; else says so and waits before retry number N.
backoff() {
    local ms=$CMH_DELAY_MS n=1
    if [ "$1" -gt "$CMH_RETRIES" ]; then return 1; fi
    while [ "$n" -lt "$1" ] && [ "$ms" -lt 60000 ]; do ms=$((ms * 2)) n=$((n + 1)); done
    if [ "$ms" -gt 60000 ]; then ms=60000; fi
    printf -v REPLY '%d.%03d' $((ms / 1000)) $((ms % 1000))
    warn "$2; retrying in ${REPLY}s ($1 of $CMH_RETRIES)"
    run_bg sleep "$REPLY"
}
