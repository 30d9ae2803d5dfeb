import type { Config } from '../config';
import type { Queryable } from '../db/pool';
import { mailDomainOf, newMessageId } from './addresses';
import { insertOutboxMessage } from './outbox.model';
import { renderEmail } from './templates';

/**
 * Renders a template and queues it in the outbox on the given connection. Nothing is sent here:
 * the outbox worker delivers it after the transaction commits, so a request never waits for SMTP.
 * Its Message-ID is chosen here and stored with it, so a resend after a crash carries the same one.
 */
export async function queueEmail(
  db: Queryable,
  config: Pick<Config, 'MAIL_FROM'>,
  templateId: string,
  to: string,
  params: object,
  now: Date,
): Promise<number> {
  const domain = mailDomainOf(config.MAIL_FROM);
  if (!domain) throw new Error('MAIL_FROM has no domain for Message-IDs'); // refused by loadConfig already
  const rendered = renderEmail(templateId, params);
  return insertOutboxMessage(db, { messageId: newMessageId(domain), template: templateId, to, ...rendered }, now);
}
