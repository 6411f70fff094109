# The post_push hook: publish the list once every architecture's image of this commit is in.

main() {
    local dir rev
    umask 077
    detect_build
    retry_settings
    parse_repo
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || err "cannot find the folder holding hooks/."
    revision "$dir"
    rev=$REPLY
    CMH_PUBLISH_WITH=${MULTIARCH_PUBLISHER:-$CMH_PUBLISHER}
    [[ $CMH_PUBLISH_WITH == @(manifest-tool|docker) ]] || err "MULTIARCH_PUBLISHER=$CMH_PUBLISH_WITH: use manifest-tool or docker."
    need_cmd docker "post_push reads the registry with docker buildx imagetools"
    make_tmp
    private_docker_config
    say "$BUILD_ARCH of commit $rev is pushed; checking the images of $REPO_REF:$LIST_TAG (${CMH_ARCHES[*]})."
    read_arches
    if [ -z "${ARCH_DIGEST[BUILD_I]}" ]; then
        arch_tag "$LIST_TAG" "$BUILD_ARCH"
        err "$REPO_REF:$REPLY, the image this build just pushed, is not in the registry, so the list can never be complete; check that DOCKER_REPO ($DOCKER_REPO) is where the push went."
    fi
    waiting_for "$rev"
    if [ -n "$REPLY" ]; then
        say "waiting for $REPLY; the post_push of the last of them publishes $REPO_REF:$LIST_TAG."
        return 0
    fi
    publish "$rev"
}

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
    REPLY=$(IFS=, && printf '%s' "${parts[*]}")
    REPLY=${REPLY//,/, }
}

# publish REV: makes the list the images of commit REV (ARCH_DIGEST), by digest (LIST_ENTRIES:
# read with the arch images, then after each write). Registries have no
# compare-and-swap, so the arch tags are looked at again right before the write and after it:
# when a newer commit's images landed meanwhile, the list follows them once they are all of one
# commit, and is never written from older images (the post_push of the last build of the commit
# still landing publishes it).
publish() {
    local rev=$1 list="$REPO_REF:$LIST_TAG" round want i wrote=""
    read_includes # --include: the images built elsewhere, resolved now (include.sh)
    for round in 1 2 3 4; do
        want=$({
            for i in "${!CMH_ARCHES[@]}"; do printf '%s %s\n' "${ARCH_DIGEST[i]}" "${CMH_PLATFORMS[i]}"; done
            include_entries # --include (include.sh)
        } | LC_ALL=C sort)
        if [ "$LIST_ENTRIES" = "$want" ] && [ "$wrote" = "$rev" ]; then
            say "published $list (commit $rev): ${CMH_PLATFORMS[*]}, by digest, with $CMH_PUBLISH_WITH."
            return 0
        elif [ "$LIST_ENTRIES" = "$want" ]; then
            say "$list already lists the ${#CMH_ARCHES[@]} images of commit $rev; nothing to publish."
            return 0
        fi
        if [ "$round" = 4 ]; then break; fi
        if [ "$LIST_KIND" = image ]; then say "$list is a single image now; replacing it with the list."; fi
        if [ "$CMH_PUBLISH_WITH" = manifest-tool ] && [ -z "${CMH_MT_BIN:-}" ] && ! fetch_manifest_tool; then
            docker manifest --help >/dev/null 2>&1 ||
                err "manifest-tool cannot be obtained ($CMH_MT_WHY) and there is no docker CLI with docker manifest to fall back on; set MULTIARCH_MANIFEST_TOOL_URL to a mirror of $CMH_MANIFEST_TOOL_URL (same sha256)."
            warn "manifest-tool cannot be obtained ($CMH_MT_WHY); publishing with docker manifest instead."
            CMH_PUBLISH_WITH=docker
        fi
        prepare_list
        if unchanged; then
            push_list
            wrote=$rev
            # docker manifest push fails unless the registry took the list (LIST_ENTRIES is then
            # what it wrote); a downloaded manifest-tool's word is checked by reading the list back.
            if [ "$CMH_PUBLISH_WITH" = docker ]; then LIST_ENTRIES=$want; else fetch_list && read_list; fi
            tag_digests
            if unchanged; then continue; fi
            say "the arch images of $list changed while this build published it; looking again."
        else
            say "the arch images of $list changed before this build published it; looking again."
        fi
        read_arches
        waiting_for "${ARCH_REV[0]}"
        if [ -n "$REPLY" ] || [ -z "${ARCH_REV[0]}" ]; then
            say "the arch images of $list now come from different commits (${REPLY}): another commit's builds are landing, and the post_push of its last build publishes the list."
            return 0
        fi
        if [ "${ARCH_REV[0]}" != "$rev" ]; then say "meanwhile every image of $list became commit ${ARCH_REV[0]}; publishing that list."; fi
        rev=${ARCH_REV[0]}
    done
    err "after publishing 3 times, $list lists [${LIST_ENTRIES//$'\n'/; }] instead of [${want//$'\n'/; }]: either other builds keep writing it (run this build again) or $CMH_PUBLISH_WITH does not publish what it says it did."
}

# unchanged: true when the arch tags still hold the images read (ARCH_NOW against ARCH_TAG).
unchanged() { [ "$ARCH_NOW" = "$(printf '%s\n' "${ARCH_TAG[@]}" | LC_ALL=C sort)" ]; }
