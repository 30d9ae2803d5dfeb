import { execFileSync } from 'node:child_process';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { PROJECT_ROOT } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { BENCH_DATABASE_NAME } from './bench-data';

/** DATABASE_URL when set, otherwise the checkout's private MariaDB (started by scripts/db.sh if needed). */
export function serverDatabaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const output = execFileSync(path.join(PROJECT_ROOT, 'scripts', 'db.sh'), ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = output.split('\n').find((l) => l.startsWith('DATABASE_URL='));
  if (!line) throw new Error('scripts/db.sh start printed no DATABASE_URL');
  return line.slice('DATABASE_URL='.length).trim();
}

/** The URL of the bench database on the same server. */
export function benchDatabaseUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${BENCH_DATABASE_NAME}`;
  return url.toString();
}

/** Drops and re-creates the bench database, then applies every migration to it. */
export async function recreateBenchDatabase(serverUrl: string): Promise<string> {
  const url = new URL(serverUrl);
  url.pathname = '/';
  const admin = await mysql.createConnection({ uri: url.toString() });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${BENCH_DATABASE_NAME}\``);
    await admin.query(`CREATE DATABASE \`${BENCH_DATABASE_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const benchUrl = benchDatabaseUrl(serverUrl);
  await migrate(benchUrl);
  return benchUrl;
}
