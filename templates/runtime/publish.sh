# Publishing the list of ARCH_DIGEST as REPO_REF:LIST_TAG, in two steps so that the arch images can
# be looked at once more in between: prepare_list (docker manifest create + annotate into this
# run's own store, or manifest-tool's spec) and push_list. Both are retried on failure.

# tool WHAT CMD...: runs CMD (output kept in $CMH_TMP/tool.log), retried; a refused login is
# retried too (a token may have expired), then named.
tool() {
    local n=0 what=$1
    shift
    while ! run_bg "$@" >"$CMH_TMP/tool.log" 2>&1; do
        tail -n 5 "$CMH_TMP/tool.log" | tr -c '[:print:]\n' ' ' >&2
        n=$((n + 1))
        if refused "$CMH_TMP/tool.log" && { [ -z "$CMH_CRED_SOURCE" ] || [ "$n" -gt 1 ]; }; then
            creds_hint && err "$what could not publish $REPO_REF:$LIST_TAG: the registry refused it; $REPLY."
        fi
        backoff "$n" "$what failed" || err "$what could not publish $REPO_REF:$LIST_TAG ($n attempts); see its output above."
    done
}

# prepare_list: also sets ARCH_NOW (what the arch tags hold right now) for unchanged.
prepare_list() {
    local i p list=$REPO_REF:$LIST_TAG refs=()
    if [ "$CMH_PUBLISH_WITH" = manifest-tool ]; then
        {
            printf "image: '%s'\nmanifests:\n" "$list"
            for i in "${!CMH_ARCHES[@]}"; do
                IFS=/ read -r -a p <<<"${CMH_PLATFORMS[i]}"
                printf "  - image: '%s'\n    platform:\n      os: %s\n      architecture: %s\n" "$REPO_REF@${ARCH_DIGEST[i]}" "${p[0]}" "${p[1]}"
                if [ -n "${p[2]:-}" ]; then printf '      variant: %s\n' "${p[2]}"; fi
            done
            include_spec # --include (include.sh)
        } >"$CMH_TMP/spec.yaml"
        tag_digests
        return 0
    fi
    docker manifest rm "$list" >/dev/null 2>&1 || :
    # From the arch tags when each holds an image: the list then names what the tags hold at this
    # moment, which unchanged compares with what was read, with no request of its own.
    if [ "${ARCH_TAG[*]}" = "${ARCH_DIGEST[*]}" ] && tag_refs && docker manifest create "${INSECURE[@]}" "$list" "${CMH_REFS[@]}" >"$CMH_TMP/tool.log" 2>&1; then
        refs=("${CMH_REFS[@]}")
        local_digests "$list"
    else
        for i in "${!CMH_ARCHES[@]}"; do refs+=("$REPO_REF@${ARCH_DIGEST[i]}"); done
        docker manifest rm "$list" >/dev/null 2>&1 || :
        tool "docker manifest create" docker manifest create "${INSECURE[@]}" "$list" "${refs[@]}"
        tag_digests
    fi
    for i in "${!CMH_ARCHES[@]}"; do
        IFS=/ read -r -a p <<<"${CMH_PLATFORMS[i]}"
        docker manifest annotate "$list" "${refs[i]}" --os "${p[0]}" --arch "${p[1]}" ${p[2]:+--variant "${p[2]}"} ||
            err "docker manifest annotate $list ${refs[i]} failed."
    done
    include_annotate "$list" # --include (include.sh)
}

push_list() {
    if [ "$CMH_PUBLISH_WITH" = manifest-tool ]; then
        # --docker-cfg is the folder exported as DOCKER_CONFIG (manifest-tool v2 loads its config.json).
        tool manifest-tool "$CMH_MT_BIN" --docker-cfg "$DOCKER_CONFIG" ${INSECURE[@]+--plain-http} push from-spec "$CMH_TMP/spec.yaml"
    else
        tool "docker manifest push" docker manifest push --purge "${INSECURE[@]}" "$REPO_REF:$LIST_TAG"
    fi
}

# fetch_manifest_tool: CMH_MT_BIN = the pinned manifest-tool, run only once its archive's sha256
# matches. A failed or cut-short download is retried; false (CMH_MT_WHY) when it cannot be had.
fetch_manifest_tool() {
    local url=${MULTIARCH_MANIFEST_TOOL_URL:-$CMH_MANIFEST_TOOL_URL} dir="$CMH_TMP/mt" n=0 rc status sum=""
    [[ $url =~ ^https?:// ]] || err "MULTIARCH_MANIFEST_TOOL_URL=$url is not an http(s) URL."
    need_cmd curl "or set MULTIARCH_PUBLISHER=docker"
    need_cmd tar "or set MULTIARCH_PUBLISHER=docker"
    need_cmd sha256sum "or set MULTIARCH_PUBLISHER=docker"
    need_cmd gzip "or set MULTIARCH_PUBLISHER=docker"
    mkdir -p "$dir" || err "cannot create $dir."
    while :; do
        rc=0 status="" sum=""
        run_bg curl --silent --show-error --location --connect-timeout 15 --max-time 300 --output "$dir/archive" \
            --write-out '%{http_code}' "$url" >"$dir/status" 2>"$dir/curl.err" || rc=$?
        if [ "$rc" = 0 ]; then status=$(<"$dir/status"); fi
        if [ "$status" = 200 ]; then
            sum=$(sha256sum "$dir/archive") && sum=${sum%% *}
            if [ "$sum" = "$CMH_MANIFEST_TOOL_SHA256" ]; then break; fi
            CMH_MT_WHY="the file from $url has sha256 $sum, not the pinned $CMH_MANIFEST_TOOL_SHA256"
            # A whole file that is not the archive is an error; one cut short (not a whole gzip) is retried.
            if head -c 1024 "$dir/archive" | grep -qiE '<(html|!doctype|head|body)'; then
                err "the file from $url (an HTML page, not the archive) has sha256 $sum, not the pinned $CMH_MANIFEST_TOOL_SHA256; nothing from it was run."
            fi
            gzip -t "$dir/archive" 2>/dev/null && err "$CMH_MT_WHY; nothing from it was run. A mirror (MULTIARCH_MANIFEST_TOOL_URL) must serve the same archive."
        elif [ "$rc" = 0 ] && [[ $status != 5?? && $status != 429 && $status != 408 ]]; then
            CMH_MT_WHY="$url answered HTTP $status" && return 1
        elif [ "$rc" != 0 ] && [[ " 6 7 18 28 35 52 55 56 92 " != *" $rc "* ]]; then
            CMH_MT_WHY="downloading $url failed: curl exit $rc: $(head -c 300 "$dir/curl.err" | tr -c '[:print:]' ' ')" && return 1
        elif [ "$rc" = 0 ]; then
            CMH_MT_WHY="HTTP $status"
        else
            CMH_MT_WHY="curl exit $rc: $(head -c 200 "$dir/curl.err" | tr -c '[:print:]' ' ')"
        fi
        n=$((n + 1))
        if ! backoff "$n" "GET $url: $CMH_MT_WHY"; then
            if [ -n "$sum" ]; then err "$CMH_MT_WHY ($n attempts, each cut short); nothing from it was run."; fi
            CMH_MT_WHY="downloading $url failed: $CMH_MT_WHY (gave up after $n attempts)" && return 1
        fi
    done
    if ! tar -xzf "$dir/archive" -C "$dir" "$CMH_MANIFEST_TOOL_MEMBER" 2>/dev/null || ! chmod 700 "$dir/$CMH_MANIFEST_TOOL_MEMBER"; then
        err "the verified manifest-tool archive has no $CMH_MANIFEST_TOOL_MEMBER; the generated pins are wrong: please report it to create-multiarch-hooks."
    fi
    CMH_MT_BIN=$dir/$CMH_MANIFEST_TOOL_MEMBER
}
