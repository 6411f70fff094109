# BuildKit through the buildx plugin, or one sentence naming the strategy that needs neither.
need_buildx() {
    need_cmd docker
    [[ ${DOCKER_BUILDKIT:-} != @(0|false) ]] ||
        err "DOCKER_BUILDKIT=${DOCKER_BUILDKIT} in this build's environment turns BuildKit off, which one build of every platform needs: remove it from the build rule's environment variables in Docker Hub, or regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    docker buildx version >/dev/null 2>&1 ||
        err "this builder's docker has no buildx plugin, so it cannot build every platform in one build: regenerate the files with npx create-multiarch-hooks --strategy per-arch."
}

# builder_facts NAME: BX_NAME, BX_DRIVER and REPLY = the platforms (`,linux/amd64,linux/arm64,`) of
# builder NAME ("": the current one), started if it is not running; else false, REPLY says why.
builder_facts() {
    local out
    out=$(docker buildx inspect --bootstrap ${1:+"$1"} 2>&1) || { REPLY=${out##*$'\n'} && return 1; }
    BX_NAME=$(sed -n '/^Name:/{s/^Name: *//p;q;}' <<<"$out") BX_DRIVER=$(sed -n '/^Driver:/{s/^Driver: *//p;q;}' <<<"$out")
    REPLY=,$(sed -n 's/^Platforms://p' <<<"$out" | tr '\n' , | tr -d '[:blank:]*')
}
