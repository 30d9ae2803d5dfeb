import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type { Pool, PoolConnection, ResultSetHeader, RowDataPacket };

/** Anything that can run a query: the pool, or a connection inside a transaction. */
export type Queryable = Pick<Pool, 'query' | 'execute'>;

export interface PoolOptions {
  connectionLimit?: number;
}

/**
 * One pool per process. Every session runs in UTC so DATETIME columns mean UTC instants,
 * and a dead database fails fast (the error handler turns that into 503) instead of hanging requests.
 */
export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const url = new URL(databaseUrl);
  const pool = mysql.createPool({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    connectionLimit: options.connectionLimit ?? 10,
    maxIdle: options.connectionLimit ?? 10,
    connectTimeout: 3000,
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    charset: 'utf8mb4_unicode_ci',
    enableKeepAlive: true,
  });
  pool.pool.on('connection', (connection) => {
    connection.query("SET time_zone = '+00:00'");
  });
  return pool;
}

export interface TransactionOptions {
  /**
   * READ COMMITTED takes no gap locks: for a queue claim (FOR UPDATE SKIP LOCKED over a range) that
   * must not block, or deadlock with, transactions inserting new rows into that range.
   */
  isolationLevel?: 'READ COMMITTED';
}

/** Runs fn inside one transaction on one connection, committing on success and rolling back on any error. */
export async function withTransaction<T>(pool: Pool, fn: (connection: PoolConnection) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const connection = await pool.getConnection();
  try {
    // without SESSION, this applies to the next transaction only: the pooled connection keeps its default
    if (options.isolationLevel) await connection.query(`SET TRANSACTION ISOLATION LEVEL ${options.isolationLevel}`);
    await connection.beginTransaction();
    const result = await fn(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}

export interface PoolUsage {
  /** The pool's connection limit (DATABASE_POOL_SIZE). */
  limit: number;
  /** Connections lent out to a query or a transaction right now. */
  inUse: number;
  /** Open connections waiting in the pool for work. */
  idle: number;
  /** Requests waiting for a connection because all `limit` are in use. */
  waiting: number;
}

interface CorePoolInternals {
  config?: { connectionLimit?: number };
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/**
 * The pool's state, for the metrics scrape. mysql2 exposes no public counters, so this reads its core
 * pool's queues (stable across mysql2 3.x); should a future version rename them, the figures read 0
 * rather than break the scrape.
 */
export function poolUsage(pool: Pool): PoolUsage {
  const core = pool.pool as unknown as CorePoolInternals;
  const all = core._allConnections?.length ?? 0;
  const idle = core._freeConnections?.length ?? 0;
  return { limit: core.config?.connectionLimit ?? 0, inUse: all - idle, idle, waiting: core._connectionQueue?.length ?? 0 };
}
