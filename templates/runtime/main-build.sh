# The build hook: Docker Hub's own build command, plus the revision label and this architecture's
# platform, on BuildKit unless the build rule turned it off (as Docker Hub does).

main() {
    local rev
    detect_build
    need_cmd docker
    enter_hook_folder
    revision "$PWD"
    rev=$REPLY
    build_context "${DOCKERFILE_PATH:-${CMH_DOCKERFILES[BUILD_I]}}"
    image_name
    choose_builder
    say "building $IMAGE for ${CMH_PLATFORMS[BUILD_I]} from $FILE (commit $rev) with $BUILDER_NAME"
    run_build "$rev"
}

# Docker Hub runs hooks from the Dockerfile's folder; so does this, from wherever it is called.
enter_hook_folder() {
    local dir
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || err "cannot find the folder holding hooks/."
    cd "$dir" || err "cannot cd to $dir."
}

# build_context PATH: DOCKERFILE_PATH is relative to the build context, which holds this folder:
# the context is this folder minus PATH's folder (Dockerfile.arm64v8 -> ., docker/Dockerfile -> ..).
# Sets CONTEXT and FILE (the Dockerfile as docker build takes it).
build_context() {
    local file=$1 ddir
    case $file in -*) err "DOCKERFILE_PATH=$file starts with '-'; set it to the Dockerfile's path in the build rule." ;; esac
    CONTEXT=.
    ddir=$(dirname "$file")
    if [ "$ddir" != . ]; then
        case $PWD/ in
            */"$ddir"/) CONTEXT=${PWD%/"$ddir"} ;;
            *) err "DOCKERFILE_PATH=$file does not lead to $PWD, where the hooks are; the Dockerfile and hooks/ must be in the same folder." ;;
        esac
    fi
    if [ ! -f "$CONTEXT/$file" ]; then
        err "$CONTEXT/$file does not exist; run npx create-multiarch-hooks to regenerate the per-arch Dockerfiles."
    fi
    FILE=$file
    if [ "$CONTEXT" != . ]; then FILE=$CONTEXT/$file; fi
}

# Sets IMAGE: Docker Hub's IMAGE_NAME, else DOCKER_REPO:DOCKER_TAG.
image_name() {
    IMAGE=${IMAGE_NAME:-}
    if [ -z "$IMAGE" ]; then
        if [ -z "${DOCKER_REPO:-}" ]; then err "neither IMAGE_NAME nor DOCKER_REPO is set; set DOCKER_REPO to the image repository (e.g. acme/demo)."; fi
        IMAGE=$DOCKER_REPO:$DOCKER_TAG
    fi
}

# Sets BUILDER (buildx, buildkit or legacy) and BUILDER_NAME, from what this docker can do:
# DOCKER_BUILDKIT=0 selects the legacy builder (Docker Hub's switch); otherwise BuildKit, through
# the buildx plugin where there is one (Docker Hub's builders have it), else the CLI's own BuildKit
# client when DOCKER_BUILDKIT=1 asks for it, else the legacy builder. A Dockerfile that only
# BuildKit builds stops here, before the legacy builder fails on it with a parser error.
choose_builder() {
    local why
    case ${DOCKER_BUILDKIT:-} in
        0 | false)
            BUILDER=legacy
            why="DOCKER_BUILDKIT=${DOCKER_BUILDKIT} in this build's environment selects the legacy builder: remove it from the build rule's environment variables in Docker Hub"
            ;;
        *)
            if docker buildx version >/dev/null 2>&1; then
                BUILDER=buildx
            elif [ "${DOCKER_BUILDKIT:-}" = 1 ] || [ "${DOCKER_BUILDKIT:-}" = true ]; then
                BUILDER=buildkit
            else
                BUILDER=legacy
                why="this docker has no buildx plugin, so docker build runs the legacy builder: set DOCKER_BUILDKIT=1 in the build rule's environment variables in Docker Hub"
            fi
            ;;
    esac
    case $BUILDER in
        buildx) BUILDER_NAME="BuildKit (docker buildx)" ;;
        buildkit) BUILDER_NAME="BuildKit (DOCKER_BUILDKIT=1)" ;;
        legacy) BUILDER_NAME="the legacy builder" ;;
    esac
    if [ "$BUILDER" = legacy ] && [ -n "${CMH_NEEDS_BUILDKIT[BUILD_I]}" ]; then
        err "$FILE needs BuildKit (${CMH_NEEDS_BUILDKIT[BUILD_I]}), but $why."
    fi
}

# run_build REVISION: the build, tagged IMAGE, labelled with the commit, for this arch's platform.
# buildx: --load puts the image in the engine's store for Docker Hub's push step whatever the
# builder's driver, and --provenance=false keeps the tag a plain image (an attestation would make
# it an index, which a manifest list cannot name).
run_build() {
    local platform=${CMH_PLATFORMS[BUILD_I]} args=()
    case $BUILDER in
        buildx) args=(buildx build --load --provenance=false) ;;
        buildkit) args=(build) && export DOCKER_BUILDKIT=1 ;;
        legacy) args=(build) ;;
    esac
    args+=(-f "$FILE" --label "org.opencontainers.image.revision=$1" --platform "$platform" -t "$IMAGE" "$CONTEXT")
    docker "${args[@]}" || err "the build failed (exit $?); see docker's output above."
}
