#!/usr/bin/env bash
# Installs what is missing (npm dependencies, MariaDB, Chromium), then runs the whole test suite
# (type-check + jest) against the private MariaDB, or DATABASE_URL when set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# test mode: development defaults for secrets (an unset NODE_ENV means production, which refuses them)
export NODE_ENV=test

scripts/install-deps.sh
scripts/install-chromium.sh

. scripts/database-env.sh

npm test -- "$@"
