import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';

export interface NewOutboxMessage {
  /** The Message-ID header, chosen now so every attempt to send this row carries the same one. */
  messageId: string;
  template: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

/** Queues an e-mail; pass the transaction's connection so it commits with whatever caused it. */
export async function insertOutboxMessage(db: Queryable, message: NewOutboxMessage, now: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO outbox_messages (message_id, template, to_address, subject, html_body, text_body, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [message.messageId, message.template, message.to, message.subject, message.html, message.text, now, now],
  );
  return result.insertId;
}

export interface OutboxMessage {
  id: number;
  messageId: string;
  template: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  attempts: number;
  /** When it entered the queue: created, or re-queued by an admin. The age limit counts from here. */
  queuedAt: Date;
}

interface OutboxMessageRow extends RowDataPacket {
  outbox_message_id: number;
  message_id: string;
  template: string;
  to_address: string;
  subject: string;
  html_body: string;
  text_body: string;
  attempts: number;
  queued_at: Date;
}

/**
 * Claims up to `limit` due messages for this worker (never parked ones): locks them, skipping rows another worker holds,
 * and pushes their next attempt to `leaseUntil` so no one else takes them while they are being sent.
 * Run inside a (short) transaction; the claim holds once it commits.
 */
export async function claimDueOutboxMessages(db: Queryable, now: Date, limit: number, leaseUntil: Date): Promise<OutboxMessage[]> {
  const [rows] = await db.query<OutboxMessageRow[]>(
    `SELECT outbox_message_id, message_id, template, to_address, subject, html_body, text_body, attempts,
            COALESCE(requeued_at, created_at) AS queued_at
       FROM outbox_messages
      WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
      ORDER BY next_attempt_at, outbox_message_id
      LIMIT ?
      FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  if (rows.length === 0) return [];
  await db.query('UPDATE outbox_messages SET next_attempt_at = ? WHERE outbox_message_id IN (?)', [
    leaseUntil,
    rows.map((row) => row.outbox_message_id),
  ]);
  return rows.map((row) => ({
    id: row.outbox_message_id,
    messageId: row.message_id,
    template: row.template,
    to: row.to_address,
    subject: row.subject,
    html: row.html_body,
    text: row.text_body,
    attempts: row.attempts,
    queuedAt: row.queued_at,
  }));
}

/**
 * Marks a message sent and drops its subject and body: links and codes in them do not outlive
 * delivery. The template name, recipient and times stay for operators.
 */
export async function markOutboxMessageSent(db: Queryable, id: number, now: Date): Promise<void> {
  await db.execute(
    'UPDATE outbox_messages SET sent_at = ?, subject = NULL, html_body = NULL, text_body = NULL, last_error = NULL WHERE outbox_message_id = ? AND sent_at IS NULL',
    [now, id],
  );
}

export async function recordOutboxFailure(db: Queryable, id: number, error: string, nextAttemptAt: Date): Promise<void> {
  await db.execute('UPDATE outbox_messages SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE outbox_message_id = ? AND sent_at IS NULL', [
    error.slice(0, 1000),
    nextAttemptAt,
    id,
  ]);
}

/** Gives up on a message after its last failed attempt: parked as failed, kept with its body until an admin re-queues it. */
export async function parkOutboxMessage(db: Queryable, id: number, error: string, now: Date): Promise<void> {
  await db.execute('UPDATE outbox_messages SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE outbox_message_id = ? AND sent_at IS NULL', [
    error.slice(0, 1000),
    now,
    id,
  ]);
}
