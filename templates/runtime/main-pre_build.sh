# The pre_build hook: nothing for the native architecture; otherwise QEMU must be registered.

main() {
    not_on_docker_hub
    tag_arch "${DOCKER_TAG:-}" || err "cannot tell which architecture this build is for: DOCKER_TAG=${DOCKER_TAG:-} ends in none of the generated ones (${CMH_ARCHES[*]}); name the tag <arch> or <version>-<arch>."
    local i=$REPLY arch=${CMH_ARCHES[REPLY]}
    if [ -z "${CMH_BINFMT[i]}" ]; then
        say "$arch builds natively; no QEMU needed."
    elif binfmt_ok "$i"; then
        say "$arch builds under QEMU: $REPLY; nothing to do."
    else
        register_qemu "$REPLY" "$i"
    fi
}
