main() {
    local rev
    umask 077
    list_of "${DOCKER_TAG:-}" # hooks/build has checked the whole build rule
    retry_settings
    parse_repo
    cd "$(dirname "${BASH_SOURCE[0]}")/.." || err "cannot enter the folder holding hooks/."
    revision "$PWD"
    rev=$REPLY LIST=$REPO_REF:$LIST_TAG
    CMH_PUBLISH_WITH=${MULTIARCH_PUBLISHER:-$CMH_PUBLISHER}
    [[ $CMH_PUBLISH_WITH == @(docker|$CMH_PUBLISHER) ]] || err "MULTIARCH_PUBLISHER=$CMH_PUBLISH_WITH: use docker or manifest-tool, which needs a post_push generated for it (run npx create-multiarch-hooks --publisher manifest-tool and commit what it writes)."
    need_cmd docker "post_push reads the registry with docker buildx imagetools"
    make_tmp
    private_docker_config
    say "$BUILD_ARCH of commit $rev is pushed; checking the images of $LIST (${CMH_ARCHES[*]})."
    read_arches
    [ -n "${ARCH_DIGEST[BUILD_I]}" ] ||
        err "$REPO_REF:$DOCKER_TAG, the image this build just pushed, is not in the registry, so the list can never be complete; check that DOCKER_REPO ($DOCKER_REPO) is where the push went."
    waiting_for "$rev"
    if [ -n "$REPLY" ]; then say "waiting for $REPLY; the post_push of the last of them publishes $LIST." && return 0; fi
    publish "$rev"
}

# waiting_for REV: REPLY = the architectures whose image is missing or not of REV, with why.
waiting_for() {
    local i parts=()
    for i in "${!CMH_ARCHES[@]}"; do
        if [ -n "${ARCH_WHY[i]}" ] || [ "${ARCH_REV[i]}" != "$1" ]; then parts+=("${CMH_ARCHES[i]} (${ARCH_WHY[i]:-is commit ${ARCH_REV[i]:0:12}})"); fi
    done
    printf -v REPLY '%s, ' "${parts[@]}" && REPLY=${REPLY%, }
}

# publish REV: makes LIST the images of commit REV. Registries have no compare-and-swap: push_list
# checks the arch tags right before the write, and the own tag is read after it (moved: look again).
publish() {
    local rev=$1
    if [ "$CMH_PUBLISH_WITH" = manifest-tool ]; then ensure_manifest_tool; fi
    for _ in 1 2 3; do
        if push_list && tool "$CMH_TMP/own" "read $REPO_REF:$DOCKER_TAG" docker manifest inspect -v "${INSECURE[@]}" "$REPO_REF:$DOCKER_TAG" &&
            grep -qF "\"digest\": \"${ARCH_DIGEST[BUILD_I]}\"" "$CMH_TMP/own"; then
            say "published $LIST (commit $rev): ${LIST_PLATFORMS[*]}, by digest, with $CMH_PUBLISH_WITH." && return 0
        fi
        say "the arch images of $LIST changed while this build published it; looking again."
        read_arches
        waiting_for "${ARCH_REV[0]}"
        if [ -n "$REPLY" ]; then
            say "the arch images of $LIST now come from different commits (${REPLY}): another commit's builds are landing, and the post_push of its last build publishes the list." && return 0
        fi
        if [ "${ARCH_REV[0]}" != "$rev" ]; then say "meanwhile every image of $LIST became commit ${ARCH_REV[0]}; publishing that list."; fi
        rev=${ARCH_REV[0]}
    done
    err "the arch images of $LIST changed each of the 3 times this build published it: other builds keep pushing them; run this build again once they are done."
}
