# The build hook: Docker Hub's own build command, plus the revision label and the platform.

# uses_buildkit: true when `docker build` runs on BuildKit (DOCKER_BUILDKIT=1, or an engine of
# 23.0 or later without DOCKER_BUILDKIT=0).
uses_buildkit() {
    local v
    case ${DOCKER_BUILDKIT:-} in
        0 | false) return 1 ;;
        1 | true) return 0 ;;
    esac
    v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || return 1
    [[ $v =~ ^([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge 23 ]
}

main() {
    local dir file ddir context rev args
    detect_build
    need_cmd docker
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || err "cannot find the folder holding hooks/."
    cd "$dir" || err "cannot cd to $dir."
    revision "$dir"
    rev=$REPLY

    # DOCKERFILE_PATH is relative to the build context, which holds this folder: the context is
    # this folder minus DOCKERFILE_PATH's folder (Dockerfile.arm64v8 -> ., docker/Dockerfile -> ..).
    file=${DOCKERFILE_PATH:-${CMH_DOCKERFILES[BUILD_I]}}
    context=.
    ddir=$(dirname "$file")
    if [ "$ddir" != . ]; then
        case $dir/ in
            */"$ddir"/) context=${dir%/"$ddir"} ;;
            *) err "DOCKERFILE_PATH=$file does not lead to $dir, where the hooks are; the Dockerfile and hooks/ must be in the same folder." ;;
        esac
    fi
    if [ ! -f "$context/$file" ]; then
        err "$context/$file does not exist; run npx create-multiarch-hooks to regenerate the per-arch Dockerfiles."
    fi

    local image=${IMAGE_NAME:-}
    if [ -z "$image" ]; then
        if [ -z "${DOCKER_REPO:-}" ]; then err "neither IMAGE_NAME nor DOCKER_REPO is set; set DOCKER_REPO to the image repository (e.g. acme/demo)."; fi
        image=$DOCKER_REPO:$DOCKER_TAG
    fi
    if [ "$context" != . ]; then file=$context/$file; fi
    args=(build -f "$file" --label "org.opencontainers.image.revision=$rev")
    if uses_buildkit; then
        args+=(--platform "${CMH_PLATFORMS[BUILD_I]}")
        say "building $image for ${CMH_PLATFORMS[BUILD_I]} from $file (commit $rev)"
    else
        say "building $image from $file (commit $rev); the classic builder takes no --platform, so the list entry alone names ${CMH_PLATFORMS[BUILD_I]}"
    fi
    args+=(-t "$image" "$context")
    docker "${args[@]}" || err "docker build failed (exit $?); see its output above."
}
