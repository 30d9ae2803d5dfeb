import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import Postgrator from 'postgrator';
import { PROJECT_ROOT } from '../config';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');
const MIGRATION_LOCK = 'iba_schema_migrations';
const LOCK_WAIT_SECONDS = 120;

export interface MigrationResult {
  applied: string[];
  version: number;
}

/**
 * Applies migrations/NNN.do.*.sql in order with postgrator, which records them in `schemaversion`.
 * A named MySQL lock (GET_LOCK) serialises concurrent runs, so two processes starting at once
 * apply each file exactly once; the second sees the first one's work and has nothing to do.
 */
export async function migrate(databaseUrl: string): Promise<MigrationResult> {
  const connection = await mysql.createConnection({ uri: databaseUrl, multipleStatements: true, timezone: 'Z' });
  try {
    await connection.query("SET time_zone = '+00:00'");
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS locked', [MIGRATION_LOCK, LOCK_WAIT_SECONDS]);
    if (rows[0]?.locked !== 1) throw new Error(`Could not take the migration lock within ${LOCK_WAIT_SECONDS} s`);
    try {
      const postgrator = new Postgrator({
        migrationPattern: path.join(MIGRATIONS_DIR, '*'),
        driver: 'mysql',
        database: new URL(databaseUrl).pathname.slice(1),
        schemaTable: 'schemaversion',
        execQuery: async (query: string) => {
          const [result] = await connection.query(query);
          return { rows: Array.isArray(result) ? (result as unknown[]) : [] };
        },
      });
      const applied = await postgrator.migrate();
      const version = Number(await postgrator.getDatabaseVersion());
      return { applied: applied.map((migration) => path.basename(migration.filename)), version };
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]);
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
