# arch_tag LIST_TAG ARCH: REPLY = the per-arch tag (ARCH for latest, else LIST_TAG-ARCH).
arch_tag() { if [ "$1" = latest ]; then REPLY=$2; else REPLY="$1-$2"; fi; }

# tag_arch TAG: REPLY = the index in CMH_ARCHES of the architecture TAG is for; false for none.
tag_arch() {
    for REPLY in "${!CMH_ARCHES[@]}"; do
        if [ "$1" = "${CMH_ARCHES[REPLY]}" ] || [[ $1 == *-"${CMH_ARCHES[REPLY]}" ]]; then return 0; fi
    done
    return 1
}
