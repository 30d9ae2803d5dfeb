import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterMySQL, RateLimiterRes } from 'rate-limiter-flexible';
import type { Pool } from '../db/pool';
import { addressKey, clientAddress } from './client-address';
import { rateLimited } from './errors';

/** The table migrations/015 creates for rate-limiter-flexible's MySQL store. */
const TABLE = 'rate_limits';

export interface RateLimitOptions {
  /** Names the counter (its key prefix), e.g. `sign-in`; limits with different names count separately. */
  name: string;
  /** Requests allowed per key per minute. */
  perMinute: number;
  /** What is counted: by default the client's address (IPv6 by /64), which honours TRUST_PROXY. */
  keyOf?: (req: Request) => string;
  /**
   * How to refuse, for routes whose answers are not the JSON envelope (an HTML page, RFC 6749 JSON).
   * By default a 429 is thrown, which the error handler renders in the route's envelope with Retry-After.
   */
  refuse?: (req: Request, res: Response, retryAfterSeconds: number) => void;
  /**
   * Count in this process's memory instead of the database, for a route that must answer without the
   * database (the liveness probe): each process then allows perMinute on its own.
   */
  inProcess?: boolean;
  /** Called when this process first sees a key over its limit in a window (not for every refused request). */
  onLimitReached?: (req: Request, retryAfterSeconds: number) => Promise<void> | void;
}

/**
 * A per-route rate limit kept in the database (rate-limiter-flexible's MySQL store on our pool), so
 * every API process counts against the same budget. Fixed windows of one minute per key. Once a key
 * is over its limit, this process refuses it from memory until the window ends, so a flood costs no
 * database writes; if the database cannot be reached, a per-process counter stands in for it.
 *
 *   router.use('/api/oauth/token', rateLimit(pool, { name: 'oauth-token', perMinute: 30 }))
 */
export function rateLimit(pool: Pool, options: RateLimitOptions): RequestHandler {
  const points = options.perMinute;
  const inMemory = new RateLimiterMemory({ keyPrefix: options.name, points, duration: 60 });
  const limiter = options.inProcess
    ? inMemory
    : new RateLimiterMySQL({
        storeClient: pool.pool,
        storeType: 'pool',
        dbName: databaseNameOf(pool),
        tableName: TABLE,
        tableCreated: true,
        keyPrefix: options.name,
        points,
        duration: 60,
        inMemoryBlockOnConsumed: points + 1,
        insuranceLimiter: inMemory,
      });
  const keyOf = options.keyOf ?? ((req: Request) => addressKey(clientAddress(req)));

  return async (req, res, next) => {
    const refusal = await limiter.consume(keyOf(req)).then(
      () => null,
      (rejection: unknown) => {
        // anything but a verdict is a real failure (the insurance limiter covers an unreachable store)
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return rejection;
      },
    );
    if (!refusal) return next();

    const retryAfterSeconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    // a verdict from the store (not from this process's memory) is the first over the limit here
    if (refusal.consumedPoints > points) await options.onLimitReached?.(req, retryAfterSeconds);
    if (options.refuse) return options.refuse(req, res, retryAfterSeconds);
    throw rateLimited('Too many requests', retryAfterSeconds);
  };
}

function databaseNameOf(pool: Pool): string {
  const name = (pool.pool as unknown as { config: { connectionConfig: { database?: string } } }).config.connectionConfig.database;
  if (!name) throw new Error('rateLimit needs a pool whose connections select a database');
  return name;
}
