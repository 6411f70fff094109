#!/usr/bin/env bash
# The whole test suite, from a fresh checkout on a fresh machine: installs what the tests need
# (Debian packages and the Docker engine as root, npm packages), builds the CLI, type-checks and
# lints (eslint, prettier --check), then runs vitest in the test bed (scripts/in-testbed.sh): the
# suite, then the serial tier (tests that change the host's binfmt handlers run alone). CI calls
# this. Arguments go to vitest instead (one file, -t).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
npx tsc --noEmit
npm run --silent lint
if [ $# -gt 0 ]; then
  exec bash scripts/in-testbed.sh npx vitest run "$@"
fi
bash scripts/in-testbed.sh npx vitest run
bash scripts/in-testbed.sh npx vitest run --config vitest.serial.config.ts
