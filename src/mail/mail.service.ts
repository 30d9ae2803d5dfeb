import type { Queryable } from '../db/pool';
import { insertOutboxMessage } from './outbox.model';
import { renderEmail } from './templates';

/**
 * Renders a template and queues it in the outbox on the given connection. Nothing is sent here:
 * the outbox worker delivers it after the transaction commits, so a request never waits for SMTP.
 */
export async function queueEmail(db: Queryable, templateId: string, to: string, params: object, now: Date): Promise<number> {
  const rendered = renderEmail(templateId, params);
  return insertOutboxMessage(db, { template: templateId, to, ...rendered }, now);
}
