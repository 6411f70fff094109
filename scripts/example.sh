#!/usr/bin/env bash
# Runs the generator, as a user would, on a copy of the example repo shipped in examples/hello.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -d node_modules ]; then
  # First run from a fresh clone: the build needs the dev dependencies (esbuild, typescript, ...).
  echo "Installing this package's dev dependencies (first run only: npm ci, about a minute)..." >&2
  npm ci --no-audit --no-fund --silent
  echo "Done; building the CLI." >&2
fi
npm run --silent build
work=$(mktemp -d "${TMPDIR:-/tmp}/cmh-example.XXXXXX")
cp -R examples/hello/. "$work"
cd "$work"
git init -q -b main
git -c user.name=example -c user.email=example@example.invalid commit -q --allow-empty -m "empty"
git remote add origin https://github.com/acme/hello.git
git add -A
git -c user.name=example -c user.email=example@example.invalid commit -q -m "example repo"
node "$root/bin/create-multiarch-hooks.js" --yes "$@"
echo
echo "The example repo, with what was generated, is in $work:"
git status --short
echo
echo "To build it as Docker Hub would (needs docker, and docker-registry for --start-registry), commit and simulate:"
echo "  cd $work && git add -A && git -c user.name=example -c user.email=example@example.invalid commit -qm 'multi-arch hooks' && node $root/bin/create-multiarch-hooks.js simulate --start-registry --order parallel"
