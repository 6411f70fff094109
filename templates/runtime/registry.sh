# What the registry holds: each architecture's image (digest and revision label) and the list.

CMH_ACCEPT='application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json'
ARCH_DIGEST=()
ARCH_REV=()
ARCH_WHY=()

# platform_of I: PLAT_OS, PLAT_ARCH, PLAT_VARIANT of CMH_ARCHES[I].
platform_of() {
    local p=${CMH_PLATFORMS[$1]}
    PLAT_OS=${p%%/*}
    p=${p#*/}
    PLAT_ARCH=${p%%/*}
    PLAT_VARIANT=""
    if [[ $p == */* ]]; then PLAT_VARIANT=${p#*/}; fi
}

# normal_platform P: REPLY = P with the variant a runtime assumes when there is none (containerd
# takes a bare arm as v7 and arm64 as v8), so that a v7 image never passes for a v6 one.
normal_platform() {
    case $1 in
        */arm) REPLY=$1/v7 ;;
        */arm64) REPLY=$1/v8 ;;
        *) REPLY=$1 ;;
    esac
}

# entry_platform N: REPLY = os/arch[/variant] of entry N of the loaded index.
entry_platform() {
    local os arch
    json_str "/manifests/$1/platform/os" || REPLY=""
    os=$REPLY
    json_str "/manifests/$1/platform/architecture" || REPLY=""
    arch=$REPLY
    json_str "/manifests/$1/platform/variant" || REPLY=""
    REPLY=$os/$arch${REPLY:+/$REPLY}
}

# get_verified WHAT PATH DIGEST OUT [ACCEPT]: GET PATH (manifests/... or blobs/...) and check
# that its content has DIGEST.
get_verified() {
    registry_get "$2" "$4" "${5:-}"
    if [ "$HTTP_STATUS" != 200 ]; then err "GET $REPO_REF $2 ($1) answered HTTP $HTTP_STATUS."; fi
    sha256_file "$4"
    if [ "sha256:$REPLY" != "$3" ]; then err "$1 from $REG_HOST does not match its digest $3 (got sha256:$REPLY)."; fi
}

# read_arch_image I: ARCH_DIGEST[I] and ARCH_REV[I] of the image tagged for CMH_ARCHES[I], or
# ARCH_WHY[I] saying why there is none.
read_arch_image() {
    local i=$1 tag m="$CMH_TMP/manifest.json" c="$CMH_TMP/config.json" n digest="" exact="" want
    arch_tag "$LIST_TAG" "${CMH_ARCHES[i]}"
    tag=$REPLY
    ARCH_DIGEST[i]=""
    ARCH_REV[i]=""
    ARCH_WHY[i]=""
    registry_get "manifests/$tag" "$m" "$CMH_ACCEPT"
    if [ "$HTTP_STATUS" = 404 ]; then
        ARCH_WHY[i]="not pushed yet"
        return 0
    fi
    if [ "$HTTP_STATUS" != 200 ]; then err "GET $REPO_REF:$tag answered HTTP $HTTP_STATUS."; fi
    if ! json_load "$m"; then err "$REPO_REF:$tag: the registry's answer is not JSON."; fi
    if json_get /manifests/0/digest; then
        # An index (BuildKit with attestations): this platform's entry; unknown/unknown are attestations.
        normal_platform "${CMH_PLATFORMS[i]}"
        want=$REPLY
        n=0
        while json_str "/manifests/$n/digest"; do
            digest=$REPLY
            entry_platform "$n"
            normal_platform "$REPLY"
            if [ "$REPLY" = "$want" ]; then exact=$digest; fi
            n=$((n + 1))
        done
        if [ -z "$exact" ]; then
            ARCH_WHY[i]="$REPO_REF:$tag is a list without a ${CMH_PLATFORMS[i]} image"
            return 0
        fi
        digest=$exact
        get_verified "the $want image of $REPO_REF:$tag" "manifests/$digest" "$digest" "$m" "$CMH_ACCEPT"
        json_load "$m" || err "$REPO_REF@$digest is not JSON."
    else
        sha256_file "$m"
        digest=sha256:$REPLY
    fi
    if json_get /schemaVersion && [ "$REPLY" = 1 ]; then
        err "$REPO_REF:$tag is a schema 1 manifest, which cannot go into a manifest list; build it with a docker of 17.03 or later."
    fi
    json_str /config/digest || err "$REPO_REF:$tag has no image config."
    get_verified "the image config of $REPO_REF:$tag" "blobs/$REPLY" "$REPLY" "$c"
    json_load "$c" || err "the image config of $REPO_REF:$tag is not JSON."
    ARCH_DIGEST[i]=$digest
    if json_str /config/Labels/org.opencontainers.image.revision && [ -n "$REPLY" ]; then
        ARCH_REV[i]=$REPLY
    else
        ARCH_WHY[i]="has no org.opencontainers.image.revision label (not built by hooks/build)"
    fi
    local os="" arch="" variant="" cp
    if json_str /os; then os=$REPLY; fi
    if json_str /architecture; then arch=$REPLY; fi
    if json_str /variant; then variant=$REPLY; fi
    cp=$os/$arch${variant:+/$variant}
    # A config without a variant is fine where the table's platform only adds one (arm64 -> arm64/v8).
    if [ "$cp" != "${CMH_PLATFORMS[i]}" ] && { [ -n "$variant" ] || [[ ${CMH_PLATFORMS[i]} != "$cp"/* ]]; }; then
        warn "the image config of $REPO_REF:$tag says $cp; the list names it ${CMH_PLATFORMS[i]}."
    fi
    JSON_LINES=()
}

# collect_state: read_arch_image for every architecture.
collect_state() {
    local i
    for i in "${!CMH_ARCHES[@]}"; do read_arch_image "$i"; done
}

# common_revision: REPLY = the revision every architecture's image carries; false if they differ
# or one is missing.
common_revision() {
    local i
    REPLY=${ARCH_REV[0]}
    for i in "${!CMH_ARCHES[@]}"; do
        if [ -z "${ARCH_DIGEST[i]}" ] || [ -n "${ARCH_WHY[i]}" ] || [ "${ARCH_REV[i]}" != "$REPLY" ]; then
            REPLY=""
            return 1
        fi
    done
}

# expected_entries: REPLY = the sorted "digest platform" lines of a list of ARCH_DIGEST.
expected_entries() {
    local i lines=()
    for i in "${!CMH_ARCHES[@]}"; do lines+=("${ARCH_DIGEST[i]} ${CMH_PLATFORMS[i]}"); done
    REPLY=$(printf '%s\n' "${lines[@]}" | LC_ALL=C sort)
}

# read_list: LIST_KIND (missing, image, index) and LIST_ENTRIES (sorted "digest platform" lines,
# attestations left out) of the list tag.
read_list() {
    local f="$CMH_TMP/list.json" n lines=()
    LIST_ENTRIES=""
    registry_get "manifests/$LIST_TAG" "$f" "$CMH_ACCEPT"
    if [ "$HTTP_STATUS" = 404 ]; then
        LIST_KIND=missing
        return 0
    fi
    if [ "$HTTP_STATUS" != 200 ]; then err "GET $REPO_REF:$LIST_TAG answered HTTP $HTTP_STATUS."; fi
    json_load "$f" || err "$REPO_REF:$LIST_TAG: the registry's answer is not JSON."
    if ! json_get /manifests/0/digest; then
        LIST_KIND=image
        return 0
    fi
    LIST_KIND=index
    n=0
    while json_str "/manifests/$n/digest"; do
        local digest=$REPLY
        entry_platform "$n"
        if [ "$REPLY" != unknown/unknown ]; then lines+=("$digest $REPLY"); fi
        n=$((n + 1))
    done
    JSON_LINES=()
    if [ "${#lines[@]}" -gt 0 ]; then LIST_ENTRIES=$(printf '%s\n' "${lines[@]}" | LC_ALL=C sort); fi
}
