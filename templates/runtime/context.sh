# detect_build: the checks of the build rule (DOCKERFILE_PATH and DOCKER_TAG agree on one
# architecture, and its list tag is not an arch tag), then list_of DOCKER_TAG.
detect_build() {
    local tag=${DOCKER_TAG:-} path=${DOCKERFILE_PATH:-} i by_file="" by_tag="" known="${CMH_ARCHES[*]}"
    [[ $path != -* ]] || err "DOCKERFILE_PATH=$path starts with '-'; set it to the Dockerfile's path in the build rule."
    [ -n "$tag" ] || err "DOCKER_TAG is not set; set it to this build's tag: <arch> for latest or <version>-<arch>, with <arch> one of: $known."
    [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || err "DOCKER_TAG=$tag is not a valid image tag."
    if tag_arch "$tag"; then by_tag=$REPLY; fi
    for i in "${!CMH_ARCHES[@]}"; do
        if [ -n "$path" ] && [ "${CMH_DOCKERFILES[i]}" = "${path##*/}" ]; then by_file=$i; fi
    done
    if [ -n "$by_file" ] && [ -z "$by_tag" ]; then
        err "DOCKER_TAG=$tag builds $path (${CMH_ARCHES[by_file]}) but does not end in ${CMH_ARCHES[by_file]}, so its push would overwrite a multi-arch list; set this build rule's Docker tag to ${CMH_ARCHES[by_file]} (or <version>-${CMH_ARCHES[by_file]}), see DOCKER_HUB_BUILD_RULES.md."
    fi
    if [ -n "$by_file" ] && [ "$by_file" != "$by_tag" ]; then
        err "DOCKERFILE_PATH=$path is the ${CMH_ARCHES[by_file]} Dockerfile but DOCKER_TAG=$tag is for ${CMH_ARCHES[by_tag]}; fix this build rule in Docker Hub (see DOCKER_HUB_BUILD_RULES.md)."
    fi
    [ -n "$by_tag" ] || err "cannot tell which architecture this build is for: DOCKER_TAG=$tag${path:+ and DOCKERFILE_PATH=$path} match none of the generated ones ($known); name the tag <arch> or <version>-<arch>."
    list_of "$tag"
    for i in "${!CMH_ARCHES[@]}"; do
        [ "$LIST_TAG" != "${CMH_ARCHES[i]}" ] || err "DOCKER_TAG=$tag would publish its list as $LIST_TAG, the tag of the ${CMH_ARCHES[i]} image of latest; name the build rule's tag <version>-$BUILD_ARCH with a version that is not an architecture."
    done
    arch_tag "$LIST_TAG" "$BUILD_ARCH"
    [ "$REPLY" = "$tag" ] || err "DOCKER_TAG=$tag: the $BUILD_ARCH image of the list $LIST_TAG is tagged $REPLY; use that tag in the build rule."
}
