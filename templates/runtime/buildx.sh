# The buildx builder (--strategy buildx): is buildx there, which builder, what it can build.

# BuildKit through the buildx plugin, or one sentence naming the strategy that needs neither.
need_buildx() {
    need_cmd docker
    case ${DOCKER_BUILDKIT:-} in
        0 | false) err "DOCKER_BUILDKIT=${DOCKER_BUILDKIT} in this build's environment turns BuildKit off, which one build of every platform needs: remove it from the build rule's environment variables in Docker Hub, or regenerate the files with npx create-multiarch-hooks --strategy per-arch." ;;
    esac
    docker buildx version >/dev/null 2>&1 ||
        err "this builder's docker has no buildx plugin, so it cannot build every platform in one build: regenerate the files with npx create-multiarch-hooks --strategy per-arch."
}

# builder_facts NAME: BX_NAME, BX_DRIVER and BX_PLATFORMS (`,linux/amd64,linux/arm64,...,`)
# of builder NAME ("": the current one), started if it is not running; else false, REPLY
# says why.
builder_facts() {
    local out line
    out=$(docker buildx inspect --bootstrap ${1:+"$1"} 2>&1) || {
        REPLY=${out##*$'\n'}
        return 1
    }
    BX_NAME="" BX_DRIVER="" BX_PLATFORMS=,
    while IFS= read -r line; do
        line=${line//[[:space:]*]/}
        case $line in
            Name:*) if [ -z "$BX_NAME" ]; then BX_NAME=${line#Name:}; fi ;;
            Driver:*) if [ -z "$BX_DRIVER" ]; then BX_DRIVER=${line#Driver:}; fi ;;
            Platforms:*) BX_PLATFORMS="$BX_PLATFORMS${line#Platforms:}," ;;
        esac
    done <<<"$out"
}

# can_build I: true when the builder lists CMH_PLATFORMS[I] (linux/arm64/v8 as linux/arm64), or
# the kernel runs that architecture's binaries through QEMU with the F flag (BuildKit then builds
# it, listed or not: a docker driver on the containerd image store lists fewer than it builds);
# else REPLY says why not.
can_build() {
    local p=${CMH_PLATFORMS[$1]}
    case $BX_PLATFORMS in
        *",$p,"* | *",${p%/v8},"*)
            REPLY="the builder lists it"
            return 0
            ;;
    esac
    if [ -z "${CMH_BINFMT[$1]}" ]; then
        REPLY="the builder does not list it"
        return 1
    fi
    binfmt_ok "$1"
}

# True when the builder can push a multi-platform list: every driver but `docker`, and `docker`
# itself on an engine with the containerd image store.
pushes_lists() {
    [ "$BX_DRIVER" = docker ] || return 0
    [[ $(docker info --format '{{.DriverStatus}}' 2>/dev/null) == *io.containerd.snapshotter* ]]
}
