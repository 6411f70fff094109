# A CI that runs these hooks after autobuilds retired (docker/autobuilds-actions, a Bitbucket step)
# sets none of Docker Hub's variables: stop, naming the pipeline the generator writes for it.
not_on_docker_hub() {
    local ci=""
    [ -z "${DOCKER_TAG:-}${DOCKER_REPO:-}${IMAGE_NAME:-}" ] || return 0
    if [ -n "${GITHUB_ACTIONS:-}${DOCKER_AUTOBUILDS_DOCKERFILE_PATH:-}${DOCKER_REPOSITORY_NAME:-}" ]; then ci=github; fi
    if [ -n "${BITBUCKET_BUILD_NUMBER:-}${BITBUCKET_COMMIT:-}" ]; then ci=bitbucket; fi
    [ -n "$ci" ] || return 0
    err "these hooks run Docker Hub autobuilds, which set DOCKER_TAG and DOCKER_REPO; this $ci pipeline sets neither, so build with the pipeline made for it: run npx create-multiarch-hooks --ci $ci and commit what it writes."
}
