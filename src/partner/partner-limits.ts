import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type Config, workerCount } from '../config';
import { rateLimited } from '../http/errors';

/**
 * The partner routes' limits, in this process's memory: a database-held counter would add a write to
 * every check-in, and these limits are safety nets far above real traffic, not rules that must hold
 * exactly across processes.
 *
 * - Per connector, counted only after its signature was checked, so no one else can spend (or use up)
 *   a partner's budget: PARTNER_RATE_LIMIT_PER_MINUTE, shared out over the processes on the host.
 * - Per client address, counting only failed signatures: an address that keeps failing is refused
 *   before any HMAC or database read for the rest of the minute. A partner that signs correctly never
 *   meets it, and an attacker elsewhere cannot trip it for the partner.
 */
export class PartnerLimits {
  private readonly perConnector: RateLimiterMemory;
  private readonly failuresPerAddress: RateLimiterMemory;
  private readonly maxFailures: number;

  constructor(config: Pick<Config, 'PARTNER_RATE_LIMIT_PER_MINUTE' | 'PARTNER_AUTH_FAILURES_PER_MINUTE' | 'WEB_CONCURRENCY' | 'NODE_ENV'>) {
    // the cluster primary hands connections to its workers in turn, so each sees about its share
    const perProcess = Math.max(1, Math.ceil(config.PARTNER_RATE_LIMIT_PER_MINUTE / workerCount(config)));
    this.perConnector = new RateLimiterMemory({ keyPrefix: 'partner', points: perProcess, duration: 60 });
    this.maxFailures = config.PARTNER_AUTH_FAILURES_PER_MINUTE;
    this.failuresPerAddress = new RateLimiterMemory({ keyPrefix: 'partner-failures', points: this.maxFailures, duration: 60 });
  }

  /** Throws 429 when this address has failed too often this minute. */
  async refuseFailingAddress(address: string): Promise<void> {
    const failures = await this.failuresPerAddress.get(address);
    if (failures && failures.consumedPoints >= this.maxFailures) throw refused('Too many failed signatures from this address', failures);
  }

  async recordFailure(address: string): Promise<void> {
    await this.failuresPerAddress.penalty(address, 1);
  }

  /** Counts a verified request against its connector's budget; throws 429 over it. */
  async spend(connectorId: number): Promise<void> {
    await this.perConnector.consume(String(connectorId)).catch((rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) throw refused('Too many requests from this connector', rejection);
      throw rejection;
    });
  }
}

function refused(what: string, state: RateLimiterRes) {
  return rateLimited(what, Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
}
