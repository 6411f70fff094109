# What the arch tags hold, read with `docker buildx imagetools inspect`: its Go template prints
# just the fields needed, one line each, and a line is used only if its digest, platform and
# revision match their patterns, so nothing else from a registry reaches a command or a file.
# Per image: "tag D", "image D OS/ARCH/VARIANT REVISION"; per entry of an index: "entry D PLATFORM".
read -r -d '' CMH_FORMAT <<'EOF' || :
{{$m := .Manifest}}tag {{$m.Digest}}
{{if or (eq $m.MediaType "application/vnd.oci.image.index.v1+json") (eq $m.MediaType "application/vnd.docker.distribution.manifest.list.v2+json")}}{{range $m.Manifests}}entry {{.Digest}} {{with .Platform}}{{.OS}}/{{.Architecture}}/{{.Variant}}{{end}}
{{end}}{{else}}image {{$m.Digest}} {{with $.Image}}{{.OS}}/{{.Architecture}}/{{.Variant}} {{index .Config.Labels "org.opencontainers.image.revision"}}{{end}}
{{end}}
EOF
ARCH_DIGEST=() ARCH_TAG=() ARCH_REV=() ARCH_WHY=() CMH_LABEL=org.opencontainers.image.revision

# inspect REF OUT: imagetools inspect with CMH_FORMAT, retried (a refused login once: a token may
# have expired). 0: read; 3: not in the registry.
inspect() {
    local n=0 denied=0
    while ! docker buildx imagetools inspect "$1" --format "$CMH_FORMAT" >"$2" 2>"$2.err"; do
        if grep -qE ': not found$' "$2.err"; then return 3; fi
        if grep -qE "'buildx' is not a docker command|unknown command: docker buildx" "$2.err"; then
            err "post_push reads the registry with docker buildx imagetools, but this docker has no buildx plugin; install docker-buildx on the builder."
        fi
        if refused "$2.err" && { [ -z "$CMH_CRED_SOURCE" ] || [ $((denied += 1)) -gt 1 ]; }; then
            creds_hint
            if [ -z "$CMH_CRED_SOURCE" ]; then err "$REG_HOST requires a login to read $REPO_REF; $REPLY."; fi
            err "$REG_HOST refused to show $1; $REPLY."
        fi
        n=$((n + 1))
        backoff "$n" "docker buildx imagetools inspect $1: $(tail -n 1 "$2.err" | tr -c '[:print:]' ' ')" ||
            err "cannot read $1 ($n attempts); see the error above."
    done
}

# A platform with the variant a runtime assumes when there is none (arm is v7, arm64 is v8).
norm_platform() {
    REPLY=${1%/}
    case $REPLY in */arm) REPLY+=/v7 ;; */arm64) REPLY+=/v8 ;; esac
}

# read_arch I: ARCH_TAG[I] (the tag's digest), ARCH_DIGEST[I] and ARCH_REV[I] of the image of
# CMH_ARCHES[I], or ARCH_WHY[I] saying why there is none. A tag holding an index (BuildKit with
# attestations) stands for its entry of this architecture's platform.
read_arch() {
    local i=$1 f="$CMH_TMP/arch.$1" ref kind d p rev want entry="" rc=0
    arch_tag "$LIST_TAG" "${CMH_ARCHES[i]}"
    ref=$REPO_REF:$REPLY ARCH_TAG[i]="" ARCH_DIGEST[i]="" ARCH_REV[i]="" ARCH_WHY[i]="not pushed yet"
    inspect "$ref" "$f" || rc=$?
    if [ "$rc" = 3 ]; then return 0; fi
    norm_platform "${CMH_PLATFORMS[i]}"
    want=$REPLY
    for _ in 1 2; do
        while read -r kind d p rev; do
            [[ $d =~ ^sha256:[0-9a-f]{64}$ ]] || continue
            norm_platform "$p"
            case $kind in
                tag) ARCH_TAG[i]=${ARCH_TAG[i]:-$d} ;;
                entry) if [ "$REPLY" = "$want" ]; then entry=$d; fi ;;
                image)
                    ARCH_DIGEST[i]=$d ARCH_WHY[i]="has no $CMH_LABEL label (not built by hooks/build)"
                    if [[ $rev =~ ^[A-Za-z0-9._-]{1,128}$ ]]; then ARCH_REV[i]=$rev ARCH_WHY[i]=""; fi
                    if [ "$REPLY" != "$want" ] && [[ $p != */*/ || $want != "${p%/}"/* ]]; then
                        warn "the image config of $ref says ${p%/}; the list names it ${CMH_PLATFORMS[i]}."
                    fi
                    ;;
            esac
        done <"$f"
        if [ -n "${ARCH_DIGEST[i]}" ]; then return 0; fi
        if [ -z "$entry" ]; then
            ARCH_WHY[i]="$ref is a list without a ${CMH_PLATFORMS[i]} image"
            return 0
        fi
        inspect "$REPO_REF@$entry" "$f" || err "$ref names $entry, which is not in the registry."
    done
}

# read_arches: read_arch for every architecture at once, each in a subshell that hands its
# results back in a file, so the wall time is that of the slowest read.
read_arches() {
    local i pids=()
    for i in "${!CMH_ARCHES[@]}"; do
        (read_arch "$i" && printf '%s\n' "${ARCH_TAG[i]}" "${ARCH_DIGEST[i]}" "${ARCH_REV[i]}" "${ARCH_WHY[i]}" >"$CMH_TMP/state.$i") &
        pids+=("$!")
    done
    CMH_CHILD=("${pids[@]}")
    for i in "${!pids[@]}"; do wait "${pids[i]}" || exit; done # a subshell's error, or a signal's 128+N
    CMH_CHILD=()
    for i in "${!CMH_ARCHES[@]}"; do
        { read -r "ARCH_TAG[i]" && read -r "ARCH_DIGEST[i]" && read -r "ARCH_REV[i]" && read -r "ARCH_WHY[i]"; } <"$CMH_TMP/state.$i"
    done
}
