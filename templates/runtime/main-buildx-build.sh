# The build hook (--strategy buildx): one docker buildx build of every platform, pushed as one
# list, then the per-arch tags by digest.

main() {
    local rev
    need_buildx
    rule_image
    locate_build "${DOCKERFILE_PATH:-$CMH_DOCKERFILE}"
    revision "$PWD"
    rev=$REPLY
    make_tmp
    choose_buildx_builder
    say "building $IMAGE for ${CMH_PLATFORMS[*]} from $FILE (commit $rev) with the buildx builder $BX_NAME ($BX_DRIVER driver)"
    buildx_push "$rev"
    if [ "$CMH_ARCH_TAGS" = 1 ]; then tag_each_platform; fi
}

# Sets IMAGE (IMAGE_NAME, else DOCKER_REPO:DOCKER_TAG). A per-arch rule's tag (arm64v8,
# 1.2.3-arm64v8) means Docker Hub still has the per-arch strategy's rules: this build would
# overwrite that arch's tag with the whole list.
rule_image() {
    local tag=${DOCKER_TAG:-} i
    [ -n "$tag" ] || err "DOCKER_TAG is not set; set it to this build's tag: latest, or the version."
    [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || err "DOCKER_TAG=$tag is not a valid image tag."
    for i in "${!CMH_ARCHES[@]}"; do
        if [ "$tag" = "${CMH_ARCHES[i]}" ] || [[ $tag == *-"${CMH_ARCHES[i]}" ]]; then
            err "DOCKER_TAG=$tag is a per-arch build rule's tag, but these hooks build every platform in one rule: replace the repository's build rules in Docker Hub with those in DOCKER_HUB_BUILD_RULES.md."
        fi
    done
    IMAGE=${IMAGE_NAME:-}
    if [ -z "$IMAGE" ]; then
        [ -n "${DOCKER_REPO:-}" ] || err "neither IMAGE_NAME nor DOCKER_REPO is set; set DOCKER_REPO to the image repository (e.g. acme/demo)."
        IMAGE=$DOCKER_REPO:$tag
    fi
}

# locate_build PATH: into the folder holding hooks/ (Docker Hub runs hooks there), then CONTEXT
# (PATH is relative to the build context, which holds this folder) and FILE (the Dockerfile).
locate_build() {
    local file=$1 dir ddir
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || err "cannot find the folder holding hooks/."
    cd "$dir" || err "cannot enter $dir."
    case $file in -*) err "DOCKERFILE_PATH=$file starts with '-'; set it to the Dockerfile's path in the build rule." ;; esac
    ddir=$(dirname "$file") CONTEXT=.
    if [ "$ddir" != . ]; then
        [[ $PWD/ == */"$ddir"/ ]] || err "DOCKERFILE_PATH=$file does not lead to $PWD, where the hooks are; the Dockerfile and hooks/ must be in the same folder."
        CONTEXT=${PWD%/"$ddir"}
    fi
    FILE=$CONTEXT/$file
    [ -f "$FILE" ] || err "$FILE does not exist; set the build rule's Dockerfile location as DOCKER_HUB_BUILD_RULES.md says."
}

# Sets BX_NAME: the current builder when it can push a multi-platform list, else the
# docker-container builder CMH_BUILDER (created the first time, reused after). Every platform must
# be one it can build.
choose_buildx_builder() {
    local i
    builder_facts "" || err "docker buildx inspect failed ($REPLY): regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    if ! pushes_lists; then
        say "the builder $BX_NAME ($BX_DRIVER driver, classic image store) cannot push a multi-platform list; building with the docker-container builder $CMH_BUILDER."
        if ! docker buildx inspect "$CMH_BUILDER" >/dev/null 2>&1; then
            run_bg docker buildx create --name "$CMH_BUILDER" --driver docker-container >&2 ||
                err "docker buildx create --driver docker-container failed (exit $?), and the current builder cannot push a multi-platform list: regenerate the files with npx create-multiarch-hooks --strategy per-arch."
        fi
        builder_facts "$CMH_BUILDER" || err "the buildx builder $CMH_BUILDER does not start ($REPLY): regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    fi
    for i in "${!CMH_ARCHES[@]}"; do
        can_build "$i" || err "the buildx builder $BX_NAME cannot build ${CMH_PLATFORMS[i]} ($REPLY): regenerate the files with npx create-multiarch-hooks --strategy per-arch, which builds each arch in a rule of its own."
    done
}

# buildx_push REVISION: the build, every platform, pushed as one list tagged IMAGE; a single
# image per platform (--provenance=false: no attestation entries). Sets DIGEST (the list's).
buildx_push() {
    local platforms
    printf -v platforms '%s,' "${CMH_PLATFORMS[@]}"
    run_bg docker buildx build --builder "$BX_NAME" --platform "${platforms%,}" --provenance=false \
        -f "$FILE" --label "org.opencontainers.image.revision=$1" -t "$IMAGE" \
        --metadata-file "$CMH_TMP/metadata.json" --push "$CONTEXT" ||
        err "the build failed (exit $?); see docker's output above."
    [[ $(<"$CMH_TMP/metadata.json") =~ \"containerimage\.digest\":\ *\"(sha256:[0-9a-f]{64})\" ]] ||
        err "docker buildx build pushed $IMAGE but wrote no digest in its metadata file; this is a bug in these hooks or in buildx."
    DIGEST=${BASH_REMATCH[1]}
    say "pushed $IMAGE: one list of ${#CMH_PLATFORMS[@]} platforms ($DIGEST)."
}

# The per-arch tags (<arch> for latest, else <tag>-<arch>): each the image of that platform in
# the list just pushed, named by digest, so a later commit's build running meanwhile cannot mix in.
tag_each_platform() {
    local repo=${IMAGE%:*} tag=${IMAGE##*:} out plat d digest i arch_tag
    out=$(docker buildx imagetools inspect --builder "$BX_NAME" "$repo@$DIGEST" \
        --format '{{range .Manifest.Manifests}}{{if .Platform}}{{.Platform.OS}}/{{.Platform.Architecture}}{{with .Platform.Variant}}/{{.}}{{end}} {{.Digest}}{{"\n"}}{{end}}{{end}}') ||
        err "docker buildx imagetools inspect $repo@$DIGEST failed (exit $?); the list is pushed, the per-arch tags are not."
    for i in "${!CMH_ARCHES[@]}"; do
        digest=""
        while read -r plat d; do
            if [ "$plat" = "${CMH_PLATFORMS[i]}" ] || [ "$plat/v8" = "${CMH_PLATFORMS[i]}" ]; then digest=$d; fi
        done <<<"$out"
        [ -n "$digest" ] || err "the list $repo@$DIGEST has no ${CMH_PLATFORMS[i]} image; this is a bug in these hooks or in buildx."
        arch_tag=${CMH_ARCHES[i]}
        if [ "$tag" != latest ]; then arch_tag=$tag-$arch_tag; fi
        run_bg docker buildx imagetools create --builder "$BX_NAME" --prefer-index=false -t "$repo:$arch_tag" "$repo@$digest" >&2 ||
            err "docker buildx imagetools create $repo:$arch_tag failed (exit $?); the list is pushed, the per-arch tags are not all."
        say "tagged $repo:$arch_tag (${CMH_PLATFORMS[i]}, $digest)."
    done
}
