#!/bin/sh
# HAProxy's external health check for one Galera node (see scripts/cluster.sh): HAProxy passes the
# server's address as $3 and port as $4. Healthy only when the node is Synced (wsrep_local_state 4)
# and ready: a joiner, a donor busy with a state transfer or a node cut off from the primary
# component takes no connections.
state=$(mariadb --no-defaults --connect-timeout=2 -h "$3" -P "$4" -u iba_check -N -B \
  -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_ready')" 2>/dev/null | sort | tr '\t\n' '= ')
[ "$state" = "wsrep_local_state=4 wsrep_ready=ON " ]
