# From DOCKER_REPO: REG_HOST (docker.io for Docker Hub), REG_PATH (acme/demo), REPO_REF (both), REG_KEY
# (the docker config key), INSECURE (--insecure: plain HTTP to loopback or MULTIARCH_INSECURE_REGISTRY=1).
parse_repo() {
    local repo=${DOCKER_REPO:-} first
    [ -n "$repo" ] || err "DOCKER_REPO is not set; set it to the image repository (e.g. acme/demo or 127.0.0.1:5000/acme/demo)."
    first=${repo%%/*} REG_HOST=docker.io REG_PATH=$repo INSECURE=()
    if [[ $repo == */* ]] && [[ $first == *[.:]* || $first == localhost ]]; then REG_HOST=$first REG_PATH=${repo#*/}; fi
    case $REG_HOST in
        docker.io | index.docker.io | registry-1.docker.io)
            REG_HOST=docker.io REG_KEY=https://index.docker.io/v1/
            if [[ $REG_PATH != */* ]]; then REG_PATH=library/$REG_PATH; fi
            ;;
        *)
            [[ $REG_HOST =~ ^[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]] || err "DOCKER_REPO=$repo: $REG_HOST is not a registry host name."
            REG_KEY=$REG_HOST
            if [[ $REG_HOST =~ ^(localhost|127\.[0-9]+\.[0-9]+\.[0-9]+)(:[0-9]+)?$ ]] || [ "${MULTIARCH_INSECURE_REGISTRY:-}" = 1 ]; then INSECURE=(--insecure); fi
            ;;
    esac
    [[ $REG_PATH =~ ^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$ ]] || err "DOCKER_REPO=$repo: $REG_PATH is not a valid repository path (lowercase letters, digits, . _ - and /)."
    REPO_REF=$REG_HOST/$REG_PATH
}
