import { HttpError } from '../http/errors';

export const ARGON2_BUSY_MESSAGE = 'Too many sign-ins in progress: please retry in a moment';
export const ARGON2_BUSY_RETRY_SECONDS = 2;

/**
 * Bounds argon2 work per process: at most `maxRunning` computations at once (each holds 19 MiB, and
 * the C allocator keeps that memory for the thread that used it) and at most `maxWaiting` queued
 * behind them. Beyond that the caller gets a 503 with Retry-After at once, so a flood of sign-ins
 * cannot grow an unbounded queue in memory or stall every other sign-in behind it.
 */
export class Argon2Gate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.maxRunning) this.running += 1;
    else if (this.waiting.length < this.maxWaiting) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else throw new HttpError(503, ARGON2_BUSY_MESSAGE, { retryAfterSeconds: ARGON2_BUSY_RETRY_SECONDS });
    try {
      return await work();
    } finally {
      // hand the slot straight to the next caller, or give it back
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/**
 * Two computations keep both cores of a small server busy for half the memory of four. The queue
 * is unbounded only for command-line tools and tests, which never face a flood.
 */
export const MAX_CONCURRENT_ARGON2 = 2;
export const unboundedArgon2Gate = new Argon2Gate(MAX_CONCURRENT_ARGON2, Number.POSITIVE_INFINITY);
