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
  type FailurePolicy,
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
   * counted. Otherwise the attempt is counted against its login at this address at once, before the
   * password is checked, in a transaction that locks that counter (made with 0 failures when there is
   * none), so guesses at one login sent in parallel each see the ones before them: checking first and
   * counting after the argon2 verification let a burst of parallel guesses all pass the check. The
   * address's counter is only read here and counts failures once they are known (failed): counted
   * ahead, every sign-in in flight from a shared address (an office behind one NAT) would count
   * against all the others, and twenty at once would hold up the right passwords too.
   */
  async begin(pool: Pool, keys: ThrottleKeys, now: Date): Promise<ThrottleAttempt> {
    const attempt = await withRetriedTransaction(
      pool,
      async (connection) => {
        await claimThrottleRows(connection, [keys.loginAtAddress], now);
        const found = await findThrottleStates(connection, [keys.address, keys.loginAtAddress]);
        const blockedMs = Math.max(0, ...found.map((state) => (state.blockedUntil ? state.blockedUntil.getTime() - now.getTime() : 0)));
        if (blockedMs > 0) return { waitSeconds: Math.ceil(blockedMs / 1000), foundLogin: null };
        await recordThrottleFailure(connection, keys.loginAtAddress, now, this.policy(this.config.SIGN_IN_FREE_FAILURES, now));
        return { waitSeconds: 0, foundLogin: found.find((state) => state.key.equals(keys.loginAtAddress)) ?? null };
      },
      // no gap locks: the claimed row is all this needs to lock
      { isolationLevel: 'READ COMMITTED' },
    );
    // housekeeping without a timer: now and then, the counters sign-in would forget anyway go
    if (Math.random() < 0.02) await deleteForgottenThrottles(pool, new Date(now.getTime() - FORGET_AFTER_MS), 500);
    return attempt;
  }

  /** A wrong password (or unknown login) after begin: the login's failure is counted already; the address's is counted now. */
  async failed(pool: Pool, keys: ThrottleKeys, now: Date): Promise<void> {
    // the address's row is shared by every sign-in from it: under Galera two nodes' writes to it conflict
    await retryStatementOnConflict(pool, () => recordThrottleFailure(pool, keys.address, now, this.policy(this.config.SIGN_IN_FREE_FAILURES_PER_ADDRESS, now)));
  }

  /** The right password: the login's counter at this address starts afresh; the address's own counter keeps running down by itself. */
  async succeeded(pool: Pool, keys: ThrottleKeys): Promise<void> {
    await retryStatementOnConflict(pool, () => clearThrottle(pool, keys.loginAtAddress));
  }

  /** The attempt ended without a verdict (the argon2 queue was full): it guessed nothing, so its count is taken back. */
  async abandoned(pool: Pool, attempt: ThrottleAttempt): Promise<void> {
    const found = attempt.foundLogin;
    if (found) await retryStatementOnConflict(pool, () => takeBackThrottleFailure(pool, found));
  }

  private policy(freeFailures: number, now: Date): FailurePolicy {
    return { freeFailures, maxDelaySeconds: this.config.SIGN_IN_MAX_DELAY_SECONDS, forgetBefore: new Date(now.getTime() - FORGET_AFTER_MS) };
  }
}

export interface ThrottleKeys {
  address: Buffer;
  loginAtAddress: Buffer;
}

export interface ThrottleAttempt {
  /** How long the caller must wait before trying again; 0: the attempt goes ahead (and is counted). */
  waitSeconds: number;
  /** The login's counter as the attempt found it, to take its count back. */
  foundLogin: ThrottleState | null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
