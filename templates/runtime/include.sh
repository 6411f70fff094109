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
        CMH_FORMAT=$CMH_INCLUDE_FORMAT inspect "$REPO_REF$ref" "$f" || rc=$?
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

# include_entries: appends the included images to the list's entries (list_entries' arrays), by digest.
include_entries() {
    local j
    for j in "${!INCLUDE_DIGEST[@]}"; do
        LIST_REFS+=("$REPO_REF@${INCLUDE_DIGEST[j]}") LIST_DIGESTS+=("${INCLUDE_DIGEST[j]}") LIST_PLATFORMS+=("${INCLUDE_PLATFORM[j]}")
    done
}

# include_os_versions: the os.version of each included image in the docker manifest list LIST.
include_os_versions() {
    local j
    for j in "${!INCLUDE_DIGEST[@]}"; do
        if [ -z "${INCLUDE_OSVERSION[j]}" ]; then continue; fi
        docker manifest annotate "$LIST" "$REPO_REF@${INCLUDE_DIGEST[j]}" --os-version "${INCLUDE_OSVERSION[j]}" ||
            err "docker manifest annotate $LIST $REPO_REF@${INCLUDE_DIGEST[j]} failed."
    done
}

# include_spec_os_version DIGEST: the spec line of an included image's os.version (osversion:
# ocispec.Platform's OSVersion under the name manifest-tool's YAML reader gives it), if it is one.
include_spec_os_version() {
    local j
    for j in "${!INCLUDE_DIGEST[@]}"; do
        if [ "${INCLUDE_DIGEST[j]}" = "$1" ] && [ -n "${INCLUDE_OSVERSION[j]}" ]; then printf "      osversion: '%s'\n" "${INCLUDE_OSVERSION[j]}"; fi
    done
}
