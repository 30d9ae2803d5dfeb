#!/usr/bin/env bash
# The tests that need the Galera cluster (test/cluster/, not part of ./scripts/test.sh): installs what
# is missing, brings the cluster up with scripts/cluster.sh (stopping it again after if this script
# started it), type-checks and runs them one file at a time. Arguments go to jest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh

started_cluster=0
scripts/cluster.sh status >/dev/null 2>&1 || started_cluster=1
stop_cluster() { if [ "$started_cluster" = 1 ]; then scripts/cluster.sh down; fi; }
trap stop_cluster EXIT

# DATABASE_URL=..., NODE1_URL=..., HAPROXY_NODE1_FIRST_URL=... become CLUSTER_DATABASE_URL, ...
urls="$(scripts/cluster.sh up)"
while IFS='=' read -r name value; do
  case "$name" in *_URL) export "CLUSTER_$name=$value" ;; esac
done <<<"$urls"

npm run -s typecheck
npx jest --config jest.cluster.config.js "$@"
