# The pre_build hook: nothing for the native architecture; otherwise QEMU must be registered.

main() {
    local why
    detect_build
    retry_settings
    if [ -z "${CMH_BINFMT[BUILD_I]}" ]; then
        say "$BUILD_ARCH builds natively; no QEMU needed."
        return 0
    fi
    if binfmt_ok "$BUILD_I"; then
        say "$BUILD_ARCH builds under QEMU: $REPLY; nothing to do."
        return 0
    fi
    why=$REPLY
    make_tmp
    binfmt_register
    local how=$REPLY
    if ! binfmt_ok "$BUILD_I"; then
        local dir=${MULTIARCH_BINFMT_DIR:-/proc/sys/fs/binfmt_misc}
        if [ ! -f "$dir/status" ]; then
            warn "ran $how because $why, so the registration cannot be checked: the build will tell."
            return 0
        fi
        if [ "$CMH_QEMU" = binfmt ]; then
            err "after $how, $REPLY; kernels before 4.8 cannot register the F flag: regenerate the files with npx create-multiarch-hooks --qemu copy."
        fi
        err "after $how, $REPLY; set MULTIARCH_QEMU_IMAGE to an image that registers /usr/bin/qemu-*-static handlers."
    fi
    say "registered QEMU with $how because $why: $REPLY."
}
