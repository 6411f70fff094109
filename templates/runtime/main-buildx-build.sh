# The build hook (--strategy buildx): one build of every platform, one list, then the arch tags.

main() {
    need_buildx
    rule_image
    build_context "${DOCKERFILE_PATH:-$CMH_DOCKERFILE}" "set the build rule's Dockerfile location as DOCKER_HUB_BUILD_RULES.md says"
    choose_buildx_builder
    revision "$PWD"
    say "building $IMAGE for ${CMH_PLATFORMS[*]} from $FILE (commit $REPLY) with the buildx builder $BX_NAME ($BX_DRIVER driver)"
    buildx_push "$REPLY"
    if [ "$CMH_ARCH_TAGS" = 1 ]; then tag_each_platform; fi
}

# Sets IMAGE. A per-arch rule's tag (arm64v8): Docker Hub still has the per-arch rules, refused.
rule_image() {
    local tag=${DOCKER_TAG:-}
    [ -n "$tag" ] || err "DOCKER_TAG is not set; set it to this build's tag: latest, or the version."
    [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || err "DOCKER_TAG=$tag is not a valid image tag."
    ! tag_arch "$tag" || err "DOCKER_TAG=$tag is a per-arch build rule's tag, but these hooks build every platform in one rule: replace the repository's build rules in Docker Hub with those in DOCKER_HUB_BUILD_RULES.md."
    [ -n "${IMAGE_NAME:-}${DOCKER_REPO:-}" ] || err "neither IMAGE_NAME nor DOCKER_REPO is set; set DOCKER_REPO to the image repository (e.g. acme/demo)."
    IMAGE=${IMAGE_NAME:-$DOCKER_REPO:$tag}
}

# Sets BX_NAME: the current builder when it can push a multi-platform list (any driver but `docker`
# on the classic image store), else CMH_BUILDER (made the first time). pre_build checked platforms.
choose_buildx_builder() {
    builder_facts "" || err "docker buildx inspect failed ($REPLY): regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    if [ "$BX_DRIVER" != docker ] || [[ $(docker info --format '{{.DriverStatus}}' 2>/dev/null) == *io.containerd.snapshotter* ]]; then return 0; fi
    say "the builder $BX_NAME ($BX_DRIVER driver, classic image store) cannot push a multi-platform list; building with the docker-container builder $CMH_BUILDER."
    docker buildx inspect "$CMH_BUILDER" >/dev/null 2>&1 || docker buildx create --name "$CMH_BUILDER" --driver docker-container >&2 ||
        err "docker buildx create --driver docker-container failed (exit $?), and the current builder cannot push a multi-platform list: regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    builder_facts "$CMH_BUILDER" || err "the buildx builder $CMH_BUILDER does not start ($REPLY): regenerate the files with npx create-multiarch-hooks --strategy per-arch."
}

# buildx_push REVISION: the build, every platform, pushed as one list tagged IMAGE, one image per
# platform (--provenance=false: no attestations). DIGEST = the list's, from buildx's metadata file.
buildx_push() {
    META=$(mktemp "${TMPDIR:-/tmp}/multiarch-hooks.XXXXXXXX") || err "cannot create a temp file in ${TMPDIR:-/tmp}."
    trap 'rm -f "$META"' EXIT
    docker buildx build --builder "$BX_NAME" --platform "$(IFS=, && echo "${CMH_PLATFORMS[*]}")" --provenance=false -f "$FILE" \
        --label "org.opencontainers.image.revision=$1" -t "$IMAGE" --metadata-file "$META" --push "$CONTEXT" ||
        err "the build failed (exit $?); see docker's output above."
    [[ $(<"$META") =~ \"containerimage\.digest\":\ *\"(sha256:[0-9a-f]{64})\" ]] ||
        err "docker buildx build pushed $IMAGE but wrote no digest in its metadata file; this is a bug in these hooks or in buildx."
    DIGEST=${BASH_REMATCH[1]}
    say "pushed $IMAGE: one list of ${#CMH_PLATFORMS[@]} platforms ($DIGEST)."
}

# The per-arch tags (<arch> for latest, else <tag>-<arch>): each the image of that platform in
# the list just pushed, named by digest, so a later commit's build running meanwhile cannot mix in.
tag_each_platform() {
    local repo=${IMAGE%:*} tag=${IMAGE##*:} out digest i
    out=$(docker buildx imagetools inspect --builder "$BX_NAME" "$repo@$DIGEST" \
        --format '{{range .Manifest.Manifests}}{{if .Platform}}{{.Platform.OS}}/{{.Platform.Architecture}}{{with .Platform.Variant}}/{{.}}{{end}} {{.Digest}}{{"\n"}}{{end}}{{end}}') ||
        err "docker buildx imagetools inspect $repo@$DIGEST failed (exit $?); the list is pushed, the per-arch tags are not."
    for i in "${!CMH_ARCHES[@]}"; do
        digest=$(awk -v p="${CMH_PLATFORMS[i]}" '$1 == p || $1 "/v8" == p { d = $2 } END { print d }' <<<"$out")
        [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || err "the list $repo@$DIGEST has no ${CMH_PLATFORMS[i]} image; this is a bug in these hooks or in buildx."
        arch_tag "$tag" "${CMH_ARCHES[i]}"
        docker buildx imagetools create --builder "$BX_NAME" --prefer-index=false -t "$repo:$REPLY" "$repo@$digest" >&2 ||
            err "docker buildx imagetools create $repo:$REPLY failed (exit $?); the list is pushed, the per-arch tags are not all."
        say "tagged $repo:$REPLY (${CMH_PLATFORMS[i]}, $digest)."
    done
}
