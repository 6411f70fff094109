#!/usr/bin/env bash
# The whole test suite, from a fresh checkout on a fresh machine: installs what the tests need
# (Debian packages as root, npm packages), builds the CLI, then runs vitest. CI calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
npx tsc --noEmit
bash scripts/in-testbed.sh npx vitest run "$@"
