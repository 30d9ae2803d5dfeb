import type { Queryable, RowDataPacket } from '../db/pool';

/**
 * What is being guessed. Each kind has its own counter per member. Only secrets that cannot be tried
 * without another credential lock per member: PINs (behind the partner's signature) and TOTP codes
 * (behind the password). Passwords are throttled per address instead (sign-in-throttle.ts).
 */
export type AttemptKind = 'pin' | 'totp' | 'email_otp';

export interface AttemptCounter {
  failures: number;
  windowStartsAt: Date;
  lockedUntil: Date | null;
}

interface AttemptRow extends RowDataPacket {
  failures: number;
  window_starts_at: Date;
  locked_until: Date | null;
}

/**
 * The member's recent-failure counter for one kind, or null when there were no recent failures.
 * A locking read: inside a transaction it sees the latest committed count, not the transaction's
 * snapshot, and holds it, so the decision taken from it stands. (On Galera a failure counted through
 * another node meanwhile aborts this transaction, to be retried, instead of being overlooked.)
 */
export async function findAttemptCounter(db: Queryable, memberId: number, kind: AttemptKind): Promise<AttemptCounter | null> {
  const [rows] = await db.execute<AttemptRow[]>(
    'SELECT failures, window_starts_at, locked_until FROM auth_attempts WHERE member_id = ? AND kind = ? FOR UPDATE',
    [memberId, kind],
  );
  const row = rows[0];
  return row ? { failures: row.failures, windowStartsAt: row.window_starts_at, lockedUntil: row.locked_until } : null;
}

/**
 * Counts one failure in a single atomic statement, so concurrent guesses from several API processes
 * are all counted. A failure after the window has passed starts a new window; reaching maxFailures
 * sets locked_until. MySQL and MariaDB evaluate these assignments left to right.
 */
export async function recordAttemptFailure(
  db: Queryable,
  memberId: number,
  kind: AttemptKind,
  now: Date,
  windowStartedBefore: Date,
  maxFailures: number,
  lockedUntil: Date,
): Promise<void> {
  await db.execute(
    `INSERT INTO auth_attempts (member_id, kind, failures, window_starts_at, locked_until)
     VALUES (?, ?, 1, ?, IF(1 >= ?, ?, NULL))
     ON DUPLICATE KEY UPDATE
       failures = IF(window_starts_at <= ?, 1, failures + 1),
       window_starts_at = IF(failures = 1, ?, window_starts_at),
       locked_until = IF(failures >= ?, ?, NULL)`,
    [memberId, kind, now, maxFailures, lockedUntil, windowStartedBefore, now, maxFailures, lockedUntil],
  );
}

/** Forgets the failures after a success. Deletes nothing (and so writes nothing) when there were none. */
export async function clearAttemptFailures(db: Queryable, memberId: number, kind: AttemptKind): Promise<void> {
  await db.execute('DELETE FROM auth_attempts WHERE member_id = ? AND kind = ?', [memberId, kind]);
}
