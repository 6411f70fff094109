# The post_push hook: publish the list once every architecture's image of this commit is in.

# waiting_for REV: REPLY = the architectures whose image is missing or not of REV, with why.
waiting_for() {
    local i parts=()
    for i in "${!CMH_ARCHES[@]}"; do
        if [ -n "${ARCH_WHY[i]}" ]; then
            parts+=("${CMH_ARCHES[i]} (${ARCH_WHY[i]})")
        elif [ "${ARCH_REV[i]}" != "$1" ]; then
            parts+=("${CMH_ARCHES[i]} (is commit ${ARCH_REV[i]:0:12})")
        fi
    done
    REPLY=""
    if [ "${#parts[@]}" -gt 0 ]; then
        REPLY=$(printf '%s, ' "${parts[@]}")
        REPLY=${REPLY%, }
    fi
}

# publish_set REV: publishes the list of ARCH_DIGEST (all of commit REV) unless the list already
# is exactly that, then reads it back. PUBLISHED=1 when this run wrote it.
publish_set() {
    local rev=$1 list="$REPO_REF:$LIST_TAG" want
    PUBLISHED=0
    expected_entries
    want=$REPLY
    read_list
    if [ "$LIST_ENTRIES" = "$want" ]; then
        say "$list already lists the ${#CMH_ARCHES[@]} images of commit $rev; nothing to publish."
        return 0
    fi
    if [ "$LIST_KIND" = image ]; then say "$list is a single image now; replacing it with the list."; fi
    publish_list
    PUBLISHED=1
    read_list
    if [ "$LIST_ENTRIES" = "$want" ]; then
        say "published $list (commit $rev): ${CMH_PLATFORMS[*]}, by digest, with $CMH_PUBLISH_WITH."
        return 0
    fi
    # Another commit's post_push may have written it in between: fine if it is complete.
    local got=$LIST_ENTRIES
    collect_state
    if common_revision; then
        local other=$REPLY
        expected_entries
        if [ "$got" = "$REPLY" ]; then
            say "$list was replaced meanwhile by the complete list of commit $other; leaving it."
            PUBLISHED=0
            return 0
        fi
    fi
    err "after publishing, $list lists [${got//$'\n'/; }] instead of [${want//$'\n'/; }]."
}

main() {
    local dir rev
    umask 077
    detect_build
    retry_settings
    need_cmd curl
    need_cmd grep
    need_cmd sort
    need_cmd base64
    parse_repo
    make_tmp
    CMH_PUBLISH_WITH=${MULTIARCH_PUBLISHER:-$CMH_PUBLISHER}
    case $CMH_PUBLISH_WITH in
        manifest-tool | docker) ;;
        *) err "MULTIARCH_PUBLISHER=$CMH_PUBLISH_WITH: use manifest-tool or docker." ;;
    esac
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || err "cannot find the folder holding hooks/."
    revision "$dir"
    rev=$REPLY
    resolve_credentials
    say "$BUILD_ARCH of commit $rev is pushed; checking the images of $REPO_REF:$LIST_TAG (${CMH_ARCHES[*]})."
    collect_state
    waiting_for "$rev"
    if [ -n "$REPLY" ]; then
        say "waiting for $REPLY; the post_push of the last of them publishes $REPO_REF:$LIST_TAG."
        return 0
    fi
    publish_set "$rev"
    if [ "$PUBLISHED" != 1 ]; then return 0; fi
    # A newer commit's images may have landed, and its post_push published, between our check
    # and our write: then ours replaced a newer list. Look once more, and put the newest back.
    collect_state
    if common_revision && [ "$REPLY" != "$rev" ]; then
        local newer=$REPLY
        say "meanwhile every image of $REPO_REF:$LIST_TAG became commit $newer; publishing that list."
        publish_set "$newer"
    fi
}
