# ensure_manifest_tool: CMH_MT_BIN, fetched; when it cannot be had, docker manifest publishes.
ensure_manifest_tool() {
    if fetch_manifest_tool; then return 0; fi
    docker manifest --help >/dev/null 2>&1 ||
        err "manifest-tool cannot be obtained ($CMH_MT_WHY) and there is no docker CLI with docker manifest to fall back on; set MULTIARCH_MANIFEST_TOOL_URL to a mirror of $CMH_MANIFEST_TOOL_URL (same sha256)."
    warn "manifest-tool cannot be obtained ($CMH_MT_WHY); publishing with docker manifest instead."
    CMH_PUBLISH_WITH=docker
}

# push_with_manifest_tool: the pinned manifest-tool publishes the list from a spec naming each entry by digest.
push_with_manifest_tool() {
    write_spec
    # --docker-cfg is the folder exported as DOCKER_CONFIG (manifest-tool v2 loads its config.json).
    tool "$CMH_TMP/tool.log" "publish $LIST with manifest-tool" "$CMH_MT_BIN" --docker-cfg "$DOCKER_CONFIG" ${INSECURE[@]+--plain-http} push from-spec "$CMH_TMP/spec.yaml"
    # It must print the digest of the list it wrote: exiting 0 without one is a failure.
    grep -qE '^Digest: sha256:[0-9a-f]{64}( [0-9]+)?$' "$CMH_TMP/tool.log" ||
        err "manifest-tool exited 0 but printed no digest of $LIST: $(tail -n 3 "$CMH_TMP/tool.log" | tr -c '[:print:]' ' ')"
}

# write_spec: manifest-tool's spec of the list (LIST_*), each entry by digest with its platform.
write_spec() {
    local i p
    {
        printf "image: '%s'\nmanifests:\n" "$LIST"
        for i in "${!LIST_DIGESTS[@]}"; do
            IFS=/ read -r -a p <<<"${LIST_PLATFORMS[i]}"
            printf "  - image: '%s'\n    platform:\n      os: %s\n      architecture: %s\n" "$REPO_REF@${LIST_DIGESTS[i]}" "${p[0]}" "${p[1]}"
            if [ -n "${p[2]:-}" ]; then printf '      variant: %s\n' "${p[2]}"; fi
            # osversion: the name manifest-tool's YAML reader gives ocispec.Platform's OSVersion.
            if [ -n "${LIST_OSVERSIONS[i]:-}" ]; then printf "      osversion: '%s'\n" "${LIST_OSVERSIONS[i]}"; fi
        done
    } >"$CMH_TMP/spec.yaml"
}

# fetch_manifest_tool: CMH_MT_BIN = the pinned manifest-tool, run only once its archive's sha256
# matches. Network failures, 5xx and a cut-short file are retried; false (CMH_MT_WHY) when it cannot be had.
fetch_manifest_tool() {
    local url=${MULTIARCH_MANIFEST_TOOL_URL:-$CMH_MANIFEST_TOOL_URL} dir="$CMH_TMP/mt" n=0 rc status sum c
    [[ $url =~ ^https?:// ]] || err "MULTIARCH_MANIFEST_TOOL_URL=$url is not an http(s) URL."
    for c in curl tar sha256sum gzip; do need_cmd "$c" "or set MULTIARCH_PUBLISHER=docker"; done
    mkdir -p "$dir" || err "cannot create $dir."
    while :; do
        rc=0 sum=""
        run_bg curl --silent --show-error --location --connect-timeout 15 --max-time 300 --output "$dir/archive" \
            --write-out '%{http_code}' "$url" >"$dir/status" 2>"$dir/curl.err" || rc=$?
        status=$(<"$dir/status")
        if [ "$rc" != 0 ]; then
            CMH_MT_WHY="curl exit $rc: $(head -c 200 "$dir/curl.err" | tr -c '[:print:]' ' ')"
            [[ " 6 7 18 28 35 52 55 56 92 " == *" $rc "* ]] || { CMH_MT_WHY="downloading $url failed: $CMH_MT_WHY" && return 1; }
        elif [ "$status" != 200 ]; then
            CMH_MT_WHY="$url answered HTTP $status"
            [[ $status == @(5??|429|408) ]] || return 1
        else
            sum=$(sha256sum "$dir/archive") && sum=${sum%% *}
            if [ "$sum" = "$CMH_MANIFEST_TOOL_SHA256" ]; then break; fi
            CMH_MT_WHY="the file from $url has sha256 $sum, not the pinned $CMH_MANIFEST_TOOL_SHA256"
            if head -c 1024 "$dir/archive" | grep -qiE '<(html|!doctype|head|body)'; then
                err "the file from $url (an HTML page, not the archive) has sha256 $sum, not the pinned $CMH_MANIFEST_TOOL_SHA256; nothing from it was run."
            fi
            # A whole gzip that is not the pinned archive is an error; one cut short is retried.
            gzip -t "$dir/archive" 2>/dev/null && err "$CMH_MT_WHY; nothing from it was run. A mirror (MULTIARCH_MANIFEST_TOOL_URL) must serve the same archive."
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
