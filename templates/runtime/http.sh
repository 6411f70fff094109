# GET over HTTP(S) with curl: transient failures (connection refused or reset, timeouts, 5xx, 429)
# are retried with bounded backoff. An Authorization header is handed to curl as a config file
# on stdin, so no credential ever appears in a process's arguments.

HTTP_STATUS=""
HTTP_ERROR=""

# curl_auth_config VALUE: the curl config line that sends "Authorization: VALUE" (none if empty).
curl_auth_config() {
    local v=$1
    if [ -z "$v" ]; then return 0; fi
    v=${v//\\/\\\\}
    v=${v//\"/\\\"}
    printf 'header = "Authorization: %s"\n' "$v"
}

is_transient_status() {
    case $1 in 408 | 429 | 5[0-9][0-9]) return 0 ;; esac
    return 1
}

# curl exits: 7 cannot connect, 18 partial transfer, 28 timeout, 52 empty reply, 55/56 send/receive
# failure, 92 HTTP/2 stream error.
is_transient_curl() {
    case $1 in 7 | 18 | 28 | 52 | 55 | 56 | 92) return 0 ;; esac
    return 1
}

# http_fetch URL OUT AUTH [ACCEPT]: GET URL into OUT (headers into $CMH_TMP/headers), following
# redirects (curl drops the Authorization header when one leads to another host). True with
# HTTP_STATUS set once an answer came that is not transient; false with HTTP_ERROR set.
http_fetch() {
    local url=$1 out=$2 auth=$3 accept=${4:-} attempt=0 rc status what
    local args=(--silent --show-error --location --connect-timeout 15 --max-time 300
        --user-agent "create-multiarch-hooks/$CMH_VERSION" --output "$out" --dump-header "$CMH_TMP/headers"
        --write-out '%{http_code}')
    case $url in https://*) args+=(--proto '=https' --proto-redir '=https' --tlsv1.2) ;; esac
    if [ -n "$accept" ]; then args+=(--header "Accept: $accept"); fi
    while :; do
        rc=0
        status=$(curl_auth_config "$auth" | curl --config - "${args[@]}" "$url" 2>"$CMH_TMP/curl.err") || rc=$?
        if [ "$rc" -eq 0 ] && ! is_transient_status "$status"; then
            HTTP_STATUS=$status
            return 0
        fi
        if [ "$rc" -ne 0 ]; then
            what="curl exit $rc: $(head -c 300 "$CMH_TMP/curl.err" | tr '\n' ' ')"
            if ! is_transient_curl "$rc"; then
                HTTP_ERROR=$what
                return 1
            fi
        else
            what="HTTP $status"
        fi
        attempt=$((attempt + 1))
        if [ "$attempt" -gt "$CMH_RETRIES" ]; then
            HTTP_ERROR="$what (gave up after $attempt attempts)"
            return 1
        fi
        backoff_delay "$attempt"
        warn "GET ${url%%\?*}: $what; retrying in ${REPLY}s ($attempt of $CMH_RETRIES)"
        sleep "$REPLY"
    done
}

# urlencode STRING: REPLY = STRING percent-encoded for a query.
urlencode() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) printf -v c '%%%02X' "'$c" && out+=$c ;;
        esac
    done
    REPLY=$out
}

# --- the registry's HTTP API, with its token (Bearer) or Basic authentication ---

CMH_AUTH=""
CMH_LOGGED_IN=0

# creds_hint: REPLY = what to do when the registry refuses us.
creds_hint() {
    if [ -n "$CMH_CRED_SOURCE" ]; then
        REPLY="the credentials from $CMH_CRED_SOURCE were refused: fix them; they must be allowed to push to $REPO_REF"
    else
        REPLY="no credentials for $REG_HOST were found in ${DOCKER_CONFIG_ORIG:-~/.docker}/config.json, DOCKERCFG or MULTIARCH_REGISTRY_USER/MULTIARCH_REGISTRY_PASSWORD: give the build credentials that may push to $REPO_REF"
    fi
}

# registry_login: answers the 401 in $CMH_TMP/headers by setting CMH_AUTH.
registry_login() {
    local line challenge="" realm="" service="" url auth=""
    CMH_LOGGED_IN=1
    while IFS= read -r line; do
        line=${line%$'\r'}
        if [[ ${line,,} == www-authenticate:* ]]; then challenge=${line#*:}; fi
    done <"$CMH_TMP/headers"
    challenge=${challenge#"${challenge%%[! ]*}"}
    case ${challenge%% *} in
        [Bb]earer)
            if [[ $challenge =~ realm=\"([^\"]*)\" ]]; then realm=${BASH_REMATCH[1]}; fi
            if [[ $challenge =~ service=\"([^\"]*)\" ]]; then service=${BASH_REMATCH[1]}; fi
            case $realm in
                https://*) ;;
                http://*)
                    local rhost=${realm#http://}
                    rhost=${rhost%%/*}
                    if ! is_loopback_host "$rhost" && [ "${MULTIARCH_INSECURE_REGISTRY:-}" != 1 ]; then
                        err "$REG_HOST sends clients to $realm for tokens, over plain HTTP; set MULTIARCH_INSECURE_REGISTRY=1 if that is intended."
                    fi
                    ;;
                *) err "$REG_HOST answered 401 with a Bearer challenge without a usable realm ($challenge)." ;;
            esac
            urlencode "$service"
            url="$realm?service=$REPLY"
            urlencode "repository:$REG_PATH:pull"
            url="$url&scope=$REPLY"
            if [ -n "$CMH_CRED_B64" ]; then auth="Basic $CMH_CRED_B64"; fi
            if ! http_fetch "$url" "$CMH_TMP/token.json" "$auth"; then
                err "cannot get a token for $REPO_REF from $realm: $HTTP_ERROR."
            fi
            case $HTTP_STATUS in
                200) ;;
                401 | 403)
                    creds_hint
                    err "the token server $realm refused access to $REPO_REF (HTTP $HTTP_STATUS); $REPLY."
                    ;;
                *) err "the token server $realm answered HTTP $HTTP_STATUS." ;;
            esac
            if ! json_load "$CMH_TMP/token.json" || { ! json_str /token && ! json_str /access_token; } || [ -z "$REPLY" ]; then
                err "the token server $realm sent no token."
            fi
            CMH_AUTH="Bearer $REPLY"
            rm -f "$CMH_TMP/token.json"
            ;;
        [Bb]asic)
            if [ -z "$CMH_CRED_B64" ]; then
                creds_hint
                err "$REG_HOST requires a login to read $REPO_REF; $REPLY."
            fi
            CMH_AUTH="Basic $CMH_CRED_B64"
            ;;
        *) err "$REG_HOST answered 401 without a challenge this hook understands (${challenge:-none})." ;;
    esac
}

# registry_get PATH OUT [ACCEPT]: GET $REG_API/v2/$REG_PATH/PATH into OUT, logging in on a 401.
# Sets HTTP_STATUS; stops the hook when the registry cannot be reached or refuses access.
registry_get() {
    local url="$REG_API/v2/$REG_PATH/$1"
    if ! http_fetch "$url" "$2" "$CMH_AUTH" "${3:-}"; then
        err "cannot read $url: $HTTP_ERROR."
    fi
    if [ "$HTTP_STATUS" = 401 ] && [ "$CMH_LOGGED_IN" = 0 ]; then
        registry_login
        if ! http_fetch "$url" "$2" "$CMH_AUTH" "${3:-}"; then
            err "cannot read $url: $HTTP_ERROR."
        fi
    fi
    case $HTTP_STATUS in
        401 | 403)
            creds_hint
            err "$REG_HOST refused GET $url (HTTP $HTTP_STATUS); $REPLY."
            ;;
    esac
}
