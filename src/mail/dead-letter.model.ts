import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';

/** An outbox message as the /op console shows it: who and what for, never its body (links, codes). */
export interface OutboxMessageSummary {
  id: number;
  template: string;
  to: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  requeuedAt: Date | null;
  nextAttemptAt: Date;
  failedAt: Date | null;
  sentAt: Date | null;
}

interface SummaryRow extends RowDataPacket {
  outbox_message_id: number;
  template: string;
  to_address: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  requeued_at: Date | null;
  next_attempt_at: Date;
  failed_at: Date | null;
  sent_at: Date | null;
}

const SUMMARY_COLUMNS = 'outbox_message_id, template, to_address, attempts, last_error, created_at, requeued_at, next_attempt_at, failed_at, sent_at';

function toSummary(row: SummaryRow): OutboxMessageSummary {
  return {
    id: Number(row.outbox_message_id),
    template: row.template,
    to: row.to_address,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    requeuedAt: row.requeued_at,
    nextAttemptAt: row.next_attempt_at,
    failedAt: row.failed_at,
    sentAt: row.sent_at,
  };
}

/** Parked messages, the most recently parked first. */
export async function listFailedOutboxMessages(db: Queryable, limit: number): Promise<OutboxMessageSummary[]> {
  const [rows] = await db.query<SummaryRow[]>(
    `SELECT ${SUMMARY_COLUMNS} FROM outbox_messages WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, outbox_message_id DESC LIMIT ?`,
    [limit],
  );
  return rows.map(toSummary);
}

interface CountRow extends RowDataPacket {
  n: number;
}

export async function countFailedOutboxMessages(db: Queryable): Promise<number> {
  const [[row]] = await db.query<CountRow[]>('SELECT COUNT(*) AS n FROM outbox_messages WHERE failed_at IS NOT NULL');
  return Number(row.n);
}

export async function findOutboxMessageSummary(db: Queryable, id: number): Promise<OutboxMessageSummary | null> {
  const [rows] = await db.execute<SummaryRow[]>(`SELECT ${SUMMARY_COLUMNS} FROM outbox_messages WHERE outbox_message_id = ?`, [id]);
  return rows[0] ? toSummary(rows[0]) : null;
}

/**
 * Puts a parked message back in the queue, due now, with its attempts counted from zero and its age
 * from now; the last error stays until the next attempt. False when it is not (or no longer) parked.
 */
export async function requeueFailedOutboxMessage(db: Queryable, id: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    `UPDATE outbox_messages SET failed_at = NULL, attempts = 0, next_attempt_at = ?, requeued_at = ?
      WHERE outbox_message_id = ? AND failed_at IS NOT NULL AND sent_at IS NULL`,
    [now, now, id],
  );
  return result.affectedRows === 1;
}
