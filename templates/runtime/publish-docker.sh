# Publishing the list with the docker CLI: docker manifest create, annotate, push --purge.

# auth_refused FILE: true when a tool's output in FILE says the registry refused the credentials.
auth_refused() {
    grep -qiE 'unauthorized|denied|authentication required|status(: | code )?40[13]|no basic auth credentials' "$1"
}

# docker_manifest_steps LIST [--insecure]: the docker manifest commands, refs from ARCH_DIGEST.
docker_manifest_steps() {
    local list=$1 i refs=()
    shift
    for i in "${!CMH_ARCHES[@]}"; do refs+=("$REPO_REF@${ARCH_DIGEST[i]}"); done
    # Left over from an earlier attempt, create would refuse to amend it.
    ignore docker manifest rm "$list" >/dev/null 2>&1
    DOCKER_CLI_EXPERIMENTAL=enabled docker manifest create "$@" "$list" "${refs[@]}" || return 1
    for i in "${!CMH_ARCHES[@]}"; do
        platform_of "$i"
        DOCKER_CLI_EXPERIMENTAL=enabled docker manifest annotate "$list" "${refs[i]}" \
            --os "$PLAT_OS" --arch "$PLAT_ARCH" ${PLAT_VARIANT:+--variant "$PLAT_VARIANT"} || return 1
    done
    DOCKER_CLI_EXPERIMENTAL=enabled docker manifest push --purge "$@" "$list"
}

# publish_docker: publishes the list of ARCH_DIGEST as REPO_REF:LIST_TAG.
publish_docker() {
    local list="$REPO_REF:$LIST_TAG" attempt=0 rc out="$CMH_TMP/docker-manifest.log" insecure=()
    need_cmd docker "or set MULTIARCH_PUBLISHER=manifest-tool"
    if [ "$REG_PLAIN" = 1 ]; then insecure=(--insecure); fi
    while :; do
        rc=0
        docker_manifest_steps "$list" ${insecure[@]+"${insecure[@]}"} >"$out" 2>&1 || rc=$?
        if [ "$rc" -eq 0 ]; then return 0; fi
        tail -n 5 "$out" >&2
        if auth_refused "$out"; then
            creds_hint
            err "docker manifest could not push $list: the registry refused it; $REPLY."
        fi
        attempt=$((attempt + 1))
        if [ "$attempt" -gt "$CMH_RETRIES" ]; then
            err "docker manifest could not publish $list ($attempt attempts, exit $rc); see its output above."
        fi
        backoff_delay "$attempt"
        warn "docker manifest failed (exit $rc); retrying in ${REPLY}s ($attempt of $CMH_RETRIES)"
        sleep "$REPLY"
    done
}

docker_has_manifest() {
    check_cmd docker && DOCKER_CLI_EXPERIMENTAL=enabled docker manifest --help >/dev/null 2>&1
}
