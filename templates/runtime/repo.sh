# Where the image lives: DOCKER_REPO split into registry and path, how to reach the registry.

# Sets REG_HOST (docker.io for Docker Hub), REG_PATH (acme/demo), REPO_REF (REG_HOST/REG_PATH),
# REG_API (https://registry-1.docker.io), REG_KEY (the docker config key), REG_PLAIN (1: HTTP).
parse_repo() {
    local repo=${DOCKER_REPO:-} first
    if [ -z "$repo" ]; then err "DOCKER_REPO is not set; set it to the image repository (e.g. acme/demo or 127.0.0.1:5000/acme/demo)."; fi
    first=${repo%%/*}
    if [[ $repo == */* ]] && { [[ $first == *[.:]* ]] || [ "$first" = localhost ] || [[ $first == \[* ]]; }; then
        REG_HOST=$first
        REG_PATH=${repo#*/}
    else
        REG_HOST=docker.io
        REG_PATH=$repo
    fi
    case $REG_HOST in
        docker.io | index.docker.io | registry-1.docker.io)
            REG_HOST=docker.io
            if [[ $REG_PATH != */* ]]; then REG_PATH=library/$REG_PATH; fi
            REG_API=https://registry-1.docker.io
            REG_KEY=https://index.docker.io/v1/
            REG_PLAIN=0
            ;;
        *)
            REG_KEY=$REG_HOST
            REG_PLAIN=0
            if is_loopback_host "$REG_HOST"; then
                REG_PLAIN=1
            elif [ "${MULTIARCH_INSECURE_REGISTRY:-}" = 1 ]; then
                REG_PLAIN=1
            fi
            if [ "$REG_PLAIN" = 1 ]; then REG_API=http://$REG_HOST; else REG_API=https://$REG_HOST; fi
            ;;
    esac
    if ! [[ $REG_PATH =~ ^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$ ]]; then
        err "DOCKER_REPO=$repo: $REG_PATH is not a valid repository path (lowercase letters, digits, . _ - and /)."
    fi
    REPO_REF=$REG_HOST/$REG_PATH
}

# is_loopback_host HOST[:PORT]
is_loopback_host() {
    local h=${1%:*}
    if [[ $1 == \[*\] ]]; then h=$1; fi
    [ "$h" = localhost ] || [ "$h" = "[::1]" ] || [[ $h =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
}
