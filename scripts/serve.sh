#!/usr/bin/env bash
# Quick start: installs what is missing, then serves the API on PORT (3000) over the private MariaDB
# (or DATABASE_URL when set). Ctrl-C or SIGTERM stops the API and the database it started, cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# development mode: development defaults for secrets, demo data, e-mail links in the log (never in production)
export NODE_ENV=development

scripts/install-deps.sh

. scripts/database-env.sh

npm run -s build
npm run -s db:migrate
npm run -s db:seed

# the command `npm start` runs, read from package.json (WEB_CONCURRENCY workers: see README.md)
start_command=$(node -p "require('./package.json').scripts.start")
$start_command &
api_pid=$!
stop_api() { kill -TERM "$api_pid" 2>/dev/null || true; }
trap stop_api INT TERM
# wait returns early when a trapped signal arrives; wait again for the API to finish its shutdown
wait "$api_pid" || true
wait "$api_pid" 2>/dev/null || true
