#!/usr/bin/env bash
# `npm run bench`: measures what users wait for (see bench/README.md). From a fresh machine it
# installs what it needs: the tests' Debian tools (scripts/setup-test-env.sh), GNU time, npm
# packages, and verdaccio (the loopback npm registry) into a cache folder outside the repo.
# Arguments go to bench/main.ts (--runs N, --warmups N, --big-runs N, --only 1,2, --out FILE).
set -euo pipefail
T0=$(date +%s%3N)
cd "$(dirname "$0")/.."

# verdaccio 6 needs Node 22; 5.33.0 works on Node 20 when node-fetch is pinned (its
# dependency asks for the dist-tag node-fetch@cjs, which some registries do not serve).
VERDACCIO_VERSION=5.33.0
CACHE=${CMH_BENCH_CACHE:-${TMPDIR:-/tmp}/cmh-bench-cache}

info() { printf 'bench: %s\n' "$*" >&2; }
err() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

bash scripts/setup-test-env.sh

# Peak memory comes from GNU time (%M); Debian's package is `time`.
if [ ! -x /usr/bin/time ] || ! /usr/bin/time -f '%M' true >/dev/null 2>&1; then
  info "installing GNU time"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; } >/dev/null 2>&1 ||
    err "apt-get install time failed (GNU time measures peak memory): run apt-get install time as root"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build

install_verdaccio() {
  local dir=$CACHE/verdaccio-$VERDACCIO_VERSION tmp
  if [ -f "$dir/node_modules/verdaccio/package.json" ]; then
    printf '%s\n' "$dir/node_modules/verdaccio"
    return
  fi
  info "installing verdaccio $VERDACCIO_VERSION into $dir"
  mkdir -p "$CACHE"
  tmp=$(mktemp -d "$CACHE/verdaccio-install.XXXXXX")
  printf '{ "name": "cmh-bench-verdaccio", "private": true, "dependencies": { "verdaccio": "%s" }, "overrides": { "node-fetch": "2.7.0" } }\n' \
    "$VERDACCIO_VERSION" >"$tmp/package.json"
  if ! (cd "$tmp" && npm install --no-audit --no-fund --loglevel=error >&2); then
    rm -rf "$tmp"
    err "npm install verdaccio@$VERDACCIO_VERSION failed"
  fi
  # Into place last, so an interrupted install is never taken for a finished one.
  rm -rf "$dir"
  mv "$tmp" "$dir"
  printf '%s\n' "$dir/node_modules/verdaccio"
}
CMH_BENCH_VERDACCIO=$(install_verdaccio)
export CMH_BENCH_VERDACCIO CMH_BENCH_T0=$T0

node bench/build.mjs
# Sections 3-5 run inside the test bed (bench/main.ts starts them there: they need its Docker
# engine); 1-2 run here, where verdaccio reaches the npm registry.
exec node .bench/bench.mjs "$@"
