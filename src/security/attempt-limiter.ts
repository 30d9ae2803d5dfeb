import type { Queryable } from '../db/pool';
import { retryStatementOnConflict } from '../db/retry';
import { recordLockout } from '../metrics/metrics';
import { type AttemptKind, clearAttemptFailures, findAttemptCounter, recordAttemptFailure } from './auth-attempts.model';

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

/** Limits guesses of one kind of secret per member, with the counter in the database. */
export class AttemptLimiter {
  constructor(
    private readonly kind: AttemptKind,
    private readonly policy: AttemptPolicy = FIVE_IN_FIFTEEN_MINUTES,
  ) {}

  async status(db: Queryable, memberId: number, now: Date): Promise<AttemptStatus> {
    const counter = await retryStatementOnConflict(db, () => findAttemptCounter(db, memberId, this.kind));
    if (!counter) return { lockedForSeconds: 0, hasFailures: false };
    const lockedForMs = counter.lockedUntil ? counter.lockedUntil.getTime() - now.getTime() : 0;
    return { lockedForSeconds: lockedForMs > 0 ? Math.ceil(lockedForMs / 1000) : 0, hasFailures: true };
  }

  /** Counts a failure; true when it was the one that set the lock (read back: guesses may run in parallel). */
  async recordFailure(db: Queryable, memberId: number, now: Date): Promise<boolean> {
    const windowStartedBefore = new Date(now.getTime() - this.policy.windowMs);
    const lockedUntil = new Date(now.getTime() + this.policy.lockMs);
    await retryStatementOnConflict(db, () => recordAttemptFailure(db, memberId, this.kind, now, windowStartedBefore, this.policy.maxFailures, lockedUntil));
    const counter = await retryStatementOnConflict(db, () => findAttemptCounter(db, memberId, this.kind));
    const lockedNow = counter?.failures === this.policy.maxFailures;
    if (lockedNow) recordLockout(this.kind);
    return lockedNow;
  }

  /** Call after a success; pass the status read before so a clean success writes nothing. */
  async recordSuccess(db: Queryable, memberId: number, before: AttemptStatus): Promise<void> {
    if (before.hasFailures) await retryStatementOnConflict(db, () => clearAttemptFailures(db, memberId, this.kind));
  }
}
