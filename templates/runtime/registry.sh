# What a tag holds, by imagetools' Go template: "tag D", then "image D OS/ARCH/VARIANT REVISION" or per index
# entry "entry D PLATFORM"; a line is used only if its digest, platform and revision match their patterns.
read -r -d '' CMH_FORMAT <<'FORMAT' || :
{{$m := .Manifest}}tag {{$m.Digest}}
{{if or (eq $m.MediaType "application/vnd.oci.image.index.v1+json") (eq $m.MediaType "application/vnd.docker.distribution.manifest.list.v2+json")}}{{range $m.Manifests}}entry {{.Digest}} {{with .Platform}}{{.OS}}/{{.Architecture}}/{{.Variant}}{{end}}
{{end}}{{else}}image {{$m.Digest}} {{with $.Image}}{{.OS}}/{{.Architecture}}/{{.Variant}} {{index .Config.Labels "org.opencontainers.image.revision"}}{{end}}
{{end}}
FORMAT
ARCH_TAG=() ARCH_DIGEST=() ARCH_REV=() ARCH_WHY=()

# tool OUT WHAT CMD...: CMD's output in OUT (errors in OUT.err), retried with backoff; a refused
# login is retried once (a token may have expired), then named. 3: the image is not in the registry.
tool() {
    local out=$1 what=$2 n=0 denied=0
    shift 2
    while ! run_bg "$@" >"$out" 2>"$out.err"; do
        if grep -qE ': not found$' "$out.err"; then return 3; fi
        ! grep -qE "'buildx' is not a docker command|unknown command: docker buildx" "$out.err" ||
            err "post_push reads the registry with docker buildx imagetools, but this docker has no buildx plugin; install docker-buildx on the builder."
        if refused "$out.err" && { [ -z "$CMH_CRED_SOURCE" ] || [ $((denied += 1)) -gt 1 ]; }; then
            creds_hint && err "$REG_HOST refused to $what; $REPLY."
        fi
        n=$((n + 1))
        backoff "$n" "cannot $what: $(tail -n 1 "$out.err" | tr -d '\n' | tr -c '[:print:]' ' ')" || err "cannot $what ($n attempts); see the error above."
    done
}
# inspect REF OUT: what REF is, read with imagetools and CMH_FORMAT (3: not in the registry).
inspect() { tool "$2" "read $1" docker buildx imagetools inspect "$1" --format "$CMH_FORMAT"; }

# norm_platform P: REPLY = P with the variant a runtime assumes when there is none (arm: v7, arm64: v8).
norm_platform() { REPLY=${1%/} && case $REPLY in */arm) REPLY+=/v7 ;; */arm64) REPLY+=/v8 ;; esac; }

# read_arch I: ARCH_TAG[I] (the tag's digest), ARCH_DIGEST[I] and ARCH_REV[I] of CMH_ARCHES[I]'s image, else
# ARCH_WHY[I]. A tag holding an index (BuildKit with attestations) stands for its entry of this platform.
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
            if [ "$kind" = tag ]; then ARCH_TAG[i]=${ARCH_TAG[i]:-$d}; fi
            if [ "$kind" = entry ] && [ "$REPLY" = "$want" ]; then entry=$d; fi
            if [ "$kind" != image ]; then continue; fi
            ARCH_DIGEST[i]=$d ARCH_WHY[i]="has no org.opencontainers.image.revision label (not built by hooks/build)"
            if [[ $rev =~ ^[A-Za-z0-9._-]{1,128}$ ]]; then ARCH_REV[i]=$rev ARCH_WHY[i]=""; fi
            [ "$REPLY" = "$want" ] || [[ $p == */*/ && $want == "${p%/}"/* ]] ||
                warn "the image config of $ref says ${p%/}; the list names it ${CMH_PLATFORMS[i]}."
        done <"$f"
        if [ -n "${ARCH_DIGEST[i]}" ]; then return 0; fi
        if [ -z "$entry" ]; then ARCH_WHY[i]="$ref is a list without a ${CMH_PLATFORMS[i]} image" && return 0; fi
        inspect "$REPO_REF@$entry" "$f" || err "$ref names $entry, which is not in the registry."
    done
}

# read_arches: read_arch for every architecture at once, each in a subshell that hands its results
# back in a file (the wall time is the slowest read's) and, stopped, stops its tool first.
read_arches() {
    local i
    CMH_CHILD=()
    for i in "${!CMH_ARCHES[@]}"; do
        (trap 'CMH_TMP="" && cleanup && exit 143' TERM && read_arch "$i" && printf '%s\n' "${ARCH_TAG[i]}" "${ARCH_DIGEST[i]}" "${ARCH_REV[i]}" "${ARCH_WHY[i]}" >"$CMH_TMP/state.$i") &
        CMH_CHILD+=("$!")
    done
    for i in "${CMH_CHILD[@]}"; do wait "$i" || exit; done # a subshell's error, or a signal's 128+N
    CMH_CHILD=()
    for i in "${!CMH_ARCHES[@]}"; do
        { read -r "ARCH_TAG[i]" && read -r "ARCH_DIGEST[i]" && read -r "ARCH_REV[i]" && read -r "ARCH_WHY[i]"; } <"$CMH_TMP/state.$i"
    done
}
