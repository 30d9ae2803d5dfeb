import { isMissingTableError } from '../db/errors';
import type { Pool, RowDataPacket } from '../db/pool';

const HEALTH_QUERY_TIMEOUT_MS = 2000;

/** True when the database answers a trivial query within two seconds. */
export async function isDatabaseReachable(pool: Pool): Promise<boolean> {
  try {
    await pool.query({ sql: 'SELECT 1', timeout: HEALTH_QUERY_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

interface VersionRow extends RowDataPacket {
  version: number | string | null;
}

/**
 * The schema version the migrations recorded (postgrator's schemaversion): 0 before any migration
 * ran, null when the database does not answer within two seconds.
 */
export async function readAppliedMigrationVersion(pool: Pool): Promise<number | null> {
  try {
    const [rows] = await pool.query<VersionRow[]>({ sql: 'SELECT MAX(version) AS version FROM schemaversion', timeout: HEALTH_QUERY_TIMEOUT_MS });
    return Number(rows[0]?.version ?? 0);
  } catch (error) {
    if (isMissingTableError(error)) return 0;
    return null;
  }
}
