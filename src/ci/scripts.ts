/**
 * The two shell steps the pipelines run after the builds, as POSIX sh (GitHub runs bash, a
 * Bitbucket step the image's sh). They read everything from environment variables, so no name
 * from the repo (a folder, a branch) is ever part of the script text. They do what
 * publishCommands (commands.ts) lists, with the digests looked up at run time.
 */

/** Puts each list tag's per-arch tags on the arch images of the pushed index. Needs jq. */
export const ARCH_TAGS_SCRIPT = `set -eu
# IMAGE, DIGEST (the pushed index), TAGS (IMAGE:TAG, one a line), PLATFORMS (arch=os/arch[/variant] ...)
index=$(docker buildx imagetools inspect --raw "$IMAGE@$DIGEST")
for pair in $PLATFORMS; do
  arch=\${pair%%=*}
  platform=\${pair#*=}
  # containerd's matching: arm64 without a variant is arm64/v8; attestations have no real platform.
  arch_digest=$(printf '%s' "$index" | jq -r --arg p "$platform" '[.manifests[] | select(.platform != null) | select(([.platform.os, .platform.architecture, (.platform.variant // empty)] | join("/")) as $q | $q == $p or ($q + "/v8") == $p)][0].digest // empty')
  if [ -z "$arch_digest" ]; then
    echo "error: $IMAGE@$DIGEST has no $platform image" >&2
    exit 1
  fi
  set --
  for ref in $TAGS; do
    tag=\${ref##*:}
    if [ "$tag" = latest ]; then set -- "$@" --tag "$IMAGE:$arch"; else set -- "$@" --tag "$IMAGE:$tag-$arch"; fi
  done
  docker buildx imagetools create --prefer-index=false "$@" "$IMAGE@$arch_digest"
done
`;

/** Publishes the list tags from the per-arch digests, then (ARCH_TAGS=true) the per-arch tags. */
export const MERGE_SCRIPT = `set -eu
# IMAGE, TAGS (IMAGE:TAG, one a line), ARCHES (table order), DIGESTS (a folder: one file per arch holding its digest), ARCH_TAGS
set --
for ref in $TAGS; do set -- "$@" --tag "$ref"; done
for arch in $ARCHES; do set -- "$@" "$IMAGE@$(cat "$DIGESTS/$arch")"; done
docker buildx imagetools create "$@"
if [ "$ARCH_TAGS" = true ]; then
  for arch in $ARCHES; do
    set --
    for ref in $TAGS; do
      tag=\${ref##*:}
      if [ "$tag" = latest ]; then set -- "$@" --tag "$IMAGE:$arch"; else set -- "$@" --tag "$IMAGE:$tag-$arch"; fi
    done
    docker buildx imagetools create --prefer-index=false "$@" "$IMAGE@$(cat "$DIGESTS/$arch")"
  done
fi
`;
