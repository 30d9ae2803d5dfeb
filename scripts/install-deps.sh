#!/usr/bin/env bash
# npm dependencies from the lock file, when node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
echo "[deps] installing npm dependencies from package-lock.json" >&2
mkdir -p .data
if ! npm ci --no-audit --no-fund >.data/npm-ci.log 2>&1; then
  # npm 11 writes lock files without other platforms' optional binaries (npm/cli#4828) and then its
  # own `npm ci` refuses them; `npm install --no-save` installs the same locked versions.
  echo "[deps] npm ci refused the lock file (see .data/npm-ci.log); installing the locked versions with npm install --no-save" >&2
  npm install --no-audit --no-fund --no-save
fi
