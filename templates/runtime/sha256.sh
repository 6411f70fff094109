# sha256 of a file with whatever the builder has: sha256sum, shasum -a 256 or openssl.

# sha256_file FILE: REPLY = lowercase hex digest.
sha256_file() {
    local out
    if check_cmd sha256sum; then
        out=$(sha256sum "$1") || err "sha256sum $1 failed."
    elif check_cmd shasum; then
        out=$(shasum -a 256 "$1") || err "shasum -a 256 $1 failed."
    elif check_cmd openssl; then
        out=$(openssl dgst -sha256 -r "$1") || err "openssl dgst -sha256 $1 failed."
    else
        err "none of sha256sum, shasum or openssl is installed, so nothing can be verified; install coreutils."
    fi
    REPLY=${out%% *}
    if ! [[ $REPLY =~ ^[0-9a-fA-F]{64}$ ]]; then err "could not read a sha256 digest of $1."; fi
    REPLY=${REPLY,,}
}
