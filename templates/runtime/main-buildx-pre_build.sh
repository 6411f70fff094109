# The pre_build hook (--strategy buildx): QEMU only for what the builder cannot build yet.

main() {
    local i missing=() why=""
    need_buildx
    builder_facts "" || err "docker buildx inspect failed ($REPLY); the build cannot start without a buildx builder: regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    BX_PLATFORMS=$REPLY
    for i in "${!CMH_PLATFORMS[@]}"; do
        if can_build "$i"; then say "${CMH_PLATFORMS[i]}: $REPLY." && continue; fi
        [ -n "${CMH_BINFMT[i]}" ] ||
            err "the buildx builder $BX_NAME cannot build ${CMH_PLATFORMS[i]} ($REPLY): regenerate the files with npx create-multiarch-hooks --strategy per-arch."
        missing+=("$i") why="${CMH_PLATFORMS[i]}: $REPLY"
    done
    if [ "${#missing[@]}" -gt 0 ]; then register_qemu "$why" "${missing[@]}" && return 0; fi
    say "the builder $BX_NAME ($BX_DRIVER driver) builds every platform; no QEMU to register."
}

# can_build I: true when the builder lists CMH_PLATFORMS[I] (linux/arm64/v8 as linux/arm64) or QEMU
# runs it with the F flag (a docker driver may list fewer than it builds); else REPLY says why not.
can_build() {
    local p=${CMH_PLATFORMS[$1]}
    if [[ $BX_PLATFORMS == *",$p,"* || $BX_PLATFORMS == *",${p%/v8},"* ]]; then REPLY="the builder lists it" && return 0; fi
    REPLY="the builder does not list it"
    [ -n "${CMH_BINFMT[$1]}" ] && binfmt_ok "$1"
}
