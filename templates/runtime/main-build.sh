# The build hook: Docker Hub's build command, plus the revision label and this arch's platform.

main() {
    local dir rev
    detect_build
    need_cmd docker
    # Docker Hub runs hooks from the Dockerfile's folder; so does this, from wherever it is called.
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || err "cannot find the folder holding hooks/."
    cd "$dir" || err "cannot cd to $dir."
    revision "$PWD"
    rev=$REPLY
    build_context "${DOCKERFILE_PATH:-${CMH_DOCKERFILES[BUILD_I]}}"
    [ -n "${IMAGE_NAME:-}${DOCKER_REPO:-}" ] || err "neither IMAGE_NAME nor DOCKER_REPO is set; set DOCKER_REPO to the image repository (e.g. acme/demo)."
    IMAGE=${IMAGE_NAME:-$DOCKER_REPO:$DOCKER_TAG}
    choose_builder
    say "building $IMAGE for ${CMH_PLATFORMS[BUILD_I]} from $FILE (commit $rev) with $BUILDER_NAME"
    run_build "$rev"
}

# build_context PATH: DOCKERFILE_PATH is relative to the build context, which holds this folder:
# the context is this folder minus PATH's folder (Dockerfile.arm64v8 -> ., docker/Dockerfile -> ..).
# Sets CONTEXT and FILE (the Dockerfile as docker build takes it).
build_context() {
    local ddir
    [[ $1 != -* ]] || err "DOCKERFILE_PATH=$1 starts with '-'; set it to the Dockerfile's path in the build rule."
    CONTEXT=. FILE=$1 ddir=$(dirname "$1")
    if [ "$ddir" != . ]; then
        [[ $PWD/ == */"$ddir"/ ]] || err "DOCKERFILE_PATH=$1 does not lead to $PWD, where the hooks are; the Dockerfile and hooks/ must be in the same folder."
        CONTEXT=${PWD%/"$ddir"} FILE=${PWD%/"$ddir"}/$1
    fi
    [ -f "$FILE" ] || err "$CONTEXT/$1 does not exist; run npx create-multiarch-hooks to regenerate the per-arch Dockerfiles."
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
# builder's driver, and --provenance=false keeps the tag a plain image (an attestation would make
# it an index, which a manifest list cannot name).
run_build() {
    local args=(build)
    if [ "$BUILDER" = buildx ]; then args=(buildx build --load --provenance=false); fi
    if [ "$BUILDER" = buildkit ]; then export DOCKER_BUILDKIT=1; fi
    args+=(-f "$FILE" --label "org.opencontainers.image.revision=$1" --platform "${CMH_PLATFORMS[BUILD_I]}" -t "$IMAGE" "$CONTEXT")
    docker "${args[@]}" || err "the build failed (exit $?); see docker's output above."
}
