import { createHash } from 'node:crypto';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { retryStatementOnConflict, withRetriedTransaction } from '../db/retry';
import { addressKey } from '../http/client-address';
import {
  claimThrottleRows,
  clearThrottle,
  deleteForgottenThrottles,
  findThrottleStates,
  recordThrottleFailure,
  takeBackThrottleFailure,
  type ThrottleState,
} from './sign-in-throttle.model';

/** Failures are forgotten after an hour without one. */
const FORGET_AFTER_MS = 60 * 60_000;

/**
 * Throttles password guessing with growing delays, never with a lock on an account:
 *
 * - per client address, over every account (SIGN_IN_FREE_FAILURES_PER_ADDRESS free failures), which
 *   bounds one address's guessing however it spreads it;
 * - per login as typed and address (SIGN_IN_FREE_FAILURES), which slows guessing one account.
 *
 * Both keys include the caller's own address, so nobody can delay anyone else's sign-in from
 * elsewhere. Neither depends on whether the account exists, so a known and an unknown username get
 * the same answers at the same moments, and the throttle tells nothing about which accounts exist.
 */
export class SignInThrottle {
  constructor(private readonly config: Pick<Config, 'SIGN_IN_FREE_FAILURES' | 'SIGN_IN_FREE_FAILURES_PER_ADDRESS' | 'SIGN_IN_MAX_DELAY_SECONDS'>) {}

  keysFor(login: string, clientAddress: string): ThrottleKeys {
    const address = addressKey(clientAddress);
    // case and compatibility forms of the same name count together, as the database matches them
    const typed = login.trim().normalize('NFKC').toLowerCase();
    return { address: digest(`address\n${address}`), loginAtAddress: digest(`login\n${address}\n${typed}`) };
  }

  /**
   * Starts a password attempt. Held back (waitSeconds > 0) while either counter is, and then not
   * counted; otherwise the attempt is counted as a failure at once, before the password is checked, in
   * one transaction that locks both counters. Guesses sent in parallel therefore each see the ones
   * before them: checking first and counting after the argon2 verification let a burst of parallel
   * guesses all pass the check. Call succeeded (right password) or abandoned (no verdict) after it.
   */
  async begin(pool: Pool, keys: ThrottleKeys, now: Date): Promise<ThrottleAttempt> {
    const forgetBefore = new Date(now.getTime() - FORGET_AFTER_MS);
    const maxDelaySeconds = this.config.SIGN_IN_MAX_DELAY_SECONDS;
    // the address first, always: attempts from one address lock its row in the same order
    const ordered = [keys.address, keys.loginAtAddress];
    const attempt = await withRetriedTransaction(
      pool,
      async (connection) => {
        await claimThrottleRows(connection, ordered, now);
        const found = await findThrottleStates(connection, ordered);
        const blockedMs = Math.max(0, ...found.map((state) => (state.blockedUntil ? state.blockedUntil.getTime() - now.getTime() : 0)));
        if (blockedMs > 0) return { waitSeconds: Math.ceil(blockedMs / 1000), found: [] };
        await recordThrottleFailure(connection, keys.loginAtAddress, now, { freeFailures: this.config.SIGN_IN_FREE_FAILURES, maxDelaySeconds, forgetBefore });
        await recordThrottleFailure(connection, keys.address, now, { freeFailures: this.config.SIGN_IN_FREE_FAILURES_PER_ADDRESS, maxDelaySeconds, forgetBefore });
        return { waitSeconds: 0, found };
      },
      // no gap locks: the claimed rows are all this needs to lock
      { isolationLevel: 'READ COMMITTED' },
    );
    // housekeeping without a timer: now and then, the counters sign-in would forget anyway go
    if (Math.random() < 0.02) await deleteForgottenThrottles(pool, forgetBefore, 500);
    return attempt;
  }

  /** The right password: the login's counter at this address starts afresh, and the address's count is taken back. */
  async succeeded(pool: Pool, keys: ThrottleKeys, attempt: ThrottleAttempt): Promise<void> {
    await retryStatementOnConflict(pool, () => clearThrottle(pool, keys.loginAtAddress));
    await this.takeBack(pool, attempt, keys.address);
  }

  /** The attempt ended without a verdict (the argon2 queue was full, the database failed): it guessed nothing, so it does not count. */
  async abandoned(pool: Pool, keys: ThrottleKeys, attempt: ThrottleAttempt): Promise<void> {
    await this.takeBack(pool, attempt, keys.loginAtAddress);
    await this.takeBack(pool, attempt, keys.address);
  }

  private async takeBack(pool: Pool, attempt: ThrottleAttempt, key: Buffer): Promise<void> {
    const found = attempt.found.find((state) => state.key.equals(key));
    // the address's row is shared by every sign-in from it: under Galera two nodes' writes to it conflict
    if (found) await retryStatementOnConflict(pool, () => takeBackThrottleFailure(pool, found));
  }
}

export interface ThrottleKeys {
  address: Buffer;
  loginAtAddress: Buffer;
}

export interface ThrottleAttempt {
  /** How long the caller must wait before trying again; 0: the attempt goes ahead (and is counted). */
  waitSeconds: number;
  /** The counters as the attempt found them, to take its count back. */
  found: ThrottleState[];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
