#!/usr/bin/env bash
# Installs what is missing (npm dependencies, MariaDB, Chromium), then runs the whole test suite
# (type-check + jest) against the private MariaDB, or DATABASE_URL when set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
scripts/install-chromium.sh

started_db=0
if [ -z "${DATABASE_URL:-}" ]; then
  scripts/db.sh status >/dev/null 2>&1 || started_db=1
  DATABASE_URL="$(scripts/db.sh start | sed -n 's/^DATABASE_URL=//p')"
  export DATABASE_URL
fi
stop_db() { if [ "$started_db" = 1 ]; then scripts/db.sh stop; fi; }
trap stop_db EXIT

npm test -- "$@"
