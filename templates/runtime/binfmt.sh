# QEMU's binfmt_misc handlers: is this architecture's handler usable, and registering it.

# binfmt_ok I: true when the handler for CMH_ARCHES[I] is enabled and fits CMH_QEMU; else
# REPLY says what is wrong.
binfmt_ok() {
    local dir=${MULTIARCH_BINFMT_DIR:-/proc/sys/fs/binfmt_misc} name="qemu-${CMH_BINFMT[$1]}"
    local file line state="" interp="" flags=""
    file=$dir/$name
    if [ ! -f "$dir/status" ]; then REPLY="binfmt_misc is not mounted at $dir"; return 1; fi
    if [ "$(<"$dir/status")" = disabled ]; then REPLY="binfmt_misc is disabled ($dir/status)"; return 1; fi
    if [ ! -f "$file" ]; then REPLY="$name is not registered in $dir"; return 1; fi
    while IFS= read -r line; do
        case $line in
            enabled | disabled) state=$line ;;
            "interpreter "*) interp=${line#interpreter } ;;
            "flags: "* | flags:) flags=${line#flags:} ;;
        esac
    done <"$file"
    if [ "$state" != enabled ]; then REPLY="$name is registered but disabled"; return 1; fi
    if [[ $flags == *F* ]]; then REPLY="$name is enabled with the F flag (interpreter $interp)"; return 0; fi
    if [ "$CMH_QEMU" = copy ] && [ "$interp" = "/usr/bin/${CMH_QEMU_BINARIES[$1]}" ]; then REPLY="$name is enabled with interpreter $interp, which the image carries"; return 0; fi
    if [ "$CMH_QEMU" = copy ]; then
        REPLY="$name runs $interp, which the image does not carry, without the F flag"
    else
        REPLY="$name is enabled without the F flag, so QEMU would have to be inside the image"
    fi
    return 1
}

# Runs the registration container (privileged, so only an image pinned by digest), retrying a
# failed run; REPLY = its arguments.
binfmt_register() {
    local image=${MULTIARCH_QEMU_IMAGE:-$CMH_QEMU_IMAGE} n=0 rc=0 out args=(--reset -p yes)
    [[ $image =~ @sha256:[0-9a-f]{64}$ ]] || err "MULTIARCH_QEMU_IMAGE=$image runs privileged, so it must be pinned by digest: set it to <image>@sha256:<digest> (a mirror of $CMH_QEMU_IMAGE)."
    # copy: register without F, so the kernel runs /usr/bin/qemu-*-static from inside the image.
    if [ "$CMH_QEMU" = copy ]; then args=(--reset); fi
    need_cmd docker "registering QEMU needs the docker CLI and a daemon that allows --privileged"
    until rc=0 && run_bg docker run --rm --privileged "$image" "${args[@]}" >"$CMH_TMP/run.log" 2>&1 || rc=$? && [ "$rc" = 0 ]; do
        out=$(<"$CMH_TMP/run.log")
        printf '%s\n' "$out" | tail -n 5 >&2
        if [[ $out == *"Invalid argument"* ]]; then
            err "the kernel ($(uname -r)) refused the QEMU registration (write error: Invalid argument); kernels before 4.8 have no F flag: regenerate the files with npx create-multiarch-hooks --qemu copy."
        fi
        n=$((n + 1))
        backoff "$n" "docker run $image failed (exit $rc)" ||
            err "docker run --rm --privileged $image ${args[*]} failed $n times (exit $rc); the builder must allow privileged containers and reach the image (set MULTIARCH_QEMU_IMAGE to a mirror of it)."
    done
    REPLY="docker run --rm --privileged $image ${args[*]}"
}
