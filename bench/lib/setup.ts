import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { PROJECT_ROOT } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { benchDatabaseUrl, recreateBenchDatabase, serverDatabaseUrl } from './database';
import { generateBenchData, type GeneratedCounts } from './generate-data';
import { log } from './options';

export interface BenchData {
  databaseUrl: string;
  pinPepper: string;
  /** null with --reuse-data */
  counts: GeneratedCounts | null;
}

/** The bench database: re-created and filled with a year of generated data, or (reuse) kept as the last run left it. */
export async function prepareBenchData(reuse: boolean): Promise<BenchData> {
  const serverUrl = serverDatabaseUrl();
  const databaseUrl = benchDatabaseUrl(serverUrl);
  if (reuse) return { databaseUrl, pinPepper: readPepper(), counts: null };
  const pinPepper = randomBytes(24).toString('hex');
  log(`re-creating database ${new URL(databaseUrl).pathname.slice(1)} and migrating it`);
  await recreateBenchDatabase(serverUrl);
  log('generating data');
  const started = Date.now();
  const pool = createPool(databaseUrl, { connectionLimit: 1 });
  let counts: GeneratedCounts;
  try {
    counts = await generateBenchData(pool, pinPepper, new Date());
  } finally {
    await pool.end();
  }
  writePepper(pinPepper);
  log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
  return { databaseUrl, pinPepper, counts };
}

/** --reuse-data needs the pepper the data was generated with; it is kept beside the (git-ignored) database. */
const pepperFile = path.join(PROJECT_ROOT, '.data', 'bench-pin-pepper');
function writePepper(pepper: string): void {
  fs.mkdirSync(path.dirname(pepperFile), { recursive: true });
  fs.writeFileSync(pepperFile, pepper, { mode: 0o600 });
}
function readPepper(): string {
  if (!fs.existsSync(pepperFile)) throw new Error('--reuse-data: no earlier bench data (run npm run bench once without it)');
  return fs.readFileSync(pepperFile, 'utf8').trim();
}

/** The private MariaDB's pid (scripts/db.sh), when the bench runs on it; null for another server. */
export function databasePid(): number | null {
  if (process.env.DATABASE_URL) return null;
  try {
    return Number(fs.readFileSync(path.join(PROJECT_ROOT, '.data', 'mariadb-run', 'mariadb.pid'), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

const API_PURCHASE_ID_START = 1_100_000_000;
/** The insert ceiling's bookings (no connector) take purchase ids from here, apart from the API's under the (partner, purchase_id) key. */
export const CEILING_PURCHASE_ID_START = 3_000_000_000;

/** Purchase ids above every existing one, so --reuse-data runs never collide with earlier ones. */
export async function purchaseIdStarts(databaseUrl: string): Promise<{ api: number; ceiling: number }> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT (SELECT COALESCE(MAX(purchase_id), 0) FROM bookings WHERE purchase_id < ?) AS api,
              (SELECT COALESCE(MAX(purchase_id), 0) FROM bookings WHERE purchase_id >= ?) AS ceiling`,
      [CEILING_PURCHASE_ID_START, CEILING_PURCHASE_ID_START],
    );
    return {
      api: Math.max(API_PURCHASE_ID_START, Number(rows[0]?.api ?? 0) + 1),
      ceiling: Math.max(CEILING_PURCHASE_ID_START, Number(rows[0]?.ceiling ?? 0) + 1),
    };
  } finally {
    await connection.end();
  }
}

export async function serverVersion(databaseUrl: string): Promise<string> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    return String(rows[0]?.v ?? '');
  } finally {
    await connection.end();
  }
}
