# QEMU's binfmt_misc handlers: is an architecture's handler usable, and registering them.

# binfmt_ok I: true when the handler of architecture I (CMH_BINFMT[I]) is enabled and fits
# CMH_QEMU; else REPLY says what is wrong.
binfmt_ok() {
    local dir=${MULTIARCH_BINFMT_DIR:-/proc/sys/fs/binfmt_misc} name="qemu-${CMH_BINFMT[$1]}" line state="" interp="" flags=""
    if [ ! -f "$dir/status" ]; then REPLY="binfmt_misc is not mounted at $dir" && return 1; fi
    if [ "$(<"$dir/status")" = disabled ]; then REPLY="binfmt_misc is disabled ($dir/status)" && return 1; fi
    if [ ! -f "$dir/$name" ]; then REPLY="$name is not registered in $dir" && return 1; fi
    while IFS= read -r line; do
        case $line in
            enabled | disabled) state=$line ;;
            "interpreter "*) interp=${line#interpreter } ;;
            "flags: "* | flags:) flags=${line#flags:} ;;
        esac
    done <"$dir/$name"
    if [ "$state" != enabled ]; then REPLY="$name is registered but disabled" && return 1; fi
    if [[ $flags == *F* ]]; then REPLY="$name is enabled with the F flag (interpreter $interp)" && return 0; fi
    if [ "$CMH_QEMU" = binfmt ]; then REPLY="$name is enabled without the F flag, so QEMU would have to be inside the image" && return 1; fi
    if [ "$interp" = "/usr/bin/${CMH_QEMU_BINARIES[$1]}" ]; then REPLY="$name is enabled with interpreter $interp, which the image carries" && return 0; fi
    REPLY="$name runs $interp, which the image does not carry, without the F flag" && return 1
}

# register_qemu WHY I...: runs the registration container (privileged, so only an image pinned by
# digest; a failed run is retried), then checks the handlers of the architectures I. WHY: why QEMU
# is needed. binfmt_misc that cannot be read here leaves the check to the build.
register_qemu() {
    local why=$1 image=${MULTIARCH_QEMU_IMAGE:-$CMH_QEMU_IMAGE} n=0 rc out how i args=(--reset -p yes)
    shift
    retry_settings
    [[ $image =~ @sha256:[0-9a-f]{64}$ ]] || err "MULTIARCH_QEMU_IMAGE=$image runs privileged, so it must be pinned by digest: set it to <image>@sha256:<digest> (a mirror of $CMH_QEMU_IMAGE)."
    # copy: register without F, so the kernel runs /usr/bin/qemu-*-static from inside the image.
    if [ "$CMH_QEMU" = copy ]; then args=(--reset); fi
    need_cmd docker "registering QEMU needs the docker CLI and a daemon that allows --privileged"
    how="docker run --rm --privileged $image ${args[*]}"
    until rc=0 && out=$(docker run --rm --privileged "$image" "${args[@]}" 2>&1) || rc=$? && [ "$rc" = 0 ]; do
        printf '%s\n' "$out" | tail -n 5 >&2
        [[ $out != *"Invalid argument"* ]] ||
            err "the kernel ($(uname -r)) refused the QEMU registration (write error: Invalid argument); kernels before 4.8 have no F flag: regenerate the files with npx create-multiarch-hooks --strategy per-arch --qemu copy."
        n=$((n + 1))
        backoff "$n" "docker run $image failed (exit $rc)" ||
            err "$how failed $n times (exit $rc); the builder must allow privileged containers and reach the image (set MULTIARCH_QEMU_IMAGE to a mirror of it)."
    done
    for i in "$@"; do
        binfmt_ok "$i" && continue
        if [ ! -f "${MULTIARCH_BINFMT_DIR:-/proc/sys/fs/binfmt_misc}/status" ]; then warn "ran $how because $why, so the registration cannot be checked: the build will tell." && return 0; fi
        [ "$CMH_QEMU" = copy ] ||
            err "after $how, $REPLY; kernels before 4.8 cannot register the F flag: regenerate the files with npx create-multiarch-hooks --strategy per-arch --qemu copy."
        err "after $how, $REPLY; set MULTIARCH_QEMU_IMAGE to an image that registers /usr/bin/qemu-*-static handlers."
    done
    say "registered QEMU with $how because $why: $REPLY."
}
