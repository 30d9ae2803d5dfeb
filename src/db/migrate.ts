import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import Postgrator from 'postgrator';
import { PROJECT_ROOT } from '../config';
import { ensureLeaseTable, releaseLease, tryAcquireLease } from './lease';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');
const MIGRATION_LEASE = 'schema-migrations';
/** A migrator that dies holding the lease blocks the others for at most this long; a live one renews it. */
const LEASE_TTL_MS = 60_000;
const LEASE_RENEW_MS = 15_000;
const LEASE_WAIT_MS = 120_000;

export interface MigrationResult {
  applied: string[];
  version: number;
}

/**
 * Applies migrations/NNN.do.*.sql in order with postgrator, which records them in `schemaversion`.
 * A lease (a row in `leases`, see lease.ts) serialises concurrent runs, also from processes on
 * different Galera nodes, where GET_LOCK would only lock the node it ran on; so two processes
 * starting at once apply each file exactly once, and the second finds nothing left to do.
 * `upTo` stops at that version (the schema as an older release left it, for upgrade tests).
 */
export async function migrate(databaseUrl: string, upTo?: string): Promise<MigrationResult> {
  const connection = await mysql.createConnection({ uri: databaseUrl, multipleStatements: true, timezone: 'Z' });
  try {
    await connection.query("SET time_zone = '+00:00'");
    await ensureLeaseTable(connection);
    const holder = `migrate ${os.hostname()} ${process.pid} ${randomUUID()}`.slice(0, 128);
    await waitForLease(connection, holder);
    // renewed on a connection of its own: on the migrating one, a statement running longer than the
    // lease (an ALTER or backfill of a big table) would hold the renewals back until the lease lapsed
    // and another migrator could start applying the same files
    const renewer = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z' });
    let lost = false;
    const renewal = setInterval(() => {
      tryAcquireLease(renewer, MIGRATION_LEASE, holder, LEASE_TTL_MS, new Date()).then(
        (held) => {
          if (!held) lost = true;
        },
        () => undefined, // a failed renewal is tried again; the lease lasts four renewal periods
      );
    }, LEASE_RENEW_MS);
    try {
      const postgrator = new Postgrator({
        migrationPattern: path.join(MIGRATIONS_DIR, '*'),
        driver: 'mysql',
        database: new URL(databaseUrl).pathname.slice(1),
        schemaTable: 'schemaversion',
        execQuery: async (query: string) => {
          if (lost) throw new Error('Lost the migration lease to another migrator: stopped before the next statement');
          const [result] = await connection.query(query);
          return { rows: Array.isArray(result) ? (result as unknown[]) : [] };
        },
      });
      const applied = await postgrator.migrate(upTo);
      const version = Number(await postgrator.getDatabaseVersion());
      return { applied: applied.map((migration) => path.basename(migration.filename)), version };
    } finally {
      clearInterval(renewal);
      await renewer.end().catch(() => undefined);
      await releaseLease(connection, MIGRATION_LEASE, holder);
    }
  } finally {
    await connection.end();
  }
}

/** The highest migration number in migrations/ (NNN of NNN.do.*.sql): the schema version this code expects. */
export function latestMigrationVersion(directory = MIGRATIONS_DIR): number {
  const versions = fs
    .readdirSync(directory)
    .map((file) => /^(\d+)\.do\..+\.sql$/.exec(file)?.[1])
    .filter((version): version is string => version !== undefined)
    .map(Number);
  return Math.max(0, ...versions);
}

async function waitForLease(connection: mysql.Connection, holder: string): Promise<void> {
  const deadline = Date.now() + LEASE_WAIT_MS;
  while (!(await tryAcquireLease(connection, MIGRATION_LEASE, holder, LEASE_TTL_MS, new Date()))) {
    if (Date.now() > deadline) throw new Error(`Could not take the migration lease within ${LEASE_WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
  }
}
