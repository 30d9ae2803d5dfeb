import type { Pool } from '../db/pool';

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
