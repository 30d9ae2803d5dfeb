#!/usr/bin/env bash
# Installs what is missing (npm dependencies, MariaDB, Chromium), then runs the whole test suite
# (type-check + jest) against the private MariaDB, or DATABASE_URL when set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
scripts/install-chromium.sh

. scripts/database-env.sh

npm test -- "$@"
