# list_of TAG: BUILD_I, BUILD_ARCH (the per-arch tag TAG's) and LIST_TAG (arm64v8: latest, 1.2-arm64v8: 1.2).
list_of() {
    [ -n "$1" ] || err "DOCKER_TAG is not set; set it to this build's tag (Docker Hub sets it; in GitHub Actions or Bitbucket Pipelines build with the pipeline npx create-multiarch-hooks --ci github or --ci bitbucket writes)."
    [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || err "DOCKER_TAG=$1 is not a valid image tag."
    tag_arch "$1" || err "DOCKER_TAG=$1 ends in none of the generated architectures (${CMH_ARCHES[*]}); name the tag <arch> or <version>-<arch>."
    BUILD_I=$REPLY BUILD_ARCH=${CMH_ARCHES[REPLY]} LIST_TAG=latest
    if [ "$1" != "$BUILD_ARCH" ]; then LIST_TAG=${1%-"$BUILD_ARCH"}; fi
}
