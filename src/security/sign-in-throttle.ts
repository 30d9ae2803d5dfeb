import { createHash } from 'node:crypto';
import type { Config } from '../config';
import type { Queryable } from '../db/pool';
import { retryStatementOnConflict } from '../db/retry';
import { addressKey } from '../http/client-address';
import { clearThrottle, deleteForgottenThrottles, findThrottleStates, recordThrottleFailure } from './sign-in-throttle.model';

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

  /** How long the caller must wait before trying again (0: go ahead), and whether there are failures to clear on success. */
  async check(db: Queryable, keys: ThrottleKeys, now: Date): Promise<ThrottleCheck> {
    const states = await findThrottleStates(db, [keys.address, keys.loginAtAddress]);
    const blockedMs = Math.max(0, ...states.map((state) => (state.blockedUntil ? state.blockedUntil.getTime() - now.getTime() : 0)));
    return {
      waitSeconds: blockedMs > 0 ? Math.ceil(blockedMs / 1000) : 0,
      loginHasFailures: states.some((state) => state.key.equals(keys.loginAtAddress)),
    };
  }

  async recordFailure(db: Queryable, keys: ThrottleKeys, now: Date): Promise<void> {
    const forgetBefore = new Date(now.getTime() - FORGET_AFTER_MS);
    const maxDelaySeconds = this.config.SIGN_IN_MAX_DELAY_SECONDS;
    // the address's row is shared by every sign-in from it: under Galera two nodes' writes to it conflict
    await retryStatementOnConflict(db, () => recordThrottleFailure(db, keys.loginAtAddress, now, { freeFailures: this.config.SIGN_IN_FREE_FAILURES, maxDelaySeconds, forgetBefore }));
    await retryStatementOnConflict(db, () => recordThrottleFailure(db, keys.address, now, { freeFailures: this.config.SIGN_IN_FREE_FAILURES_PER_ADDRESS, maxDelaySeconds, forgetBefore }));
    // housekeeping without a timer: now and then, the failures sign-in would forget anyway go
    if (Math.random() < 0.02) await deleteForgottenThrottles(db, forgetBefore, 500);
  }

  /** A correct password clears its login's counter at this address; the address's own counter keeps running down by itself. */
  async recordSuccess(db: Queryable, keys: ThrottleKeys, check: ThrottleCheck): Promise<void> {
    if (check.loginHasFailures) await retryStatementOnConflict(db, () => clearThrottle(db, keys.loginAtAddress));
  }
}

export interface ThrottleKeys {
  address: Buffer;
  loginAtAddress: Buffer;
}

export interface ThrottleCheck {
  waitSeconds: number;
  loginHasFailures: boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
