# The push hook (--strategy buildx): the build hook pushed already.

main() {
    say "hooks/build pushed ${IMAGE_NAME:-the list} already (every platform, one list): nothing to push."
}
