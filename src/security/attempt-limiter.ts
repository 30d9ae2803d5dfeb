import type { Pool, Queryable } from '../db/pool';
import { retryStatementOnConflict, withRetriedTransaction } from '../db/retry';
import { recordLockout } from '../metrics/metrics';
import { type AttemptCounter, type AttemptKind, clearAttemptFailures, findAttemptCounter, recordAttemptFailure } from './auth-attempts.model';

/** Guessing policy: after maxFailures wrong answers within window, the member is locked for lock. */
export interface AttemptPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

/** The policy the issues fix for PINs and TOTP codes: 5 wrong within 15 minutes locks for 15 minutes. */
export const FIVE_IN_FIFTEEN_MINUTES: AttemptPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export interface AttemptStatus {
  /** Seconds until the lock lifts; 0 when not locked. */
  lockedForSeconds: number;
  /** Whether there are recorded failures to clear after a success. */
  hasFailures: boolean;
}

/** A guess begun with AttemptLimiter.begin: counted as a failure already. */
export interface CountedAttempt extends AttemptStatus {
  /** Whether counting this guess set the lock (reported as a lockout only if the guess turns out wrong). */
  locksIfWrong: boolean;
}

/** Limits guesses of one kind of secret per member, with the counter in the database. */
export class AttemptLimiter {
  constructor(
    private readonly kind: AttemptKind,
    private readonly policy: AttemptPolicy = FIVE_IN_FIFTEEN_MINUTES,
  ) {}

  async status(db: Queryable, memberId: number, now: Date): Promise<AttemptStatus> {
    const counter = await retryStatementOnConflict(db, () => findAttemptCounter(db, memberId, this.kind));
    return statusOf(counter, now);
  }

  /**
   * Starts a guess for a caller outside a transaction (TOTP and e-mailed codes): refused while locked
   * (lockedForSeconds > 0, not counted), otherwise counted as a failure at once, in a transaction that
   * holds the counter (or, for a member without one, the gap it goes in, so parallel first guesses
   * collide and are retried one after the other). Guesses sent in parallel therefore each see the ones
   * before them; checking first and counting after the verdict let a whole burst pass the check. A
   * right answer then clears the counter (recordSuccess); a wrong one only reports its lockout (wrong).
   */
  async begin(pool: Pool, memberId: number, now: Date): Promise<CountedAttempt> {
    return withRetriedTransaction(pool, async (connection) => {
      const before = statusOf(await findAttemptCounter(connection, memberId, this.kind), now);
      if (before.lockedForSeconds > 0) return { ...before, locksIfWrong: false };
      await this.count(connection, memberId, now);
      const counted = await findAttemptCounter(connection, memberId, this.kind);
      return { lockedForSeconds: 0, hasFailures: true, locksIfWrong: counted?.failures === this.policy.maxFailures };
    });
  }

  /** A guess begun with begin was wrong: it is counted already; the lockout it set, if any, is reported. */
  wrong(attempt: CountedAttempt): void {
    if (attempt.locksIfWrong) recordLockout(this.kind);
  }

  /** Counts a failure; true when it was the one that set the lock (read back: guesses may run in parallel). */
  async recordFailure(db: Queryable, memberId: number, now: Date): Promise<boolean> {
    await retryStatementOnConflict(db, () => this.count(db, memberId, now));
    const counter = await retryStatementOnConflict(db, () => findAttemptCounter(db, memberId, this.kind));
    const lockedNow = counter?.failures === this.policy.maxFailures;
    if (lockedNow) recordLockout(this.kind);
    return lockedNow;
  }

  /** Call after a success; pass the status read before so a clean success writes nothing. */
  async recordSuccess(db: Queryable, memberId: number, before: AttemptStatus): Promise<void> {
    if (before.hasFailures) await retryStatementOnConflict(db, () => clearAttemptFailures(db, memberId, this.kind));
  }

  /** One failure more in the policy's window, locking at maxFailures. */
  private count(db: Queryable, memberId: number, now: Date): Promise<void> {
    const windowStartedBefore = new Date(now.getTime() - this.policy.windowMs);
    const lockedUntil = new Date(now.getTime() + this.policy.lockMs);
    return recordAttemptFailure(db, memberId, this.kind, now, windowStartedBefore, this.policy.maxFailures, lockedUntil);
  }
}

function statusOf(counter: AttemptCounter | null, now: Date): AttemptStatus {
  if (!counter) return { lockedForSeconds: 0, hasFailures: false };
  const lockedForMs = counter.lockedUntil ? counter.lockedUntil.getTime() - now.getTime() : 0;
  return { lockedForSeconds: lockedForMs > 0 ? Math.ceil(lockedForMs / 1000) : 0, hasFailures: true };
}
