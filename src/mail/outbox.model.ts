import type { Queryable, ResultSetHeader } from '../db/pool';

export interface NewOutboxMessage {
  template: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

/** Queues an e-mail; pass the transaction's connection so it commits with whatever caused it. */
export async function insertOutboxMessage(db: Queryable, message: NewOutboxMessage, now: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO outbox_messages (template, to_address, subject, html_body, text_body, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [message.template, message.to, message.subject, message.html, message.text, now],
  );
  return result.insertId;
}
