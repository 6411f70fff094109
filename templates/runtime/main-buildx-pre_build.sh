# The pre_build hook (--strategy buildx): QEMU is registered only when the builder cannot build a
# platform yet.

main() {
    local i missing=() why="" how
    need_buildx
    retry_settings
    builder_facts "" || err "docker buildx inspect failed ($REPLY); the build cannot start without a buildx builder: regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    for i in "${!CMH_ARCHES[@]}"; do
        if can_build "$i"; then
            say "${CMH_PLATFORMS[i]}: $REPLY."
        else
            missing+=("$i") why="${CMH_PLATFORMS[i]}: $REPLY"
        fi
    done
    if [ "${#missing[@]}" = 0 ]; then
        say "the builder $BX_NAME builds every platform; no QEMU to register."
        return 0
    fi
    make_tmp
    binfmt_register
    how=$REPLY
    builder_facts "" || err "docker buildx inspect failed after $how ($REPLY)."
    for i in "${missing[@]}"; do
        if can_build "$i"; then continue; fi
        if [ ! -f "${MULTIARCH_BINFMT_DIR:-/proc/sys/fs/binfmt_misc}/status" ]; then
            warn "ran $how because $why; binfmt_misc cannot be read here, so the build will tell."
            return 0
        fi
        err "after $how, ${CMH_PLATFORMS[i]} still cannot be built ($REPLY): regenerate the files with npx create-multiarch-hooks --strategy per-arch."
    done
    say "registered QEMU with $how because $why."
}
