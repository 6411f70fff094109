# --include: images built elsewhere (a Windows image from a Windows runner) that every list also
# names. Each is resolved when the list is published (it may have been rebuilt since): its digest,
# and the platform its own config states, os.version included. A missing one stops the publish.
# Per image: "image D OS/ARCH/VARIANT OSVERSION"; per entry of an index: "entry D PLATFORM OSVERSION".
read -r -d '' CMH_INCLUDE_FORMAT <<'EOF' || :
{{$m := .Manifest}}{{if or (eq $m.MediaType "application/vnd.oci.image.index.v1+json") (eq $m.MediaType "application/vnd.docker.distribution.manifest.list.v2+json")}}{{range $m.Manifests}}entry {{.Digest}} {{with .Platform}}{{.OS}}/{{.Architecture}}/{{.Variant}} {{.OSVersion}}{{end}}
{{end}}{{else}}image {{$m.Digest}} {{with $.Image}}{{.OS}}/{{.Architecture}}/{{.Variant}} {{.OSVersion}}{{end}}
{{end}}
EOF
INCLUDE_DIGEST=() INCLUDE_PLATFORM=() INCLUDE_OSVERSION=()

# read_includes: INCLUDE_DIGEST/PLATFORM/OSVERSION of every image CMH_INCLUDE names (an index
# stands for its images; attestations are left out). Only lines whose digest, platform and
# os.version match their patterns are used.
read_includes() {
    local ref f="$CMH_TMP/include" kind d p v n rc
    INCLUDE_DIGEST=() INCLUDE_PLATFORM=() INCLUDE_OSVERSION=()
    for ref in "${CMH_INCLUDE[@]}"; do
        rc=0
        inspect "$REPO_REF$ref" "$f" "$CMH_INCLUDE_FORMAT" || rc=$?
        if [ "$rc" = 3 ]; then
            err "$REPO_REF$ref, which every list of $REPO_REF includes (--include), is not in the registry; push it, or re-run the generator without that --include, then run this build again."
        fi
        n=0
        while read -r kind d p v; do
            [[ $kind == @(image|entry) && $d =~ ^sha256:[0-9a-f]{64}$ && $p =~ ^[a-z0-9]+/[a-z0-9_]+/[a-z0-9]*$ ]] || continue
            [[ ${v:-} =~ ^[A-Za-z0-9._-]{0,64}$ ]] || v=""
            if [ "$p" = unknown/unknown/ ]; then continue; fi
            INCLUDE_DIGEST+=("$d") INCLUDE_PLATFORM+=("${p%/}") INCLUDE_OSVERSION+=("${v:-}")
            n=$((n + 1))
        done <"$f"
        [ "$n" -gt 0 ] || err "$REPO_REF$ref (--include) holds no image with a platform, so no list can name it; push it again with its platform."
    done
}

# include_entries: the "digest platform" lines of the included images, as read_list reads a list.
include_entries() {
    local j
    for j in "${!INCLUDE_DIGEST[@]}"; do printf '%s %s\n' "${INCLUDE_DIGEST[j]}" "${INCLUDE_PLATFORM[j]}"; done
}

# include_spec: the included images as manifest-tool spec entries (osversion: ocispec.Platform's
# OSVersion under the name manifest-tool's YAML reader gives it).
include_spec() {
    local j p
    for j in "${!INCLUDE_DIGEST[@]}"; do
        IFS=/ read -r -a p <<<"${INCLUDE_PLATFORM[j]}"
        printf "  - image: '%s'\n    platform:\n      os: %s\n      architecture: %s\n" "$REPO_REF@${INCLUDE_DIGEST[j]}" "${p[0]}" "${p[1]}"
        if [ -n "${p[2]:-}" ]; then printf '      variant: %s\n' "${p[2]}"; fi
        if [ -n "${INCLUDE_OSVERSION[j]}" ]; then printf "      osversion: '%s'\n" "${INCLUDE_OSVERSION[j]}"; fi
    done
}

# include_annotate LIST: adds the included images to the docker manifest LIST being prepared,
# with their platform and os.version.
include_annotate() {
    local j p ref
    for j in "${!INCLUDE_DIGEST[@]}"; do
        ref="$REPO_REF@${INCLUDE_DIGEST[j]}"
        IFS=/ read -r -a p <<<"${INCLUDE_PLATFORM[j]}"
        tool "docker manifest create" docker manifest create --amend "${INSECURE[@]}" "$1" "$ref"
        docker manifest annotate "$1" "$ref" --os "${p[0]}" --arch "${p[1]}" ${p[2]:+--variant "${p[2]}"} \
            ${INCLUDE_OSVERSION[j]:+--os-version "${INCLUDE_OSVERSION[j]}"} ||
            err "docker manifest annotate $1 $ref failed."
    done
}
