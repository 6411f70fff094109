# --include: images built elsewhere (a Windows image from a Windows runner) that every list also
# names, resolved when the list is published (they may have been rebuilt since), each with the
# platform its own config states, os.version included. A missing one stops the publish.
# Per image: "image D OS/ARCH/VARIANT OSVERSION"; per entry of an index: "entry D PLATFORM OSVERSION".
read -r -d '' CMH_INCLUDE_FORMAT <<'FORMAT' || :
{{$m := .Manifest}}{{if or (eq $m.MediaType "application/vnd.oci.image.index.v1+json") (eq $m.MediaType "application/vnd.docker.distribution.manifest.list.v2+json")}}{{range $m.Manifests}}entry {{.Digest}} {{with .Platform}}{{.OS}}/{{.Architecture}}/{{.Variant}} {{.OSVersion}}{{end}}
{{end}}{{else}}image {{$m.Digest}} {{with $.Image}}{{.OS}}/{{.Architecture}}/{{.Variant}} {{.OSVersion}}{{end}}
{{end}}
FORMAT

# read_includes: appends every image CMH_INCLUDE names to the list's entries (an index stands for
# its images; attestations are left out). Only lines whose fields match their patterns are used.
read_includes() {
    local ref f="$CMH_TMP/include" kind d p v n rc
    for ref in "${CMH_INCLUDE[@]}"; do
        rc=0 n=0
        CMH_FORMAT=$CMH_INCLUDE_FORMAT inspect "$REPO_REF$ref" "$f" || rc=$?
        if [ "$rc" = 3 ]; then
            err "$REPO_REF$ref, which every list of $REPO_REF includes (--include), is not in the registry; push it, or re-run the generator without that --include, then run this build again."
        fi
        while read -r kind d p v; do
            [[ $kind == @(image|entry) && $d =~ ^sha256:[0-9a-f]{64}$ && $p =~ ^[a-z0-9]+/[a-z0-9_]+/[a-z0-9]*$ ]] || continue
            [[ ${v:-} =~ ^[A-Za-z0-9._-]{0,64}$ ]] || v=""
            if [ "$p" = unknown/unknown/ ]; then continue; fi
            LIST_OSVERSIONS[${#LIST_DIGESTS[@]}]=${v:-}
            LIST_REFS+=("$REPO_REF@$d") LIST_DIGESTS+=("$d") LIST_PLATFORMS+=("${p%/}")
            n=$((n + 1))
        done <"$f"
        [ "$n" -gt 0 ] || err "$REPO_REF$ref (--include) holds no image with a platform, so no list can name it; push it again with its platform."
    done
}
