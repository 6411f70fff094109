# The post_push hook: publish the list once every architecture's image of this commit is in.

main() {
    local rev
    umask 077
    not_on_docker_hub
    detect_build
    retry_settings
    parse_repo
    cd "$(dirname "${BASH_SOURCE[0]}")/.." || err "cannot enter the folder holding hooks/."
    revision "$PWD"
    rev=$REPLY LIST=$REPO_REF:$LIST_TAG
    CMH_PUBLISH_WITH=${MULTIARCH_PUBLISHER:-$CMH_PUBLISHER}
    [[ $CMH_PUBLISH_WITH == @(manifest-tool|docker) ]] || err "MULTIARCH_PUBLISHER=$CMH_PUBLISH_WITH: use manifest-tool or docker."
    need_cmd docker "post_push reads the registry with docker buildx imagetools"
    make_tmp
    private_docker_config
    say "$BUILD_ARCH of commit $rev is pushed; checking the images of $LIST (${CMH_ARCHES[*]})."
    read_arches
    if [ -z "${ARCH_DIGEST[BUILD_I]}" ]; then
        arch_tag "$LIST_TAG" "$BUILD_ARCH"
        err "$REPO_REF:$REPLY, the image this build just pushed, is not in the registry, so the list can never be complete; check that DOCKER_REPO ($DOCKER_REPO) is where the push went."
    fi
    waiting_for "$rev"
    if [ -n "$REPLY" ]; then say "waiting for $REPLY; the post_push of the last of them publishes $LIST." && return 0; fi
    publish "$rev"
}

# waiting_for REV: REPLY = the architectures whose image is missing or not of REV, with why.
waiting_for() {
    local i parts=()
    for i in "${!CMH_ARCHES[@]}"; do
        if [ -n "${ARCH_WHY[i]}" ]; then parts+=("${CMH_ARCHES[i]} (${ARCH_WHY[i]})"); continue; fi
        if [ "${ARCH_REV[i]}" != "$1" ]; then parts+=("${CMH_ARCHES[i]} (is commit ${ARCH_REV[i]:0:12})"); fi
    done
    REPLY=$(IFS=, && printf '%s' "${parts[*]}")
    REPLY=${REPLY//,/, }
}

# publish REV: makes LIST the images of commit REV (ARCH_DIGEST), by digest. Registries have no
# compare-and-swap: the list is made from the arch tags as they are right before the write, and
# this build's own tag is looked at after it. When another commit's images landed meanwhile, the
# list follows them once they are all of one commit (else the post_push of that commit's last
# build publishes it), and is never written from images the tags no longer hold.
publish() {
    local rev=$1
    read_includes # --include: the images built elsewhere, resolved now (include.sh)
    if [ "$CMH_PUBLISH_WITH" = manifest-tool ] && ! fetch_manifest_tool; then
        docker manifest --help >/dev/null 2>&1 ||
            err "manifest-tool cannot be obtained ($CMH_MT_WHY) and there is no docker CLI with docker manifest to fall back on; set MULTIARCH_MANIFEST_TOOL_URL to a mirror of $CMH_MANIFEST_TOOL_URL (same sha256)."
        warn "manifest-tool cannot be obtained ($CMH_MT_WHY); publishing with docker manifest instead."
        CMH_PUBLISH_WITH=docker
    fi
    for _ in 1 2 3; do
        if prepare_list && push_list && own_tag_unchanged; then
            say "published $LIST (commit $rev): ${CMH_PLATFORMS[*]}, by digest, with $CMH_PUBLISH_WITH." && return 0
        fi
        say "the arch images of $LIST changed while this build published it; looking again."
        read_arches
        waiting_for "${ARCH_REV[0]}"
        if [ -n "$REPLY" ] || [ -z "${ARCH_REV[0]}" ]; then
            say "the arch images of $LIST now come from different commits (${REPLY}): another commit's builds are landing, and the post_push of its last build publishes the list." && return 0
        fi
        if [ "${ARCH_REV[0]}" != "$rev" ]; then say "meanwhile every image of $LIST became commit ${ARCH_REV[0]}; publishing that list."; fi
        rev=${ARCH_REV[0]}
    done
    err "the arch images of $LIST changed each of the 3 times this build published it: other builds keep pushing them; run this build again once they are done."
}
