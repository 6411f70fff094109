# build_context PATH FIX: into the folder holding hooks/ (where Docker Hub runs hooks), then CONTEXT
# and FILE (the Dockerfile as docker build takes it): PATH is relative to the context, this folder
# minus PATH's folder (Dockerfile.arm64v8 -> ., docker/Dockerfile -> ..). FIX: for a missing file.
build_context() {
    local ddir
    cd "$(dirname "${BASH_SOURCE[0]}")/.." || err "cannot enter the folder holding hooks/."
    [[ $1 != -* ]] || err "DOCKERFILE_PATH=$1 starts with '-'; set it to the Dockerfile's path in the build rule."
    CONTEXT=. FILE=$1 ddir=$(dirname "$1")
    if [ "$ddir" != . ]; then
        [[ $PWD/ == */"$ddir"/ ]] || err "DOCKERFILE_PATH=$1 does not lead to $PWD, where the hooks are; the Dockerfile and hooks/ must be in the same folder."
        CONTEXT=${PWD%/"$ddir"} FILE=${PWD%/"$ddir"}/$1
    fi
    [ -f "$FILE" ] || err "$CONTEXT/$1 does not exist; $2."
}
