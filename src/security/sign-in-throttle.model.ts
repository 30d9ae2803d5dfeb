import type { Queryable, RowDataPacket } from '../db/pool';

export interface ThrottleState {
  key: Buffer;
  failures: number;
  lastFailureAt: Date;
  blockedUntil: Date | null;
}

interface ThrottleRow extends RowDataPacket {
  throttle_key: Buffer;
  failures: number;
  last_failure_at: Date;
  blocked_until: Date | null;
}

export async function findThrottleStates(db: Queryable, keys: Buffer[]): Promise<ThrottleState[]> {
  const [rows] = await db.query<ThrottleRow[]>(
    'SELECT throttle_key, failures, last_failure_at, blocked_until FROM sign_in_throttle WHERE throttle_key IN (?)',
    [keys],
  );
  return rows.map((row) => ({ key: row.throttle_key, failures: row.failures, lastFailureAt: row.last_failure_at, blockedUntil: row.blocked_until }));
}

/**
 * Locks these counters for the rest of the transaction, making a row of 0 failures for a key that has
 * none, so that attempts on the same key queue here however new the key is. Keys are locked in the
 * order given: callers give them in one fixed order, so two attempts never wait on each other.
 */
export async function claimThrottleRows(db: Queryable, keys: Buffer[], now: Date): Promise<void> {
  await db.query(
    `INSERT INTO sign_in_throttle (throttle_key, failures, last_failure_at, blocked_until) VALUES ?
     ON DUPLICATE KEY UPDATE throttle_key = throttle_key`,
    [keys.map((key) => [key, 0, now, null])],
  );
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

/**
 * Takes back one failure counted for an attempt that turned out not to be one. When nobody failed on
 * this key since (the count is back to what the attempt found), the counter is as the attempt found
 * it, delay and time included; otherwise the later failures and the delay they set stand.
 */
export async function takeBackThrottleFailure(db: Queryable, found: ThrottleState): Promise<void> {
  await db.query(
    `UPDATE sign_in_throttle
        SET failures = failures - 1,
            last_failure_at = IF(failures = ?, ?, last_failure_at),
            blocked_until = IF(failures = ?, ?, blocked_until)
      WHERE throttle_key = ? AND failures > 0`,
    [found.failures, found.lastFailureAt, found.failures, found.blockedUntil, found.key],
  );
}

export async function clearThrottle(db: Queryable, key: Buffer): Promise<void> {
  await db.query('DELETE FROM sign_in_throttle WHERE throttle_key = ?', [key]);
}

/** Drops counters nobody has failed on for a while, a few at a time. */
export async function deleteForgottenThrottles(db: Queryable, forgetBefore: Date, limit: number): Promise<void> {
  await db.query('DELETE FROM sign_in_throttle WHERE last_failure_at < ? LIMIT ?', [forgetBefore, limit]);
}
