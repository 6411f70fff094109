# The commit being built: SOURCE_COMMIT (Docker Hub sets it), else the checkout's HEAD.
revision() {
    REPLY=${SOURCE_COMMIT:-}
    if [ -z "$REPLY" ] && command -v git >/dev/null 2>&1; then REPLY=$(git -C "$1" rev-parse HEAD 2>/dev/null) || REPLY=""; fi
    [ -n "$REPLY" ] || err "SOURCE_COMMIT is not set and $1 is not a git checkout; set SOURCE_COMMIT to the commit being built."
    [[ $REPLY =~ ^[A-Za-z0-9._-]{1,128}$ ]] || err "SOURCE_COMMIT=$REPLY is not a commit id."
}
