# Bounded exponential backoff for the retries of transient failures.

# MULTIARCH_RETRIES (retries after the first attempt) and MULTIARCH_RETRY_DELAY (first delay in
# seconds, doubled each retry, at most 60 s).
CMH_RETRIES=5
CMH_DELAY_MS=1000
retry_settings() {
    local r=${MULTIARCH_RETRIES:-5} d=${MULTIARCH_RETRY_DELAY:-1} frac
    if ! [[ $r =~ ^[0-9]{1,2}$ ]]; then err "MULTIARCH_RETRIES=$r is not a number from 0 to 99."; fi
    if ! [[ $d =~ ^([0-9]{1,4})(\.([0-9]{1,3}))?$ ]]; then
        err "MULTIARCH_RETRY_DELAY=$d is not a number of seconds (e.g. 1 or 0.05)."
    fi
    frac=${BASH_REMATCH[3]}000
    CMH_RETRIES=$((10#$r))
    CMH_DELAY_MS=$((10#${BASH_REMATCH[1]} * 1000 + 10#${frac:0:3}))
}

# backoff_delay ATTEMPT: REPLY = seconds to wait before retry number ATTEMPT (1, 2, ...).
backoff_delay() {
    local ms=$CMH_DELAY_MS n=1
    while [ "$n" -lt "$1" ] && [ "$ms" -lt 60000 ]; do
        ms=$((ms * 2))
        n=$((n + 1))
    done
    if [ "$ms" -gt 60000 ]; then ms=60000; fi
    printf -v REPLY '%d.%03d' $((ms / 1000)) $((ms % 1000))
}
