# Sourced by serve.sh and test.sh: uses DATABASE_URL when set; otherwise starts the private MariaDB
# (scripts/db.sh), exports its DATABASE_URL, and stops it on exit if this script was the one to start it.
started_private_db=0
if [ -z "${DATABASE_URL:-}" ]; then
  scripts/db.sh status >/dev/null 2>&1 || started_private_db=1
  DATABASE_URL="$(scripts/db.sh start | sed -n 's/^DATABASE_URL=//p')"
  export DATABASE_URL
fi
stop_private_db() { if [ "$started_private_db" = 1 ]; then scripts/db.sh stop; fi; }
trap stop_private_db EXIT
