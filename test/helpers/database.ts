import mysql from 'mysql2/promise';
import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { migrate } from '../../src/db/migrate';

/** Tables holding reference data from migrations; every other table is emptied before each test file. */
const KEPT_TABLES = new Set(['roles', 'schemaversion']);

export function baseDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with scripts/test.sh, which starts a private MariaDB');
  return url;
}

/**
 * Each jest worker gets its own database (<name>_test_<worker>), so test files running in parallel
 * never see each other's rows. Files in one worker run one after another, each on emptied tables.
 */
export function testDatabaseUrl(suffix = `test_${process.env.JEST_WORKER_ID ?? '1'}`): string {
  const url = new URL(baseDatabaseUrl());
  url.pathname = `/${url.pathname.slice(1)}_${suffix}`;
  return url.toString();
}

/** Creates the database if needed, migrates it and empties every table but the reference data. */
export async function prepareTestDatabase(databaseUrl = testDatabaseUrl()): Promise<void> {
  await createEmptyDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, { connectionLimit: 1 });
  try {
    await emptyTables(pool);
  } finally {
    await pool.end();
  }
}

/** Creates the database named by the URL when it does not exist yet. */
export async function createEmptyDatabase(databaseUrl: string): Promise<void> {
  await onServer(databaseUrl, (name) => `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  await onServer(databaseUrl, (name) => `DROP DATABASE IF EXISTS \`${name}\``);
}

/** Runs one statement about the URL's database on a connection to its server (no database selected). */
async function onServer(databaseUrl: string, statementFor: (databaseName: string) => string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/';
  const admin = await mysql.createConnection({ uri: url.toString() });
  try {
    await admin.query(statementFor(name));
  } finally {
    await admin.end();
  }
}

export async function emptyTables(pool: Pool): Promise<void> {
  const connection = await pool.getConnection();
  try {
    const [tables] = await connection.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    );
    await connection.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const { name } of tables) {
      if (!KEPT_TABLES.has(name)) await connection.query(`DELETE FROM \`${name}\``);
    }
    await connection.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    connection.release();
  }
}
