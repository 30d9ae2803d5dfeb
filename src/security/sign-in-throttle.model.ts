import type { Queryable, RowDataPacket } from '../db/pool';

export interface ThrottleState {
  key: Buffer;
  failures: number;
  blockedUntil: Date | null;
}

interface ThrottleRow extends RowDataPacket {
  throttle_key: Buffer;
  failures: number;
  blocked_until: Date | null;
}

export async function findThrottleStates(db: Queryable, keys: Buffer[]): Promise<ThrottleState[]> {
  const [rows] = await db.query<ThrottleRow[]>(
    'SELECT throttle_key, failures, blocked_until FROM sign_in_throttle WHERE throttle_key IN (?)',
    [keys],
  );
  return rows.map((row) => ({ key: row.throttle_key, failures: row.failures, blockedUntil: row.blocked_until }));
}

export interface FailurePolicy {
  /** Failures before any delay. */
  freeFailures: number;
  maxDelaySeconds: number;
  /** Failures before this instant are forgotten. */
  forgetBefore: Date;
}

/**
 * Counts one failure in one atomic statement (so concurrent guesses from several API processes all
 * count) and sets the delay before the next attempt: none for the first `freeFailures`, then 1 s,
 * 2 s, 4 s, ... doubling up to maxDelaySeconds. A failure after a quiet spell starts over.
 * MySQL and MariaDB evaluate these assignments left to right, so `failures` below is the new count.
 */
export async function recordThrottleFailure(db: Queryable, key: Buffer, now: Date, policy: FailurePolicy): Promise<void> {
  await db.query(
    `INSERT INTO sign_in_throttle (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, 1, ?, NULL)
     ON DUPLICATE KEY UPDATE
       failures = IF(last_failure_at < ?, 1, failures + 1),
       last_failure_at = ?,
       blocked_until = IF(failures > ?,
         DATE_ADD(?, INTERVAL CAST(LEAST(POW(2, LEAST(failures - ? - 1, 30)), ?) AS UNSIGNED) SECOND),
         NULL)`,
    [key, now, policy.forgetBefore, now, policy.freeFailures, now, policy.freeFailures, policy.maxDelaySeconds],
  );
}

export async function clearThrottle(db: Queryable, key: Buffer): Promise<void> {
  await db.query('DELETE FROM sign_in_throttle WHERE throttle_key = ?', [key]);
}

/** Drops counters nobody has failed on for a while, a few at a time. */
export async function deleteForgottenThrottles(db: Queryable, forgetBefore: Date, limit: number): Promise<void> {
  await db.query('DELETE FROM sign_in_throttle WHERE last_failure_at < ? LIMIT ?', [forgetBefore, limit]);
}
