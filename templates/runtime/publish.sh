# push_list: publishes LIST: the arch images read (with the table's platforms), then --include's. False
# when the arch tags no longer hold them right before the write: docker manifest create reads the tags
# themselves (an index: its entry's digest) into this run's own store (DOCKER_CONFIG, in the temp dir).
push_list() {
    local i p
    LIST_REFS=() LIST_DIGESTS=("${ARCH_DIGEST[@]}") LIST_PLATFORMS=("${CMH_PLATFORMS[@]}") LIST_OSVERSIONS=()
    for i in "${!CMH_ARCHES[@]}"; do
        arch_tag "$LIST_TAG" "${CMH_ARCHES[i]}"
        if [ "${ARCH_TAG[i]}" = "${ARCH_DIGEST[i]}" ]; then LIST_REFS+=("$REPO_REF:$REPLY"); else LIST_REFS+=("$REPO_REF@${ARCH_DIGEST[i]}"); fi
    done
    if [ "${#CMH_INCLUDE[@]}" -gt 0 ]; then read_includes; fi
    docker manifest rm "$LIST" >/dev/null 2>&1 || :
    tool "$CMH_TMP/tool.log" "read the images of $LIST" docker manifest create "${INSECURE[@]}" "$LIST" "${LIST_REFS[@]}" || return 1
    [ "$(docker manifest inspect "$LIST" | sed -nE 's/^ *"digest": "(sha256:[0-9a-f]{64})",?$/\1/p' | LC_ALL=C sort)" = \
        "$(printf '%s\n' "${LIST_DIGESTS[@]}" | LC_ALL=C sort)" ] || return 1
    if [ "$CMH_PUBLISH_WITH" = manifest-tool ]; then push_with_manifest_tool && return 0; fi
    for i in "${!LIST_REFS[@]}"; do
        IFS=/ read -r -a p <<<"${LIST_PLATFORMS[i]}"
        docker manifest annotate "$LIST" "${LIST_REFS[i]}" --os "${p[0]}" --arch "${p[1]}" ${p[2]:+--variant "${p[2]}"} \
            ${LIST_OSVERSIONS[i]:+--os-version "${LIST_OSVERSIONS[i]}"} || err "docker manifest annotate $LIST ${LIST_REFS[i]} failed."
    done
    tool "$CMH_TMP/tool.log" "publish $LIST with docker manifest push" docker manifest push --purge "${INSECURE[@]}" "$LIST"
}
