# Registry credentials, from (first found wins): the docker config ($DOCKER_CONFIG or ~/.docker:
# credHelpers, credsStore, auths), DOCKERCFG (the JSON Docker Hub's builders get),
# MULTIARCH_REGISTRY_USER + MULTIARCH_REGISTRY_PASSWORD. They end up in CMH_CRED_B64 (base64 of
# user:password) and in a private docker config dir, exported as DOCKER_CONFIG for docker manifest
# and manifest-tool. Secrets go through files in $CMH_TMP, pipes and variables, never arguments.

CMH_CRED_B64=""
CMH_CRED_SOURCE=""
DOCKER_CONFIG_ORIG=""

# cred_key_matches KEY: true when a docker config key (host, URL) names REG_HOST.
cred_key_matches() {
    local k=${1#https://}
    k=${k#http://}
    k=${k%%/*}
    if [ "$REG_HOST" = docker.io ]; then
        case $k in index.docker.io | docker.io | registry-1.docker.io) return 0 ;; esac
        return 1
    fi
    [ "$k" = "$REG_HOST" ]
}

# creds_from_auths PREFIX: CMH_CRED_B64 from the JSON_LINES entry PREFIX/<key>/auth for REG_HOST.
creds_from_auths() {
    local line key kind value re="^$1/(.+)/(auth|identitytoken)"$'\t'"\"(.*)\"$"
    for line in "${JSON_LINES[@]}"; do
        if ! [[ $line =~ $re ]]; then continue; fi
        key=${BASH_REMATCH[1]}
        kind=${BASH_REMATCH[2]}
        value=${BASH_REMATCH[3]}
        if [ -z "$value" ] || ! cred_key_matches "$key"; then continue; fi
        if [ "$kind" = identitytoken ]; then
            warn "the login for $key is an identity token, which this hook cannot use; log in with a password or access token instead."
        elif ! [[ $value =~ ^[A-Za-z0-9+/]+=*$ ]]; then
            warn "the login for $key is not base64; ignoring it."
        else
            CMH_CRED_B64=$value
            return 0
        fi
    done
    return 1
}

# creds_from_helper NAME SERVER: CMH_CRED_B64 from docker-credential-NAME (server on stdin).
creds_from_helper() {
    local out user
    if ! [[ $1 =~ ^[A-Za-z0-9._-]+$ ]]; then return 1; fi
    if ! check_cmd "docker-credential-$1"; then
        warn "the docker config names the credential helper docker-credential-$1, which is not installed."
        return 1
    fi
    out=$(printf '%s' "$2" | "docker-credential-$1" get 2>/dev/null) || return 1
    printf '%s' "$out" >"$CMH_TMP/helper.json"
    out=""
    if ! json_load "$CMH_TMP/helper.json" || ! json_str /Username; then
        rm -f "$CMH_TMP/helper.json"
        return 1
    fi
    rm -f "$CMH_TMP/helper.json"
    user=$REPLY
    if [ "$user" = "<token>" ]; then
        warn "docker-credential-$1 holds an identity token for $2, which this hook cannot use."
        return 1
    fi
    json_str /Secret || return 1
    CMH_CRED_B64=$(printf '%s:%s' "$user" "$REPLY" | base64 | tr -d '\n')
    REPLY=""
}

resolve_credentials() {
    local dir=${DOCKER_CONFIG:-${HOME:-/root}/.docker} file line helper="" server=$REG_KEY from_file=0
    DOCKER_CONFIG_ORIG=$dir
    file=$dir/config.json
    if [ -f "$file" ]; then
        if json_load "$file"; then
            for line in "${JSON_LINES[@]}"; do
                if [[ $line =~ ^/credHelpers/(.+)$'\t'\"(.*)\"$ ]] && cred_key_matches "${BASH_REMATCH[1]}"; then
                    helper=${BASH_REMATCH[2]}
                    server=${BASH_REMATCH[1]}
                fi
            done
            if [ -z "$helper" ] && json_str /credsStore; then helper=$REPLY; fi
            if [ -n "$helper" ] && creds_from_helper "$helper" "$server"; then
                CMH_CRED_SOURCE="docker-credential-$helper (named in $file)"
                from_file=1
            elif creds_from_auths /auths; then
                CMH_CRED_SOURCE=$file
                from_file=1
            fi
        else
            warn "$file is not valid JSON; ignoring it."
        fi
    fi
    if [ -z "$CMH_CRED_SOURCE" ] && [ -n "${DOCKERCFG:-}" ]; then
        printf '%s' "$DOCKERCFG" >"$CMH_TMP/dockercfg.json"
        if ! json_load "$CMH_TMP/dockercfg.json"; then
            warn "DOCKERCFG is not valid JSON; ignoring it."
        elif creds_from_auths /auths || creds_from_auths ""; then
            CMH_CRED_SOURCE=DOCKERCFG
        fi
        rm -f "$CMH_TMP/dockercfg.json"
    fi
    if [ -z "$CMH_CRED_SOURCE" ] && [ -n "${MULTIARCH_REGISTRY_USER:-}" ]; then
        if [ -z "${MULTIARCH_REGISTRY_PASSWORD:-}" ]; then
            err "MULTIARCH_REGISTRY_USER is set but MULTIARCH_REGISTRY_PASSWORD is not; set both (as build variables)."
        fi
        CMH_CRED_B64=$(printf '%s:%s' "$MULTIARCH_REGISTRY_USER" "$MULTIARCH_REGISTRY_PASSWORD" | base64 | tr -d '\n')
        CMH_CRED_SOURCE="MULTIARCH_REGISTRY_USER/MULTIARCH_REGISTRY_PASSWORD"
    fi
    JSON_LINES=()

    # The tools' own docker config: a private copy, so their state (docker manifest's local
    # lists) is this run's alone and the credentials are where they look.
    ensure mkdir -p "$CMH_TMP/docker-config"
    if [ "$from_file" = 1 ] || { [ -z "$CMH_CRED_SOURCE" ] && [ -f "$file" ]; }; then
        cp "$file" "$CMH_TMP/docker-config/config.json" || err "cannot copy $file."
    elif [ -n "$CMH_CRED_B64" ]; then
        printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_KEY" "$CMH_CRED_B64" >"$CMH_TMP/docker-config/config.json"
    else
        printf '{}\n' >"$CMH_TMP/docker-config/config.json"
    fi
    export DOCKER_CONFIG="$CMH_TMP/docker-config"
}
