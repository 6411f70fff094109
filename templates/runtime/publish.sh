# Publishing the list of ARCH_DIGEST as LIST: prepare_list (docker manifest create from the arch
# tags into this run's own store, which reads them once more right before the write), push_list
# (docker manifest push, or manifest-tool from a spec by digest), then own_tag_unchanged.

# tool WHAT CMD...: runs CMD (output kept in $CMH_TMP/tool.log), retried; a refused login is
# retried too (a token may have expired), then named.
tool() {
    local n=0 what=$1
    shift
    while ! run_bg "$@" >"$CMH_TMP/tool.log" 2>&1; do
        tail -n 5 "$CMH_TMP/tool.log" | tr -c '[:print:]\n' ' ' >&2
        n=$((n + 1))
        if refused "$CMH_TMP/tool.log" && { [ -z "$CMH_CRED_SOURCE" ] || [ "$n" -gt 1 ]; }; then
            creds_hint && err "$what could not publish $LIST: the registry refused it; $REPLY."
        fi
        backoff "$n" "$what failed" || err "$what could not publish $LIST ($n attempts); see its output above."
    done
}

# list_entries: the entries of the list, index i the same in each array: LIST_REFS (what docker
# manifest create reads: the arch tag itself while it holds the image read, else the image by
# digest), LIST_DIGESTS and LIST_PLATFORMS. More entries (by digest) may be appended after it.
list_entries() {
    local i
    LIST_REFS=() LIST_DIGESTS=("${ARCH_DIGEST[@]}") LIST_PLATFORMS=("${CMH_PLATFORMS[@]}")
    for i in "${!CMH_ARCHES[@]}"; do
        arch_tag "$LIST_TAG" "${CMH_ARCHES[i]}"
        if [ "${ARCH_TAG[i]}" = "${ARCH_DIGEST[i]}" ]; then LIST_REFS+=("$REPO_REF:$REPLY"); else LIST_REFS+=("$REPO_REF@${ARCH_DIGEST[i]}"); fi
    done
    include_entries # --include: the images built elsewhere, appended by digest (include.sh)
}

# prepare_list: the list in this run's docker manifest store, with the table's platforms; false
# when the arch tags no longer hold the images read.
prepare_list() {
    local i p got
    list_entries
    docker manifest rm "$LIST" >/dev/null 2>&1 || :
    tool "docker manifest create" docker manifest create "${INSECURE[@]}" "$LIST" "${LIST_REFS[@]}"
    # A local list names no digest but its entries' (docker manifest inspect sends no request).
    got=$(docker manifest inspect "$LIST" | sed -nE 's/^ *"digest": "(sha256:[0-9a-f]{64})",?$/\1/p' | LC_ALL=C sort)
    [ "$got" = "$(printf '%s\n' "${LIST_DIGESTS[@]}" | LC_ALL=C sort)" ] || return 1
    for i in "${!LIST_REFS[@]}"; do
        IFS=/ read -r -a p <<<"${LIST_PLATFORMS[i]}"
        docker manifest annotate "$LIST" "${LIST_REFS[i]}" --os "${p[0]}" --arch "${p[1]}" ${p[2]:+--variant "${p[2]}"} ||
            err "docker manifest annotate $LIST ${LIST_REFS[i]} failed."
    done
    include_os_versions # --include: their os.version (include.sh)
}

# write_spec: manifest-tool's spec of the list, each entry by digest with its platform.
write_spec() {
    local i p
    {
        printf "image: '%s'\nmanifests:\n" "$LIST"
        for i in "${!LIST_DIGESTS[@]}"; do
            IFS=/ read -r -a p <<<"${LIST_PLATFORMS[i]}"
            printf "  - image: '%s'\n    platform:\n      os: %s\n      architecture: %s\n" "$REPO_REF@${LIST_DIGESTS[i]}" "${p[0]}" "${p[1]}"
            if [ -n "${p[2]:-}" ]; then printf '      variant: %s\n' "${p[2]}"; fi
            include_spec_os_version "${LIST_DIGESTS[i]}" # --include (include.sh)
        done
    } >"$CMH_TMP/spec.yaml"
}

# push_list: either tool prints the digest of the list the registry took; no digest is an error.
push_list() {
    if [ "$CMH_PUBLISH_WITH" = manifest-tool ]; then
        write_spec
        # --docker-cfg is the folder exported as DOCKER_CONFIG (manifest-tool v2 loads its config.json).
        tool manifest-tool "$CMH_MT_BIN" --docker-cfg "$DOCKER_CONFIG" ${INSECURE[@]+--plain-http} push from-spec "$CMH_TMP/spec.yaml"
    else
        tool "docker manifest push" docker manifest push --purge "${INSECURE[@]}" "$LIST"
    fi
    grep -qE '^(Digest: )?sha256:[0-9a-f]{64}( [0-9]+)?$' "$CMH_TMP/tool.log" ||
        err "$CMH_PUBLISH_WITH exited 0 but printed no digest of $LIST: $(tail -n 3 "$CMH_TMP/tool.log" | tr -c '[:print:]' ' ')"
}

# own_tag_unchanged: true while this build's arch tag still holds the image the list names. A
# newer commit whose images all land moves this tag too, so it is the one to look at after the
# write; a commit still landing publishes its own list from its last build.
own_tag_unchanged() {
    arch_tag "$LIST_TAG" "$BUILD_ARCH"
    tool "docker manifest inspect" docker manifest inspect -v "${INSECURE[@]}" "$REPO_REF:$REPLY"
    grep -qF "\"digest\": \"${ARCH_DIGEST[BUILD_I]}\"" "$CMH_TMP/tool.log"
}

# fetch_manifest_tool: CMH_MT_BIN = the pinned manifest-tool, run only once its archive's sha256
# matches. A failed or cut-short download is retried; false (CMH_MT_WHY) when it cannot be had.
fetch_manifest_tool() {
    local url=${MULTIARCH_MANIFEST_TOOL_URL:-$CMH_MANIFEST_TOOL_URL} dir="$CMH_TMP/mt" n=0 rc status sum="" c
    [[ $url =~ ^https?:// ]] || err "MULTIARCH_MANIFEST_TOOL_URL=$url is not an http(s) URL."
    for c in curl tar sha256sum gzip; do need_cmd "$c" "or set MULTIARCH_PUBLISHER=docker"; done
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
