# Retries: MULTIARCH_RETRIES more attempts (default 5), the first after MULTIARCH_RETRY_DELAY s (default 1), doubling to 60 s.
retry_settings() {
    local r=${MULTIARCH_RETRIES:-5} d=${MULTIARCH_RETRY_DELAY:-1}
    [[ $r =~ ^[0-9]{1,2}$ ]] || err "MULTIARCH_RETRIES=$r is not a number from 0 to 99."
    [[ $d =~ ^([0-9]{1,4})(\.([0-9]{1,3}))?$ ]] || err "MULTIARCH_RETRY_DELAY=$d is not a number of seconds (e.g. 1 or 0.05)."
    local frac=${BASH_REMATCH[3]}000
    CMH_RETRIES=$((10#$r)) CMH_DELAY_MS=$((10#${BASH_REMATCH[1]} * 1000 + 10#${frac:0:3}))
}
# backoff N WHAT: false after CMH_RETRIES retries; else says so and waits before retry number N.
backoff() {
    local ms=$((CMH_DELAY_MS * (1 << ($1 < 17 ? $1 - 1 : 16))))
    if [ "$1" -gt "$CMH_RETRIES" ]; then return 1; fi
    if [ "$ms" -gt 60000 ]; then ms=60000; fi
    printf -v REPLY '%d.%03d' $((ms / 1000)) $((ms % 1000))
    warn "$2; retrying in ${REPLY}s ($1 of $CMH_RETRIES)"
    pause "$REPLY"
}
# pause SECONDS: sleeps in the background so a signal's trap runs at once; a cut-short wait exits 128+N.
pause() { sleep "$1" & wait "$!" || exit; }
