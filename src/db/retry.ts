import { isConflictError, isDatabaseUnavailableError } from './errors';
import { type Pool, type PoolConnection, type Queryable, type TransactionOptions, withTransaction } from './pool';

/**
 * Bounded retries for work the database rolled back to resolve a conflict. Under Galera a transaction
 * that loses certification against a write committed on another node comes back as a deadlock (1213)
 * at commit, or at a statement when a replicated write aborts it; on a single server InnoDB deadlocks
 * look the same. Retry only what is safe to repeat: work that does nothing outside the database.
 */

const CONFLICT_ATTEMPTS = 6;
const FIRST_BACKOFF_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full jitter: a random wait up to 10, 20, 40, ... ms, so two losers do not collide again in step. */
function backoffMs(attempt: number): number {
  return Math.random() * FIRST_BACKOFF_MS * 2 ** (attempt - 1);
}

/** Runs work, and again (up to 6 times in all, with jitter) while it fails with a conflict. */
export async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isConflictError(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      await sleep(backoffMs(attempt));
    }
  }
}

/** withTransaction, run again from the start when it loses a conflict. fn must be safe to repeat. */
export function withRetriedTransaction<T>(pool: Pool, fn: (connection: PoolConnection) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  return retryOnConflict(() => withTransaction(pool, fn, options));
}

/**
 * For one statement that is safe to repeat. On the pool it is its own transaction and is retried
 * alone; on a transaction's connection a conflict has rolled back the whole transaction, so it is
 * left to the caller to retry that.
 */
export function retryStatementOnConflict<T>(db: Queryable, statement: () => Promise<T>): Promise<T> {
  return 'getConnection' in db ? retryOnConflict(statement) : statement();
}

/**
 * For a write recording something that already happened outside the database (an e-mail handed to
 * SMTP): keeps trying through conflicts and a database failover (connection lost, node not ready)
 * for up to maxMs, as losing it would make that thing happen again.
 */
export async function retryThroughOutage<T>(work: () => Promise<T>, maxMs = 30_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retryable = isConflictError(error) || isDatabaseUnavailableError(error);
      if (!retryable || Date.now() >= deadline) throw error;
      await sleep(Math.min(backoffMs(attempt), 1000));
    }
  }
}
