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

# publish_set REV: makes the list the images of commit REV (ARCH_DIGEST, all of REV), by digest,
# unless it already is; reads it back, then looks at the arch images once more. Another commit's
# post_push may write the list at the same time: whatever it did, the list ends as the images of
# the commit every arch image carries now, or is left to the post_push of a commit still landing.
publish_set() {
    local rev=$1 list="$REPO_REF:$LIST_TAG" want round
    for round in 1 2 3; do
        expected_entries
        want=$REPLY
        read_list
        if [ "$LIST_ENTRIES" = "$want" ]; then
            say "$list already lists the ${#CMH_ARCHES[@]} images of commit $rev; nothing to publish."
            return 0
        fi
        if [ "$LIST_KIND" = image ]; then say "$list is a single image now; replacing it with the list."; fi
        publish_list
        read_list
        if [ "$LIST_ENTRIES" = "$want" ]; then
            say "published $list (commit $rev): ${CMH_PLATFORMS[*]}, by digest, with $CMH_PUBLISH_WITH."
        else
            say "$list changed while this build published it (another build's post_push wrote it); looking again."
        fi
        # A newer commit's images may have landed, and its post_push published, between our look
        # and our write: then ours replaced a newer list. Or an older commit's late write replaced
        # ours. Either way the arch images say which commit the list must be.
        collect_state
        if ! common_revision; then
            say "the arch images of $list now come from different commits: another commit's builds are landing, and the post_push of its last build publishes the list."
            return 0
        fi
        if [ "$REPLY" = "$rev" ] && [ "$LIST_ENTRIES" = "$want" ]; then return 0; fi
        if [ "$REPLY" != "$rev" ]; then say "meanwhile every image of $list became commit $REPLY; publishing that list."; fi
        rev=$REPLY
    done
    err "after publishing $round times, $list lists [${LIST_ENTRIES//$'\n'/; }] instead of [${want//$'\n'/; }]: either other builds keep writing it (run this build again) or $CMH_PUBLISH_WITH does not publish what it says it did."
}

main() {
    local dir rev
    umask 077
    detect_build
    retry_settings
    need_cmd curl "post_push reads the registry with curl; install it in the build environment"
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
    if [ -z "${ARCH_DIGEST[BUILD_I]}" ] && [ "${ARCH_WHY[BUILD_I]}" = "not pushed yet" ]; then
        arch_tag "$LIST_TAG" "$BUILD_ARCH"
        err "$REPO_REF:$REPLY, the image this build just pushed, is not in the registry, so the list can never be complete; check that DOCKER_REPO ($DOCKER_REPO) is where the push went."
    fi
    waiting_for "$rev"
    if [ -n "$REPLY" ]; then
        say "waiting for $REPLY; the post_push of the last of them publishes $REPO_REF:$LIST_TAG."
        return 0
    fi
    publish_set "$rev"
}
