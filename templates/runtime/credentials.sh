# The login the tools use: DOCKER_CONFIG, a dir of this run's own whose config.json is, first found: the
# builder's ($DOCKER_CONFIG or ~/.docker) when it names this registry or a credential helper; DOCKERCFG
# (Docker Hub's builders); MULTIARCH_REGISTRY_USER + _PASSWORD. Secrets never reach arguments or output.
private_docker_config() {
    local file=${DOCKER_CONFIG:-${HOME:-/root}/.docker}/config.json out="$CMH_TMP/docker-config"
    CMH_CRED_SOURCE="" CMH_CRED_WHERE="$file, DOCKERCFG or MULTIARCH_REGISTRY_USER/MULTIARCH_REGISTRY_PASSWORD"
    mkdir -p "$out" || err "cannot create $out."
    if [ -f "$file" ] && grep -qE "\"(credsStore|credHelpers|(https?://)?$REG_HOST(/[^\"]*)?)\"" "$file"; then
        cp "$file" "$out/config.json" || err "cannot copy $file."
        CMH_CRED_SOURCE=$file
    elif [ -n "${DOCKERCFG:-}" ]; then
        # DOCKERCFG has the old ~/.dockercfg shape ({"host": {"auth": ...}}): config.json's "auths".
        if [[ $DOCKERCFG =~ ^[[:space:]]*\{[[:space:]]*\"auths\" ]]; then printf '%s\n' "$DOCKERCFG"; else printf '{"auths":%s}\n' "$DOCKERCFG"; fi >"$out/config.json"
        CMH_CRED_SOURCE=DOCKERCFG
    elif [ -n "${MULTIARCH_REGISTRY_USER:-}" ]; then
        [ -n "${MULTIARCH_REGISTRY_PASSWORD:-}" ] || err "MULTIARCH_REGISTRY_USER is set but MULTIARCH_REGISTRY_PASSWORD is not; set both (as build variables)."
        printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_KEY" \
            "$(printf '%s:%s' "$MULTIARCH_REGISTRY_USER" "$MULTIARCH_REGISTRY_PASSWORD" | base64 | tr -d '\n')" >"$out/config.json"
        CMH_CRED_SOURCE=MULTIARCH_REGISTRY_USER/MULTIARCH_REGISTRY_PASSWORD
    elif [ -f "$file" ]; then
        cp "$file" "$out/config.json" || err "cannot copy $file."
    fi
    export DOCKER_CONFIG=$out
}

# refused FILE: a tool's output says the registry refused the login; creds_hint: REPLY = what to do.
refused() { grep -qiE 'unauthorized|denied|authentication required|40[13] (unauthorized|forbidden)|no basic auth' "$1"; }
creds_hint() {
    REPLY="the credentials from $CMH_CRED_SOURCE were refused: fix them; they must be allowed to push to $REPO_REF"
    [ -n "$CMH_CRED_SOURCE" ] || REPLY="no credentials for $REG_HOST were found in $CMH_CRED_WHERE: give the build credentials that may push to $REPO_REF"
}
