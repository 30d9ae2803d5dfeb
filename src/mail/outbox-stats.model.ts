import type { Queryable, RowDataPacket } from '../db/pool';

export interface OutboxStats {
  /** Messages waiting to be sent (not sent, not parked). */
  queued: number;
  /** When the oldest waiting message was queued; null when none waits. */
  oldestQueuedAt: Date | null;
  /** Messages parked as failed, waiting for an admin. */
  failed: number;
}

interface CountRow extends RowDataPacket {
  queued: number | string | null;
  failed: number | string | null;
}

interface OldestRow extends RowDataPacket {
  created_at: Date;
}

/**
 * The outbox at a glance, for the metrics scrape. Both reads stay inside the unsent rows of the
 * (sent_at, failed_at, …) keys, never the sent history, so they cost the same with a million sent e-mails.
 */
export async function readOutboxStats(db: Queryable, timeoutMs: number): Promise<OutboxStats> {
  const [[counts]] = await db.query<CountRow[]>({
    sql: 'SELECT SUM(failed_at IS NULL) AS queued, SUM(failed_at IS NOT NULL) AS failed FROM outbox_messages WHERE sent_at IS NULL',
    timeout: timeoutMs,
  });
  const [oldest] = await db.query<OldestRow[]>({
    sql: 'SELECT created_at FROM outbox_messages WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY created_at LIMIT 1',
    timeout: timeoutMs,
  });
  return { queued: Number(counts?.queued ?? 0), failed: Number(counts?.failed ?? 0), oldestQueuedAt: oldest[0]?.created_at ?? null };
}
