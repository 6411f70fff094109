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

/**
 * --include: adds the images of IMAGE built elsewhere (a Windows image) to each list tag just
 * published, by digest, read now, with the os, architecture and os.version of each image's own
 * config. Through docker manifest, as post_push does: imagetools create leaves os.version out of
 * a single image's platform, and a descriptor given to it with -f is merged with the target tag's
 * (buildx 0.2x), so it cannot add one. The list keeps its images (attestations left out). One
 * that is not in the registry stops the run in one sentence. Needs jq.
 */
export const INCLUDE_SCRIPT = `set -eu
# IMAGE, TAGS (IMAGE:TAG, one a line), INCLUDE (:TAG or @DIGEST of IMAGE, space-separated);
# PLAIN_HTTP=true for a registry without TLS (docker manifest needs --insecure for it).
insecure=
if [ "\${PLAIN_HTTP:-}" = true ]; then insecure=--insecure; fi
set --
for inc in $INCLUDE; do
  if ! digest=$(docker buildx imagetools inspect "$IMAGE$inc" --format '{{$m := .Manifest}}{{$m.Digest}}' 2>/dev/null); then
    echo "error: $IMAGE$inc, which every list of $IMAGE includes (--include), is not in the registry; push it, then re-run this workflow." >&2
    exit 1
  fi
  set -- "$@" "$IMAGE@$digest"
done
for ref in $TAGS; do
  images=$(docker buildx imagetools inspect "$ref" --raw | jq -r --arg image "$IMAGE" '.manifests[] | select(.platform.os != "unknown") | $image + "@" + .digest')
  docker manifest rm "$ref" >/dev/null 2>&1 || :
  # shellcheck disable=SC2086 # one image reference a word; $insecure is one flag or none
  docker manifest create $insecure "$ref" $images "$@"
  for inc in "$@"; do
    os_version=$(docker buildx imagetools inspect "$inc" --format '{{json .Image}}' | jq -r '."os.version" // empty')
    if [ -n "$os_version" ]; then docker manifest annotate "$ref" "$inc" --os-version "$os_version"; fi
  done
  docker manifest push --purge $insecure "$ref"
done
`;
