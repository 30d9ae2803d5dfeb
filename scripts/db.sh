#!/usr/bin/env bash
# A private MariaDB server for this checkout: data in .data/mariadb (git-ignored), its own socket and
# port, no systemd. Installs Debian's mariadb-server when no mariadbd/mysqld is on the PATH.
#
#   scripts/db.sh start   initialise on first use, start if not running, print DATABASE_URL=...
#   scripts/db.sh stop    stop it cleanly (mariadb-admin shutdown)
#   scripts/db.sh status  say whether it runs
#   scripts/db.sh url     print the DATABASE_URL of the private server
#
# The port is derived from the checkout's path (so two checkouts do not collide) unless IBA_DB_PORT is set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_ROOT="$ROOT/.data"
DATADIR="$DATA_ROOT/mariadb"
RUNDIR="$DATA_ROOT/mariadb-run"
SOCKET="$RUNDIR/mariadb.sock"
PIDFILE="$RUNDIR/mariadb.pid"
LOGFILE="$DATA_ROOT/mariadb.log"
PORT="${IBA_DB_PORT:-$((33000 + $(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 2000))}"
DB_USER=iba
DB_PASSWORD=iba
DB_NAME=iba

log() { printf '[db] %s\n' "$*" >&2; }

find_server() {
  local candidate
  for candidate in mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
  done
  return 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_server() {
  find_server >/dev/null && return 0
  log "no mariadbd/mysqld on the PATH: installing Debian's mariadb-server (binaries only, no service is started)"
  # policy-rc.d keeps the package from starting the system-wide service
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
  find_server >/dev/null || { log "mariadb-server installed but no mariadbd found"; exit 1; }
}

client() {
  local bin
  bin="$(command -v mariadb || command -v mysql)"
  "$bin" --no-defaults --protocol=socket --socket="$SOCKET" -uroot "$@"
}

is_running() {
  [ -S "$SOCKET" ] && [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

initialise() {
  [ -d "$DATADIR/mysql" ] && return 0
  log "initialising a new data folder in $DATADIR"
  mkdir -p "$DATADIR"
  local install_db
  install_db="$(command -v mariadb-install-db || command -v mysql_install_db)"
  "$install_db" --no-defaults --datadir="$DATADIR" --user="$(id -un)" \
    --auth-root-authentication-method=socket --skip-test-db >"$DATA_ROOT/mariadb-install.log" 2>&1 \
    || { log "mariadb-install-db failed, see $DATA_ROOT/mariadb-install.log"; exit 1; }
}

start_server() {
  mkdir -p "$RUNDIR"
  if is_running; then return 0; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    log "port $PORT is taken by another program; set IBA_DB_PORT to a free port"
    exit 1
  fi
  local server
  server="$(find_server)"
  log "starting MariaDB on 127.0.0.1:$PORT (data: $DATADIR)"
  setsid "$server" --no-defaults --datadir="$DATADIR" --socket="$SOCKET" --pid-file="$PIDFILE" \
    --port="$PORT" --bind-address=127.0.0.1 --user="$(id -un)" --log-error="$LOGFILE" \
    --default-time-zone=+00:00 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --skip-name-resolve --innodb-buffer-pool-size=256M --max-connections=500 \
    --innodb-flush-log-at-trx-commit=1 >/dev/null 2>&1 &
  disown || true
  local waited=0
  until client -e 'SELECT 1' >/dev/null 2>&1; do
    sleep 0.2
    waited=$((waited + 1))
    if [ "$waited" -gt 300 ]; then log "MariaDB did not start within 60 s; see $LOGFILE"; tail -n 20 "$LOGFILE" >&2 || true; exit 1; fi
  done
  client -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
    CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
    GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost';"
}

stop_server() {
  if ! is_running; then log "not running"; return 0; fi
  local pid
  pid="$(cat "$PIDFILE")"
  log "stopping MariaDB (pid $pid)"
  client -e 'SHUTDOWN' >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    if [ "$waited" -gt 300 ]; then log "MariaDB did not stop within 60 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

url() { printf 'mysql://%s:%s@127.0.0.1:%s/%s\n' "$DB_USER" "$DB_PASSWORD" "$PORT" "$DB_NAME"; }

case "${1:-}" in
  start)
    install_server
    initialise
    start_server
    printf 'DATABASE_URL=%s\n' "$(url)"
    ;;
  stop) stop_server ;;
  status) if is_running; then echo "running on port $PORT (pid $(cat "$PIDFILE"))"; else echo "stopped"; exit 1; fi ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
