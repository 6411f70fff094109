# The build hook: Docker Hub's build command, plus the revision label and this arch's platform.

main() {
    local rev
    detect_build
    need_cmd docker
    build_context "${DOCKERFILE_PATH:-${CMH_DOCKERFILES[BUILD_I]}}" "run npx create-multiarch-hooks to regenerate the per-arch Dockerfiles"
    revision "$PWD"
    rev=$REPLY
    [ -n "${IMAGE_NAME:-}${DOCKER_REPO:-}" ] || err "neither IMAGE_NAME nor DOCKER_REPO is set; set DOCKER_REPO to the image repository (e.g. acme/demo)."
    IMAGE=${IMAGE_NAME:-$DOCKER_REPO:$DOCKER_TAG}
    choose_builder
    say "building $IMAGE for ${CMH_PLATFORMS[BUILD_I]} from $FILE (commit $rev) with $BUILDER_NAME"
    run_build "$rev"
}

# Sets BUILDER and BUILDER_NAME: legacy for DOCKER_BUILDKIT=0 (Docker Hub's switch), else buildx
# (Docker Hub's builders have it), else buildkit for DOCKER_BUILDKIT=1, else legacy.
choose_builder() {
    local why=""
    BUILDER=legacy BUILDER_NAME="the legacy builder"
    if [[ ${DOCKER_BUILDKIT:-} == @(0|false) ]]; then
        why="DOCKER_BUILDKIT=${DOCKER_BUILDKIT} in this build's environment selects the legacy builder: remove it from the build rule's environment variables in Docker Hub"
    elif docker buildx version >/dev/null 2>&1; then
        BUILDER=buildx BUILDER_NAME="BuildKit (docker buildx)"
    elif [[ ${DOCKER_BUILDKIT:-} == @(1|true) ]]; then
        BUILDER=buildkit BUILDER_NAME="BuildKit (DOCKER_BUILDKIT=1)"
    else
        why="this docker has no buildx plugin, so docker build runs the legacy builder: set DOCKER_BUILDKIT=1 in the build rule's environment variables in Docker Hub"
    fi
    if [ -n "$why" ] && [ -n "${CMH_NEEDS_BUILDKIT[BUILD_I]}" ]; then
        err "$FILE needs BuildKit (${CMH_NEEDS_BUILDKIT[BUILD_I]}), but $why."
    fi
}

# run_build REVISION: the build, tagged IMAGE, labelled with the commit, for this arch's platform.
# buildx: --load puts the image in the engine's store for Docker Hub's push step whatever the
# driver; --provenance=false keeps it a plain image (an attestation makes an index, which a list
# cannot name).
run_build() {
    local args=(build)
    if [ "$BUILDER" = buildx ]; then args=(buildx build --load --provenance=false); fi
    if [ "$BUILDER" = buildkit ]; then export DOCKER_BUILDKIT=1; fi
    args+=(-f "$FILE" --label "org.opencontainers.image.revision=$1" --platform "${CMH_PLATFORMS[BUILD_I]}" -t "$IMAGE" "$CONTEXT")
    docker "${args[@]}" || err "the build failed (exit $?); see docker's output above."
}
