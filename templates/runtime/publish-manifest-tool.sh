# Publishing the list with manifest-tool: the pinned release archive is downloaded, its sha256
# checked, and only then is the binary extracted and run. A failed download falls back to
# docker manifest; a download that is not the pinned archive stops the hook.

CMH_MT_BIN=""
CMH_MT_WHY=""

# fetch_manifest_tool: CMH_MT_BIN = the verified binary; false (CMH_MT_WHY says why) when the
# archive cannot be downloaded.
fetch_manifest_tool() {
    local url=${MULTIARCH_MANIFEST_TOOL_URL:-$CMH_MANIFEST_TOOL_URL} dir="$CMH_TMP/manifest-tool" kind=""
    local archive="$CMH_TMP/manifest-tool/archive"
    if [ -n "$CMH_MT_BIN" ]; then return 0; fi
    case $url in
        https://* | http://*) ;;
        *) err "MULTIARCH_MANIFEST_TOOL_URL=$url is not an http(s) URL." ;;
    esac
    need_cmd tar "or set MULTIARCH_PUBLISHER=docker"
    ensure mkdir -p "$dir"
    # Not curl --fail: the status decides between retrying (5xx) and giving up (404).
    if ! http_fetch "$url" "$archive" ""; then
        CMH_MT_WHY="downloading $url failed: $HTTP_ERROR"
        return 1
    fi
    if [ "$HTTP_STATUS" != 200 ]; then
        CMH_MT_WHY="$url answered HTTP $HTTP_STATUS"
        return 1
    fi
    sha256_file "$archive"
    if [ "$REPLY" != "$CMH_MANIFEST_TOOL_SHA256" ]; then
        if head -c 1024 "$archive" | grep -qiE '<(html|!doctype|head|body)'; then kind=" (an HTML page, not the archive)"; fi
        rm -f "$archive"
        err "the file from $url$kind has sha256 $REPLY, not the pinned $CMH_MANIFEST_TOOL_SHA256; nothing from it was run. A mirror (MULTIARCH_MANIFEST_TOOL_URL) must serve the same archive."
    fi
    if ! tar -xzf "$archive" -C "$dir" "$CMH_MANIFEST_TOOL_MEMBER" 2>"$CMH_TMP/tar.err" || [ ! -f "$dir/$CMH_MANIFEST_TOOL_MEMBER" ]; then
        err "the verified manifest-tool archive has no $CMH_MANIFEST_TOOL_MEMBER ($(head -c 200 "$CMH_TMP/tar.err")); the generated pins are wrong: please report it to create-multiarch-hooks."
    fi
    ensure chmod 700 "$dir/$CMH_MANIFEST_TOOL_MEMBER"
    CMH_MT_BIN=$dir/$CMH_MANIFEST_TOOL_MEMBER
}

# write_spec FILE: the manifest-tool spec of the list of ARCH_DIGEST. References are quoted: an
# IPv6 registry ([::1]:5000/...) would otherwise read as a YAML sequence.
write_spec() {
    local i
    {
        printf "image: '%s'\nmanifests:\n" "$REPO_REF:$LIST_TAG"
        for i in "${!CMH_ARCHES[@]}"; do
            platform_of "$i"
            printf "  - image: '%s'\n    platform:\n      architecture: %s\n      os: %s\n" \
                "$REPO_REF@${ARCH_DIGEST[i]}" "$PLAT_ARCH" "$PLAT_OS"
            if [ -n "$PLAT_VARIANT" ]; then printf '      variant: %s\n' "$PLAT_VARIANT"; fi
        done
    } >"$1"
}

# publish_manifest_tool: publishes the list of ARCH_DIGEST as REPO_REF:LIST_TAG.
publish_manifest_tool() {
    local spec="$CMH_TMP/spec.yaml" out="$CMH_TMP/manifest-tool.log" attempt=0 rc plain=()
    write_spec "$spec"
    if [ "$REG_PLAIN" = 1 ]; then plain=(--plain-http); fi
    # --docker-cfg is the folder exported as DOCKER_CONFIG: manifest-tool v2 loads that folder's
    # config.json (credential helpers included); any other path it would read as a file.
    while :; do
        rc=0
        "$CMH_MT_BIN" --docker-cfg "$DOCKER_CONFIG" ${plain[@]+"${plain[@]}"} push from-spec "$spec" >"$out" 2>&1 || rc=$?
        if [ "$rc" -eq 0 ]; then return 0; fi
        tail -n 5 "$out" >&2
        if auth_refused "$out"; then
            creds_hint
            err "manifest-tool could not push $REPO_REF:$LIST_TAG: the registry refused it; $REPLY."
        fi
        attempt=$((attempt + 1))
        if [ "$attempt" -gt "$CMH_RETRIES" ]; then
            err "manifest-tool could not publish $REPO_REF:$LIST_TAG ($attempt attempts, exit $rc); see its output above."
        fi
        backoff_delay "$attempt"
        warn "manifest-tool failed (exit $rc); retrying in ${REPLY}s ($attempt of $CMH_RETRIES)"
        sleep "$REPLY"
    done
}

# publish_list: with the chosen publisher; manifest-tool falls back to docker manifest when it
# cannot be downloaded.
publish_list() {
    if [ "$CMH_PUBLISH_WITH" = manifest-tool ]; then
        if fetch_manifest_tool; then
            publish_manifest_tool
            return 0
        fi
        if ! docker_has_manifest; then
            err "manifest-tool cannot be obtained ($CMH_MT_WHY) and there is no docker CLI with docker manifest to fall back on; set MULTIARCH_MANIFEST_TOOL_URL to a mirror of $CMH_MANIFEST_TOOL_URL (same sha256)."
        fi
        warn "manifest-tool cannot be obtained ($CMH_MT_WHY); publishing with docker manifest instead."
        CMH_PUBLISH_WITH=docker
    fi
    publish_docker
}
