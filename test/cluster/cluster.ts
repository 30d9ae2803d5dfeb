import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { migrate } from '../../src/db/migrate';
import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { createEmptyDatabase, dropTestDatabase } from '../helpers/database';

/**
 * For tests on the Galera cluster that scripts/test-cluster.sh brings up (scripts/cluster.sh): the
 * nodes' and HAProxy's URLs, a fresh migrated database of the test's own, and killing and starting
 * nodes the way an operator would.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

export const NODES = [1, 2, 3] as const;
export type NodeNumber = (typeof NODES)[number];

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the cluster tests with npm run test:cluster, which starts the cluster`);
  return value;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** One database on the cluster, reachable through each node directly or through HAProxy. */
export interface ClusterDatabase {
  name: string;
  /** Straight to node N's MariaDB. */
  node: (n: NodeNumber) => string;
  /** Through HAProxy: node N while it is Synced, another node when it is not. */
  haproxyPreferring: (n: NodeNumber) => string;
}

export function clusterDatabase(name: string): ClusterDatabase {
  return {
    name,
    node: (n) => withDatabase(requiredEnv(`CLUSTER_NODE${n}_URL`), name),
    haproxyPreferring: (n) => withDatabase(requiredEnv(`CLUSTER_HAPROXY_NODE${n}_FIRST_URL`), name),
  };
}

/** Drops and creates the database (DDL replicates to every node) and, unless told not to, migrates it. */
export async function freshClusterDatabase(name: string, options: { migrated?: boolean } = {}): Promise<ClusterDatabase> {
  const database = clusterDatabase(name);
  await dropTestDatabase(database.node(1));
  await createEmptyDatabase(database.node(1));
  if (options.migrated !== false) await migrate(database.node(1));
  return database;
}

/** A small pool on each node, for reading what every node holds. */
export function nodePools(database: ClusterDatabase, connectionLimit = 2): Record<NodeNumber, Pool> {
  return { 1: createPool(database.node(1), { connectionLimit }), 2: createPool(database.node(2), { connectionLimit }), 3: createPool(database.node(3), { connectionLimit }) };
}

export async function endPools(pools: Record<NodeNumber, Pool> | undefined): Promise<void> {
  if (pools) await Promise.all(NODES.map((n) => pools[n].end().catch(() => undefined)));
}

async function cluster(...args: string[]): Promise<string> {
  const { stdout } = await run(path.join(ROOT, 'scripts', 'cluster.sh'), args, { cwd: ROOT, timeout: 600_000 });
  return stdout;
}

/** SIGKILL: the node dies mid-whatever, like a power cut. */
export const killNode = (n: NodeNumber) => cluster('kill-node', String(n));
/** Starts the node again and waits until it has rejoined (state transfer) and is Synced. */
export const startNode = (n: NodeNumber) => cluster('start-node', String(n));

export interface NodeState {
  node: NodeNumber;
  clusterSize: number;
  state: string;
}

/** What each node says about itself and the cluster. */
export async function clusterState(database: ClusterDatabase): Promise<NodeState[]> {
  return Promise.all(
    NODES.map(async (n) => {
      const pool = createPool(database.node(n), { connectionLimit: 1 });
      try {
        const [rows] = await pool.query<RowDataPacket[]>("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment')");
        const value = (name: string) => String(rows.find((row) => row.Variable_name === name)?.Value);
        return { node: n, clusterSize: Number(value('wsrep_cluster_size')), state: value('wsrep_local_state_comment') };
      } finally {
        await pool.end();
      }
    }),
  );
}

/** Galera's counters of transactions that lost certification or were aborted by a replicated write, summed over the nodes. */
export async function conflictCount(database: ClusterDatabase): Promise<number> {
  let total = 0;
  for (const n of NODES) {
    const pool = createPool(database.node(n), { connectionLimit: 1 });
    try {
      const [rows] = await pool.query<RowDataPacket[]>("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts')");
      total += rows.reduce((sum, row) => sum + Number(row.Value), 0);
    } finally {
      await pool.end();
    }
  }
  return total;
}
