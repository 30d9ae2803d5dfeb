#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on this machine's loopback, with HAProxy in front of it. Data in
# .data/cluster/ (git-ignored), each node its own folder, ports and config file; no system service,
# no systemd. Installs Debian's mariadb-server, galera-4, rsync and haproxy when they are missing.
#
#   scripts/cluster.sh up            start whatever is not running (bootstrapping when no node runs),
#                                    wait until all three nodes are Synced, print the URLs
#   scripts/cluster.sh down          stop HAProxy and the nodes cleanly (the last one stopped bootstraps next time)
#   scripts/cluster.sh status        each node's state and the cluster size; exit 1 unless all is well
#   scripts/cluster.sh kill-node N   SIGKILL node N (1-3), like a power cut
#   scripts/cluster.sh start-node N  start node N again; it rejoins by state transfer (IST or rsync SST)
#   scripts/cluster.sh urls          print the URLs without starting anything
#
# Ports: a block of 20 from IBA_CLUSTER_PORT_BASE (default derived from the checkout's path):
# base+0..2 HAProxy (node 1, 2 or 3 first, the others as backups), then per node N from base+4N:
# MariaDB, Galera replication, IST, SST.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_DIR="$ROOT/.data/cluster"
RUN_DIR="$CLUSTER_DIR/run"
LOG_DIR="$CLUSTER_DIR/logs"
# below Linux's ephemeral range (32768+): a node binds its IST and SST ports again at every rejoin, and
# one that an outgoing connection happens to hold (even in TIME-WAIT) would make the rejoin fail
PORT_BASE="${IBA_CLUSTER_PORT_BASE:-$((20000 + ($(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 600) * 20))}"
NODES=(1 2 3)
DB_USER=iba
DB_PASSWORD=iba
DB_NAME=iba
# HAProxy's health check signs in with this account: no password, no privileges, loopback only
CHECK_USER=iba_check
GALERA_LIBRARIES=(/usr/lib/galera/libgalera_smm.so /usr/lib/libgalera_smm.so /usr/lib64/galera-4/libgalera_smm.so)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Started as root, each mariadbd switches to `mysql`, so rsync state transfer (whose daemon would
# otherwise drop to `nobody`) can write the joiner's folder. Anyone else runs it as themselves.
if [ "$(id -u)" -eq 0 ]; then SERVER_USER=mysql; else SERVER_USER="$(id -un)"; fi

mysql_port() { echo $((PORT_BASE + 4 * $1)); }
galera_port() { echo $((PORT_BASE + 4 * $1 + 1)); }
ist_port() { echo $((PORT_BASE + 4 * $1 + 2)); }
sst_port() { echo $((PORT_BASE + 4 * $1 + 3)); }
haproxy_port() { echo $((PORT_BASE + $1 - 1)); }
node_dir() { echo "$CLUSTER_DIR/node$1"; }
node_cnf() { echo "$CLUSTER_DIR/node$1.cnf"; }
node_socket() { echo "$RUN_DIR/node$1.sock"; }
node_pidfile() { echo "$RUN_DIR/node$1.pid"; }
node_log() { echo "$LOG_DIR/node$1.log"; }
url_for_port() { printf 'mysql://%s:%s@127.0.0.1:%s/%s' "$DB_USER" "$DB_PASSWORD" "$1" "$DB_NAME"; }

find_command() {
  local candidate
  for candidate in "$@"; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
  done
  return 1
}
server_bin() { find_command mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld; }
galera_library() {
  local library
  for library in "${GALERA_LIBRARIES[@]}"; do [ -f "$library" ] && { echo "$library"; return 0; }; done
  return 1
}
haproxy_bin() { find_command haproxy /usr/sbin/haproxy; }

install_missing() {
  local packages=()
  server_bin >/dev/null || packages+=(mariadb-server mariadb-client)
  galera_library >/dev/null || packages+=(galera-4)
  find_command rsync >/dev/null || packages+=(rsync)
  haproxy_bin >/dev/null || packages+=(haproxy)
  [ "${#packages[@]}" -eq 0 ] && return 0
  log "installing Debian's ${packages[*]} (binaries only, no service is started)"
  # policy-rc.d keeps the packages from starting their system-wide services
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
  server_bin >/dev/null && galera_library >/dev/null && haproxy_bin >/dev/null || die "packages installed but mariadbd, libgalera_smm.so or haproxy is still missing"
}

client() {
  local node="$1"
  shift
  # mariadb-install-db gives root and its --user passwordless access over the socket
  "$(find_command mariadb mysql)" --no-defaults --protocol=socket --socket="$(node_socket "$node")" -u"$(id -un)" "$@"
}

node_pid() {
  local pidfile
  pidfile="$(node_pidfile "$1")"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"
}
node_running() { node_pid "$1" >/dev/null; }
running_nodes() { local n; for n in "${NODES[@]}"; do node_running "$n" && echo "$n"; done; return 0; }

status_value() {
  client "$1" -N -B -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2
}
node_synced() { [ "$(status_value "$1" wsrep_local_state_comment)" = Synced ]; }

write_node_config() {
  local node="$1" peers="" n
  for n in "${NODES[@]}"; do peers="${peers:+$peers,}127.0.0.1:$(galera_port "$n")"; done
  cat >"$(node_cnf "$node")" <<EOF
# Generated by scripts/cluster.sh; rewritten on every start.
[mysqld]
datadir=$(node_dir "$node")
socket=$(node_socket "$node")
pid-file=$(node_pidfile "$node")
port=$(mysql_port "$node")
bind-address=127.0.0.1
user=$SERVER_USER
log-error=$(node_log "$node")
default-time-zone=+00:00
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
skip-name-resolve
max-connections=300
innodb-buffer-pool-size=128M
innodb-log-file-size=48M
innodb-flush-log-at-trx-commit=1
# what Galera requires: row-based replication, InnoDB, interleaved auto-increment locks
binlog-format=ROW
default-storage-engine=InnoDB
innodb-autoinc-lock-mode=2
# Galera replicates tables without a primary key badly: refuse to create one
innodb-force-primary-key=ON

wsrep-on=ON
wsrep-provider=$(galera_library)
wsrep-cluster-name=iba
wsrep-cluster-address=gcomm://$peers
wsrep-node-name=node$node
wsrep-node-address=127.0.0.1:$(galera_port "$node")
wsrep-node-incoming-address=127.0.0.1:$(mysql_port "$node")
wsrep-sst-receive-address=127.0.0.1:$(sst_port "$node")
wsrep-provider-options="base_port=$(galera_port "$node");gmcast.listen_addr=tcp://127.0.0.1:$(galera_port "$node");ist.recv_addr=127.0.0.1:$(ist_port "$node");gcache.size=128M"
wsrep-sst-method=rsync
wsrep-slave-threads=2
# reads (and BEGIN) wait until this node has applied what the cluster committed before them, so a
# lockout, a used link or a replayed code written through another node is seen at once
wsrep-sync-wait=1
# a single autocommit statement that loses certification is retried by the node before the client sees 1213
wsrep-retry-autocommit=4
EOF
}

write_haproxy_config() {
  local first n order
  {
    cat <<EOF
# Generated by scripts/cluster.sh; rewritten on every start.
global
  maxconn 2000
  pidfile $RUN_DIR/haproxy.pid
  # the Synced check is a small script (scripts/cluster-check.sh) run by HAProxy
  external-check
  insecure-fork-wanted

defaults
  mode tcp
  timeout connect 2s
  # pooled connections sit idle between requests
  timeout client 1h
  timeout server 1h
  timeout check 3s
  retries 2
  option redispatch

# Health checks only: a node is up when it is Synced (wsrep_local_state 4) and ready. The frontends
# below track these servers, so each node is checked once per second however many frontends use it.
backend galera-nodes
  option external-check
  external-check path "/usr/bin:/bin:/usr/sbin:/sbin"
  external-check command $ROOT/scripts/cluster-check.sh
EOF
    for n in "${NODES[@]}"; do
      echo "  server node$n 127.0.0.1:$(mysql_port "$n") check inter 1s fastinter 250ms fall 2 rise 2"
    done
    for first in "${NODES[@]}"; do
      # node $first takes every connection while it is Synced; the next one in turn takes over when it is not
      order="$first $(( first % 3 + 1 )) $(( (first + 1) % 3 + 1 ))"
      echo
      echo "listen node${first}-first"
      echo "  bind 127.0.0.1:$(haproxy_port "$first")"
      for n in $order; do
        local backup=""
        [ "$n" != "$first" ] && backup=" backup"
        echo "  server node$n 127.0.0.1:$(mysql_port "$n") track galera-nodes/node$n$backup on-marked-down shutdown-sessions"
      done
    done
  } >"$CLUSTER_DIR/haproxy.cfg"
}

prepare_folders() {
  mkdir -p "$CLUSTER_DIR" "$RUN_DIR" "$LOG_DIR"
  local n
  for n in "${NODES[@]}"; do mkdir -p "$(node_dir "$n")"; done
  if [ "$SERVER_USER" != "$(id -un)" ]; then
    chown "$SERVER_USER": "$RUN_DIR" "$LOG_DIR"
    for n in "${NODES[@]}"; do chown -R "$SERVER_USER": "$(node_dir "$n")"; done
  fi
  for n in "${NODES[@]}"; do write_node_config "$n"; done
  write_haproxy_config
}

initialised() { [ -d "$(node_dir "$1")/mysql" ]; }

initialise_node() {
  log "initialising node $1's data folder"
  "$(find_command mariadb-install-db mysql_install_db)" --no-defaults --datadir="$(node_dir "$1")" --user="$SERVER_USER" \
    --auth-root-authentication-method=socket --skip-test-db >"$LOG_DIR/install-node$1.log" 2>&1 \
    || die "mariadb-install-db failed, see $LOG_DIR/install-node$1.log"
}

# grastate.dat says which node may start a new cluster: the last one to stop cleanly
grastate_value() { sed -n "s/^$2:[[:space:]]*//p" "$(node_dir "$1")/grastate.dat" 2>/dev/null; }

# A node that crashed (seqno -1 in grastate.dat) reads its last committed position from InnoDB, as
# mysqld_safe does: with it, a restarted node catches up by IST (no donor blocked) instead of a full SST
recovered_position() {
  local recover_log="$LOG_DIR/recover-node$1.log"
  "$(server_bin)" --defaults-file="$(node_cnf "$1")" --wsrep-recover --log-error="$recover_log" >/dev/null 2>&1 || true
  sed -n 's/.*Recovered position: *\([0-9a-f-]*:-\{0,1\}[0-9]*\).*/\1/p' "$recover_log" | tail -n 1
}

# After the whole cluster stopped, the node that stopped last (safe_to_bootstrap: 1) starts it again;
# after a crash of every node, the one with the highest recovered position does
choose_bootstrap_node() {
  local n best="" best_seqno=-2 seqno
  [ -f "$(node_dir 1)/grastate.dat" ] || { echo 1; return 0; }
  for n in "${NODES[@]}"; do
    if initialised "$n" && [ "$(grastate_value "$n" safe_to_bootstrap)" = 1 ]; then echo "$n"; return 0; fi
  done
  for n in "${NODES[@]}"; do
    initialised "$n" || continue
    seqno="$(recovered_position "$n")"
    seqno="${seqno##*:}"
    log "node $n recovered position: ${seqno:-unknown}"
    if [ -n "$seqno" ] && [ "$seqno" -gt "$best_seqno" ]; then best="$n"; best_seqno="$seqno"; fi
  done
  [ -n "$best" ] || best=1
  if [ -f "$(node_dir "$best")/grastate.dat" ]; then
    sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$(node_dir "$best")/grastate.dat"
  fi
  echo "$best"
}

start_node_process() {
  local node="$1" mode="$2" extra=()
  [ "$mode" = bootstrap ] && extra=(--wsrep-new-cluster)
  if [ "$mode" = join ] && initialised "$node" && [ "$(grastate_value "$node" seqno)" = -1 ]; then
    local position
    position="$(recovered_position "$node")"
    [ -n "$position" ] && [ "${position##*:}" != -1 ] && extra=(--wsrep-start-position="$position")
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$(mysql_port "$node")") 2>/dev/null; then
    die "port $(mysql_port "$node") is taken by another program; set IBA_CLUSTER_PORT_BASE to the start of 20 free ports"
  fi
  rm -f "$(node_socket "$node")"
  log "starting node $node ($mode) on 127.0.0.1:$(mysql_port "$node")"
  setsid "$(server_bin)" --defaults-file="$(node_cnf "$node")" "${extra[@]}" >/dev/null 2>&1 &
  disown || true
}

wait_synced() {
  local node="$1" waited=0 limit="${2:-600}"
  until node_synced "$node"; do
    sleep 0.5
    waited=$((waited + 1))
    if [ "$waited" -gt $((limit * 2)) ]; then
      log "node $node is not Synced after ${limit} s; see $(node_log "$node")"
      tail -n 20 "$(node_log "$node")" >&2 || true
      exit 1
    fi
    if [ "$waited" -gt 4 ] && ! pgrep -f -- "--defaults-file=$(node_cnf "$node")" >/dev/null; then
      log "node $node exited during start-up; see $(node_log "$node")"
      tail -n 20 "$(node_log "$node")" >&2 || true
      exit 1
    fi
  done
}

join_node() {
  node_running "$1" && return 0
  start_node_process "$1" join
  wait_synced "$1"
  log "node $1 is Synced"
}

create_accounts() {
  client "$1" -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
    CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
    GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost';
    CREATE USER IF NOT EXISTS '$CHECK_USER'@'127.0.0.1';"
}

haproxy_pid() {
  local pidfile="$RUN_DIR/haproxy.pid"
  [ -f "$pidfile" ] && kill -0 "$(head -n 1 "$pidfile")" 2>/dev/null && head -n 1 "$pidfile"
}

start_haproxy() {
  if haproxy_pid >/dev/null; then
    # pick up a rewritten configuration without dropping connections
    "$(haproxy_bin)" -f "$CLUSTER_DIR/haproxy.cfg" -D -p "$RUN_DIR/haproxy.pid" -sf "$(haproxy_pid)" 2>>"$LOG_DIR/haproxy.log"
  else
    "$(haproxy_bin)" -c -q -f "$CLUSTER_DIR/haproxy.cfg" || die "HAProxy refuses $CLUSTER_DIR/haproxy.cfg"
    log "starting HAProxy on 127.0.0.1:$(haproxy_port 1)-$(haproxy_port 3)"
    "$(haproxy_bin)" -f "$CLUSTER_DIR/haproxy.cfg" -D -p "$RUN_DIR/haproxy.pid" 2>>"$LOG_DIR/haproxy.log"
  fi
  # the checks need two passes (rise 2) before a node takes connections
  local waited=0
  until "$(find_command mariadb mysql)" --no-defaults --connect-timeout=2 -h127.0.0.1 -P"$(haproxy_port 1)" \
      -u"$DB_USER" -p"$DB_PASSWORD" -N -B -e 'SELECT 1' >/dev/null 2>&1; do
    sleep 0.5
    waited=$((waited + 1))
    [ "$waited" -gt 60 ] && die "HAProxy does not pass connections to the cluster after 30 s; see $LOG_DIR/haproxy.log"
  done
}

stop_haproxy() {
  local pid
  pid="$(haproxy_pid)" || return 0
  log "stopping HAProxy (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

stop_node() {
  local node="$1" pid waited=0
  pid="$(node_pid "$node")" || return 0
  log "stopping node $node (pid $pid)"
  client "$node" -e 'SHUTDOWN' >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    if [ "$waited" -gt 300 ]; then log "node $node did not stop within 60 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

print_urls() {
  local n
  printf 'DATABASE_URL=%s\n' "$(url_for_port "$(haproxy_port 1)")"
  for n in "${NODES[@]}"; do printf 'NODE%s_URL=%s\n' "$n" "$(url_for_port "$(mysql_port "$n")")"; done
  for n in "${NODES[@]}"; do printf 'HAPROXY_NODE%s_FIRST_URL=%s\n' "$n" "$(url_for_port "$(haproxy_port "$n")")"; done
}

valid_node() {
  case "${1:-}" in 1 | 2 | 3) ;; *) echo "usage: $0 kill-node|start-node 1|2|3" >&2; exit 2 ;; esac
}

cmd_up() {
  install_missing
  prepare_folders
  local n first
  if [ -z "$(running_nodes)" ]; then
    initialised 1 || initialise_node 1
    first="$(choose_bootstrap_node)"
    start_node_process "$first" bootstrap
    wait_synced "$first"
    log "node $first started a new cluster"
  fi
  for n in "${NODES[@]}"; do join_node "$n"; done
  first="$(running_nodes | sed -n 1p)"
  create_accounts "$first"
  start_haproxy
  log "three nodes Synced, cluster size $(status_value "$first" wsrep_cluster_size); HAProxy checks each node once a second"
  print_urls
}

cmd_status() {
  local n healthy=0 state
  for n in "${NODES[@]}"; do
    if node_running "$n"; then
      state="$(status_value "$n" wsrep_local_state_comment)"
      printf 'node %s: running (pid %s) on 127.0.0.1:%s, %s, cluster size %s\n' "$n" "$(node_pid "$n")" "$(mysql_port "$n")" \
        "${state:-not answering}" "$(status_value "$n" wsrep_cluster_size)"
      [ "$state" = Synced ] || healthy=1
    else
      printf 'node %s: stopped\n' "$n"
      healthy=1
    fi
  done
  if haproxy_pid >/dev/null; then
    printf 'haproxy: running (pid %s) on 127.0.0.1:%s-%s\n' "$(haproxy_pid)" "$(haproxy_port 1)" "$(haproxy_port 3)"
  else
    printf 'haproxy: stopped\n'
    healthy=1
  fi
  return "$healthy"
}

cmd_kill_node() {
  valid_node "$1"
  local pid
  pid="$(node_pid "$1")" || { log "node $1 is not running"; return 0; }
  log "SIGKILL node $1 (pid $pid)"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

cmd_start_node() {
  valid_node "$1"
  node_running "$1" && { log "node $1 is already running"; return 0; }
  [ -n "$(running_nodes)" ] || die "no node of the cluster is running: use $0 up"
  prepare_folders
  join_node "$1"
}

case "${1:-}" in
  up) cmd_up ;;
  down)
    stop_haproxy
    # the node stopped last is marked safe_to_bootstrap; `up` starts the cluster from it
    for n in 3 2 1; do stop_node "$n"; done
    ;;
  status) cmd_status ;;
  kill-node) cmd_kill_node "${2:-}" ;;
  start-node) cmd_start_node "${2:-}" ;;
  urls) print_urls ;;
  *) echo "usage: $0 up|down|status|kill-node N|start-node N|urls" >&2; exit 2 ;;
esac
